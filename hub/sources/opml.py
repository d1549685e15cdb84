"""OPML: the subscription lists feed readers import and export."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from hub.exceptions import ParseError
from hub.sources._text import safe_url


@dataclass(frozen=True)
class FeedRef:
    name: str
    url: str
    tags: tuple[str, ...] = ()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "feed"


def _walk(node: ET.Element, folders: tuple[str, ...]) -> Iterator[FeedRef]:
    for child in node.findall("outline"):
        url = safe_url(child.get("xmlUrl"))
        title = child.get("title") or child.get("text") or ""
        if url:
            yield FeedRef(_slug(title or url), url, tuple(_slug(f) for f in folders))
        else:
            yield from _walk(child, (*folders, title) if title else folders)


def read_opml(path: Path) -> list[FeedRef]:
    """Feeds (with folder names as tags) from an OPML file; names made unique."""
    try:
        root = ET.fromstring(path.read_bytes())
    except (OSError, ET.ParseError) as e:
        raise ParseError(str(path), f"not a readable OPML file ({e})") from e
    body = root.find("body")
    if root.tag != "opml" or body is None:
        raise ParseError(str(path), "not OPML (no <opml><body>)")
    seen: dict[str, int] = {}
    out = []
    for ref in _walk(body, ()):
        n = seen.get(ref.name, 0)
        seen[ref.name] = n + 1
        out.append(FeedRef(f"{ref.name}-{n + 1}" if n else ref.name, ref.url, ref.tags))
    return out


def write_opml(sources: Sequence[dict[str, Any]], title: str = "hub sources") -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        f"  <head><title>{title}</title></head>",
        "  <body>",
    ]
    for s in sources:
        lines.append(
            f'    <outline type="rss" text={quoteattr(s["name"])} title={quoteattr(s["name"])} '
            f"xmlUrl={quoteattr(s['url'])}/>"
        )
    return "\n".join([*lines, "  </body>", "</opml>"])
