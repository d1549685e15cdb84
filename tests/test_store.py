"""Store tests on a real DuckDB file (never a mock)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from hub.store import Store
from hub.store import items as items_mod
from hub.store.migrations import MIGRATIONS
from hub.types import Item, Observation

T0 = dt.datetime(2025, 4, 14, 12, tzinfo=dt.UTC)


def _item(n: int, **kw: object) -> Item:
    base = Item(
        id=f"arxiv:2504.{n:05d}",
        kind="paper",
        source="arxiv",
        title=f"Paper {n}",
        url=f"https://arxiv.org/abs/2504.{n:05d}",
        published_at=T0,
        authors=("A. Author",),
        tags=("cs.CL",),
        extra={"n": n},
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def test_migrations_recorded_and_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "h.duckdb"
    with Store(path) as s:
        assert s.applied_migrations() == [m.__name__ for m in MIGRATIONS]
    with Store(path) as s:
        assert s.migrate() == []


def test_upsert_is_idempotent_and_keeps_earliest_date(tmp_path: Path) -> None:
    with Store(tmp_path / "h.duckdb") as s:
        items = [_item(n) for n in range(50)]
        obs = [Observation(items[0].id, "points", 10, T0)]
        first = s.upsert(items, obs)
        again = s.upsert(items, obs)
        assert (first.new, again.new, again.updated) == (50, 0, 0)
        assert s.counts()["items"] == 50 and s.counts()["observations"] == 1
        later = replace(items[1], published_at=T0 + dt.timedelta(days=2), title="Paper 1 v2")
        assert s.upsert([later]).updated == 1
        got = s.items([items[1].id])[0]
        assert got.title == "Paper 1 v2" and got.published_at == T0
        assert got.extra == {"n": 1} and got.authors == ("A. Author",)


def test_duplicate_ids_in_one_batch_collapse(tmp_path: Path) -> None:
    with Store(tmp_path / "h.duckdb") as s:
        counts = s.upsert([_item(1), _item(1, title="again")])
        assert counts.items == 1 and s.counts()["items"] == 1


def test_failed_transaction_leaves_no_trace(tmp_path: Path) -> None:
    with Store(tmp_path / "h.duckdb") as s:
        with pytest.raises(RuntimeError), s.transaction():
            s.upsert([_item(1)])
            raise RuntimeError("crash mid-import")
        assert s.counts()["items"] == 0


def test_text_with_quotes_newlines_and_unicode_roundtrips(tmp_path: Path) -> None:
    tricky = 'He said "hi"\n\tand left — 自动注册 🤖 <script>alert(1)</script> \\ \''
    with Store(tmp_path / "h.duckdb") as s:
        s.upsert([_item(1, text=tricky, title=tricky)])
        got = s.items()[0]
        assert got.text == tricky and got.title == tricky


def test_second_writer_gets_a_clear_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "h.duckdb"
    Store(path).close()
    code = (
        "import sys, time; from hub.store import Store; s = Store(sys.argv[1]);"
        "print('locked', flush=True); sys.stdin.read()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        from hub.exceptions import StoreLockedError

        with pytest.raises(StoreLockedError, match="in use by another hub process"):
            Store(path)
    finally:
        holder.communicate("")


@pytest.mark.parametrize(("gap", "max_runs"), [(2048, 64), (3, 64), (3, 4)])  # one run, several, one scan
def test_items_by_id_are_read_by_row_id_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gap: int, max_runs: int
) -> None:
    monkeypatch.setattr(items_mod, "_RUN_GAP", gap)
    monkeypatch.setattr(items_mod, "_MAX_RUNS", max_runs)
    with Store(tmp_path / "h.duckdb") as s:
        s.upsert([_item(n) for n in range(3000)])
        s.execute("DELETE FROM items WHERE id = ?", [_item(7).id])  # a hole in the row ids
        with s.transaction():  # rows not committed yet are read too
            s.upsert([_item(n, title=f"late {n}") for n in range(3000, 3100)])
            wanted = [_item(n).id for n in [*range(0, 40), *range(500, 3100, 97), 3099]]
            wanted += ["arxiv:9999.99999", wanted[0]]  # unknown, twice
            got = s.items(wanted)
        assert [it.id for it in got] == sorted(set(wanted) - {_item(7).id, "arxiv:9999.99999"})
        assert all(it.extra == {"n": int(it.id[-5:])} for it in got)
        assert [it.title for it in got][-2:] == ["late 3022", "late 3099"]


def test_migration_makes_week_keys_canonical(tmp_path: Path) -> None:
    """A hub before `canonical_week` stored weeks as typed: `2025-w16` beside `2025-W16`."""
    path = tmp_path / "old.duckdb"
    now = "2025-04-21 08:00:00"
    with Store(path) as s:
        for week, title in (("2025-W16", "canonical"), ("2025-w16", "typed"), ("2025W17", "only typed")):
            content = f'{{"week": "{week}", "title": "{title}"}}'
            s.execute(
                "INSERT INTO digests VALUES (?, '2025-04-14', '2025-04-20', ?, ?)", [week, now, content]
            )
        scores = [("2025-W16", "s1", 1), ("2025-w16", "s1", 9), ("2025-w16", "s2", 2), ("9999-W99", "s1", 1)]
        for week, story, rank in scores:
            s.execute("INSERT INTO scores VALUES (?, ?, ?, 0.5, NULL)", [week, story, rank])
        for week, email in (
            ("2025-W16", "a@example.org"),
            ("2025-w16", "a@example.org"),
            (" 2025-w16", "b@x.org"),
        ):
            s.execute("INSERT INTO deliveries VALUES (?, ?, 'sent', 1, NULL, NULL, ?)", [week, email, now])
        s.execute("INSERT INTO topic_origins VALUES ('emerging-1', '2025-w17')")
        s.execute("DELETE FROM _hub_migrations WHERE name = 'm010_canonical_weeks'")
    with Store(path) as s:
        assert "m010_canonical_weeks" in s.applied_migrations()
        digests = s.fetchall("SELECT week, content->>'title', content->>'week' FROM digests ORDER BY week")
        assert digests == [("2025-W16", "canonical", "2025-W16"), ("2025-W17", "only typed", "2025-W17")]
        assert s.fetchall("SELECT week, story_id, rank FROM scores ORDER BY week, story_id") == [
            ("2025-W16", "s1", 1),  # the canonical row wins
            ("2025-W16", "s2", 2),
            ("9999-W99", "s1", 1),  # no week hub can hold: left as it is
        ]
        assert s.fetchall("SELECT week, email FROM deliveries ORDER BY email") == [
            ("2025-W16", "a@example.org"),
            ("2025-W16", "b@x.org"),
        ]
        assert s.scalar("SELECT week FROM topic_origins") == "2025-W17"


def test_source_health_reads_each_sources_last_fetches(tmp_path: Path) -> None:
    """Health comes from a source's last 20 fetches, newest first (a warning is a success);
    items count every fetch; a source never fetched has no health yet."""
    from hub.store import FetchRecord

    with Store(tmp_path / "h.duckdb") as s:
        s.sync_config_sources([{"name": n, "kind": "feed"} for n in ("down", "flaky", "idle", "up")])
        for n in range(30):  # `up` failed long ago, beyond its last 20 fetches
            at = T0 + dt.timedelta(hours=n)
            error = "HTTP 500" if n == 5 else ("warning: 2 entries skipped" if n == 29 else None)
            fetch = FetchRecord("up", "https://u/", 200, error=error, duration_ms=float(n))
            s.record_fetch(fetch, new=1, at=at)
        s.record_fetch(FetchRecord("flaky", "https://f/", 503, error="HTTP 503", duration_ms=7.0), at=T0)
        later = T0 + dt.timedelta(hours=1)
        s.record_fetch(FetchRecord("flaky", "https://f/", 200, duration_ms=2.0), new=4, at=later)
        s.record_fetch(FetchRecord("down", "https://d/", 200, duration_ms=1.0), new=2, at=T0)
        s.record_fetch(FetchRecord("down", "https://d/", None, error="timed out", duration_ms=3.0), at=later)
        health = {h.pop("name"): h for h in s.source_health()}
    assert list(health) == ["down", "flaky", "idle", "up"]
    assert health["up"] == {
        "kind": "feed", "enabled": True, "items": 30, "last_success": T0 + dt.timedelta(hours=29),
        "last_error": None, "last_error_at": None, "median_ms": 19.5, "healthy": True,
    }  # fmt: skip
    assert health["flaky"]["healthy"] is True and health["flaky"]["last_error"] == "HTTP 503"
    assert (health["flaky"]["items"], health["flaky"]["median_ms"]) == (4, 4.5)
    assert health["down"]["healthy"] is False and health["down"]["last_error_at"] == later
    assert health["down"]["last_success"] == T0 and health["down"]["items"] == 2
    assert health["idle"]["healthy"] is None and health["idle"]["items"] == 0
