"""arXiv: daily listing JSONL (one paper per line) and arXiv API Atom responses.

Both become `paper` items keyed `arxiv:<id without version>`, with the abs and pdf
URLs plus every GitHub/arXiv URL named in the abstract or comment as links.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from typing import Any

import feedparser

from hub.exceptions import ParseError
from hub.sources import SourceFormat
from hub.sources._text import date_in_name, decode, json_loads, plain, require, sane, strings
from hub.sources.ids import (
    ARXIV_URL_RE,
    arxiv_id_from_url,
    arxiv_item_id,
    github_repos_in_text,
    is_arxiv_id,
    strip_version,
)
from hub.types import Item, Parsed

# arXiv categories (cs.CL, stat.ML, hep-th, physics.comp-ph); MSC/ACM codes ('68T50', 'I.2.7') fail.
_CATEGORY = re.compile(r"^[a-z-]+(?:\.[A-Za-z-]+)?$")


def _categories(raw: Any) -> tuple[str, ...]:
    cats = raw if isinstance(raw, list) else []
    return tuple(dict.fromkeys(c.strip() for c in cats if isinstance(c, str) and _CATEGORY.match(c.strip())))


def _mentioned(aid: str, text: str) -> list[str]:
    """GitHub repos and other arXiv papers named by URL in an abstract or comment."""
    repos = [f"https://github.com/{r}" for r in github_repos_in_text(text)]
    papers = (m.group("new") or m.group("old") for m in ARXIV_URL_RE.finditer(text))
    return repos + [f"https://arxiv.org/abs/{p}" for p in dict.fromkeys(papers) if p != aid]


def paper_item(
    arxiv_id: str,
    title: str,
    abstract: str,
    authors: tuple[str, ...],
    categories: tuple[str, ...],
    *,
    published: dt.datetime | None = None,
    comment: str = "",
    primary: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Item:
    aid = strip_version(arxiv_id)
    abs_url, pdf_url = f"https://arxiv.org/abs/{aid}", f"https://arxiv.org/pdf/{aid}"
    return Item(
        id=arxiv_item_id(aid),
        kind="paper",
        source="arxiv",
        title=plain(title),
        url=abs_url,
        published_at=sane(published),
        authors=authors,
        text=plain(abstract),  # hard line breaks of the listing become spaces
        tags=categories,
        links=tuple(dict.fromkeys((abs_url, pdf_url, *_mentioned(aid, f"{abstract} {comment}")))),
        extra={
            "pdf": pdf_url,
            "comment": plain(comment) or None,
            "primary_category": primary or (categories[0] if categories else None),
            **(extra or {}),
        },
    )


# -- daily listing JSONL -------------------------------------------------------------


def _jsonl_row(line: str, n: int, name: str) -> dict[str, Any]:
    try:
        row = json_loads(line)
    except json.JSONDecodeError as e:
        raise ParseError(name, f"line {n}: invalid JSON ({e.msg} at column {e.colno})") from e
    except RecursionError as e:
        raise ParseError(name, f"line {n}: invalid JSON (nested too deeply)") from e
    if not isinstance(row, dict):
        raise ParseError(name, f"line {n}: expected a JSON object, got {type(row).__name__}")
    require(row, ("id", "title"), name, f"line {n}")
    for key in ("title", "summary", "comment"):
        if row.get(key) is not None and not isinstance(row[key], str):
            raise ParseError(name, f"line {n}: field {key!r} is not text")
    if not is_arxiv_id(str(row["id"])):
        raise ParseError(name, f"line {n}: field 'id' is not an arXiv id ({str(row['id'])[:30]!r})")
    return row


def _jsonl_rows(data: bytes, name: str) -> list[dict[str, Any]]:
    lines = decode(data, name).splitlines()
    rows = [_jsonl_row(line, n, name) for n, line in enumerate(lines, 1) if line.strip()]
    if not rows:
        raise ParseError(name, "no records")
    return rows


def parse_jsonl(data: bytes, name: str) -> Parsed:
    """Rows are deduplicated on id (crawls repeat rows); the file name's date is the listing day."""
    rows = _jsonl_rows(data, name)
    day = date_in_name(name)
    items: dict[str, Item] = {}
    for row in rows:
        item = paper_item(
            str(row["id"]),
            str(row["title"]),
            str(row.get("summary") or ""),
            strings(row.get("authors")),
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
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return False
    return (
        isinstance(row, dict)
        and {"id", "title"} <= row.keys()
        and ("summary" in row or "abs" in row or "pdf" in row)
    )


# -- arXiv API Atom -------------------------------------------------------------------


def _struct_time(t: Any) -> dt.datetime | None:
    return sane(dt.datetime.fromtimestamp(calendar.timegm(t), tz=dt.UTC)) if t else None


def _api_error(entry: Any) -> str | None:
    """The API reports a bad query as a feed with one entry whose id is .../api/errors#..."""
    if "arxiv.org/api/errors" in str(entry.get("id", "")):
        return plain(entry.get("summary")) or plain(entry.get("title")) or "unknown error"
    return None


def _atom_item(entry: Any, n: int, name: str) -> Item:
    aid = arxiv_id_from_url(str(entry.get("id", ""))) or arxiv_id_from_url(str(entry.get("link", "")))
    if not aid:
        raise ParseError(name, f"entry {n + 1}: no arXiv id in <id> {str(entry.get('id', ''))[:60]!r}")
    primary = (entry.get("arxiv_primary_category") or {}).get("term")
    updated = _struct_time(dict.get(entry, "updated_parsed"))
    return paper_item(
        aid,
        entry.get("title", ""),
        entry.get("summary", ""),
        tuple(plain(a.get("name")) for a in entry.get("authors", ()) if a.get("name")),
        _categories([t.get("term", "") for t in entry.get("tags", ())]),
        published=_struct_time(dict.get(entry, "published_parsed")) or updated,
        comment=entry.get("arxiv_comment", ""),
        primary=primary if isinstance(primary, str) and _CATEGORY.match(primary) else None,
        extra={"updated": updated.isoformat() if updated else None, "doi": entry.get("arxiv_doi")},
    )


def parse_atom(data: bytes, name: str) -> Parsed:
    doc = feedparser.parse(data)
    if not doc.get("version") or not doc["version"].startswith("atom"):
        why = doc.get("bozo_exception") or "no Atom <feed>"
        raise ParseError(name, f"not an arXiv API Atom response ({str(why).splitlines()[0][:120]})")
    if doc.entries and (error := _api_error(doc.entries[0])):
        raise ParseError(name, f"arXiv API error: {error[:200]}")
    if doc.get("bozo") and not doc.entries:
        raise ParseError(name, f"malformed XML ({str(doc.get('bozo_exception')).splitlines()[0][:120]})")
    items = {it.id: it for it in (_atom_item(e, n, name) for n, e in enumerate(doc.entries))}
    return Parsed("arxiv-atom", tuple(items.values()), (), len(doc.entries))


def detect_atom(data: bytes, name: str) -> bool:
    head = data[:4000]
    return (
        b"<feed" in head
        and b"arxiv" in head.lower()
        and (b"opensearch" in head.lower() or b"ArXiv Query" in head or b"arxiv.org/api" in head)
    )


FORMATS = (
    SourceFormat("arxiv-jsonl", "arXiv daily listing, one JSON paper per line", detect_jsonl, parse_jsonl),
    SourceFormat(
        "arxiv-atom", "arXiv API Atom response (export.arxiv.org/api/query)", detect_atom, parse_atom
    ),
)
