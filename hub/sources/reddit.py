"""Reddit: subreddit JSON listings (reddit.com/r/<sub>/top.json and friends).

Each link post (`t3`) becomes a `thread` item keyed `reddit:t3_<id>` whose url is the
comments page and whose links hold the external URL it points at, with `score` and
`comments` observations. Other things in a listing (comments, "more") are skipped.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

from hub.exceptions import ParseError
from hub.sources import SourceFormat
from hub.sources._text import end_of_day_in_name, from_unix, load_json, number, plain, safe_url, sniff_json
from hub.types import Item, Observation, Parsed

_ID = re.compile(r"^[0-9a-z]{1,16}$")
# Reddit's own pages and media hosts: a post "linking" there is not pointing anywhere else.
_REDDIT_HOSTS = ("reddit.com", "redd.it", "redditmedia.com", "reddituploads.com")


def _external(d: dict[str, Any]) -> str | None:
    if d.get("is_self"):
        return None
    target = safe_url(d.get("url_overridden_by_dest") or d.get("url"))
    host = (urlsplit(target).hostname or "") if target else ""
    return None if not target or host.endswith(_REDDIT_HOSTS) else target


def _check(d: dict[str, Any], where: str, name: str) -> str:
    """The post's base-36 id; ParseError when a required field is missing or malformed."""
    for key in ("id", "title", "permalink"):
        if not isinstance(d.get(key), str) or not d[key].strip():
            raise ParseError(name, f"{where}: missing field {key!r}")
    if not _ID.match(d["id"]) or not d["permalink"].startswith("/"):
        raise ParseError(name, f"{where}: malformed 'id' or 'permalink' ({d['id'][:20]!r})")
    return str(d["id"])


def _post(
    d: dict[str, Any], where: str, name: str, seen_at: dt.datetime | None
) -> tuple[Item, list[Observation]]:
    post_id = _check(d, where, name)
    score, comments = number(d, "score", name, where), number(d, "num_comments", name, where)
    external, published = _external(d), from_unix(d.get("created_utc"))
    subreddit, author = plain(d.get("subreddit")), plain(d.get("author"))
    item = Item(
        id=f"reddit:t3_{post_id}",
        kind="thread",
        source="reddit",
        title=plain(d["title"]),
        url=f"https://www.reddit.com{d['permalink']}",
        published_at=published,
        authors=(author,) if author and author != "[deleted]" else (),
        text=plain(d.get("selftext")),
        tags=(subreddit,) if subreddit else (),
        links=(external,) if external else (),
        extra={"score": score, "comments": comments, "target_url": external},
    )
    at = seen_at or published
    if at is None:
        return item, []
    return item, [Observation(item.id, "score", score, at), Observation(item.id, "comments", comments, at)]


def _children(doc: Any, name: str) -> list[Any]:
    """A Listing's children; a comments page is [post Listing, comments Listing]."""
    listings = doc if isinstance(doc, list) else [doc]
    if not listings or not all(isinstance(li, dict) and li.get("kind") == "Listing" for li in listings):
        raise ParseError(name, "not a Reddit Listing (expected kind 'Listing')")
    children: list[Any] = []
    for li in listings:
        data = li.get("data")
        if not isinstance(data, dict) or not isinstance(data.get("children"), list):
            raise ParseError(name, "Reddit Listing without a 'data.children' list")
        children += data["children"]
    return children


def parse_listing(data: bytes, name: str) -> Parsed:
    children = _children(load_json(data, name), name)
    seen_at = end_of_day_in_name(name)
    items: dict[str, Item] = {}
    obs: list[Observation] = []
    for n, child in enumerate(children):
        if not isinstance(child, dict) or child.get("kind") != "t3":
            continue
        if not isinstance(child.get("data"), dict):
            raise ParseError(name, f"post {n + 1}: 'data' is not an object")
        item, o = _post(child["data"], f"post {n + 1}", name, seen_at)
        items[item.id] = item
        obs += o
    return Parsed("reddit-listing", tuple(items.values()), tuple(obs), len(children))


def detect_listing(data: bytes, name: str) -> bool:
    doc = sniff_json(data)
    first = doc[0] if isinstance(doc, list) and doc else doc
    return isinstance(first, dict) and first.get("kind") == "Listing" and isinstance(first.get("data"), dict)


FORMATS = (
    SourceFormat(
        "reddit-listing", "Reddit JSON listing (reddit.com/r/<sub>/top.json)", detect_listing, parse_listing
    ),
)
