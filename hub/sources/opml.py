"""OPML: the subscription lists feed readers import and export."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from hub.exceptions import ParseError
from hub.files import read_bounded, to_utf8
from hub.sources._text import safe_url
from hub.sources.urls import canonical_url

MAX_OPML_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 50


@dataclass(frozen=True)
class FeedRef:
    name: str
    url: str
    tags: tuple[str, ...] = ()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "feed"


def _categories(value: str | None) -> list[str]:
    """OPML 2.0 `category`: comma-separated, slash-delimited paths ("/ai/labs,/news")."""
    return [part for path in (value or "").split(",") for part in path.split("/") if part.strip()]


def _walk(body: ET.Element, source: str) -> Iterator[FeedRef]:
    """Feeds in document order, each tagged with the folders above it; iterative, and no
    deeper than MAX_DEPTH (real lists nest a few folders)."""
    stack: list[tuple[Iterator[ET.Element], tuple[str, ...]]] = [(iter(body.findall("outline")), ())]
    while stack:
        children, folders = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            continue
        url = safe_url(child.get("xmlUrl"))
        title = child.get("title") or child.get("text") or ""
        if url:
            tags = (_slug(t) for t in (*folders, *_categories(child.get("category"))))
            yield FeedRef(_slug(title or url), canonical_url(url), tuple(dict.fromkeys(tags)))
        elif len(stack) >= MAX_DEPTH:
            raise ParseError(source, f"outlines nested deeper than {MAX_DEPTH} levels")
        else:
            stack.append((iter(child.findall("outline")), (*folders, title) if title else folders))


def read_opml(path: Path) -> list[FeedRef]:
    """Feeds (with folder names as tags) from an OPML file; names made unique."""
    data = read_bounded(path, MAX_OPML_BYTES)
    try:
        root = ET.fromstring(to_utf8(data, str(path)))
    except (ET.ParseError, ParseError) as e:
        why = e.message if isinstance(e, ParseError) else e
        raise ParseError(str(path), f"not a readable OPML file ({why})") from e
    body = root.find("body")
    if root.tag != "opml" or body is None:
        raise ParseError(str(path), "not OPML (no <opml><body>)")
    seen: dict[str, int] = {}
    out = []
    for ref in _walk(body, str(path)):
        n = seen.get(ref.name, 0)
        seen[ref.name] = n + 1
        out.append(FeedRef(f"{ref.name}-{n + 1}" if n else ref.name, ref.url, ref.tags))
    return out


def _outline(s: dict[str, Any], indent: str) -> str:
    """One feed; all its tags also as an OPML `category`, so a reader that files each feed
    in one folder loses none of them."""
    category = ",".join(f"/{t}" for t in s.get("tags") or ())
    extra = f" category={quoteattr(category)}" if category else ""
    return (
        f'{indent}<outline type="rss" text={quoteattr(s["name"])} title={quoteattr(s["name"])} '
        f"xmlUrl={quoteattr(s['url'])}{extra}/>"
    )


def write_opml(sources: Sequence[dict[str, Any]], title: str = "hub sources") -> str:
    """Feeds as OPML 2.0, filed in a folder named after each feed's first tag (untagged
    feeds at the top); read_opml reads the folders and categories back as tags."""
    folders: dict[str, list[dict[str, Any]]] = {}
    for s in sources:
        folders.setdefault((s.get("tags") or ("",))[0], []).append(s)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        f"  <head><title>{escape(title)}</title></head>",
        "  <body>",
    ]
    lines += [_outline(s, "    ") for s in folders.pop("", [])]
    for folder, feeds in sorted(folders.items()):
        lines.append(f"    <outline text={quoteattr(folder)} title={quoteattr(folder)}>")
        lines += [_outline(s, "      ") for s in feeds]
        lines.append("    </outline>")
    return "\n".join([*lines, "  </body>", "</opml>"])
