"""The AINews issues of a recorded week as the Atom feed their site would serve.

    python -m benchmarks.ainews_feed ../shared/data/w17/ainews OUT.atom.xml

The markdown issues in ../shared/data/<week>/ainews/ (all rights reserved: read at
benchmark time, never copied into the repository) become one Atom entry each, built in a
temporary folder by benchmarks.quality and imported with `hub import` like any feed:

* key, link and id by file name (`https://news.smol.ai/issues/<stem>`): the front-matter
  `id` is not unique (all five W18 issues share one);
* title and date from the YAML front matter (`title` may be a folded scalar; `date` is
  the next morning in W1, the file's own day from W17 on); a missing or unreadable date
  falls back to the day in the file name;
* content: the body rendered to HTML with `markdown`, after turning bare URLs into
  autolinks, so the plain-text issues of 04-21/04-22 (the linked text followed by the bare
  URL) keep their links too; without the `markdown` package, a small converter that keeps
  links, headings and paragraphs.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from feedgen.feed import FeedGenerator

SITE = "https://news.smol.ai"
# A bare URL: not already the target of a markdown link `](...)`, an autolink `<...>`
# or an HTML attribute. Trailing sentence punctuation is not part of it.
_BARE_URL = re.compile(r"(?<![(<\"'=])\bhttps?://[^\s<>()\[\]\"']+")
_TRAILING = ".,;:!?*_"
_FILE_DAY = re.compile(r"^(\d{2})-(\d{2})-(\d{2})-")


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(front matter, body) of a markdown file that starts with a `---` YAML block."""
    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end < 0:
        return {}, text
    meta = yaml.safe_load(text[3:end]) or {}
    body = text[end + 4 :].split("\n", 1)[1] if "\n" in text[end + 4 :] else ""
    return (meta if isinstance(meta, dict) else {}), body


def _autolink(match: re.Match[str]) -> str:
    url = match.group(0)
    tail = ""
    while url and url[-1] in _TRAILING:
        url, tail = url[:-1], url[-1] + tail
    return f"<{url}>{tail}"


def autolink(markdown_text: str) -> str:
    """Bare URLs become `<url>` autolinks; markdown links and autolinks stay as they are."""
    return _BARE_URL.sub(_autolink, markdown_text)


def _fallback_html(text: str) -> str:
    """Headings, paragraphs and links, for when the `markdown` package is missing."""
    out = []
    for block in re.split(r"\n\s*\n", text):
        chunk = html.escape(block.strip(), quote=False)
        chunk = re.sub(r"\[([^\]]*)\]\((https?://[^)\s]+)\)", r'<a href="\2">\1</a>', chunk)
        chunk = re.sub(r"&lt;(https?://[^&\s]+)&gt;", r'<a href="\1">\1</a>', chunk)
        heading = re.match(r"(#{1,6})\s+(.*)", chunk)
        if heading:
            n = len(heading.group(1))
            out.append(f"<h{n}>{heading.group(2)}</h{n}>")
        elif chunk:
            out.append(f"<p>{chunk}</p>")
    return "\n".join(out)


def to_html(body: str) -> str:
    """The issue body as HTML, every link (markdown, autolink or bare URL) an `<a href>`."""
    text = autolink(body)
    try:
        import markdown
    except ImportError:  # the benchmark still measures links without the package
        return _fallback_html(text)
    return str(markdown.markdown(text, extensions=["tables"]))


def issue_date(meta: dict[str, Any], stem: str) -> dt.datetime:
    """The front-matter `date` (UTC), else noon UTC of the day in the file name."""
    value = meta.get("date")
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        except ValueError:
            pass
    m = _FILE_DAY.match(stem)
    if not m:
        raise ValueError(f"{stem}: no usable date in the front matter or the file name")
    return dt.datetime(2000 + int(m.group(1)), int(m.group(2)), int(m.group(3)), 12, tzinfo=dt.UTC)


def issue_entry(path: Path) -> dict[str, Any]:
    """One issue as the values of its feed entry: id/link, title, date, HTML content."""
    meta, body = split_front_matter(path.read_text(encoding="utf-8"))
    title = " ".join(str(meta.get("title") or path.stem).split())
    return {
        "link": f"{SITE}/issues/{path.stem}",
        "title": title,
        "date": issue_date(meta, path.stem),
        "summary": " ".join(str(meta.get("description") or "").split()),
        "html": to_html(body),
    }


def build_feed(issue_dirs: Iterable[Path], out: Path) -> int:
    """Write an Atom feed of every `*.md` issue in the folders to `out`; returns the entry count."""
    fg = FeedGenerator()
    fg.id(f"{SITE}/")
    fg.title("AINews")
    fg.link(href=f"{SITE}/rss.xml", rel="self")
    fg.link(href=f"{SITE}/", rel="alternate")
    fg.description("AI news recaps (benchmark rendering of recorded issues)")
    entries = sorted(
        (issue_entry(p) for d in issue_dirs for p in sorted(Path(d).glob("*.md"))), key=lambda e: e["date"]
    )
    for e in entries:
        fe = fg.add_entry(order="append")
        fe.id(e["link"])
        fe.link(href=e["link"])
        fe.title(e["title"])
        fe.published(e["date"])
        fe.updated(e["date"])
        fe.author(name="AINews")
        if e["summary"]:
            fe.summary(e["summary"])
        fe.content(e["html"], type="html")
    if entries:
        fg.updated(entries[-1]["date"])
    out.write_bytes(fg.atom_str(pretty=False))
    return len(entries)


def main() -> None:
    if len(sys.argv) < 3:
        raise SystemExit("usage: python -m benchmarks.ainews_feed ISSUE_DIR... OUT.atom.xml")
    n = build_feed([Path(a) for a in sys.argv[1:-1]], Path(sys.argv[-1]))
    print(f"{n} entries -> {sys.argv[-1]}")


if __name__ == "__main__":
    main()
