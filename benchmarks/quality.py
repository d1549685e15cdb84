"""Ranking quality on the recorded week: recall of the editors' weekly picks.

    python -m benchmarks.quality [--data ../shared/data]

Loads the real week (arXiv, Hacker News, GitHub trending in shared/data/w1) into a
temporary hub, ranks every story of 2025-W16, and measures recall@10 and recall@30 of
the dair-ai "ML Papers of the Week" picks (picks.json; used here only, never shipped)
among the ranked stories, beside simple baselines computed on the same stories.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from hub.config import load_config
from hub.core import Hub, make_hub
from hub.digest.select import parse_week
from hub.types import Story

WEEK = "2025-W16"


def recall(order: Sequence[Story], targets: set[str], k: int) -> float:
    hit = {i for s in order[:k] for i in s.item_ids} & targets
    return len(hit) / len(targets) if targets else 0.0


def ranked(hub: Hub) -> tuple[list[Story], dict[str, Story], object]:
    start, end = parse_week(WEEK)
    ctx = hub._week_context(start, end)
    by_id = {s.id: s for s in ctx.stories}
    return [by_id[s.story_id] for s in hub.rank_week(ctx)], by_id, ctx


def baselines(stories: list[Story], ctx: object) -> dict[str, list[Story]]:
    items, obs = ctx.items, ctx.observations  # type: ignore[attr-defined]

    def newest(s: Story) -> float:
        dates = [items[i].published_at.timestamp() for i in s.item_ids if items[i].published_at]
        return -max(dates, default=0)

    def metric(name: str) -> Callable[[Story], float]:
        return lambda s: (
            -max((o.value for i in s.item_ids for o in obs.get(i, ()) if o.metric == name), default=0)
        )

    return {
        "newest first": sorted(stories, key=lambda s: (newest(s), s.id)),
        "HN points only": sorted(stories, key=lambda s: (metric("points")(s), s.id)),
        "HF upvotes only": sorted(stories, key=lambda s: (metric("upvotes")(s), s.id)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    args = ap.parse_args()
    data = Path(args.data)
    picks = json.loads((data / "w1" / "ml_papers_of_the_week" / "picks.json").read_text())["picks"]
    targets = {f"arxiv:{p['arxiv_id']}" for p in picks if p.get("arxiv_id") and p.get("in_week_arxiv_files")}
    files = [
        f for sub in ("arxiv", "hackernews", "github_trending") for f in sorted((data / "w1" / sub).iterdir())
    ]
    with (
        tempfile.TemporaryDirectory() as tmp,
        make_hub(load_config(None, env={}, workspace=Path(tmp))) as hub,
    ):
        hub.import_paths(files)
        hub.analyze()
        order, _, ctx = ranked(hub)
    rows = {"hub ranking": order, **baselines(order, ctx)}
    has_hf = any(o.metric == "upvotes" for obs in ctx.observations.values() for o in obs)  # type: ignore[attr-defined]
    print(f"ranking quality, {WEEK}: {len(order)} stories, {len(targets)} editors' picks in the data")
    print(f"{'ranking':<18}{'recall@10':>10}{'recall@30':>10}{'recall@100':>11}")
    for name, ranking in rows.items():
        note = "" if has_hf or "HF" not in name else "  (no HF data this week: ties)"
        print(
            f"{name:<18}{recall(ranking, targets, 10):>10.2f}{recall(ranking, targets, 30):>10.2f}"
            f"{recall(ranking, targets, 100):>11.2f}{note}"
        )
    positions = {i: n for n, s in enumerate(order, 1) for i in s.item_ids}
    print("picks' positions in the hub ranking:", sorted(positions.get(t, -1) for t in targets))


if __name__ == "__main__":
    main()
