"""Hacker News: Firebase item objects (archives of top stories) and Algolia search JSON."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from hub.exceptions import ParseError
from hub.sources import SourceFormat
from hub.sources._text import date_in_name, from_unix, load_json, plain, safe_url
from hub.types import Item, Observation, Parsed

HN_ITEM = "https://news.ycombinator.com/item?id={}"
_FIREBASE = re.compile(rb'"(descendants|by)"\s*:')
_STORY = re.compile(rb'"type"\s*:\s*"story"')


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
    return Item(
        id=f"hn:{hn_id}",
        kind="thread",
        source="hn",
        title=plain(title),
        url=HN_ITEM.format(hn_id),
        published_at=published,
        authors=(plain(by),) if by else (),
        text=plain(text),
        links=(target,) if target else (),
        extra={"target_url": target, "points": points, "comments": comments},
    )


def _observations(item_id: str, at: dt.datetime, points: float, comments: float) -> list[Observation]:
    return [Observation(item_id, "points", points, at), Observation(item_id, "comments", comments, at)]


def _archive_time(name: str) -> dt.datetime | None:
    """Archive files are snapshots taken during the named day: observe at its end."""
    day = date_in_name(name)
    return day + dt.timedelta(hours=23, minutes=59, seconds=59) if day else None


def _firebase_text(rec: dict[str, Any]) -> str:
    if rec.get("text"):
        return str(rec["text"])
    summary = str(rec.get("summary") or "")
    return "" if not summary or summary == rec.get("url") or summary.startswith("http") else summary


def parse_firebase(data: bytes, name: str) -> Parsed:
    doc = load_json(data, name)
    records = doc if isinstance(doc, list) else [doc]
    seen_at = _archive_time(name)
    items: dict[str, Item] = {}
    obs: list[Observation] = []
    for n, rec in enumerate(records):
        if not isinstance(rec, dict) or "id" not in rec:
            raise ParseError(name, f"record {n}: not a Hacker News item (no 'id')")
        if rec.get("type") != "story" or rec.get("deleted") or rec.get("dead"):
            continue
        if not rec.get("title"):
            raise ParseError(name, f"record {n}: missing field 'title'")
        points, comments = float(rec.get("score") or 0), float(rec.get("descendants") or 0)
        published = from_unix(rec.get("time"))
        item = story_item(
            int(rec["id"]),
            rec["title"],
            rec.get("url"),
            _firebase_text(rec),
            rec.get("by"),
            published,
            points,
            comments,
        )
        items[item.id] = item
        at = seen_at or published
        if at:
            obs += _observations(item.id, at, points, comments)
    return Parsed("hn-firebase", tuple(items.values()), tuple(obs), len(records))


def detect_firebase(data: bytes, name: str) -> bool:
    head = data[:20_000]
    return (
        head.lstrip()[:1] in (b"[", b"{")
        and bool(_STORY.search(head))
        and bool(_FIREBASE.search(head))
        and b'"hits"' not in head
    )


def parse_algolia(data: bytes, name: str) -> Parsed:
    doc = load_json(data, name)
    hits = doc.get("hits") if isinstance(doc, dict) else None
    if not isinstance(hits, list):
        raise ParseError(name, "not an Algolia search response (no 'hits' list)")
    items: dict[str, Item] = {}
    obs: list[Observation] = []
    for n, hit in enumerate(hits):
        if not isinstance(hit, dict) or not hit.get("objectID") or not hit.get("title"):
            raise ParseError(name, f"hit {n}: missing field 'objectID' or 'title'")
        points, comments = float(hit.get("points") or 0), float(hit.get("num_comments") or 0)
        published = from_unix(hit.get("created_at_i"))
        item = story_item(
            int(hit["objectID"]),
            hit["title"],
            hit.get("url"),
            str(hit.get("story_text") or ""),
            hit.get("author"),
            published,
            points,
            comments,
        )
        items[item.id] = item
        if published:
            obs += _observations(item.id, published, points, comments)
    return Parsed("hn-algolia", tuple(items.values()), tuple(obs), len(hits))


def detect_algolia(data: bytes, name: str) -> bool:
    head = data[:20_000]
    return b'"hits"' in head and b'"objectID"' in head


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
