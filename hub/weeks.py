"""ISO weeks: the unit of a digest (`2025-W16` = Monday 00:00 UTC to the next Monday).

A week is a key: digests, deliveries, pages and feed ids are stored and compared by it.
`canonical_week` is the one place user text becomes that key, so `' 2025-W16'`,
`2025-w16`, `2025W16` and full-width digits are the week `2025-W16`, never a second one.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from hub.exceptions import UsageError

_WEEK_RE = re.compile(r"^(\d{4})-?W(\d{1,2})$")  # any decimal digits: int() reads them
_DASHES = dict.fromkeys(map(ord, "‐‑‒–—−"), "-")
# Items are dated 1990..2099 (older or later dates are dropped as absurd), so no other
# week can hold a digest; the bound also keeps `+ 7 days` from overflowing (9999-W52).
MIN_YEAR, MAX_YEAR = 1990, 2099


def canonical_week(text: str) -> str:
    """User text -> the ISO week key `YYYY-Www`, or UsageError (one line) naming the input.

    Full-width forms and dashes are read as ASCII (NFKC), case and surrounding space are
    ignored, the hyphen may be left out and the week number may have one digit."""
    flat = unicodedata.normalize("NFKC", str(text)).translate(_DASHES).strip().upper()
    m = _WEEK_RE.match(flat)
    if not m:
        raise UsageError(f"not an ISO week: {text!r} (expected e.g. 2025-W16)")
    year, week = int(m[1]), int(m[2])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise UsageError(f"not a week hub can hold: {text!r} (items are dated {MIN_YEAR} to {MAX_YEAR})")
    try:
        dt.date.fromisocalendar(year, week, 1)
    except ValueError as e:
        raise UsageError(f"not an ISO week: {text!r} ({e})") from e
    return f"{year}-W{week:02d}"


def parse_week(week: str) -> tuple[dt.datetime, dt.datetime]:
    """`2025-W16` (any spelling `canonical_week` reads) -> [Monday 00:00 UTC, next Monday)."""
    year, number = canonical_week(week).split("-W")
    monday = dt.date.fromisocalendar(int(year), int(number), 1)
    start = dt.datetime.combine(monday, dt.time(), tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=7)


def week_of(t: dt.datetime | dt.date) -> str:
    year, week, _ = t.isocalendar()
    return f"{year}-W{week:02d}"


def previous_week(week: str) -> str:
    start, _ = parse_week(week)
    return week_of(start - dt.timedelta(days=7))


__all__ = ["canonical_week", "parse_week", "previous_week", "week_of"]
