"""Blogs and newsletters: RSS 2.0 / RSS 1.0 / Atom through feedparser, and JSON Feed.

Each entry becomes a `post` item keyed `url:<normalized link>` (or the paper/repo id when
the entry's own link is an arXiv or GitHub page), from source `feed:<feed title slug>`,
with every http(s) link in its content as evidence for resolve. Like feedparser, this is
lenient: malformed XML whose entries were recovered parses, with a warning.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

import feedparser

from hub.exceptions import ParseError
from hub.sources import SourceFormat
from hub.sources._text import from_iso, load_json, plain, safe_url, sane, sniff_json, text_links
from hub.sources.ids import arxiv_id_from_url, canonical_id_for_url, github_repo_from_url, normalize_url
from hub.types import Item, Parsed

# The root element, after any BOM, XML declaration, stylesheet PIs, comments and doctype.
# A doctype may carry an internal subset in brackets (entity declarations, which hold ">").
_XML_ROOT = re.compile(
    rb"^(?:\xef\xbb\xbf)?(?:\s|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\]\s*)?>)*<([\w:.-]+)", re.S
)
_FEED_ROOTS = {b"rss", b"feed", b"rdf:rdf"}
_JSON_FEED = "https://jsonfeed.org/version/"
# A guard against hostile input, not a limit on newsletters (which link hundreds of pages).
MAX_LINKS = 2000
_PROLOG_BYTES = 64_000
# An entity declared from other entities, from outside the document, or a parameter entity:
# what entity-expansion attacks are made of. Character entities (&#160;) are read.
_UNSAFE_ENTITY = re.compile(
    rb"""<!ENTITY\s+(?:%|[^\s>]+\s+(?:SYSTEM|PUBLIC)\b|[^\s>]+\s+(?:"[^"]*&(?!\#)|'[^']*&(?!\#)))"""
)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "feed"


def _item_id(link: str) -> str:
    """A post is its own page, unless the entry's link *is* a paper or a repository."""
    if arxiv_id_from_url(link) or github_repo_from_url(link):
        return canonical_id_for_url(link)
    return "url:" + normalize_url(link)


def post_item(
    source: str,
    link: str,
    title: Any,
    body: str,
    published: dt.datetime | None,
    authors: tuple[str, ...],
    tags: tuple[str, ...],
    extra_links: tuple[str, ...] = (),
    summary: str = "",
) -> Item:
    """A feed entry as a post. `summary`: the entry's own summary when it also carries full
    content — a newsletter's highlights of the issue, kept beside the text."""
    found = [*extra_links, *text_links(body, link)]
    lede = plain(summary)
    return Item(
        id=_item_id(link),
        kind="post",
        source=source,
        title=plain(title if isinstance(title, str) else "") or link,
        url=link,
        published_at=published,
        authors=authors,
        text=plain(body),
        tags=tags,
        links=tuple(dict.fromkeys(u for u in found if u != link))[:MAX_LINKS],
        extra={"summary": lede} if lede and lede != plain(body) else {},
    )


# -- RSS / Atom (feedparser) ----------------------------------------------------------


def _when(entry: Any) -> dt.datetime | None:
    # dict.get: FeedParserDict.get("updated_parsed") falls back to published with a warning
    t = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    return sane(dt.datetime.fromtimestamp(calendar.timegm(t), tz=dt.UTC)) if t else None


def _content(entry: Any) -> str:
    parts = [c.get("value", "") for c in entry.get("content", ()) if isinstance(c, dict)]
    return max(parts, key=len) if parts else str(entry.get("summary") or "")


def _entry_item(entry: Any, source: str, base: str | None) -> Item | None:
    link = safe_url(entry.get("link"), base)
    if link is None:  # no http(s) page to point at: nothing a reader could open
        return None
    authors = tuple(n for a in entry.get("authors", ()) if (n := plain(a.get("name"))))
    tags = tuple(t for tag in entry.get("tags", ()) if (t := plain(tag.get("term"))))
    body = _content(entry)
    summary = str(entry.get("summary") or "") if entry.get("content") else ""
    return post_item(source, link, entry.get("title"), body, _when(entry), authors, tags, summary=summary)


def _warnings(doc: Any) -> tuple[str, ...]:
    """Recoverable problems (malformed XML with entries kept, wrong charset) for the fetch log."""
    if not doc.get("bozo"):
        return ()
    why = str(doc.get("bozo_exception") or "malformed feed").splitlines()[0][:160]
    return (f"{type(doc.get('bozo_exception')).__name__}: {why}",)


def _parse_xml(data: bytes, name: str) -> Parsed:
    root = _XML_ROOT.match(data[:_PROLOG_BYTES])
    if _UNSAFE_ENTITY.search(root[0] if root else data[:_PROLOG_BYTES]):
        raise ParseError(
            name, "declares nested, external or parameter XML entities (an entity bomb?): not expanded"
        )
    doc = feedparser.parse(data)
    if not doc.get("version"):
        why = doc.get("bozo_exception") or "no RSS/Atom document"
        raise ParseError(name, f"not a feed ({str(why).splitlines()[0][:120]})")
    if doc.get("bozo") and not doc.entries:
        raise ParseError(name, f"malformed feed ({str(doc.get('bozo_exception')).splitlines()[0][:120]})")
    source = "feed:" + _slug(plain(doc.feed.get("title")) or name)
    base = safe_url(doc.feed.get("link"))
    items: dict[str, Item] = {}
    for entry in doc.entries:
        if (item := _entry_item(entry, source, base)) is not None:
            items.setdefault(item.id, item)
    return Parsed("feed", tuple(items.values()), (), len(doc.entries), _warnings(doc))


# -- JSON Feed (feedparser 6 does not read it) ----------------------------------------


def _json_authors(entry: dict[str, Any], feed: dict[str, Any]) -> tuple[str, ...]:
    raw = entry.get("authors") or ([entry["author"]] if isinstance(entry.get("author"), dict) else None)
    raw = raw or feed.get("authors") or ([feed["author"]] if isinstance(feed.get("author"), dict) else [])
    return tuple(n for a in raw if isinstance(a, dict) and (n := plain(a.get("name"))))


def _json_entry(entry: Any, n: int, feed: dict[str, Any], source: str, name: str) -> Item | None:
    if not isinstance(entry, dict):
        raise ParseError(name, f"item {n + 1}: expected an object, got {type(entry).__name__}")
    base = safe_url(feed.get("home_page_url"))
    link = safe_url(entry.get("url"), base) or safe_url(entry.get("id"))
    if link is None:
        return None
    body = str(entry.get("content_html") or entry.get("content_text") or entry.get("summary") or "")
    tags = tuple(t for tag in entry.get("tags") or () if isinstance(tag, str) and (t := plain(tag)))
    published = from_iso(entry.get("date_published")) or from_iso(entry.get("date_modified"))
    external = safe_url(entry.get("external_url"), link)
    return post_item(
        source,
        link,
        entry.get("title"),
        body,
        published,
        _json_authors(entry, feed),
        tags,
        (external,) if external else (),
        summary=str(entry.get("summary") or "")
        if entry.get("content_html") or entry.get("content_text")
        else "",
    )


def _parse_json_feed(data: bytes, name: str) -> Parsed:
    feed = load_json(data, name)
    if not isinstance(feed, dict) or not str(feed.get("version", "")).startswith(_JSON_FEED):
        raise ParseError(name, f"not a JSON Feed (no 'version' starting {_JSON_FEED!r})")
    entries = feed.get("items")
    if not isinstance(entries, list):
        raise ParseError(name, "JSON Feed without an 'items' list")
    source = "feed:" + _slug(plain(feed.get("title")) or name)
    items: dict[str, Item] = {}
    for n, entry in enumerate(entries):
        if (item := _json_entry(entry, n, feed, source, name)) is not None:
            items.setdefault(item.id, item)
    return Parsed("feed", tuple(items.values()), (), len(entries))


def parse_feed(data: bytes, name: str) -> Parsed:
    if data.lstrip()[:1] == b"{":
        return _parse_json_feed(data, name)
    return _parse_xml(data, name)


def detect_feed(data: bytes, name: str) -> bool:
    if data.lstrip()[:1] == b"{":
        doc = sniff_json(data)
        return isinstance(doc, dict) and str(doc.get("version", "")).startswith(_JSON_FEED)
    root = _XML_ROOT.match(data[:_PROLOG_BYTES])
    return root is not None and root[1].lower() in _FEED_ROOTS


FORMATS = (
    SourceFormat("feed", "RSS 2.0, Atom or JSON Feed (any blog or newsletter)", detect_feed, parse_feed),
)
