"""`hub explain`: why a story is what it is, read from the store alone.

A story's items, the evidence that joined them (links and how each was found), its
topic, its score in every week it was ranked, and where a stored digest showed it — with
the stories of the same event it was joined with when that week was read (those joins
are made for the digest, not stored as links). It loads no stage: `hub explain`
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
        "digests": in_digests(store, set(story.item_ids)),
    }


def in_digests(store: Store, item_ids: set[str]) -> list[dict[str, Any]]:
    """Each stored digest story holding one of these items: its week, rank and story id,
    and the items it showed beside them (the same event, joined when the week was read)."""
    return [
        {
            "week": d.week,
            "rank": s.rank,
            "story_id": s.story_id,
            "with": [it.id for it in s.items if it.id not in item_ids],
        }
        for d in store.digests()
        for s in d.stories
        if any(it.id in item_ids for it in s.items)
    ]
