"""Reddit: subreddit JSON listings (reddit.com/r/<sub>/top.json)."""

from __future__ import annotations

from typing import Any

from hub.exceptions import ParseError
from hub.sources import SourceFormat
from hub.sources._text import from_unix, load_json, plain, safe_url
from hub.types import Item, Observation, Parsed


def _post(d: dict[str, Any], n: int, name: str) -> tuple[Item, list[Observation]]:
    if not d.get("id") or not d.get("title") or not d.get("permalink"):
        raise ParseError(name, f"post {n}: missing field 'id', 'title' or 'permalink'")
    page = f"https://www.reddit.com{d['permalink']}"
    target = safe_url(d.get("url_overridden_by_dest") or d.get("url"))
    external = target if target and "reddit.com" not in target and not d.get("is_self") else None
    published = from_unix(d.get("created_utc"))
    item = Item(
        id=f"reddit:{d.get('name') or 't3_' + str(d['id'])}",
        kind="thread",
        source="reddit",
        title=plain(d["title"]),
        url=page,
        published_at=published,
        authors=(plain(d["author"]),) if d.get("author") else (),
        text=plain(d.get("selftext") or ""),
        tags=(str(d.get("subreddit") or ""),) if d.get("subreddit") else (),
        links=(external,) if external else (),
        extra={"score": d.get("score"), "comments": d.get("num_comments"), "target_url": external},
    )
    obs = []
    if published is not None:
        obs = [
            Observation(item.id, "score", float(d.get("score") or 0), published),
            Observation(item.id, "comments", float(d.get("num_comments") or 0), published),
        ]
    return item, obs


def parse_listing(data: bytes, name: str) -> Parsed:
    doc = load_json(data, name)
    listings = doc if isinstance(doc, list) else [doc]
    children = [
        c
        for li in listings
        if isinstance(li, dict) and li.get("kind") == "Listing"
        for c in (li.get("data") or {}).get("children") or ()
    ]
    if not listings or not all(isinstance(li, dict) and li.get("kind") == "Listing" for li in listings):
        raise ParseError(name, "not a Reddit Listing (expected kind 'Listing')")
    items: dict[str, Item] = {}
    obs: list[Observation] = []
    for n, child in enumerate(children):
        if isinstance(child, dict) and child.get("kind") == "t3" and isinstance(child.get("data"), dict):
            item, o = _post(child["data"], n, name)
            items[item.id] = item
            obs += o
    return Parsed("reddit-listing", tuple(items.values()), tuple(obs), len(children))


def detect_listing(data: bytes, name: str) -> bool:
    head = data[:20_000]
    return b'"Listing"' in head and b'"children"' in head


FORMATS = (
    SourceFormat(
        "reddit-listing", "Reddit JSON listing (reddit.com/r/<sub>/top.json)", detect_listing, parse_listing
    ),
)
