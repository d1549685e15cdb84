"""How a hub is doing, read without loading any stage: `hub status`.

What the store holds (counts, coverage, digests), the recent runs and what failed, the
next runs of the schedule beside hub.toml (parsed, no scheduler started) and the health
of every source, including those hub.toml lists but nothing has crawled yet. It opens
the store read-only and never writes, and imports only the store, the config and the
schedule parser: a status check must answer at once, not after loading scikit-learn.
"""

from __future__ import annotations

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
    info["sources"] = with_configured(health, [s.model_dump() for s in config.sources])
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
