"""GitHub: trending pages (archived Markdown or live HTML) and REST API repo/release objects.

Repositories become `repo` items keyed `gh:owner/repo` (lower-case; the title keeps the
original case), releases become `release` items keyed `gh:owner/repo@tag`. Trending
ranks, stars and forks are observations at a time taken from the document, never "now"
unless the document has no time at all (a live trending page).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from hub.exceptions import ParseError
from hub.sources import SourceFormat
from hub.sources._text import (
    decode,
    end_of_day_in_name,
    first_record,
    from_iso,
    load_json,
    number,
    plain,
    safe_url,
    sane,
    sniff_json,
)
from hub.sources.ids import github_repo_from_url
from hub.types import Item, Observation, Parsed

_FULL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9_.-]{1,100}")
_DAY = re.compile(r"^##\s+(\d{4})-(\d{2})-(\d{2})\s*$", re.M)
_LANG = re.compile(r"^####\s+(.+?)\s*$")
_ENTRY = re.compile(
    r"^\*\s+\[(?P<owner>[^\]/]+?)\s*/\s*(?P<repo>[^\]]+?)\]\((?P<url>[^)\s]+)\)\s*:?(?P<desc>.*)$"
)


def repo_item(
    full_name: str,
    description: str,
    *,
    language: str | None = None,
    published: dt.datetime | None = None,
    extra: dict[str, Any] | None = None,
    topics: tuple[str, ...] = (),
) -> Item | None:
    full_name = full_name.strip()
    if not _FULL_NAME.fullmatch(full_name):
        return None
    key = github_repo_from_url(f"https://github.com/{full_name}")
    if key is None:
        return None
    tags = tuple(t for t in ((language,) if language else ()) + topics if t)
    return Item(
        id=f"gh:{key}",
        kind="repo",
        source="github",
        title=full_name,
        url=f"https://github.com/{full_name}",
        published_at=published,
        text=plain(description),
        tags=tags,
        extra=extra or {},
    )


def _trending_day(text: str, name: str) -> dt.datetime | None:
    m = _DAY.search(text)
    if not m:
        raise ParseError(name, "no '## YYYY-MM-DD' heading: not a GitHub trending archive")
    try:
        return sane(dt.datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=dt.UTC))
    except ValueError as e:
        raise ParseError(name, f"heading {m[0].strip()!r} is not a valid date") from e


def parse_trending_md(data: bytes, name: str) -> Parsed:
    """One item per repo; `trending_rank` = best 1-based position within a language section."""
    text = decode(data, name)
    day = _trending_day(text, name)
    language, rank, records = "", 0, 0
    items: dict[str, Item] = {}
    best: dict[str, float] = {}
    for line in text.splitlines():
        if lang := _LANG.match(line):
            language, rank = plain(lang[1]), 0
            continue
        m = _ENTRY.match(line.strip())
        if not m:
            continue
        records += 1
        rank += 1
        item = repo_item(
            f"{m['owner'].strip()}/{m['repo'].strip()}", m["desc"], language=language or None, published=day
        )
        if item is None or safe_url(m["url"]) is None:
            continue
        items.setdefault(item.id, item)
        best[item.id] = min(best.get(item.id, float(rank)), float(rank))
    if not records:
        raise ParseError(name, "no '* [owner / repo](https://github.com/...)' entries found")
    obs = tuple(Observation(i, "trending_rank", r, day) for i, r in best.items() if day)
    return Parsed("github-trending-md", tuple(items.values()), obs, records)


def detect_trending_md(data: bytes, name: str) -> bool:
    head = data[:4000]
    return bool(re.search(rb"^##\s+\d{4}-\d{2}-\d{2}", head, re.M)) and b"](https://github.com/" in head


def _repo(obj: dict[str, Any], name: str) -> tuple[Item | None, list[Observation]]:
    where = f"repository {str(obj.get('full_name'))[:60]!r}"
    stars, forks = number(obj, "stargazers_count", name, where), number(obj, "forks_count", name, where)
    at = from_iso(obj.get("pushed_at")) or from_iso(obj.get("updated_at"))
    topics = tuple(t for t in obj.get("topics") or () if isinstance(t, str))
    item = repo_item(
        str(obj["full_name"]),
        plain(obj.get("description")),
        language=plain(obj.get("language")) or None,
        published=from_iso(obj.get("created_at")),
        topics=topics,
        extra={"stars": stars, "forks": forks, "homepage": safe_url(obj.get("homepage"))},
    )
    if item is None or at is None:
        return item, []
    return item, [Observation(item.id, "stars", stars, at), Observation(item.id, "forks", forks, at)]


def _release(obj: dict[str, Any], repo: str) -> Item | None:
    url = safe_url(obj.get("html_url"))
    if not url or not obj.get("tag_name"):
        return None
    key = github_repo_from_url(f"https://github.com/{repo}")
    tag = plain(str(obj["tag_name"])).replace(" ", "")
    if not key or not tag:
        return None
    return Item(
        id=f"gh:{key}@{tag}",
        kind="release",
        source="github",
        title=plain(obj.get("name")) or f"{repo} {tag}",
        url=url,
        published_at=from_iso(obj.get("published_at")) or from_iso(obj.get("created_at")),
        text=plain(obj.get("body")),
        links=(f"https://github.com/{repo}",),
        extra={"tag": tag, "prerelease": bool(obj.get("prerelease"))},
    )


def _repo_of_release(obj: dict[str, Any], path: str) -> str | None:
    url = str(obj.get("html_url") or "") or f"https://github.com{path.replace('/repos', '', 1)}"
    return github_repo_from_url(url)


def _collect(payload: Any, path: str, name: str, items: list[Item], obs: list[Observation]) -> int:
    """Walk a REST payload (repo object, release, or a list of them); return records seen."""
    if isinstance(payload, list):
        return sum(_collect(p, path, name, items, obs) for p in payload)
    if not isinstance(payload, dict):
        return 0
    if "full_name" in payload and "stargazers_count" in payload:
        item, o = _repo(payload, name)
        items.extend([item] if item else [])
        obs.extend(o)
        return 1
    if "tag_name" in payload and (repo := _repo_of_release(payload, path)):
        rel = _release(payload, repo)
        items.extend([rel] if rel else [])
        return 1
    return 0


def parse_rest(data: bytes, name: str) -> Parsed:
    doc = load_json(data, name)
    items: list[Item] = []
    obs: list[Observation] = []
    exchanges = (
        doc
        if isinstance(doc, list) and doc and isinstance(doc[0], dict) and "scope" in doc[0]
        else [{"path": "", "response": doc}]
    )
    records = sum(
        _collect(x.get("response"), str(x.get("path") or ""), name, items, obs)
        for x in exchanges
        if isinstance(x, dict)
    )
    if records == 0:
        raise ParseError(name, "no GitHub repository or release objects found")
    uniq = {i.id: i for i in items}
    return Parsed("github-rest", tuple(uniq.values()), tuple(obs), records)


def detect_rest(data: bytes, name: str) -> bool:
    """A repo object, a release (or an array of them), or recorded octokit exchanges."""
    first = first_record(sniff_json(data))
    if first is None:
        return False
    return (
        {"full_name", "stargazers_count"} <= first.keys()
        or {"tag_name", "html_url"} <= first.keys()
        or ({"scope", "method", "path", "response"} <= first.keys() and "github" in str(first["scope"]))
    )


def _int(text: str) -> float:
    digits = re.sub(r"[^\d]", "", text or "")
    return float(digits) if digits else 0.0


def parse_trending_html(data: bytes, name: str) -> Parsed:
    """github.com/trending: one `article.Box-row` per repository, in rank order."""
    from parsel import Selector

    sel = Selector(text=decode(data, name), type="html")  # never sniffed as JSON/XML
    rows = sel.css("article.Box-row")
    if not rows:
        raise ParseError(name, "no trending repositories found (page layout changed?)")
    # A live page has no date: the hour of the crawl (a saved page named by date: that day).
    now = end_of_day_in_name(name) or dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    items: dict[str, Item] = {}
    obs: list[Observation] = []
    for rank, row in enumerate(rows, 1):
        href = (row.css("h2 a::attr(href)").get() or "").strip("/ ")
        item = repo_item(
            href,
            " ".join(row.css("p::text").getall()),
            language=(row.css("[itemprop=programmingLanguage]::text").get() or "").strip() or None,
            published=now,
        )
        if item is None or item.id in items:
            continue
        items[item.id] = item
        stars = _int(row.css(f'a[href$="/{href}/stargazers"]::text').get() or "")
        obs += [Observation(item.id, "trending_rank", float(rank), now)]
        if stars:
            obs.append(Observation(item.id, "stars", stars, now))
    return Parsed("github-trending-html", tuple(items.values()), tuple(obs), len(rows))


def detect_trending_html(data: bytes, name: str) -> bool:
    head = data[:400_000]
    return b"<html" in head.lower() and b"Box-row" in head and b"trending" in head.lower()


FORMATS = (
    SourceFormat(
        "github-trending-md",
        "GitHub trending archive (## date, #### lang, * [o / r](url):desc)",
        detect_trending_md,
        parse_trending_md,
    ),
    SourceFormat(
        "github-trending-html",
        "github.com/trending HTML page (article.Box-row per repository)",
        detect_trending_html,
        parse_trending_html,
    ),
    SourceFormat(
        "github-rest",
        "GitHub REST API repo/release JSON (or recorded octokit fixtures)",
        detect_rest,
        parse_rest,
    ),
)
