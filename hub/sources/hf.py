"""Hugging Face daily papers (huggingface.co/api/daily_papers): upvoted paper pages.

Each entry becomes a `paper` item keyed `hf:<arXiv id>` (resolve joins it to the
`arxiv:` item), linking the arXiv abstract and the paper's GitHub repo, with `upvotes`
and `comments` observations.
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
    load_json,
    number,
    plain,
    safe_url,
    sniff_json,
)
from hub.sources.ids import is_arxiv_id, strip_version
from hub.types import Item, Observation, Parsed


def _paper(entry: dict[str, Any], where: str, name: str) -> dict[str, Any]:
    """The nested `paper` object, which carries the arXiv id."""
    paper = entry.get("paper")
    if not isinstance(paper, dict):
        raise ParseError(name, f"{where}: missing field 'paper'")
    if not paper.get("id"):
        raise ParseError(name, f"{where}: missing field 'paper.id'")
    if not (plain(paper.get("title")) or plain(entry.get("title"))):
        raise ParseError(name, f"{where}: missing field 'title'")
    return paper


def _links(aid: str, paper: dict[str, Any], entry: dict[str, Any]) -> tuple[str, ...]:
    arxiv = f"https://arxiv.org/abs/{aid}" if is_arxiv_id(aid) else None
    repo = safe_url(paper.get("githubRepo") or entry.get("githubRepo"))
    project = safe_url(paper.get("projectPage"))
    return tuple(dict.fromkeys(u for u in (arxiv, repo, project) if u))


def _entry_item(entry: dict[str, Any], where: str, name: str) -> tuple[Item, float, float | None]:
    paper = _paper(entry, where, name)
    aid = strip_version(str(paper["id"]))
    upvotes = number(paper, "upvotes", name, where)
    comments = number(entry, "numComments", name, where) if "numComments" in entry else None
    item = Item(
        id=f"hf:{aid}",
        kind="paper",
        source="hf",
        title=plain(paper.get("title")) or plain(entry.get("title")),
        url=f"https://huggingface.co/papers/{aid}",
        # The day it was on the daily page, not the arXiv time (which can be a week earlier).
        published_at=from_iso(paper.get("submittedOnDailyAt"))
        or from_iso(entry.get("publishedAt"))
        or from_iso(paper.get("publishedAt")),
        authors=tuple(
            n for a in paper.get("authors") or () if isinstance(a, dict) and (n := plain(a.get("name")))
        ),
        text=plain(paper.get("summary")) or plain(entry.get("summary")),
        links=_links(aid, paper, entry),
        extra={
            "upvotes": upvotes,
            "comments": comments,
            "submitted_on_daily_at": paper.get("submittedOnDailyAt"),
            "ai_summary": plain(paper.get("ai_summary")) or None,
        },
    )
    return item, upvotes, comments


def _observed_at(entry: dict[str, Any], item: Item, seen_at: dt.datetime | None) -> dt.datetime | None:
    nested = entry.get("paper")
    submitted = from_iso(nested.get("submittedOnDailyAt")) if isinstance(nested, dict) else None
    return seen_at or submitted or item.published_at


def parse_daily(data: bytes, name: str) -> Parsed:
    doc = load_json(data, name)
    if not isinstance(doc, list):
        raise ParseError(name, "expected a JSON array of daily papers")
    seen_at = end_of_day_in_name(name)  # `?date=2025-04-15` in a crawled URL counts too
    items: dict[str, Item] = {}
    obs: list[Observation] = []
    for n, entry in enumerate(doc):
        if not isinstance(entry, dict):
            raise ParseError(name, f"entry {n + 1}: expected an object, got {type(entry).__name__}")
        item, upvotes, comments = _entry_item(entry, f"entry {n + 1}", name)
        items[item.id] = item
        if (at := _observed_at(entry, item, seen_at)) is not None:
            obs.append(Observation(item.id, "upvotes", upvotes, at))
            if comments is not None:
                obs.append(Observation(item.id, "comments", comments, at))
    return Parsed("hf-daily", tuple(items.values()), tuple(obs), len(doc))


def detect_daily(data: bytes, name: str) -> bool:
    doc = sniff_json(data)
    first = first_record(doc) if isinstance(doc, list) else None
    return first is not None and isinstance(first.get("paper"), dict) and "id" in first["paper"]


FORMATS = (
    SourceFormat(
        "hf-daily",
        "Hugging Face daily papers JSON (huggingface.co/api/daily_papers)",
        detect_daily,
        parse_daily,
    ),
)
