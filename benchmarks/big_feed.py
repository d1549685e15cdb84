"""One big feed: N entries titled "Entry <n> about LLM agents", all with one pubDate.

Imports the feed into a fresh store and times `hub digest` (analyze + rank + select,
extractive, no search index), so a step quadratic in the items of one source or one day
shows up as a time that grows with the square of N. `python -m benchmarks.big_feed
--entries 5000 20000 100000`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

from hub.config import load_config
from hub.core import make_hub

PUBDATE = "Tue, 15 Apr 2025 12:00:00 +0000"


def feed_bytes(n: int) -> bytes:
    """An RSS 2.0 feed of n entries sharing one title shape and one date."""
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>Big feed</title>'
    items = (
        f"<item><title>{escape(f'Entry {i} about LLM agents')}</title>"
        f"<link>https://example.org/entry/{i}</link><pubDate>{PUBDATE}</pubDate></item>"
        for i in range(n)
    )
    return (head + "".join(items) + "</channel></rss>").encode()


def run(n: int) -> tuple[float, float, int]:
    """(import seconds, digest seconds, stories in the digest) for an n-entry feed."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.xml"
        path.write_bytes(feed_bytes(n))
        with make_hub(load_config(None, env={}, workspace=Path(tmp))) as hub:
            t0 = time.perf_counter()
            hub.import_paths([path])
            t1 = time.perf_counter()
            digest = hub.digest(write_page=False, index=False, use_llm=False)
            t2 = time.perf_counter()
    return t1 - t0, t2 - t1, len(digest.stories)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--entries", type=int, nargs="+", default=[5_000, 20_000])
    args = ap.parse_args()
    print(f"{'entries':>8} {'import s':>9} {'digest s':>9} {'stories':>8}")
    for n in args.entries:
        imp, dig, stories = run(n)
        print(f"{n:>8,} {imp:>9.1f} {dig:>9.1f} {stories:>8}", flush=True)


if __name__ == "__main__":
    main()
