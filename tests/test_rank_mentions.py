"""A roundup that mentions a paper raises its `newsletters` evidence through the whole Hub path
(store links -> week context -> rank), without joining the paper's story."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hub.config import load_config
from hub.core import make_hub
from hub.digest.select import parse_week
from hub.types import Item

DATA = Path(__file__).parent / "data" / "sources"


def test_a_roundup_mention_counts_as_a_source(tmp_path: Path) -> None:
    with make_hub(load_config(None, env={}, workspace=tmp_path)) as hub:
        hub.import_paths([DATA / "2025-04-14.jsonl"])  # real arXiv listing of the week
        hub.analyze()
        start, end = parse_week("2025-W16")
        before = {sc.story_id: sc for sc in hub.builder().rank_week(hub.builder()._week_context(start, end))}
        items = sorted(hub.store.items(), key=lambda i: i.id)
        papers = [i for i in items if i.id.startswith("arxiv:2504")][:6]
        roundup = Item(
            id="url:https://example.org/this-week-in-ai",
            kind="post",
            source="feed:example-weekly",
            title="This week in AI",
            url="https://example.org/this-week-in-ai",
            published_at=start + dt.timedelta(days=4),
            links=tuple(p.url for p in papers),
        )
        hub.store.upsert([roundup])
        hub.analyze()
        ctx = hub.builder()._week_context(start, end)
        after = {sc.story_id: sc for sc in hub.builder().rank_week(ctx)}
        story_of = {i: s.id for s in ctx.stories for i in s.item_ids}
        for p in papers:
            sid = story_of[p.id]
            assert roundup.id not in next(s for s in ctx.stories if s.id == sid).item_ids  # no join
            assert [m.item_id for m in ctx.mentions[sid]] == [roundup.id]
            assert after[sid].breakdown["newsletters"] > before[sid].breakdown.get("newsletters", 0.0)
            assert after[sid].total > before[sid].total


def test_every_story_of_the_week_keeps_its_score(tmp_path: Path) -> None:
    with make_hub(load_config(None, env={}, workspace=tmp_path)) as hub:
        hub.import_paths([DATA / "2025-04-14.jsonl"])
        digest = hub.digest("2025-W16", limit=5, save=True, write_page=False)
        ranked = hub.builder().rank_week(hub.builder().week_context("2025-W16"))
        stored = hub.store.week_scores("2025-W16")
        assert len(stored) == len(ranked) > len(digest.stories) == 5
        # the digest's stories first, at their rank; the rest after them, best first
        rows = hub.store.fetchall("SELECT story_id, rank FROM scores WHERE week = '2025-W16' ORDER BY rank")
        assert [r[0] for r in rows[:5]] == [s.story_id for s in digest.stories]
        assert [r[1] for r in rows] == list(range(1, len(rows) + 1))
        # a preview stores nothing
        hub.digest("2025-W16", limit=3, save=False, write_page=False)
        assert len(hub.store.week_scores("2025-W16")) == len(ranked)


def test_an_issue_of_the_days_before_the_week_raises_its_stories(tmp_path: Path) -> None:
    # a newsletter covers on Friday what arXiv lists on Monday: the Friday issue counts for
    # the new week's stories; one older than EARLIER_GAP does not
    with make_hub(load_config(None, env={}, workspace=tmp_path)) as hub:
        hub.import_paths([DATA / "2025-04-14.jsonl"])
        start, end = parse_week("2025-W16")
        papers = sorted((i for i in hub.store.items() if i.id.startswith("arxiv:2504")), key=lambda i: i.id)

        def roundup(n: int, when: dt.datetime, linked: list[Item]) -> Item:
            return Item(
                id=f"url:https://example.org/issue-{n}", kind="post", source="feed:example-weekly",
                title=f"Issue {n}", url=f"https://example.org/issue-{n}", published_at=when,
                links=tuple(p.url for p in linked),
            )  # fmt: skip

        week_issue = roundup(1, start + dt.timedelta(days=3), papers[:6])
        friday = roundup(2, start - dt.timedelta(days=2), papers[6:12])
        too_old = roundup(3, start - dt.timedelta(days=6), papers[12:18])
        hub.store.upsert([week_issue, friday, too_old])
        hub.analyze()
        ctx = hub.builder()._week_context(start, end)
        story_of = {i: s.id for s in ctx.stories for i in s.item_ids}
        for p in papers[6:12]:
            assert [m.item_id for m in ctx.mentions[story_of[p.id]]] == [friday.id]
        assert not any(story_of[p.id] in ctx.mentions for p in papers[12:18])
        assert friday.id not in story_of and too_old.id not in story_of  # never stories of the week
