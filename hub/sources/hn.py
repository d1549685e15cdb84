"""Hacker News: Firebase item objects (archives of top stories) and Algolia search JSON.

Both become `thread` items keyed `hn:<id>` whose url is the discussion page and whose
links hold the submitted URL, plus `points` and `comments` observations.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.exceptions import ParseError
from hub.sources import SourceFormat
from hub.sources._text import (
    end_of_day_in_name,
    first_record,
    from_iso,
    from_unix,
    integer_id,
    load_json,
    number,
    plain,
    safe_url,
    sniff_json,
)
from hub.types import Item, Observation, Parsed

HN_ITEM = "https://news.ycombinator.com/item?id={}"


def story_item(
    hn_id: int,
    title: str,
    url: str | None,
    text: str,
    by: str | None,
    published: dt.datetime | None,
    points: float,
    comments: float,
) -> Item:
    target = safe_url(url)
    page = HN_ITEM.format(hn_id)
    author = plain(by) if isinstance(by, str) else ""
    return Item(
        id=f"hn:{hn_id}",
        kind="thread",
        source="hn",
        title=plain(title) or page,
        url=page,
        published_at=published,
        authors=(author,) if author else (),
        text=plain(text),
        links=(target,) if target else (),
        extra={"target_url": target, "points": points, "comments": comments},
    )


def _observations(item_id: str, at: dt.datetime | None, points: float, comments: float) -> list[Observation]:
    if at is None:
        return []
    return [Observation(item_id, "points", points, at), Observation(item_id, "comments", comments, at)]


# -- Firebase items -------------------------------------------------------------------


def _firebase_text(rec: dict[str, Any]) -> str:
    """The post's own text, else the archiver's `summary` unless that is just a URL."""
    if rec.get("text"):
        return str(rec["text"])
    summary = str(rec.get("summary") or "").strip()
    return "" if not summary or summary == rec.get("url") or summary.startswith("http") else summary


def _firebase_record(rec: Any, n: int, name: str) -> dict[str, Any] | None:
    """The record if it is a live story, None for other item types; ParseError when broken."""
    where = f"record {n + 1}"
    if not isinstance(rec, dict):
        raise ParseError(name, f"{where}: expected a Hacker News item object, got {type(rec).__name__}")
    if "id" not in rec or "type" not in rec:
        raise ParseError(name, f"{where}: missing field {'id' if 'id' not in rec else 'type'!r}")
    if rec["type"] != "story" or rec.get("deleted") or rec.get("dead"):
        return None
    if not isinstance(rec.get("title"), str) or not rec["title"].strip():
        raise ParseError(name, f"{where}: missing field 'title'")
    return rec


def _firebase_story(
    rec: dict[str, Any], n: int, name: str, seen_at: dt.datetime | None
) -> tuple[Item, list[Observation]]:
    where = f"record {n + 1}"
    points, comments = number(rec, "score", name, where), number(rec, "descendants", name, where)
    published = from_unix(rec.get("time"))
    item = story_item(
        integer_id(rec, "id", name, where),
        rec["title"],
        rec.get("url"),
        _firebase_text(rec),
        rec.get("by"),
        published,
        points,
        comments,
    )
    return item, _observations(item.id, seen_at or published, points, comments)


def parse_firebase(data: bytes, name: str) -> Parsed:
    doc = load_json(data, name)
    records = doc if isinstance(doc, list) else [doc]
    seen_at = end_of_day_in_name(name)
    items: dict[str, Item] = {}
    obs: list[Observation] = []
    for n, raw in enumerate(records):
        if (rec := _firebase_record(raw, n, name)) is None:
            continue
        item, o = _firebase_story(rec, n, name, seen_at)
        items[item.id] = item
        obs += o
    return Parsed("hn-firebase", tuple(items.values()), tuple(obs), len(records))


def detect_firebase(data: bytes, name: str) -> bool:
    first = first_record(sniff_json(data))
    return (
        first is not None
        and {"id", "type"} <= first.keys()
        and first["type"] in ("story", "job", "comment", "poll", "pollopt")
        and ("by" in first or "time" in first)
    )


# -- Algolia search -------------------------------------------------------------------


def _is_story_hit(hit: dict[str, Any]) -> bool:
    """Search without tags=story also returns comments/polls: those are skipped, not errors."""
    tags = hit.get("_tags")
    if isinstance(tags, list) and tags:
        return "story" in tags
    return not hit.get("comment_text")


def _algolia_story(
    hit: Any, n: int, name: str, seen_at: dt.datetime | None
) -> tuple[Item, list[Observation]] | None:
    where = f"hit {n + 1}"
    if not isinstance(hit, dict):
        raise ParseError(name, f"{where}: expected an object, got {type(hit).__name__}")
    if not _is_story_hit(hit):
        return None
    if not hit.get("objectID") or not isinstance(hit.get("title"), str) or not hit["title"].strip():
        raise ParseError(
            name, f"{where}: missing field {'objectID' if not hit.get('objectID') else 'title'!r}"
        )
    points, comments = number(hit, "points", name, where), number(hit, "num_comments", name, where)
    published = from_unix(hit.get("created_at_i")) or from_iso(hit.get("created_at"))
    item = story_item(
        integer_id(hit, "objectID", name, where),
        hit["title"],
        hit.get("url"),
        str(hit.get("story_text") or ""),
        hit.get("author"),
        published,
        points,
        comments,
    )
    at = seen_at or from_iso(hit.get("updated_at")) or published
    return item, _observations(item.id, at, points, comments)


def parse_algolia(data: bytes, name: str) -> Parsed:
    doc = load_json(data, name)
    hits = doc.get("hits") if isinstance(doc, dict) else None
    if not isinstance(hits, list):
        raise ParseError(name, "not an Algolia search response (no 'hits' list)")
    seen_at = end_of_day_in_name(name)
    items: dict[str, Item] = {}
    obs: list[Observation] = []
    for n, hit in enumerate(hits):
        if (story := _algolia_story(hit, n, name, seen_at)) is not None:
            items[story[0].id] = story[0]
            obs += story[1]
    return Parsed("hn-algolia", tuple(items.values()), tuple(obs), len(hits))


def detect_algolia(data: bytes, name: str) -> bool:
    doc = sniff_json(data)
    if not isinstance(doc, dict) or not isinstance(doc.get("hits"), list):
        return False
    first = first_record(doc["hits"])
    return "objectID" in first if first is not None else "nbHits" in doc


FORMATS = (
    SourceFormat(
        "hn-algolia",
        "Hacker News Algolia search JSON (hn.algolia.com/api/v1/search)",
        detect_algolia,
        parse_algolia,
    ),
    SourceFormat(
        "hn-firebase",
        "Hacker News Firebase item objects (a JSON array or one item)",
        detect_firebase,
        parse_firebase,
    ),
)
