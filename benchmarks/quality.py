"""Quality of the weekly digest on three real weeks: the events an editor led with, the picks.

    python -m benchmarks.quality [--data ../shared/data] [--weeks w1,w17,w18]

Per week (w1 = 2025-W16, w17 = 2025-W17, w18 = 2025-W18) a fresh temporary hub imports
what a user would have had: the prior week's files when the data holds them, then the
week's arXiv, Hacker News, GitHub trending and HF daily papers files, and the AINews issues
as the Atom feed their site serves (benchmarks.ainews_feed, built in the temporary folder:
the issues are all rights reserved and never enter the repository). Then `analyze()` and a
30-story `digest()` preview (nothing saved), with the shipped defaults.

Measured against hand-written labels (benchmarks/labels/, read here only, never by hub):

* headline recall@10/@30: the events named in the week's AINews titles and descriptions
  that have items in the week's files; an event counts at the rank of the first story
  holding any of its items (an HF page and its arXiv paper are the same paper);
* picks recall@10/@30: dair-ai's papers of the week found in the week's or prior week's
  arXiv files;
* the same for baselines over all the week's stories: HN points only, HF upvotes only,
  newest first, papers by how many newsletter issues link them;
* joins: labelled item pairs (same event / hard negative) and any story of the week
  holding items of two different labelled events.

Goals (issue 13): headline @10 >= 0.5 and @30 >= 0.9, picks @30 >= 0.75, wrong joins 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.ainews_feed import build_feed
from hub.config import load_config
from hub.core import Hub, make_hub
from hub.sources.ids import arxiv_ids_in_text

LABELS = Path(__file__).resolve().parent / "labels"
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
WEEKS = ("w1", "w17", "w18")
SOURCES = ("arxiv", "hackernews", "github_trending", "hf_daily_papers")
KS = (10, 30)
GOALS = {("headline", 10): 0.5, ("headline", 30): 0.9, ("picks", 30): 0.75}
HUB = "hub digest"
FULL = "hub, every story ranked"


def paper_key(item_id: str) -> str:
    """One key per paper: `hf:X` (its HF page) and `arxiv:X` are the same paper."""
    kind, _, rest = item_id.partition(":")
    return f"paper:{rest}" if kind in ("arxiv", "hf") else item_id


# -- labels ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Labels:
    folder: str
    week: str
    prior: str | None
    events: dict[str, frozenset[str]]  # event name -> paper_key'd item ids
    picks: dict[str, str]  # paper_key'd item id -> "week" | "prior"


def load_labels(folder: str) -> Labels:
    raw = json.loads((LABELS / f"{folder}.json").read_text(encoding="utf-8"))
    events = {e["event"]: frozenset(paper_key(i) for i in e["items"]) for e in raw["headline_events"]}
    picks = {paper_key(p["item"]): p["in_files"] for p in raw["picks"] if p["item"] and p["in_files"]}
    return Labels(folder, raw["week"], raw.get("prior_folder"), events, picks)


def load_pairs() -> list[dict[str, Any]]:
    pairs: list[dict[str, Any]] = json.loads((LABELS / "joins.json").read_text(encoding="utf-8"))["pairs"]
    return pairs


# -- ranking measures (pure) ----------------------------------------------------------

Order = Sequence[frozenset[str]]  # stories best first, each as its paper_key'd item ids


def first_rank(order: Order, targets: Iterable[str]) -> int | None:
    """1-based rank of the first story holding any of the targets; None when none does."""
    wanted = set(targets)
    return next((n for n, items in enumerate(order, 1) if items & wanted), None)


def recall(ranks: Iterable[int | None], k: int) -> float:
    ranks = list(ranks)
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0


def event_ranks(order: Order, labels: Labels) -> dict[str, int | None]:
    return {name: first_rank(order, items) for name, items in labels.events.items()}


def pick_ranks(order: Order, labels: Labels) -> dict[str, int | None]:
    return {pick: first_rank(order, [pick]) for pick in labels.picks}


# -- baselines (pure, over the week's stories) ----------------------------------------


def _best(ctx: Any, story: Any, metric: str) -> float:
    return max(
        (o.value for i in story.item_ids for o in ctx.observations.get(i, ()) if o.metric == metric),
        default=0,
    )


def _newest(ctx: Any, story: Any) -> float:
    dates = [
        ctx.items[i].published_at for i in story.item_ids if i in ctx.items and ctx.items[i].published_at
    ]
    return max(dates).timestamp() if dates else 0.0


def _linked(ctx: Any, story: Any, links: dict[str, int]) -> float:
    return max(
        (links.get(paper_key(i), 0) for i in story.item_ids if paper_key(i).startswith("paper:")), default=0
    )


def baselines(ctx: Any, stories: list[Any], newsletter_links: dict[str, int]) -> dict[str, list[Any]]:
    """Each baseline's order of the week's stories (ties broken by story id: deterministic)."""
    keys: dict[str, Callable[[Any], float]] = {
        "HN points only": lambda s: _best(ctx, s, "points"),
        "HF upvotes only": lambda s: _best(ctx, s, "upvotes"),
        "newest first": lambda s: _newest(ctx, s),
        "newsletter-linked papers": lambda s: _linked(ctx, s, newsletter_links),
    }
    return {name: _sorted_by(stories, f) for name, f in keys.items()}


def _sorted_by(stories: list[Any], value: Callable[[Any], float]) -> list[Any]:
    return sorted(stories, key=lambda s: (-value(s), s.id))


def newsletter_paper_links(issue_texts: Iterable[str]) -> dict[str, int]:
    """paper key -> how many newsletter issues point to that paper (arXiv/HF links, arXiv:ids).

    Read from the issues' own text, independently of hub's parsers (and 10x faster than
    parsing the feed again)."""
    counts: dict[str, int] = {}
    for text in issue_texts:
        for aid in set(arxiv_ids_in_text(text)):
            counts[f"paper:{aid}"] = counts.get(f"paper:{aid}", 0) + 1
    return counts


# -- joins (pure) ---------------------------------------------------------------------


@dataclass
class JoinResult:
    positives: int = 0
    joined: int = 0
    negatives: int = 0
    wrong: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)  # positives left apart
    absent: list[str] = field(default_factory=list)  # pairs no measured hub holds both items of


def score_pairs(pairs: list[dict[str, Any]], story_maps: Sequence[dict[str, str]]) -> JoinResult:
    """Judge each pair in the first hub holding both its items (item id -> story id maps)."""
    out = JoinResult()
    for p in pairs:
        a, b = next(((m[p["a"]], m[p["b"]]) for m in story_maps if p["a"] in m and p["b"] in m), (None, None))
        label = f"{p['a']} ~ {p['b']}"
        if a is None or b is None:
            out.absent.append(label)
            continue
        if p["same"]:
            out.positives += 1
            out.joined += a == b
            if a != b:
                out.missed.append(label)
        else:
            out.negatives += 1
            if a == b:
                out.wrong.append(f"{label} ({p['reason']})")
    return out


def mixed_stories(stories: Iterable[Any], labels: Labels) -> list[str]:
    """Stories holding items of two different labelled events (a wrong join)."""
    owner = {i: name for name, items in labels.events.items() for i in items}
    bad = []
    for s in stories:
        names = sorted({owner[k] for i in s.item_ids if (k := paper_key(i)) in owner})
        if len(names) > 1:
            bad.append(f"{s.title[:60]!r}: {' + '.join(names)}")
    return bad


# -- running one week -----------------------------------------------------------------


@dataclass
class WeekRun:
    labels: Labels
    orders: dict[str, Order]  # ranking name -> stories best first (hub digest first)
    full_ranks: dict[str, int | None]  # event/pick -> rank in hub's whole ranking, when exposed
    top: list[tuple[str, str, float]]  # digest's first stories: title, lead kind, score
    mixed: list[str]
    story_of: dict[str, str]  # labelled pair item -> its story id (the week and the prior week)
    seconds: dict[str, tuple[float, float]]  # stage -> (wall, CPU) seconds
    counts: dict[str, int]


def input_files(data: Path, labels: Labels) -> list[Path]:
    """The prior week's files (when the data holds them), then the week's own."""
    folders = [f for f in (labels.prior, labels.folder) if f and (data / f).is_dir()]
    return [p for f in folders for sub in SOURCES for p in sorted((data / f / sub).glob("*")) if p.is_file()]


def issue_dirs(data: Path, labels: Labels) -> list[Path]:
    """The AINews folders a subscriber's feed reader would hold: the prior week's and the week's."""
    return [
        data / f / "ainews" for f in (labels.prior, labels.folder) if f and (data / f / "ainews").is_dir()
    ]


def _feed(data: Path, labels: Labels, tmp: Path) -> Path:
    out = tmp / f"ainews-{labels.folder}.atom.xml"
    build_feed(issue_dirs(data, labels), out)
    return out


def _digest_stage(hub: Hub) -> Any:
    """What ranks a week: `hub.builder()`, or the hub itself at commits before it (the
    benchmark also runs on older checkouts for a before/after)."""
    return hub.builder() if hasattr(hub, "builder") else hub


def _orders(
    hub: Hub, labels: Labels, digest: Any, issues: list[Path]
) -> tuple[dict[str, Order], Any, list[Any]]:
    ctx = _digest_stage(hub).week_context(labels.week)
    by_id = {s.id: s for s in ctx.stories}
    newsletter = {i for i, it in ctx.items.items() if it.source.startswith("feed:")}
    stories = [s for s in ctx.stories if not set(s.item_ids) <= newsletter]  # issues are not stories
    orders: dict[str, Order] = {
        HUB: [frozenset(paper_key(i.id) for i in ds.items) for ds in digest.stories],
    }
    for name, order in baselines(
        ctx, stories, newsletter_paper_links(p.read_text(encoding="utf-8") for p in issues)
    ).items():
        orders[name] = [frozenset(paper_key(i) for i in s.item_ids) for s in order]
    return orders, ctx, [by_id.get(ds.story_id) for ds in digest.stories]


def _full_order(hub: Hub, ctx: Any) -> Order | None:
    """hub's whole ranking of the week (beyond the digest's 30), when the hub exposes it."""
    rank_week = getattr(_digest_stage(hub), "rank_week", None)
    if rank_week is None:
        return None
    by_id = {s.id: s for s in ctx.stories}
    return [
        frozenset(paper_key(i) for i in by_id[sc.story_id].item_ids)
        for sc in rank_week(ctx)
        if sc.story_id in by_id
    ]


class _Clock:
    """Wall and CPU time per stage (the CPU figure holds on a busy machine)."""

    def __init__(self) -> None:
        self.laps: dict[str, tuple[float, float]] = {}
        self._last = (time.perf_counter(), time.process_time())

    def lap(self, stage: str) -> None:
        now = (time.perf_counter(), time.process_time())
        self.laps[stage] = (now[0] - self._last[0], now[1] - self._last[1])
        self._last = now


def run_week(data: Path, folder: str) -> WeekRun:
    """One week in a fresh temporary hub: import, analyze, digest preview, measures."""
    labels, clock = load_labels(folder), _Clock()
    wanted = {i for p in load_pairs() for i in (p["a"], p["b"])}
    with (
        tempfile.TemporaryDirectory() as tmp,
        make_hub(load_config(None, env={}, workspace=Path(tmp))) as hub,
    ):
        feed = _feed(data, labels, Path(tmp))
        hub.import_paths([*input_files(data, labels), feed])
        clock.lap("import")
        hub.analyze()
        clock.lap("analyze")
        digest = hub.digest(labels.week, write_page=False, save=False)
        clock.lap("digest")
        orders, ctx, chosen = _orders(
            hub, labels, digest, [p for d in issue_dirs(data, labels) for p in sorted(d.glob("*.md"))]
        )
        full_order = _full_order(hub, ctx)
        full = {**event_ranks(full_order, labels), **pick_ranks(full_order, labels)} if full_order else {}
        if full_order:
            orders = {HUB: orders[HUB], FULL: full_order, **{k: v for k, v in orders.items() if k != HUB}}
        # HN days start 16:00 UTC the day before
        contexts = [ctx, _digest_stage(hub).week_context(_prior_week(labels.week))]
        story_of = {i: s.id for c in contexts for s in c.stories for i in s.item_ids if i in wanted}
        top = [
            (ds.title, ctx.items[s.lead_item].kind if s and s.lead_item in ctx.items else "?", ds.score)
            for ds, s in zip(digest.stories[:10], chosen[:10], strict=True)
        ]
        counts = {"stories": len(ctx.stories), "items": len(ctx.items), "digest": len(digest.stories)}
        mixed = mixed_stories(ctx.stories, labels)
        clock.lap("measure")
        return WeekRun(labels, orders, full, top, mixed, story_of, clock.laps, counts)


def _prior_week(week: str) -> str:
    year, n = week.split("-W")
    monday = dt.date.fromisocalendar(int(year), int(n), 1) - dt.timedelta(days=7)
    iso = monday.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


# -- printing -------------------------------------------------------------------------


def _row(name: str, cells: Iterable[float], width: int = 26) -> str:
    return f"{name:<{width}}" + "".join(f"{c:>8.2f}" for c in cells)


def _measures(run: WeekRun) -> dict[str, list[float]]:
    """ranking name -> [headline@10, @30, picks@10, @30]."""
    out = {}
    for name, order in run.orders.items():
        ev, pk = event_ranks(order, run.labels), pick_ranks(order, run.labels)
        out[name] = [recall(ev.values(), k) for k in KS] + [recall(pk.values(), k) for k in KS]
    return out


def _goal_marks(cells: list[float]) -> str:
    checks = [
        ((w, k), c)
        for (w, k), c in zip(
            [("headline", 10), ("headline", 30), ("picks", 10), ("picks", 30)], cells, strict=True
        )
    ]
    return "  ".join(
        f"{w}@{k} {'ok' if c >= GOALS[(w, k)] else 'MISS'}" for (w, k), c in checks if (w, k) in GOALS
    )


def print_week(run: WeekRun) -> dict[str, list[float]]:
    lab = run.labels
    print(
        f"\n== {lab.week} ({lab.folder}{' + prior ' + lab.prior if lab.prior else ''}): "
        f"{run.counts['items']} items, {run.counts['stories']} stories in the week, "
        f"{len(lab.events)} headline events, {len(lab.picks)} picks in files"
    )
    print("time (wall/CPU): " + ", ".join(f"{k} {w:.1f}/{c:.1f} s" for k, (w, c) in run.seconds.items()))
    print(f"{'ranking':<26}{'head@10':>8}{'head@30':>8}{'pick@10':>8}{'pick@30':>8}")
    measures = _measures(run)
    for name, cells in measures.items():
        print(_row(name, cells) + (f"   {_goal_marks(cells)}" if name == HUB else ""))
    _print_misses(run)
    print("wrong joins (a story with items of two labelled events):", "; ".join(run.mixed) or "none")
    print("top 10:")
    for n, (title, kind, score) in enumerate(run.top, 1):
        print(f"  {n:>2}. [{kind:<5}] {score:6.3f}  {title[:90]}")
    return measures


def _print_misses(run: WeekRun) -> None:
    ev = event_ranks(run.orders[HUB], run.labels)
    pk = pick_ranks(run.orders[HUB], run.labels)
    for what, ranks in (("events", ev), ("picks", pk)):
        missed = [(n, r) for n, r in ranks.items() if r is None or r > 10]
        if not missed:
            continue
        shown = ", ".join(
            f"{n.replace('paper:', 'arxiv:')} (digest #{r or '-'}, all #{run.full_ranks.get(n) or '-'})"
            for n, r in missed
        )
        print(f"not in the top 10 ({what}): {shown}")


def print_mean(all_measures: list[dict[str, list[float]]]) -> None:
    print(f"\n== mean over {len(all_measures)} weeks")
    print(f"{'ranking':<26}{'head@10':>8}{'head@30':>8}{'pick@10':>8}{'pick@30':>8}")
    for name in all_measures[0]:
        cells = [sum(m[name][c] for m in all_measures) / len(all_measures) for c in range(4)]
        print(_row(name, cells))
    print("goals on each week: headline@10 >= 0.5, headline@30 >= 0.9, picks@30 >= 0.75")


def print_joins(joins: JoinResult, total: int) -> None:
    print(f"\n== joins: {total} labelled pairs ({len(joins.absent)} not in any story of these hubs' weeks)")
    print(
        f"same-event pairs joined: {joins.joined}/{joins.positives}; "
        f"hard negatives wrongly joined: {len(joins.wrong)}/{joins.negatives} (goal 0)"
    )
    for w in joins.wrong:
        print(f"  WRONG {w}")
    if joins.missed:
        print("  left apart:", ", ".join(joins.missed))
    if joins.absent:
        print("  not measured:", ", ".join(joins.absent))


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="the recorded weeks (shared/data)")
    ap.add_argument("--weeks", default=",".join(WEEKS), help="comma-separated: w1,w17,w18")
    ap.add_argument("--jobs", type=int, default=1, help="weeks measured in parallel processes")
    args = ap.parse_args(argv)
    data = Path(args.data)
    folders = [w.strip() for w in args.weeks.split(",") if w.strip()]
    missing = [f for f in folders if not (data / f).is_dir()]
    if missing:
        sys.exit(
            f"benchmarks.quality: no recorded week {', '.join(missing)} under {data} "
            "(pass --data DIR, the folder holding w1/ w17/ w18/)"
        )
    start = time.perf_counter()
    runs = _run_all(data, folders, args.jobs)
    print_mean([print_week(run) for run in runs])
    pairs = load_pairs()
    print_joins(score_pairs(pairs, [run.story_of for run in runs]), len(pairs))
    print(
        f"\ntotal {time.perf_counter() - start:.1f} s (wall), {time.process_time():.1f} s CPU in this process"
    )


def _run_all(data: Path, folders: list[str], jobs: int) -> list[WeekRun]:
    if jobs <= 1 or len(folders) == 1:
        return [run_week(data, f) for f in folders]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(run_week, [data] * len(folders), folders))


if __name__ == "__main__":
    main()
