"""How a hub is doing, read without loading any stage: `hub status`.

What the store holds (counts, coverage, digests), the recent runs and what failed, the
next runs of the schedule beside hub.toml (parsed, no scheduler started) and the health
of every source, including those hub.toml lists but nothing has crawled yet. It opens
the store read-only and never writes, and imports only the store, the config and the
schedule parser: a status check must answer at once, not after loading scikit-learn.
It is printed as plain aligned text (`render`), not with Rich: importing Rich and laying
out its tables was about a tenth of the command's time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from hub.config import Config
from hub.store import Store
from hub.weeks import week_of

RECENT_RUNS = 10


def read_status(config: Config) -> dict[str, Any]:
    """Everything `hub status` shows, as plain values (JSON-ready with default=str)."""
    store = Store(config.db_path, read_only=True, lock_wait_s=config.store.lock_wait_s)
    try:
        rng = store.date_range()
        info: dict[str, Any] = {
            "db": str(store.path),
            "counts": store.counts(),
            "weeks": store.digest_weeks(),
            "coverage": f"{week_of(rng[0])} to {week_of(rng[1])}" if rng else "nothing",
            "runs": store.recent_runs(RECENT_RUNS),
        }
        health = store.source_health()
    finally:
        store.close()
    info |= schedule_status(config.workspace / "schedules")
    # the fields read, not model_dump(): dumping would build SourceConfig's own serializer
    configured = [{"name": s.name, "kind": s.kind, "enabled": s.enabled} for s in config.sources]
    info["sources"] = with_configured(health, configured)
    info["failures"] = failures(info["runs"], info["sources"])
    return info


def schedule_status(folder: Path) -> dict[str, Any]:
    """The schedule folder (None when absent) and its jobs' next runs, soonest first."""
    if not folder.is_dir():
        return {"schedules": None, "next_runs": []}
    from hub.scheduler import upcoming  # YAML and APScheduler's cron parser only when needed

    return {"schedules": str(folder), "next_runs": upcoming(folder)}


def with_configured(health: list[dict[str, Any]], configured: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Source health rows, plus a `never crawled` row (healthy None) for each source hub.toml
    lists that the store has not seen yet (status reads the store and never writes it)."""
    known = {r["name"] for r in health}
    extra = [
        {
            "name": c["name"],
            "kind": c["kind"],
            "enabled": c["enabled"],
            "items": 0,
            "last_success": None,
            "last_error": None,
            "last_error_at": None,
            "median_ms": None,
            "healthy": None,
        }
        for c in configured
        if c["name"] not in known
    ]
    return sorted([*health, *extra], key=lambda r: r["name"])


def failures(runs: list[dict[str, Any]], sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What went wrong lately: failed runs among the recent ones, sources whose last fetch failed."""
    failed = [
        {"what": f"run {r['id']} ({r['job']})", "at": r["started_at"], "error": r["error"] or r["status"]}
        for r in runs
        if r["status"] == "error"
    ]
    broken = [
        {"what": f"source {r['name']}", "at": r["last_error_at"], "error": r["last_error"]}
        for r in sources
        if r["healthy"] is False
    ]
    return failed + broken


# -- the text `hub status` prints ---------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def render(info: dict[str, Any]) -> str:
    """`read_status`'s values as the text `hub status` prints."""
    weeks = ", ".join(info["weeks"]) or "none"
    counts = [[k, str(v)] for k, v in info["counts"].items()]
    parts = [
        f"database: {_cell(info['db'])}\ncoverage: {info['coverage']}\ndigests: {weeks}",
        columns("rows per table", ["table", "rows"], counts, right={1}),
        _runs(info["runs"]),
        _failures(info["failures"]),
        _next_runs(info["next_runs"], info["schedules"]),
        _health(info["sources"]),
    ]
    return "\n\n".join(p for p in parts if p) + "\n"


def columns(
    title: str, header: Sequence[str], rows: Sequence[Sequence[str]], right: Collection[int] = ()
) -> str:
    """A titled table as aligned plain-text columns, `right` ones right-aligned (numbers);
    cells are cleaned of control characters."""
    cells = [[_cell(c) for c in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [
        "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in cells
    ]
    return "\n".join([title, *("  " + line.rstrip() for line in lines)])


def _cell(value: object) -> str:
    """Text from the web (errors, names) may hold control characters: never sent to the terminal."""
    return _CONTROL.sub(" ", str(value))


def _when(t: dt.datetime | None) -> str:
    return f"{t:%Y-%m-%d %H:%M}" if t else "—"


def _runs(runs: list[dict[str, Any]]) -> str:
    if not runs:
        return "recent runs: none recorded yet (`hub crawl` and scheduled jobs record theirs)"
    rows = [
        [str(r["id"]), r["job"], _when(r["started_at"]), r["status"], (r["error"] or "")[:70]] for r in runs
    ]
    return columns("recent runs", ["run", "job", "started", "status", "error"], rows, right={0})


def _failures(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "failures: none in the recent runs and the sources' last fetches"
    lines = [f"  {_cell(f['what'])} at {_when(f['at'])}: {_cell(str(f['error'])[:100])}" for f in rows]
    return "\n".join([f"failures: {len(rows)}", *lines])


def _next_runs(rows: list[dict[str, Any]], folder: str | None) -> str:
    if folder is None:
        how = "`hub schedule init` writes the default one, `hub schedule list --dir PATH` reads another"
        return f"next runs: no schedules/ folder beside hub.toml ({how})"
    table = [
        [
            r["job"],
            r["runs"],
            r["cron"],
            r["timezone"],
            _when(r["next_run"].astimezone(dt.UTC)) if r["next_run"] else "disabled",
        ]
        for r in rows
    ]
    return columns(f"next runs, UTC ({folder})", ["job", "runs", "cron", "timezone", "next run"], table)


def _health(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "sources: none configured"
    crawled = [
        [
            r["name"],
            r["kind"],
            "yes" if r["healthy"] else "no",
            str(r["items"]),
            _when(r["last_success"]),
            (r["last_error"] or "—")[:60],
            f"{r['median_ms']:.0f} ms" if r["median_ms"] is not None else "—",
        ]
        for r in rows
        if r["healthy"] is not None
    ]
    idle = [r["name"] for r in rows if r["healthy"] is None]
    header = ["source", "kind", "healthy", "items", "last success", "last error", "median"]
    parts = [columns("source health", header, crawled, right={3, 6})] if crawled else []
    if idle:
        parts.append(f"never crawled ({len(idle)}): {_cell(', '.join(idle))}")
    return "\n\n".join(parts)
