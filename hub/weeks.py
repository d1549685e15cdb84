"""ISO weeks: the unit of a digest (`2025-W16` = Monday 00:00 UTC to the next Monday)."""

from __future__ import annotations

import datetime as dt
import re

_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_week(week: str) -> tuple[dt.datetime, dt.datetime]:
    """`2025-W16` -> [Monday 00:00 UTC, next Monday 00:00 UTC)."""
    m = _WEEK_RE.match(week.strip())
    if not m:
        raise ValueError(f"not an ISO week: {week!r} (expected e.g. 2025-W16)")
    try:
        monday = dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)
    except ValueError as e:
        raise ValueError(f"not an ISO week: {week!r} ({e})") from e
    start = dt.datetime.combine(monday, dt.time(), tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=7)


def week_of(t: dt.datetime | dt.date) -> str:
    year, week, _ = t.isocalendar()
    return f"{year}-W{week:02d}"


def previous_week(week: str) -> str:
    start, _ = parse_week(week)
    return week_of(start - dt.timedelta(days=7))


__all__ = ["parse_week", "previous_week", "week_of"]
