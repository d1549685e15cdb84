"""The tantivy index beside the database: built from DuckDB, updated by content hash
(changed documents only, deletes honoured), rebuilt when its folder is gone, written only
by a writer; a reader answers from the index it has, or by plain matching without one;
an older hub's search tables are dropped by migration m009."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from hub.config import load_config
from hub.core import Hub, make_hub
from hub.demo import extract_snapshot
from hub.store import Store
from hub.store import search as search_mod


@pytest.fixture()
def hub(tmp_path: Path):  # type: ignore[no-untyped-def]
    with make_hub(load_config(None, env={}, workspace=tmp_path)) as h:
        h.import_paths(extract_snapshot(tmp_path / "snapshot"))
        h.analyze()  # stories and topics: what every document carries before a digest
        yield h


def _hn_record(tmp_path: Path, title: str, item_id: int = 1) -> Path:
    path = tmp_path / f"hn-{item_id}.json"
    record = {"id": item_id, "type": "story", "by": "x", "time": 1744675200, "score": 5, "descendants": 0}
    path.write_text(json.dumps([{**record, "title": title, "url": f"https://example.org/{item_id}"}]))
    return path


def _ids(hub: Hub, query: str, **kw: object) -> list[str]:
    return [h["id"] for h in hub.store.search(query, **kw)]  # type: ignore[arg-type]


def test_full_build_indexes_every_item_beside_the_database(hub: Hub) -> None:
    stats = hub.store.update_search_index()
    n_items = hub.store.scalar("SELECT count(*) FROM items")
    assert stats["full"] == 1 and stats["docs"] == n_items
    folder = hub.store.search_dir
    assert folder == hub.store.path.with_name(hub.store.path.name + ".search") and folder.is_dir()
    assert hub.store.search_index_fresh()
    assert hub.store.update_search_index() == {"docs": n_items, "added": 0, "removed": 0, "full": 0}


def test_updates_follow_content_hashes_and_deletes(hub: Hub, tmp_path: Path) -> None:
    hub.store.update_search_index()
    hub.import_paths([_hn_record(tmp_path, "Zyxwvutsrq models for language agents", 1)])
    assert not hub.store.search_index_fresh()
    assert _ids(hub, "zyxwvutsrq") == ["hn:1"]  # a writer's search updates first
    hub.import_paths([_hn_record(tmp_path, "Qwvutsrqz reasoning", 1)])  # same id, new title
    stats = hub.store.update_search_index()
    assert (stats["full"], stats["added"], stats["removed"]) == (0, 1, 1)
    assert _ids(hub, "zyxwvutsrq") == [] and _ids(hub, "qwvutsrqz") == ["hn:1"]
    hub.store.execute("DELETE FROM items WHERE id = 'hn:1'")
    stats = hub.store.update_search_index()
    assert (stats["full"], stats["added"], stats["removed"]) == (0, 0, 1)
    assert _ids(hub, "qwvutsrqz") == []


def test_a_digest_updates_the_changed_documents_only(hub: Hub) -> None:
    hub.store.update_search_index()
    hub.digest("2025-W16", analyze=False, index=False)  # summaries and topics change
    assert not hub.store.search_index_fresh()
    stats = hub.store.update_search_index()
    assert stats["full"] == 0 and 0 < stats["added"] == stats["removed"] < stats["docs"] // 2
    queries = ["reasoning", "language models", "agent", '"large language"', "diffusion video"]
    incremental = [_ids(hub, q, limit=5000) for q in queries]
    hub.store.rebuild_search_index()
    rebuilt = [_ids(hub, q, limit=5000) for q in queries]
    # the same documents match; their scores may differ a little (tantivy counts deleted
    # documents in its statistics until segments merge), so compare every match as a set
    assert [set(a) for a in incremental] == [set(b) for b in rebuilt]


def test_hub_digest_leaves_the_index_fresh(hub: Hub) -> None:
    hub.digest("2025-W16", analyze=False)
    assert hub.store.search_index_fresh()


def test_many_changes_rebuild_whole(hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hub.store.update_search_index()
    monkeypatch.setattr(search_mod, "REBUILD_SHARE", 0.0)
    hub.import_paths([_hn_record(tmp_path, "Aardvark agents", 7)])
    assert hub.store.update_search_index()["full"] == 1
    assert _ids(hub, "aardvark") == ["hn:7"]
    assert [p.name for p in hub.store.search_dir.parent.iterdir() if ".search." in p.name] == []


def test_a_full_disk_while_stamping_the_index_leaves_no_temporary_file(
    hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    from hub import files
    from hub.exceptions import WriteError

    hub.store.update_search_index()
    folder = hub.store.search_dir
    stamp = (folder / search_mod.META).read_bytes()
    hub.import_paths([_hn_record(tmp_path, "Zyxwvutsrq agents", 3)])

    def full(fd: int, data: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files, "_write_fd", full)
    with pytest.raises(WriteError, match="No space left on device"):
        hub.store.update_search_index()
    monkeypatch.undo()
    assert [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []
    assert (folder / search_mod.META).read_bytes() == stamp  # the old stamp: the index is stale
    hub.store.__dict__.pop("_search_state", None)
    assert not hub.store.search_index_fresh()
    assert _ids(hub, "zyxwvutsrq") == ["hn:3"]  # the next writer brings it up to date


def test_indexing_bounds_duckdb_memory_and_falls_back_when_that_is_too_little(
    hub: Hub, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def limit() -> str:
        return str(hub.store.scalar("SELECT current_setting('memory_limit')"))

    before = limit()
    seen: list[str] = []
    real = search_mod.SearchMixin._rebuild

    def spy(self: Store, stamp: str, progress: object) -> dict[str, int]:
        seen.append(limit())
        return real(self, stamp, progress)  # type: ignore[arg-type]

    monkeypatch.setattr(search_mod.SearchMixin, "_rebuild", spy)
    assert hub.store.update_search_index(full=True)["full"] == 1
    assert seen == ["488.2 MiB"] and limit() == before  # 512MB while reading, DuckDB's own after
    monkeypatch.setattr(search_mod, "INDEX_MEMORY", "1MB")  # too little for any query
    seen.clear()
    with caplog.at_level(logging.INFO, logger="hub.store"):
        stats = hub.store.update_search_index(full=True)
    assert stats["full"] == 1 and stats["docs"] == hub.store.scalar("SELECT count(*) FROM items")
    assert "again without that bound" in caplog.text and limit() == before
    assert [p.name for p in hub.store.search_dir.parent.iterdir() if ".search." in p.name] == []


def test_a_lost_or_foreign_index_is_rebuilt(hub: Hub) -> None:
    hub.store.update_search_index()
    shutil.rmtree(hub.store.search_dir)
    hub.store.__dict__.pop("_search_state", None)
    assert not hub.store.search_index_fresh()
    assert "arxiv:2504.09781" in _ids(hub, "reasoning", limit=50)
    (hub.store.search_dir / search_mod.META).write_text('{"version": -1, "stamp": "x"}')
    assert not hub.store.search_index_fresh()
    assert hub.store.update_search_index()["full"] == 1


def test_a_reader_never_indexes(hub: Hub, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = hub.store.path
    hits = _ids(hub, "reasoning")
    assert hub.store.search_index_state() == "fresh"
    hub.import_paths([_hn_record(tmp_path, "Zyxwvutsrq reasoning", 3)])  # index now stale
    assert hub.store.search_index_state() == "stale"
    hub.close()
    with Store(path, read_only=True) as reader, caplog.at_level(logging.INFO, "hub.store"):
        assert not reader.search_index_fresh() and reader.search_index_state() == "stale"
        assert [h["id"] for h in reader.search("reasoning")] == hits  # the index it has
        assert reader.search("zyxwvutsrq") == []
        assert "older than the store" in caplog.text
        assert reader.search_index_state() == "stale"  # the caller says so (hub search: test_search)
        with pytest.raises(Exception, match="read-only"):
            reader.update_search_index()
    shutil.rmtree(path.with_name(path.name + ".search"))
    with Store(path, read_only=True) as reader, caplog.at_level(logging.INFO, "hub.store"):
        found = reader.search("Zyxwvutsrq")  # no index: plain substring matching in DuckDB
        assert [h["id"] for h in found] == ["hn:3"] and "plain matching" in caplog.text
        assert found[0]["snippet"].startswith("Zyxwvutsrq") and found[0]["highlights"] == [[0, 10]]
        assert reader.search_index_state() == "missing"
    assert not path.with_name(path.name + ".search").exists()


def test_migration_drops_an_older_hubs_search_tables(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with Store(path) as store:
        store.execute("CREATE TABLE search_docs (ord UINTEGER, id VARCHAR)")
        store.execute("CREATE TABLE search_postings (termid UINTEGER, ord UINTEGER, tf UINTEGER)")
        store.execute("INSERT INTO _hub_meta VALUES ('search_index_v2', 'an old stamp')")
        store.execute("DELETE FROM _hub_migrations WHERE name = 'm009_tantivy_search'")
    with Store(path) as store:
        assert "m009_tantivy_search" in store.applied_migrations()
        tables = {r[0] for r in store.fetchall("SELECT table_name FROM duckdb_tables()")}
        assert not {"search_docs", "search_postings"} & tables
        assert store.scalar("SELECT count(*) FROM _hub_meta WHERE key LIKE 'search%'") == 0


def test_an_in_memory_store_indexes_in_a_temporary_folder() -> None:
    store = Store(":memory:")
    folder = store.search_dir
    assert store.search("anything") == [] and folder.is_dir()
    store.close()
    del store
    import gc

    gc.collect()
    assert not folder.exists()
