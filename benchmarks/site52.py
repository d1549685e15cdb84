"""Build time of a site with 52 weekly digests.

    python -m benchmarks.site52 [--weeks 52]

The digests are made by replaying the bundled real week (2025-W16, from `hub demo`)
across 52 ISO weeks: the same stories, relabelled week by week (a documented replay,
not new data). Prints page counts, the time to write pages + feeds, and the MkDocs
strict build time, beside a one-week build of the same site as the baseline.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from hub.config import load_config
from hub.demo import run_demo
from hub.publishers import feeds, site
from hub.types import Digest


def replay(d: Digest, weeks: int) -> list[Digest]:
    out = []
    for n in range(weeks):
        start = d.start - dt.timedelta(weeks=n)
        year, week, _ = start.isocalendar()
        out.append(replace(d, week=f"{year}-W{week:02d}", start=start, end=start + dt.timedelta(days=6)))
    return out


def build(workdir: Path, digests: list[Digest]) -> tuple[float, float, int]:
    config = load_config(None, env={}, workspace=workdir)
    t = time.perf_counter()
    site.write_site(config, digests)
    feeds.write_feeds(config, digests)
    written = time.perf_counter() - t
    result = site.build_site(config)
    return written, result.seconds, result.pages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--weeks", type=int, default=52)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = run_demo(Path(tmp) / "demo").digest
        rows = []
        for weeks in (1, args.weeks):
            w, b, pages = build(Path(tmp) / f"site{weeks}", replay(base, weeks))
            rows.append((weeks, pages, w, b))
    print(f"site build benchmark (stories per digest: {len(base.stories)})")
    print(f"{'digests':>8}{'pages':>8}{'write s':>10}{'mkdocs s':>10}{'s/page':>9}")
    for weeks, pages, w, b in rows:
        print(f"{weeks:>8}{pages:>8}{w:>10.2f}{b:>10.2f}{b / pages:>9.3f}")
    print(f"ratio {args.weeks} weeks / 1 week (mkdocs): {rows[1][3] / rows[0][3]:.1f}x")


if __name__ == "__main__":
    main()
