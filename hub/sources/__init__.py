"""Parsers per source kind, shared by the Scrapy spiders and `hub import`.

Each format registers a `SourceFormat` (detect + parse) through `register()`, the
same extension path outside code would use. `parse()` detects the format from the
content unless one is forced, and raises ParseError (one clear line) on bad input.
Parsing is all-or-nothing per document.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from hub.exceptions import ParseError
from hub.types import Parsed


@dataclass(frozen=True)
class SourceFormat:
    name: str
    description: str
    detect: Callable[[bytes, str], bool]
    parse: Callable[[bytes, str], Parsed]


FORMATS: dict[str, SourceFormat] = {}


def register(fmt: SourceFormat) -> SourceFormat:
    FORMATS[fmt.name] = fmt
    return fmt


def detect_format(data: bytes, filename: str) -> str:
    if not data.strip():
        raise ParseError(filename, "empty file")
    if b"\x00" in data[:4096]:
        raise ParseError(filename, "binary data, not a text format hub can read")
    for fmt in FORMATS.values():
        if fmt.detect(data, filename):
            return fmt.name
    _explain_unknown(data, filename)
    raise ParseError(
        filename, f"unknown format (expected one of: {', '.join(sorted(FORMATS))}; use --format to force one)"
    )


def _unwrap_recorded(data: bytes) -> bytes:
    """A recorded HTTP exchange `{"url", "status_code", "body"}` -> its body (else unchanged)."""
    if not data.lstrip().startswith(b"{") or b'"body"' not in data[:200_000]:
        return data
    try:
        doc = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return data
    if (
        isinstance(doc, dict)
        and isinstance(doc.get("body"), str)
        and ("status_code" in doc or "status" in doc)
    ):
        body: str = doc["body"]
        return body.encode("utf-8")
    return data


def _explain_unknown(data: bytes, filename: str) -> None:
    """When nothing matched, say what is wrong with a document that looks like JSON."""
    from hub.sources._text import load_json

    if data.lstrip()[:1] in (b"{", b"["):
        load_json(data, filename)  # raises a precise ParseError when the JSON is broken


def parse(data: bytes, filename: str, format: str | None = None) -> Parsed:
    """Parse one document; detect its format unless `format` names one."""
    data = _unwrap_recorded(data)
    if format is None:
        format = detect_format(data, filename)
    elif format not in FORMATS:
        raise ParseError(filename, f"unknown format {format!r} (one of: {', '.join(sorted(FORMATS))})")
    return FORMATS[format].parse(data, filename)


def _register_builtins() -> None:
    from hub.sources import arxiv, feeds, github, hf, hn, reddit

    for module in (arxiv, hn, github, hf, reddit, feeds):  # feeds last: its detection is broadest
        for fmt in module.FORMATS:
            register(fmt)


_register_builtins()

__all__ = ["FORMATS", "Parsed", "SourceFormat", "detect_format", "parse", "register"]
