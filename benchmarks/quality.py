"""Ranking quality on the recorded week: recall of the editors' weekly picks.

    python -m benchmarks.quality [--data ../shared/data]

Loads the real week (arXiv, Hacker News, GitHub trending in shared/data/w1) into a
temporary hub, ranks every story of 2025-W16 and measures recall@10 and recall@30 of
the dair-ai "ML Papers of the Week" picks (picks.json; read here only, never shipped)
three ways, each beside simple baselines computed on the same stories:

* all stories: hub's whole ranking (papers compete with HN threads and repos);
* the digest: the stories `hub digest` publishes (limit and paper quota from hub.toml);
* papers only: the ranking of paper stories — what the digest's paper slots draw from,
  and the list an editor's paper picks are comparable to.

The weights are the shipped defaults; the picks are never read by hub itself.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from hub.config import load_config
from hub.core import Hub, WeekContext, make_hub
from hub.digest.select import parse_week
from hub.types import Story

WEEK = "2025-W16"
KS = (10, 30, 100)


def recall(order: Sequence[Story], targets: set[str], k: int) -> float:
    hit = {i for s in order[:k] for i in s.item_ids} & targets
    return len(hit) / len(targets) if targets else 0.0


def _newest(ctx: WeekContext) -> Callable[[Story], tuple[float, str]]:
    def key(s: Story) -> tuple[float, str]:
        dates = [ctx.items[i].published_at.timestamp() for i in s.item_ids if ctx.items[i].published_at]  # type: ignore[union-attr]
        return -max(dates, default=0), s.id

    return key


def _metric(ctx: WeekContext, name: str) -> Callable[[Story], tuple[float, str]]:
    def key(s: Story) -> tuple[float, str]:
        best = max(
            (o.value for i in s.item_ids for o in ctx.observations.get(i, ()) if o.metric == name), default=0
        )
        return -best, s.id

    return key


def _team(ctx: WeekContext) -> Callable[[Story], tuple[float, str]]:
    return lambda s: (-len(ctx.items[s.lead_item].authors), s.id)


def baselines(stories: list[Story], ctx: WeekContext) -> dict[str, list[Story]]:
    return {
        "newest first": sorted(stories, key=_newest(ctx)),
        "HN points only": sorted(stories, key=_metric(ctx, "points")),
        "HF upvotes only": sorted(stories, key=_metric(ctx, "upvotes")),
        "largest author team": sorted(stories, key=_team(ctx)),
    }


def _table(title: str, rows: dict[str, list[Story]], targets: set[str], n: int, note: str) -> None:
    print(f"\n{title} ({n} stories)")
    print(f"{'ranking':<22}" + "".join(f"{'recall@' + str(k):>11}" for k in KS))
    for name, order in rows.items():
        extra = note if "HF" in name else ""
        print(f"{name:<22}" + "".join(f"{recall(order, targets, k):>11.2f}" for k in KS) + extra)
    expected = "".join(f"{min(1.0, k / max(n, 1)):>11.2f}" for k in KS)
    print(f"{'random (expected)':<22}{expected}")


def _load(hub: Hub, data: Path) -> WeekContext:
    files = [
        f for sub in ("arxiv", "hackernews", "github_trending") for f in sorted((data / "w1" / sub).iterdir())
    ]
    hub.import_paths(files)
    hub.analyze()
    start, end = parse_week(WEEK)
    return hub._week_context(start, end)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    args = ap.parse_args()
    data = Path(args.data)
    picks = json.loads((data / "w1" / "ml_papers_of_the_week" / "picks.json").read_text())["picks"]
    targets = {f"arxiv:{p['arxiv_id']}" for p in picks if p.get("arxiv_id") and p.get("in_week_arxiv_files")}
    with (
        tempfile.TemporaryDirectory() as tmp,
        make_hub(load_config(None, env={}, workspace=Path(tmp))) as hub,
    ):
        ctx = _load(hub, data)
        by_id = {s.id: s for s in ctx.stories}
        order = [by_id[sc.story_id] for sc in hub.rank_week(ctx)]
        digest = [by_id[sc.story_id] for sc in hub.choose_week(ctx)]
        min_papers, max_papers = hub.config.digest.min_papers, hub.config.digest.max_papers
    papers = [s for s in order if ctx.items[s.lead_item].kind == "paper"]
    has_hf = any(o.metric == "upvotes" for obs in ctx.observations.values() for o in obs)
    note = "" if has_hf else "  (no HF data this week: ties)"
    print(f"ranking quality, {WEEK}: {len(targets)} editors' picks present in the week's arXiv files")
    everything = {"hub ranking": order, **baselines(order, ctx)}
    _table("all stories", everything, targets, len(order), note)
    paper_rows = {"hub ranking": papers, **baselines(papers, ctx)}
    del paper_rows["HN points only"]
    _table("papers only", paper_rows, targets, len(papers), note)
    hits = sorted({i for s in digest for i in s.item_ids} & targets)
    print(
        f"\nthe digest ({len(digest)} stories, {min_papers}-{max_papers} papers): "
        f"{len(hits)} of {len(targets)} picks ({len(hits) / max(len(targets), 1):.2f})"
    )
    rank_of = {i: n for n, s in enumerate(order, 1) for i in s.item_ids}
    paper_rank = {i: n for n, s in enumerate(papers, 1) for i in s.item_ids}
    print("picks' positions, all stories:", sorted(rank_of.get(t, -1) for t in targets))
    print("picks' positions, papers only:", sorted(paper_rank.get(t, -1) for t in targets))


if __name__ == "__main__":
    main()
