"""Text and value helpers every parser uses: plain text, safe URLs, sane dates, JSON loading."""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
import math
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

import nh3

from hub.exceptions import ParseError
from hub.safetext import xml_safe
from hub.sources.ids import is_http_url

_WS = re.compile(r"\s+")
_LONE_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # how JSON spells a surrogate
_LONE_SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
_BLOCK = re.compile(r"<\s*/?\s*(p|br|div|li|ul|ol|h[1-6]|tr|td|blockquote|pre)\b[^>]*>", re.I)
_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
MIN_YEAR, MAX_YEAR = 1990, 2100


def plain(text: object, *, keep_lines: bool = False) -> str:
    """HTML or messy text -> one clean line of plain text (tags dropped, entities decoded).

    The result is text, not markup: renderers escape it again before output. Anything
    that is not a string (a null, or a nested object where text was expected) is "".
    Characters no output can carry (controls, lone surrogates, noncharacters such as
    U+FFFF) are dropped, also when an entity spelled them (`&#xFFFF;`).
    """
    if not text or not isinstance(text, str):
        return ""
    if "<" in text:
        text = xml_safe(text)  # nh3 cannot take a lone surrogate
        text = _BLOCK.sub(" ", text)  # keep words apart where blocks end
        text = nh3.clean(text, tags=set(), attributes={})
    text = xml_safe(html.unescape(text))
    if keep_lines:
        return "\n".join(_WS.sub(" ", ln).strip() for ln in text.splitlines()).strip()
    return _WS.sub(" ", text).strip()


def safe_url(url: str | None, base: str | None = None) -> str | None:
    """An absolute http(s) URL or None (javascript:, data:, mailto: ... are dropped)."""
    if not url or not isinstance(url, str):
        return None
    url = xml_safe(url).strip()
    try:
        if base:
            url = urljoin(base, url)
        parts = urlsplit(url)
        _ = parts.port  # raises on a malformed port, which would break normalize_url later
    except ValueError:  # "http://[::1" and friends
        return None
    ok = is_http_url(url) and bool(parts.hostname) and not any(c.isspace() for c in url)
    return url if ok else None


_MD_LINK = re.compile(r"\]\(\s*<?(https?://[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_BARE_URL = re.compile(r"(?<![\w\"'=/])https?://[^\s<>\"'\])}]+", re.IGNORECASE)
# Hosts whose pages are people's posts, chat invites or videos: a roundup's links to them
# say little about which stories it covers, so they come after the articles it links.
_SOCIAL_HOSTS = re.compile(
    r"^(?:[\w-]+\.)*(?:x\.com|twitter\.com|t\.co|bsky\.app|threads\.net|facebook\.com|"
    r"instagram\.com|linkedin\.com|discord\.(?:com|gg)|youtube\.com|youtu\.be|tiktok\.com|"
    r"reddit\.com|redd\.it|i\.redd\.it|preview\.redd\.it|mastodon\.social)$",
    re.IGNORECASE,
)


def is_social(url: str) -> bool:
    return bool(_SOCIAL_HOSTS.match(urlsplit(url).hostname or ""))


def text_links(text: str, base: str | None = None) -> list[str]:
    """http(s) links of a text in any of the forms posts carry them: HTML hrefs, markdown
    `[label](url)` and bare URLs; unique, articles before social posts, in order."""
    text = text or ""
    raw = [html.unescape(m.group(1)) for m in _HREF.finditer(text)]
    raw += [m.group(1) for m in _MD_LINK.finditer(text)]
    raw += [m.group(0).rstrip(".,;:!?*_") for m in _BARE_URL.finditer(text)]
    found = list(dict.fromkeys(u for r in raw if (u := safe_url(r, base))))
    return [u for u in found if not is_social(u)] + [u for u in found if is_social(u)]


def hrefs(html_text: str, base: str | None = None) -> list[str]:
    """http(s) links found in an HTML fragment, resolved against base, unique, in order."""
    found = (safe_url(html.unescape(m.group(1)), base) for m in _HREF.finditer(html_text or ""))
    return list(dict.fromkeys(u for u in found if u))


def sane(t: dt.datetime | None) -> dt.datetime | None:
    """UTC-aware datetime, or None when missing or absurd (before 1990, after 2100)."""
    if t is None:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    t = t.astimezone(dt.UTC)
    return t if MIN_YEAR <= t.year < MAX_YEAR else None


def from_unix(value: Any) -> dt.datetime | None:
    try:
        return sane(dt.datetime.fromtimestamp(float(value), tz=dt.UTC))
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def from_iso(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return sane(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


def date_in_name(filename: str) -> dt.datetime | None:
    """`2025-04-14.json` -> 2025-04-14T00:00Z (the day a daily archive file was made)."""
    m = _DATE_IN_NAME.search(filename)
    if not m:
        return None
    try:
        return sane(dt.datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=dt.UTC))
    except ValueError:
        return None


def end_of_day_in_name(filename: str) -> dt.datetime | None:
    """Daily archive files are snapshots taken during the named day: observe at its last second.

    A fixed time (not "now") keeps observations deterministic, so re-importing adds nothing.
    """
    day = date_in_name(filename)
    return day + dt.timedelta(hours=23, minutes=59, seconds=59) if day else None


def number(record: dict[str, Any], key: str, name: str, where: str) -> float:
    """A numeric field (missing/null -> 0); anything else that is not a number is a bad record."""
    value = record.get(key)
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ParseError(name, f"{where}: field {key!r} is not a number")
    try:
        result = float(value)
    except (ValueError, OverflowError) as e:
        raise ParseError(name, f"{where}: field {key!r} is not a number ({str(value)[:20]!r})") from e
    if not math.isfinite(result):
        raise ParseError(name, f"{where}: field {key!r} is not a finite number")
    return result


def integer_id(record: dict[str, Any], key: str, name: str, where: str) -> int:
    """A positive integer id (HN ids arrive as ints in Firebase JSON, as strings in Algolia)."""
    value = record.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise ParseError(name, f"{where}: field {key!r} is not a numeric id")
    return int(value)


def strings(value: Any) -> tuple[str, ...]:
    """A list of names -> plain-text tuple; a bare string or anything else -> () (never its letters)."""
    if not isinstance(value, list):
        return ()
    return tuple(t for t in (plain(v) for v in value if isinstance(v, str)) if t)


def decode(data: bytes, name: str) -> str:
    """Bytes -> str for JSON/Markdown inputs; a clear ParseError for binary or non-UTF-8 data."""
    if not data.strip():
        raise ParseError(name, "empty file")
    if b"\x00" in data[:4096]:
        raise ParseError(name, "binary data, not a text format hub can read")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ParseError(name, f"not UTF-8 text (invalid byte at offset {e.start})") from e


def json_loads(text: str | bytes) -> Any:
    """json.loads, with the lone surrogates JSON may spell (`"\\ud800"`) dropped from every
    key and string: no UTF-8 file, database or feed can hold one."""
    doc = json.loads(text)
    escaped = (
        _LONE_SURROGATE_ESCAPE.search(text)
        if isinstance(text, str)
        else _LONE_SURROGATE_ESCAPE_BYTES.search(text)
    )
    return _no_surrogates(doc) if escaped else doc


def _no_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return xml_safe(value) if _SURROGATE.search(value) else value
    if isinstance(value, list):
        return [_no_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_no_surrogates(k): _no_surrogates(v) for k, v in value.items()}
    return value


def load_json(data: bytes, name: str) -> Any:
    text = decode(data, name)
    try:
        return json_loads(text)
    except json.JSONDecodeError as e:
        what = "truncated JSON" if e.pos >= len(text.rstrip()) else "invalid JSON"
        raise ParseError(name, f"{what}: {e.msg} at line {e.lineno} column {e.colno}") from e
    except RecursionError as e:
        raise ParseError(name, "invalid JSON: nested too deeply") from e


@functools.lru_cache(maxsize=2)
def sniff_json(data: bytes) -> Any | None:
    """Parsed JSON if the bytes are JSON text, else None (for detection; never raises).

    Cached: every JSON detector asks about the same document in turn. Callers only read it.
    """
    head = data.lstrip()[:1]
    if head not in (b"{", b"["):
        return None
    try:
        return json_loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None


def first_record(doc: Any) -> dict[str, Any] | None:
    """The first element of a JSON array (or the object itself), when it is an object."""
    first = doc[0] if isinstance(doc, list) and doc else doc
    return first if isinstance(first, dict) else None


def require(record: dict[str, Any], keys: tuple[str, ...], name: str, where: str) -> None:
    missing = [k for k in keys if record.get(k) in (None, "")]
    if missing:
        raise ParseError(name, f"{where}: missing field {', '.join(repr(k) for k in missing)}")
