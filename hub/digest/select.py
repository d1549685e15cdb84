"""Ranked stories of one week -> the Digest value (pure: no I/O)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping, Sequence

from hub.digest.lead import compose_lead
from hub.types import (
    Digest,
    DigestItem,
    DigestStory,
    Item,
    Score,
    Story,
    Summary,
    Topic,
    TopicCount,
)
from hub.weeks import parse_week

_KIND_ORDER = {"paper": 0, "repo": 1, "release": 2, "post": 3, "thread": 4}
_REPO_URL = re.compile(r"^https?://github\.com/[\w.-]+/[\w.-]+/?$")


def _in_window(item: Item, start: dt.datetime, end: dt.datetime) -> bool:
    return item.published_at is not None and start <= item.published_at < end


def digest_items(story: Story, items: Mapping[str, Item]) -> tuple[DigestItem, ...]:
    """The story's items as source links: papers first, then code, then discussion."""
    members = sorted(
        (items[i] for i in story.item_ids if i in items),
        key=lambda it: (_KIND_ORDER.get(it.kind, 9), it.id),
    )
    return tuple(_digest_item(it) for it in members)


def _count(extra: Mapping[str, object], key: str) -> int | None:
    value = extra.get(key)
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _digest_item(it: Item) -> DigestItem:
    """An item as a source link with the evidence its parser recorded (points, upvotes, ...)."""
    extra = it.extra or {}
    target = extra.get("target_url")
    return DigestItem(
        it.id,
        it.kind,
        it.url,
        it.source,
        it.title,
        points=_count(extra, "points"),
        comments=_count(extra, "comments"),
        upvotes=_count(extra, "upvotes") if it.source != "reddit" else _count(extra, "score"),
        stars=_count(extra, "stars"),
        target_url=target if isinstance(target, str) and target != it.url else "",
        code_url=next((u for u in it.links if _REPO_URL.match(u)), "") if it.kind == "paper" else "",
    )


def make_story(
    rank: int,
    score: Score,
    story: Story,
    items: Mapping[str, Item],
    topic: Topic,
    summary: Summary,
    start: dt.datetime,
    end: dt.datetime,
) -> DigestStory:
    dates = [items[i].published_at for i in story.item_ids if i in items and _in_window(items[i], start, end)]
    return DigestStory(
        rank=rank,
        story_id=story.id,
        title=story.title,
        topic=topic.id,
        topic_name=topic.name,
        score=score.total,
        breakdown=dict(score.breakdown),
        summary=summary.text,
        items=digest_items(story, items),
        published_at=min(d for d in dates if d) if dates else None,
    )


def choose(
    ranked: Sequence[Score],
    is_paper: Mapping[str, bool],
    limit: int,
    min_papers: int = 0,
    max_papers: int | None = None,
) -> list[Score]:
    """The digest's stories: the best `limit`, holding between `min_papers` and
    `max_papers` papers when the week has enough of each kind; score order kept.

    Papers and posts are scored on different evidence (content vs. social signals),
    so the mix is a rule, not an accident of the weights.
    """
    max_p = limit if max_papers is None else min(max_papers, limit)
    caps = {True: max_p, False: limit - min(min_papers, max_p)}
    taken = {True: 0, False: 0}
    chosen: list[Score] = []
    for sc in ranked:
        paper = is_paper.get(sc.story_id, False)
        if len(chosen) < limit and taken[paper] < caps[paper]:
            chosen.append(sc)
            taken[paper] += 1
    if len(chosen) < limit:  # one kind ran out: the other fills the rest
        picked = {sc.story_id for sc in chosen}
        chosen += [sc for sc in ranked if sc.story_id not in picked][: limit - len(chosen)]
    order = {sc.story_id: n for n, sc in enumerate(ranked)}
    return sorted(chosen, key=lambda sc: order[sc.story_id])


def comparable(this_week: Mapping[str, int], last_week: Mapping[str, int], floor: float = 0.2) -> bool:
    """Is last week covered well enough (>= 20% of this week's stories) to compare topics?"""
    return sum(last_week.values()) >= floor * max(sum(this_week.values()), 1)


def topic_counts(
    this_week: Mapping[str, int],
    last_week: Mapping[str, int],
    topics: Mapping[str, Topic],
) -> tuple[TopicCount, ...]:
    ids = sorted(set(this_week) | set(last_week), key=lambda t: (-this_week.get(t, 0), t))
    return tuple(
        TopicCount(t, topics[t].name if t in topics else t, this_week.get(t, 0), last_week.get(t, 0))
        for t in ids
    )


def week_stats(
    stories: Sequence[Story], items: Mapping[str, Item], start: dt.datetime, end: dt.datetime
) -> dict[str, int]:
    in_week = [it for it in items.values() if _in_window(it, start, end)]
    kinds = Counter(it.kind for it in in_week)
    return {
        "items": len(in_week),
        "stories": len(stories),
        "papers": kinds.get("paper", 0),
        "repos": kinds.get("repo", 0) + kinds.get("release", 0),
        "posts": kinds.get("post", 0) + kinds.get("thread", 0),
        "sources": len({it.source for it in in_week}),
        "joined": sum(1 for s in stories if len(s.item_ids) > 1),
    }


def select_digest(
    week: str,
    ranked: Sequence[Score],
    stories: Mapping[str, Story],
    items: Mapping[str, Item],
    topic_of: Mapping[str, str],
    topics: Mapping[str, Topic],
    summaries: Mapping[str, Summary],
    *,
    counts: Sequence[TopicCount] = (),
    stats: Mapping[str, int] | None = None,
) -> Digest:
    """Build the week's Digest from the already-cut ranked list (best first)."""
    start, end = parse_week(week)
    fallback = Topic("other", "Other", seed=False)
    out = tuple(
        make_story(
            n,
            sc,
            stories[sc.story_id],
            items,
            topics.get(topic_of.get(sc.story_id, ""), fallback),
            summaries.get(sc.story_id, Summary(sc.story_id, "")),
            start,
            end,
        )
        for n, sc in enumerate(ranked, 1)
    )
    stats = dict(stats or {})
    return Digest(
        week=week,
        start=start.date(),
        end=(end - dt.timedelta(days=1)).date(),
        stories=out,
        lead=compose_lead(out, counts, stats),
        topic_counts=tuple(counts),
        stats=stats,
    )
