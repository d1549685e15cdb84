"""Time `hub demo` end to end and per stage on the bundled real week.

    python -m benchmarks.demo [--runs 3]

Prints a table of seconds per stage (median over runs) and the counts loaded.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from hub.demo import run_demo


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    stages: dict[str, list[float]] = {}
    totals = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            result = run_demo(Path(tmp) / "demo")
            totals.append(time.perf_counter() - t)
            for k, v in result.seconds.items():
                stages.setdefault(k, []).append(v)
    print(
        f"hub demo on {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        f", {args.runs} runs (median)"
    )
    print(f"{'stage':<16}{'seconds':>10}")
    for k, v in stages.items():
        print(f"{k:<16}{statistics.median(v):>10.2f}")
    print(f"{'total':<16}{statistics.median(totals):>10.2f}")
    items = sum(r.items for r in result.imports)
    print(
        f"\nfiles {len(result.imports)}, item records {items}, "
        f"distinct items {sum(r.new for r in result.imports)}, "
        f"stories in digest {len(result.digest.stories)}, pages {result.build.pages}"
    )


if __name__ == "__main__":
    main()
