"""hub/status.py: the plain text `hub status` prints from read_status's values."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.status import columns, render

AT = dt.datetime(2025, 4, 14, 9, 30, tzinfo=dt.UTC)


def _info(**over: Any) -> dict[str, Any]:
    info: dict[str, Any] = {
        "db": "/x/hub.duckdb",
        "counts": {"items": 1645, "observations": 22},
        "weeks": ["2025-W16"],
        "coverage": "2025-W15 to 2025-W16",
        "runs": [],
        "failures": [],
        "schedules": None,
        "next_runs": [],
        "sources": [],
    }
    return info | over


def test_columns_align_and_right_align_numbers() -> None:
    text = columns("t", ["name", "n"], [["items", "1645"], ["observations", "22"]], right={1})
    assert text.splitlines() == [
        "t",
        "  name             n",
        "  items         1645",
        "  observations    22",
    ]


def test_render_names_every_section_when_empty() -> None:
    text = render(_info())
    assert text.startswith("database: /x/hub.duckdb\ncoverage: 2025-W15 to 2025-W16\ndigests: 2025-W16\n")
    assert "recent runs: none recorded yet" in text and "failures: none" in text
    assert "next runs: no schedules/ folder beside hub.toml" in text and "sources: none configured" in text


def test_render_runs_failures_next_runs_and_health() -> None:
    run = {"id": 7, "job": "crawl", "started_at": AT, "status": "error", "error": "boom"}
    source = {"name": "blog", "kind": "feed", "items": 3, "last_success": AT, "last_error": None,
              "median_ms": 12.4, "healthy": True}  # fmt: skip
    idle = {"name": "new", "healthy": None}
    nxt = {"job": "weekly", "runs": "weekly", "cron": "0 7 * * 1", "timezone": "Europe/London",
           "next_run": dt.datetime(2025, 4, 21, 7, tzinfo=dt.timezone(dt.timedelta(hours=1)))}  # fmt: skip
    text = render(
        _info(
            runs=[run],
            failures=[{"what": "run 7 (crawl)", "at": AT, "error": "boom"}],
            schedules="/x/schedules",
            next_runs=[nxt, {**nxt, "job": "off", "next_run": None}],
            sources=[source, idle],
        )
    )
    header = "  run  job    started           status  error"
    assert f"recent runs\n{header}\n    7  crawl  2025-04-14 09:30  error   boom" in text
    assert "failures: 1\n  run 7 (crawl) at 2025-04-14 09:30: boom" in text
    assert "next runs, UTC (/x/schedules)" in text
    assert "2025-04-21 06:00" in text  # shown in UTC
    assert "off     weekly  0 7 * * 1  Europe/London  disabled" in text
    assert "blog    feed  yes" in text and "12 ms" in text and "never crawled (1): new" in text


def test_render_never_sends_control_characters_to_the_terminal() -> None:
    """An error text comes from the web: an escape sequence in it must not reach the terminal."""
    run = {"id": 1, "job": "crawl", "started_at": AT, "status": "error", "error": "\x1b]0;pwned\x07bad\r\n"}
    text = render(_info(runs=[run], failures=[{"what": "run 1", "at": AT, "error": run["error"]}]))
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text
    assert "bad" in text
