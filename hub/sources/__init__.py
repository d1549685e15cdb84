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
from hub.files import to_utf8
from hub.types import Parsed


@dataclass(frozen=True)
class SourceFormat:
    """A document format: `detect` sniffs content (never raises), `parse` raises only ParseError."""

    name: str
    description: str
    detect: Callable[[bytes, str], bool]
    parse: Callable[[bytes, str], Parsed]


FORMATS: dict[str, SourceFormat] = {}
# What a parser bug on hostile input looks like; surfaced as a ParseError, never a traceback.
_PARSER_SLIPS = (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError)


def register(fmt: SourceFormat) -> SourceFormat:
    """Add (or replace) a format; detection tries formats in registration order."""
    FORMATS[fmt.name] = fmt
    return fmt


def _detects(fmt: SourceFormat, data: bytes, filename: str) -> bool:
    try:
        return bool(fmt.detect(data, filename))
    except _PARSER_SLIPS:  # a detector that chokes on a document does not recognise it
        return False


def _check_text(data: bytes, filename: str) -> None:
    """Reject what no format can be: nothing at all, or binary data."""
    if not data.strip():
        raise ParseError(filename, "empty file")
    if b"\x00" in data[:4096]:  # UTF-16/32 with a byte-order mark is already UTF-8 here
        raise ParseError(filename, "binary data, not a text format hub can read")


def detect_format(data: bytes, filename: str) -> str:
    """The name of the first registered format whose detector accepts the document."""
    data = to_utf8(data, filename)
    _check_text(data, filename)
    for fmt in FORMATS.values():
        if _detects(fmt, data, filename):
            return fmt.name
    _explain_unknown(data, filename)
    raise ParseError(filename, f"unknown format: expected one of {_names()} (or force one with --format)")


def _names() -> str:
    return ", ".join(sorted(FORMATS))


def _unwrap_recorded(data: bytes) -> bytes:
    """A recorded HTTP exchange `{"url", "status_code", "body"}` -> its body (else unchanged)."""
    if not data.lstrip().startswith(b"{") or b'"body"' not in data[:200_000]:
        return data
    from hub.sources._text import json_loads

    try:
        doc = json_loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
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
    """When nothing matched, say what is wrong with the document if we can tell."""
    from hub.sources._text import decode, load_json

    text = decode(data, filename)  # raises "not UTF-8 text" for undecodable bytes
    if text.lstrip()[:1] not in ("{", "["):
        return
    doc = load_json(data, filename)  # raises a precise ParseError when the JSON is broken
    if isinstance(doc, dict):
        keys = ", ".join(repr(k) for k in list(doc)[:6]) or "none"
        what = f"a JSON object with keys {keys}"
    else:
        first = doc[0] if isinstance(doc, list) and doc else None
        inner = f"of {type(first).__name__}" if first is not None and not isinstance(first, dict) else ""
        keys = ", ".join(repr(k) for k in list(first)[:6]) if isinstance(first, dict) else ""
        what = f"a JSON array {inner}".strip() + (f" of objects with keys {keys}" if keys else "")
    raise ParseError(filename, f"unknown format: {what} is none of {_names()}")


def parse(data: bytes, filename: str, format: str | None = None) -> Parsed:
    """Parse one document; detect its format unless `format` names one."""
    if format is not None and format not in FORMATS:
        raise ParseError(filename, f"unknown format {format!r}: expected one of {_names()}")
    data = _unwrap_recorded(to_utf8(data, filename))
    _check_text(data, filename)
    if format is None:
        format = detect_format(data, filename)
    try:
        return FORMATS[format].parse(data, filename)
    except ParseError:
        raise
    except _PARSER_SLIPS as e:
        why = str(e).splitlines()[0][:120] if str(e) else ""
        raise ParseError(filename, f"malformed {format} document ({type(e).__name__}: {why})") from e


def _register_builtins() -> None:
    from hub.sources import arxiv, feeds, github, hf, hn, reddit

    for module in (arxiv, hn, github, hf, reddit, feeds):  # feeds last: its detection is broadest
        for fmt in module.FORMATS:
            register(fmt)


_register_builtins()

__all__ = ["FORMATS", "Parsed", "SourceFormat", "detect_format", "parse", "register"]
