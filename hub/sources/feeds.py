"""Blogs and newsletters: RSS 2.0, Atom and JSON Feed through feedparser."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

import feedparser

from hub.exceptions import ParseError
from hub.sources import SourceFormat
from hub.sources._text import hrefs, plain, safe_url, sane
from hub.sources.ids import arxiv_id_from_url, github_repo_from_url, normalize_url
from hub.types import Item, Parsed

_XML_FEED = re.compile(rb"<(rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)


def _when(entry: Any) -> dt.datetime | None:
    t = entry.get("published_parsed") or entry.get("updated_parsed")
    return sane(dt.datetime.fromtimestamp(calendar.timegm(t), tz=dt.UTC)) if t else None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "feed"


def _content(entry: Any) -> str:
    parts = [c.get("value", "") for c in entry.get("content", ()) if isinstance(c, dict)]
    return max(parts, key=len) if parts else str(entry.get("summary") or "")


def _entry_item(entry: Any, source: str, base: str | None) -> Item | None:
    link = safe_url(entry.get("link"), base)
    if link is None:
        return None
    if arxiv_id_from_url(link) or github_repo_from_url(link):
        from hub.sources.ids import canonical_id_for_url

        item_id = canonical_id_for_url(link)
    else:
        item_id = "url:" + normalize_url(link)
    body = _content(entry)
    authors = tuple(plain(a.get("name")) for a in entry.get("authors", ()) if a.get("name"))
    return Item(
        id=item_id,
        kind="post",
        source=source,
        title=plain(entry.get("title")) or link,
        url=link,
        published_at=_when(entry),
        authors=authors,
        text=plain(body),
        tags=tuple(plain(t.get("term")) for t in entry.get("tags", ()) if t.get("term")),
        links=tuple(u for u in hrefs(body, link) if u != link)[:50],
    )


def parse_feed(data: bytes, name: str) -> Parsed:
    doc = feedparser.parse(data)
    if not doc.get("version"):
        why = doc.get("bozo_exception") or "no RSS/Atom/JSON Feed document"
        raise ParseError(name, f"not a feed ({str(why).splitlines()[0][:120]})")
    if doc.get("bozo") and not doc.entries:
        raise ParseError(name, f"malformed feed ({str(doc.get('bozo_exception'))[:120]})")
    source = "feed:" + _slug(plain(doc.feed.get("title")) or name)
    base = safe_url(doc.feed.get("link"))
    items: dict[str, Item] = {}
    for entry in doc.entries:
        item = _entry_item(entry, source, base)
        if item is not None:
            items.setdefault(item.id, item)
    return Parsed("feed", tuple(items.values()), (), len(doc.entries))


def detect_feed(data: bytes, name: str) -> bool:
    head = data[:4000]
    if head.lstrip()[:1] == b"{":
        return b"jsonfeed.org/version" in head
    return bool(_XML_FEED.search(head))


FORMATS = (
    SourceFormat("feed", "RSS 2.0, Atom or JSON Feed (any blog or newsletter)", detect_feed, parse_feed),
)
