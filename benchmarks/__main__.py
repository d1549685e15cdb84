"""Run every benchmark and print its table: `python -m benchmarks [names...]`.

demo (end to end on the bundled week), crawl (500 loopback feeds), site52 (52-week site
build), llm_cost (calls/tokens vs one call per paper), cli_startup (`hub --help` and
`hub status` start-up time), scale (a replayed store of 100,000 items here;
`python -m benchmarks.scale --items 1000000` for the million-item numbers), big_feed (one
feed of 5,000 and 20,000 same-day entries: import and digest), and over the
three recorded weeks in ../shared/data (skipped with a note when the data is not there):
quality (headline events, editors' picks and labelled joins), relevance (AI relevance on
hand-labelled HN titles), topics_eval (topic accuracy on hand-labelled stories), summaries
(the summary lint), enrich (article extraction on real post texts).
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

ALL = (
    "demo",
    "crawl",
    "site52",
    "llm_cost",
    "cli_startup",
    "quality",
    "relevance",
    "topics_eval",
    "summaries",
    "enrich",
    "scale",
    "big_feed",
)
NEEDS_DATA = {"quality", "relevance", "topics_eval", "summaries", "enrich"}


def main() -> None:
    names = sys.argv[1:] or list(ALL)
    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    for name in names:
        print(f"\n=== benchmarks.{name} ===", flush=True)
        if name in NEEDS_DATA and not shared.is_dir():
            print(f"skipped: {shared} (the recorded weeks and their labels' inputs) is not here")
            continue
        start = time.perf_counter()
        module = importlib.import_module(f"benchmarks.{name}")
        sys.argv = [name]
        module.main()
        print(f"({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
