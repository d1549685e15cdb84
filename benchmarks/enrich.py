"""The enrich step's extractors on real text: `python -m benchmarks.enrich` (needs ../shared/data).

Every Hacker News self-post text of the three recorded weeks (w1, w17, w18) becomes an
article page in a hand-made skeleton (site navigation, a sidebar, a footer, and two other
posts' texts as reader comments); hub.enrich.article_text extracts it. Printed: pages,
how many came back "ok", the share of the article's paragraphs recovered, how many pages
leaked a comment or navigation into the text, and the time per page. Posts shorter than
the thin threshold are counted apart (hub rightly keeps no text for them).
"""

from __future__ import annotations

import html
import json
import statistics
import time
from pathlib import Path

from hub.enrich import MIN_TEXT_CHARS, article_text
from hub.sources._text import plain

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
NAV = ["Home", "Archive", "About", "Newsletter", "Jobs", "Contact"]


def _texts() -> list[str]:
    out = []
    for week in ("w1", "w17", "w18"):
        for path in sorted((SHARED / week / "hackernews").glob("*.json")):
            out += [r["text"] for r in json.loads(path.read_text()) if r.get("text")]
    return list(dict.fromkeys(out))


def _page(body: str, comments: list[str]) -> str:
    nav = "".join(f'<li><a href="/{n}">{t}</a></li>' for n, t in enumerate(NAV))
    cms = "".join(f'<li class="comment"><div class="comment-content"><p>{c}</p></div></li>' for c in comments)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>post</title></head><body>'
        f"<header><nav><ul>{nav}</ul></nav></header><main><article><h1>A post</h1>"
        f'<div class="entry-content"><p>{body}</p></div></article>'
        f'<section id="comments" class="comments-area"><ol class="comment-list">{cms}</ol></section></main>'
        f'<aside class="sidebar"><ul>{nav}</ul></aside><footer><ul>{nav}</ul></footer></body></html>'
    )


def _paragraphs(body: str) -> list[str]:
    return [p for p in (plain(x) for x in body.split("<p>")) if len(p) >= 40]


def main() -> None:
    texts = _texts()
    rows = {"pages": 0, "ok": 0, "thin_expected": 0, "leaks": 0}
    recovered: list[float] = []
    times: list[float] = []
    for n, body in enumerate(texts):
        comments = [texts[(n + 1) % len(texts)], texts[(n + 2) % len(texts)]]
        page = _page(body, comments)
        start = time.perf_counter()
        got = article_text(page, f"https://example.org/{n}")
        times.append(time.perf_counter() - start)
        rows["pages"] += 1
        if len(plain(body)) < MIN_TEXT_CHARS:
            rows["thin_expected"] += 1
            continue
        if got.status != "ok" or got.text is None:
            continue
        rows["ok"] += 1
        paras = _paragraphs(body)
        found = sum(1 for p in paras if html.unescape(p[:40]) in got.text)
        recovered.append(found / len(paras) if paras else 1.0)
        leaked = any(p[:40] in got.text for c in comments for p in _paragraphs(c)) or "Newsletter" in got.text
        rows["leaks"] += leaked
    long_pages = rows["pages"] - rows["thin_expected"]
    print(f"{'pages':>8} {'long':>6} {'ok':>6} {'recall':>8} {'leaks':>6} {'ms/page p50':>12} {'p95':>6}")
    q = statistics.quantiles(times, n=20)
    print(
        f"{rows['pages']:>8} {long_pages:>6} {rows['ok']:>6} {statistics.mean(recovered):>8.3f} "
        f"{rows['leaks']:>6} {1000 * statistics.median(times):>12.1f} {1000 * q[18]:>6.1f}"
    )


if __name__ == "__main__":
    main()
