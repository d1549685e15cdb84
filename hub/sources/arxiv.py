"""arXiv: daily listing JSONL (one paper per line) and arXiv API Atom responses."""

from __future__ import annotations

import json
import re
from typing import Any

import feedparser

from hub.exceptions import ParseError
from hub.sources import SourceFormat
from hub.sources._text import date_in_name, decode, plain, require, sane
from hub.sources.ids import arxiv_id_from_url, arxiv_item_id, github_repos_in_text, strip_version
from hub.types import Item, Parsed

_CATEGORY = re.compile(r"^[a-z-]+(?:\.[A-Za-z-]+)?$")


def _categories(raw: Any) -> tuple[str, ...]:
    """Keep arXiv categories (cs.CL, stat.ML, hep-th); drop MSC/ACM codes like '68T50' or 'I.2.7'."""
    cats = raw if isinstance(raw, list) else []
    return tuple(c for c in cats if isinstance(c, str) and _CATEGORY.match(c))


def paper_item(
    arxiv_id: str,
    title: str,
    abstract: str,
    authors: tuple[str, ...],
    categories: tuple[str, ...],
    *,
    published: Any = None,
    comment: str = "",
    source: str = "arxiv",
) -> Item:
    aid = strip_version(arxiv_id)
    abs_url, pdf_url = f"https://arxiv.org/abs/{aid}", f"https://arxiv.org/pdf/{aid}"
    repos = github_repos_in_text(f"{abstract} {comment}")
    return Item(
        id=arxiv_item_id(aid),
        kind="paper",
        source=source,
        title=plain(title),
        url=abs_url,
        published_at=sane(published),
        authors=authors,
        text=plain(abstract),
        tags=categories,
        links=(abs_url, pdf_url, *(f"https://github.com/{r}" for r in repos)),
        extra={
            "pdf": pdf_url,
            "comment": plain(comment) or None,
            "primary_category": categories[0] if categories else None,
        },
    )


def _jsonl_rows(data: bytes, name: str) -> list[dict[str, Any]]:
    rows = []
    for n, line in enumerate(decode(data, name).splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise ParseError(name, f"line {n}: invalid JSON ({e.msg})") from e
        if not isinstance(row, dict):
            raise ParseError(name, f"line {n}: expected a JSON object")
        require(row, ("id", "title"), name, f"line {n}")
        rows.append(row)
    if not rows:
        raise ParseError(name, "no records")
    return rows


def parse_jsonl(data: bytes, name: str) -> Parsed:
    rows = _jsonl_rows(data, name)
    day = date_in_name(name)
    items: dict[str, Item] = {}
    for row in rows:
        authors = tuple(plain(a) for a in row.get("authors") or () if isinstance(a, str))
        item = paper_item(
            str(row["id"]),
            str(row["title"]),
            str(row.get("summary") or ""),
            authors,
            _categories(row.get("categories")),
            published=day,
            comment=str(row.get("comment") or ""),
        )
        items.setdefault(item.id, item)
    return Parsed("arxiv-jsonl", tuple(items.values()), (), len(rows))


def detect_jsonl(data: bytes, name: str) -> bool:
    first = data.lstrip()[:200_000].split(b"\n", 1)[0]
    try:
        row = json.loads(first)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    return (
        isinstance(row, dict)
        and {"id", "title"} <= row.keys()
        and ("summary" in row or "abs" in row or "pdf" in row)
    )


def parse_atom(data: bytes, name: str) -> Parsed:
    doc = feedparser.parse(data)
    if not doc.get("version") and not doc.entries:
        raise ParseError(name, "not an arXiv API Atom response")
    items = []
    for e in doc.entries:
        aid = arxiv_id_from_url(e.get("id", "")) or arxiv_id_from_url(e.get("link", ""))
        if not aid:
            continue
        cats = tuple(t.get("term", "") for t in e.get("tags", ()) if _CATEGORY.match(t.get("term", "")))
        authors = tuple(plain(a.get("name")) for a in e.get("authors", ()) if a.get("name"))
        published = e.get("published_parsed") or e.get("updated_parsed")
        items.append(
            paper_item(
                aid,
                e.get("title", ""),
                e.get("summary", ""),
                authors,
                cats,
                published=_struct_time(published),
                comment=e.get("arxiv_comment", ""),
            )
        )
    if not items and doc.get("bozo"):
        raise ParseError(name, f"malformed XML ({doc.get('bozo_exception')})")
    return Parsed("arxiv-atom", tuple(items), (), len(doc.entries))


def _struct_time(t: Any) -> Any:
    import calendar
    import datetime as dt

    return dt.datetime.fromtimestamp(calendar.timegm(t), tz=dt.UTC) if t else None


def detect_atom(data: bytes, name: str) -> bool:
    head = data[:4000]
    return (
        b"<feed" in head
        and (b"arxiv.org" in head or b"arxiv" in head.lower())
        and (b"opensearch" in head.lower() or b"ArXiv Query" in head or b"arxiv.org/api" in head)
    )


FORMATS = (
    SourceFormat("arxiv-jsonl", "arXiv daily listing, one JSON paper per line", detect_jsonl, parse_jsonl),
    SourceFormat(
        "arxiv-atom", "arXiv API Atom response (export.arxiv.org/api/query)", detect_atom, parse_atom
    ),
)
