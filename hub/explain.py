"""`hub explain`: why a story is what it is, read from the store alone.

A story's items, the evidence that joined them (links and how each was found), its
topic and its score in every week it was ranked. It loads no stage: `hub explain`
answers as fast as the store opens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub.exceptions import NotFoundError

if TYPE_CHECKING:
    from hub.store import Store


def explain(store: Store, ident: str) -> dict[str, Any]:
    """The story `ident` names (a story id, or the id of one of its items), explained."""
    story_id = ident if ident.startswith("s-") else store.story_of_item(ident)
    stories = store.stories([story_id]) if story_id else []
    if not stories:
        raise NotFoundError(f"no story or item {ident!r} (ids look like s-1a2b3c4d5e6f or arxiv:2504.12345)")
    story = stories[0]
    topic = store.story_topics([story.id]).get(story.id)
    return {
        "story": story,
        "items": store.items(story.item_ids),
        "links": store.links(story.item_ids),
        "topic": {"id": topic[0], "confidence": topic[1], "relevance": topic[2]} if topic else None,
        "scores": [
            {"week": w, "rank": r, "total": t, "breakdown": b} for w, r, t, b in store.story_scores(story.id)
        ],
    }
