"""Hugging Face daily papers (huggingface.co/api/daily_papers): upvoted paper pages."""

from __future__ import annotations

from typing import Any

from hub.exceptions import ParseError
from hub.sources import SourceFormat
from hub.sources._text import from_iso, load_json, plain, safe_url
from hub.sources.ids import strip_version
from hub.types import Item, Observation, Parsed


def _entry_item(entry: dict[str, Any], n: int, name: str) -> tuple[Item, list[Observation]]:
    nested = entry.get("paper")
    paper: dict[str, Any] = nested if isinstance(nested, dict) else entry
    if not paper.get("id") or not (paper.get("title") or entry.get("title")):
        raise ParseError(name, f"entry {n}: missing field 'paper.id' or 'title'")
    aid = strip_version(str(paper["id"]))
    repo = safe_url(paper.get("githubRepo") or entry.get("githubRepo"))
    published = from_iso(entry.get("publishedAt")) or from_iso(paper.get("publishedAt"))
    authors = tuple(
        plain(a.get("name")) for a in paper.get("authors") or () if isinstance(a, dict) and a.get("name")
    )
    item = Item(
        id=f"hf:{aid}",
        kind="paper",
        source="hf",
        title=plain(paper.get("title") or entry["title"]),
        url=f"https://huggingface.co/papers/{aid}",
        published_at=published,
        authors=authors,
        text=plain(paper.get("summary") or entry.get("summary") or ""),
        links=tuple(u for u in (f"https://arxiv.org/abs/{aid}", repo) if u),
        extra={"upvotes": paper.get("upvotes"), "comments": entry.get("numComments")},
    )
    obs = []
    if published is not None:
        obs.append(Observation(item.id, "upvotes", float(paper.get("upvotes") or 0), published))
        if entry.get("numComments") is not None:
            obs.append(Observation(item.id, "comments", float(entry["numComments"]), published))
    return item, obs


def parse_daily(data: bytes, name: str) -> Parsed:
    doc = load_json(data, name)
    if not isinstance(doc, list):
        raise ParseError(name, "expected a JSON array of daily papers")
    items: dict[str, Item] = {}
    obs: list[Observation] = []
    for n, entry in enumerate(doc):
        if not isinstance(entry, dict):
            raise ParseError(name, f"entry {n}: expected an object")
        item, o = _entry_item(entry, n, name)
        items[item.id] = item
        obs += o
    return Parsed("hf-daily", tuple(items.values()), tuple(obs), len(doc))


def detect_daily(data: bytes, name: str) -> bool:
    head = data[:20_000]
    return head.lstrip()[:1] == b"[" and b'"paper"' in head and b'"upvotes"' in head


FORMATS = (
    SourceFormat(
        "hf-daily",
        "Hugging Face daily papers JSON (huggingface.co/api/daily_papers)",
        detect_daily,
        parse_daily,
    ),
)
