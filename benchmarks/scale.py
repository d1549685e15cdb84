"""Scale: a store of N items, one weekly digest, search latency, memory and file size.

    python -m benchmarks.scale [--items 1000000] [--queries 100] [--dir PATH]

The store is built by replaying the real recorded items of the bundled week 2025-W16
(`hub demo`'s snapshot: 1,645 items, 1,022 observations) across as many earlier ISO
weeks as it takes to reach N items. Each copy k (k weeks before W16) is the same real
records with new ids and dates (a documented replay, not new data):

  * dates (published_at, observed_at) moved k weeks back;
  * arXiv ids moved into a per-week id space: the YYMM part k*7/30.44 months back, the
    number allocated from 50000 up within that month (so it never meets a real id);
  * Hacker News ids + k * 1,000,000; GitHub repos suffixed `-w<k>` (id, URL, title);
  * every other outbound URL gets `?replay=<k>`, so copies never share a page.

Titles, abstracts, authors and signals are the real ones. Items and observations are
written through `Store.upsert` (the NDJSON bulk path `hub import` and the crawler use), one
week per call, oldest first. The analysis rows of the replayed weeks (links, stories,
topics) are the real analysis of W16 mapped the same way, written with
`Store.save_resolution`. Then the real week itself is imported from its files with
`Hub.import_paths`, and the weekly run is timed: `Hub.analyze()` (incremental: only the
new week and its neighbours) + `Hub.digest("2025-W16")` (rank, extractive summaries,
select, render the page). Search (a tantivy index beside the database): the whole index is
built over the replayed store before the week (timed on its own: a hub's first search),
after the weekly run it follows the changed documents (timed: what `hub digest` adds to a
week), and 100 queries of words from real titles go through `Hub.search` in the writing
process; then the store is closed and a fresh read-only process (a reader: `hub search`)
runs the same queries, reporting their latency and that process's peak RSS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import duckdb

from hub import sources
from hub.analysis import resolve
from hub.config import load_config
from hub.core import Hub, make_hub
from hub.demo import extract_snapshot
from hub.types import Item, Link, Observation, Story

WEEK = "2025-W16"
_ARXIV = re.compile(r"(?<![\d.])(\d{2})(\d{2})\.(\d{4,5})(?!\d)")
_HN = re.compile(r"(hn:|item\?id=)(\d+)")
_GH = re.compile(r"(github\.com/|gh:)([\w-]+)/([\w.-]+?)(?=[/?#@]|$)", re.IGNORECASE)


class Replay:
    """Week k of the replay: the real week's strings in copy k's id space."""

    def __init__(self) -> None:
        self.next_number: dict[str, int] = {}
        self.arxiv: dict[tuple[int, str], str] = {}

    def _arxiv(self, k: int, m: re.Match[str]) -> str:
        key = (k, m[0])
        if key not in self.arxiv:
            months = int(m[1]) * 12 + int(m[2]) - 1 - round(k * 7 / 30.44)
            yymm = f"{months // 12 % 100:02d}{months % 12 + 1:02d}"
            n = self.next_number.get(yymm, 50000)
            self.next_number[yymm] = n + 1
            self.arxiv[key] = f"{yymm}.{n}"
        return self.arxiv[key]

    def ids(self, k: int, s: str) -> str:
        if k == 0:
            return s
        s = _ARXIV.sub(lambda m: self._arxiv(k, m), s)
        s = _HN.sub(lambda m: f"{m[1]}{int(m[2]) + k * 1_000_000}", s)
        return _GH.sub(lambda m: f"{m[1]}{m[2]}/{m[3]}-w{k}", s)

    def url(self, k: int, url: str) -> str:
        moved = self.ids(k, url)
        if k == 0 or moved != url:
            return moved
        parts = urlsplit(url)  # any other page: one per copy
        query = f"{parts.query}&replay={k}" if parts.query else f"replay={k}"
        return urlunsplit(parts._replace(query=query))

    def item(self, k: int, it: Item) -> Item:
        back = dt.timedelta(weeks=k)
        extra = dict(it.extra)
        if "target_url" in extra:
            extra["target_url"] = self.url(k, str(extra["target_url"]))
        return replace(
            it,
            id=self.ids(k, it.id),
            url=self.ids(k, it.url),
            title=f"{it.title}-w{k}" if it.kind == "repo" and k else it.title,
            links=tuple(self.url(k, u) for u in it.links),
            published_at=it.published_at - back if it.published_at else None,
            extra=extra,
        )

    def week(self, k: int, items: list[Item], obs: list[Observation]) -> tuple[list[Item], list[Observation]]:
        back = dt.timedelta(weeks=k)
        moved = [replace(o, item_id=self.ids(k, o.item_id), observed_at=o.observed_at - back) for o in obs]
        return [self.item(k, it) for it in items], moved


def load_week(root: Path) -> tuple[list[Path], list[Item], list[Observation]]:
    files = extract_snapshot(root)
    items: dict[str, Item] = {}
    obs: list[Observation] = []
    for f in files:
        doc = sources.parse(f.read_bytes(), f.name)
        for it in doc.items:
            items.setdefault(it.id, it)
        obs += doc.observations
    return files, list(items.values()), obs


def base_analysis(root: Path, files: list[Path]) -> Hub:
    """The real analysis of the real week, in its own small store."""
    hub = make_hub(load_config(None, env={}, workspace=root))
    hub.import_paths(files)
    hub.analyze()
    return hub


def replay_analysis(
    hub: Hub, base: Hub, replay: Replay, weeks: range, targets: list[tuple[str, str]], chunk: int = 16
) -> None:
    """Write the base week's links, stories and topics for each replayed week (and the
    replayed items' own targets)."""
    links, stories = base.store.links(), base.store.stories()
    assigned = base.store.story_topics([s.id for s in stories])
    ks = list(weeks)
    for i in range(0, len(ks), chunk):
        out_links: list[Link] = []
        out_stories: list[Story] = []
        out_topics: dict[str, tuple[str, float, float]] = {}
        for k in ks[i : i + chunk]:
            back = dt.timedelta(weeks=k)
            f = replay.ids
            out_links += [replace(ln, src=f(k, ln.src), dst=f(k, ln.dst)) for ln in links]
            for s in stories:
                sid = resolve.story_id(f(k, s.lead_item))
                out_stories.append(
                    replace(
                        s,
                        id=sid,
                        item_ids=tuple(sorted(f(k, x) for x in s.item_ids)),
                        lead_item=f(k, s.lead_item),
                        first_seen=s.first_seen - back if s.first_seen else None,
                    )
                )
                if s.id in assigned:
                    out_topics[sid] = assigned[s.id]
        ids = {x for s in out_stories for x in s.item_ids}
        hub.store.save_resolution(ids, [], out_links, out_stories, [t for t in targets if t[0] in ids])
        hub.store.save_story_topics(out_topics)
    hub.store.save_topics(base.store.topics(), base.store.topic_origins())


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def queries(items: list[Item], n: int, seed: int = 16) -> list[str]:
    """n queries of one or two words taken from real titles."""
    rng = random.Random(seed)
    words = [
        [w for w in re.findall(r"[A-Za-z][A-Za-z-]{3,}", it.title) if w.lower() not in resolve._STOP]
        for it in items
    ]
    words = [w for w in words if w]
    out = []
    while len(out) < n:
        ws = rng.choice(words)
        out.append(" ".join(rng.sample(ws, min(len(ws), rng.choice((1, 2))))))
    return out


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, math.ceil(p / 100 * len(s)) - 1)]


def run(workdir: Path, n_items: int, n_queries: int) -> dict[str, float | str]:
    out: dict[str, float | str] = {}
    files, items, obs = load_week(workdir / "snapshot")
    copies = max(1, math.ceil(n_items / len(items)))
    base = base_analysis(workdir / "base", files)
    replay = Replay()
    hub = make_hub(load_config(None, env={}, workspace=workdir / "scale"))
    with hub, base:
        written, upsert_s, targets = 0, 0.0, []
        for k in range(copies - 1, 0, -1):  # oldest first, like a hub that ran for years
            week_items, week_obs = replay.week(k, items, obs)
            t = time.perf_counter()
            hub.store.upsert(week_items, week_obs)
            upsert_s += time.perf_counter() - t
            written += len(week_items)
            targets += [(it.id, x) for it in week_items for x in resolve.targets(it)]
        out["import_s"] = upsert_s
        out["import_items"] = written
        out["import_rate"] = written / out["import_s"] if written else 0.0
        out["rss_import"] = rss_mib()
        t = time.perf_counter()
        replay_analysis(hub, base, replay, range(copies - 1, 0, -1), targets)
        hub.store.mark_analyzed(hub.store.analysis_stamp(), hub._analyzer().settings())
        out["replay_analysis_s"] = time.perf_counter() - t
        del targets, replay  # the harness's own data, not hub's: out of the later RSS figures
        gc.collect()
        hub.store.execute("CHECKPOINT")
        print(f"(built: {written:,} items in {upsert_s:.0f} s of upserts)", flush=True)
        build_index(hub, out)
        print(f"(search index: {out['index_s']:.0f} s)", flush=True)
        weekly(hub, files, out)
        print(f"(weekly: analyze {out['analyze_s']:.2f} s, digest {out['digest_s']:.2f} s)", flush=True)
        search(hub, items, n_queries, out)
        out["items"] = int(hub.store.scalar("SELECT count(*) FROM items"))
        out["observations"] = int(hub.store.scalar("SELECT count(*) FROM observations"))
        hub.store.execute("CHECKPOINT")
        db = hub.store.path
    out["db_mib"] = sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.is_file()) / 2**20
    out["index_mib"] = sum(p.stat().st_size for p in hub.store.search_dir.rglob("*") if p.is_file()) / 2**20
    out["rss_peak"] = rss_mib()
    reader(db, queries(items, n_queries), out)
    return out


def weekly(hub: Hub, files: list[Path], out: dict[str, float | str]) -> None:
    t = time.perf_counter()
    hub.import_paths(files)
    out["week_import_s"] = time.perf_counter() - t
    t = time.perf_counter()
    result = hub.analyze()
    out["analyze_s"] = time.perf_counter() - t
    out["analyze_items"] = result.items
    t = time.perf_counter()
    digest = hub.digest(WEEK, analyze=False, index=False)  # the index update is timed apart
    out["digest_s"] = time.perf_counter() - t
    out["digest_stories"] = len(digest.stories)
    out["weekly_s"] = float(out["analyze_s"]) + float(out["digest_s"])
    out["rss_weekly"] = rss_mib()


def build_index(hub: Hub, out: dict[str, float | str]) -> None:
    """The first search of a hub that has never searched: the whole index."""
    t = time.perf_counter()
    out["indexed"] = hub.store.rebuild_search_index()
    out["index_s"] = time.perf_counter() - t
    out["rss_index"] = rss_mib()


def search(hub: Hub, items: list[Item], n: int, out: dict[str, float | str]) -> None:
    """After the weekly run: the index follows the changed documents, then the queries."""
    t = time.perf_counter()
    fresh = hub.store.search_index_fresh()
    out["fresh_check_ms"] = (time.perf_counter() - t) * 1000
    assert not fresh
    t = time.perf_counter()
    update = hub.store.update_search_index()
    out["update_s"] = time.perf_counter() - t
    out["update_docs"] = f"{update['added']:,} added, {update['removed']:,} removed" + (
        " (rebuilt whole: > half changed)" if update["full"] else ""
    )
    times, hits = timed_queries(hub.search, queries(items, n))
    out["q_p50"], out["q_p95"], out["q_max"] = statistics.median(times), pct(times, 95), max(times)
    out["q_hits"] = hits
    out["queries"] = n
    out["rss_search"] = rss_mib()


def timed_queries(search: Any, qs: list[str]) -> tuple[list[float], int]:
    """Each query's latency in ms (20 hits, snippets included) and how many found anything."""
    times, hits = [], 0
    for q in qs:
        t = time.perf_counter()
        hits += bool(search(q, limit=20))
        times.append((time.perf_counter() - t) * 1000)
    return times, hits


def reader(db: Path, qs: list[str], out: dict[str, float | str]) -> None:
    """The queries in a fresh process that opens the store read-only, as `hub search` does."""
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.scale", "--reader", str(db)],
        input=json.dumps(qs),
        capture_output=True,
        text=True,
        check=True,
    )
    got = json.loads(proc.stdout)
    out["r_p50"], out["r_p95"], out["r_max"] = got["p50"], got["p95"], got["max"]
    out["r_first"], out["r_rss_open"], out["r_rss"] = got["first"], got["rss_open"], got["rss"]


def hwm_mib() -> float:
    """This process's peak RSS since its exec (ru_maxrss keeps the parent's peak across fork
    and exec on Linux: a child started from a 1 GiB process would report 1 GiB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return rss_mib()


def reader_main(db: Path) -> None:
    """--reader: open the store read-only, run the queries from stdin, print JSON figures."""
    from hub.store import Store

    qs = json.loads(sys.stdin.read())
    with Store(db, read_only=True) as store:
        rss_open = hwm_mib()
        t = time.perf_counter()
        store.search(qs[0], limit=20)  # opens the index
        first = (time.perf_counter() - t) * 1000
        times, _ = timed_queries(store.search, qs)
    result = {"p50": statistics.median(times), "p95": pct(times, 95), "max": max(times)}
    print(json.dumps({**result, "first": first, "rss_open": rss_open, "rss": hwm_mib()}))


def report(r: dict[str, float | str]) -> None:
    print(
        f"scale benchmark on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}"
    )
    print(f"store: {r['items']:,} items, {r['observations']:,} observations; DB file {r['db_mib']:,.0f} MiB")
    rows = [
        (
            "bulk import (Store.upsert, one week per call)",
            f"{r['import_rate']:,.0f} items/s",
            f"{r['import_items']:,} items in {r['import_s']:.1f} s",
        ),
        ("replayed analysis rows written (setup)", f"{r['replay_analysis_s']:.1f} s", ""),
        ("import the real week (hub import of its 21 files)", f"{r['week_import_s']:.2f} s", ""),
        ("analyze (incremental)", f"{r['analyze_s']:.2f} s", f"{r['analyze_items']:,} items re-resolved"),
        (
            "digest 2025-W16 (rank, summarize, select, render)",
            f"{r['digest_s']:.2f} s",
            f"{r['digest_stories']} stories",
        ),
        ("weekly digest end to end (analyze + digest)", f"{r['weekly_s']:.2f} s", "goal <= 15 s"),
        (
            "search index, first build (before the week)",
            f"{r['index_s']:.1f} s",
            f"{r['indexed']:,} docs; goal <= 60 s at 1M",
        ),
        ("search index freshness check", f"{r['fresh_check_ms']:.1f} ms", ""),
        (
            "search index update after the week",
            f"{r['update_s']:.2f} s",
            f"{r['update_docs']}; goal <= 3 s at 1M",
        ),
        (
            f"search p50 / p95 / max ({r['queries']} queries, writer)",
            f"{r['q_p50']:.2f} / {r['q_p95']:.2f} / {r['q_max']:.1f} ms",
            f"goal p95 <= 10 ms; {r['q_hits']} hit",
        ),
        (
            "search p50 / p95 / max (fresh read-only process)",
            f"{r['r_p50']:.2f} / {r['r_p95']:.2f} / {r['r_max']:.1f} ms",
            f"first query {r['r_first']:.0f} ms (opens the index)",
        ),
        (
            "reader's peak RSS after open / after the queries",
            f"{r['r_rss_open']:,.0f} / {r['r_rss']:,.0f} MiB",
            "goal <= 300 MiB during search",
        ),
        (
            "peak RSS after import / index / weekly / search",
            " / ".join(f"{r[f'rss_{k}']:,.0f}" for k in ("import", "index", "weekly", "search")) + " MiB",
            "goal <= 2048 MiB",
        ),
        ("database file / search index folder", f"{r['db_mib']:,.0f} / {r['index_mib']:,.0f} MiB", ""),
    ]
    for what, value, note in rows:
        print(f"{what:<52}{value:>26}  {note}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--items", type=int, default=100_000, help="store size (default 100,000; 1,000,000 for the goal)"
    )
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--dir", type=Path, help="work directory (kept); default a temporary one")
    ap.add_argument("--reader", type=Path, help=argparse.SUPPRESS)  # the read-only child process
    args = ap.parse_args()
    if args.reader:
        reader_main(args.reader)
        return
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    if args.dir:
        shutil.rmtree(args.dir, ignore_errors=True)
        report(run(args.dir, args.items, args.queries))
        return
    with tempfile.TemporaryDirectory() as tmp:
        report(run(Path(tmp), args.items, args.queries))


if __name__ == "__main__":
    main()
