"""hub's own search index scores exactly as DuckDB's FTS extension (match_bm25), ranks and
ties included, on the bundled real week — after a full build and after incremental
updates (new items, changed summaries, re-sorts, rebuilds)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from hub.config import load_config
from hub.core import Hub, make_hub
from hub.demo import extract_snapshot
from hub.store import search as search_mod

_REFERENCE = (
    "SELECT * FROM (SELECT id, kind, fts_main_search_docs.match_bm25(id, ?) AS score FROM search_docs) "
    "WHERE score > 0 {extra} ORDER BY score DESC, id LIMIT ?"
)


def _queries(hub: Hub, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    titles = [it.title for it in hub.store.items()]
    words = [re.findall(r"[A-Za-z]{4,}", t) for t in rng.sample(titles, n)]
    single = [rng.choice(w) for w in words if w]
    pairs = [" ".join(rng.sample(w, 2)) for w in words if len(w) > 1]
    return [*single, *pairs, "language models", "agent", "the", "zzzqx", "Über-models, 2025!"]


def _assert_equal_to_extension(hub: Hub, queries: list[str]) -> None:
    """A fresh FTS extension index over the same documents is the reference."""
    store = hub.store
    store.execute(
        "PRAGMA create_fts_index('search_docs', 'id', 'title', 'body', "
        "stemmer = 'porter', stopwords = 'english', overwrite = 1)"
    )
    try:
        for q in queries:
            got = [(h["id"], h["score"]) for h in store.search(q, limit=20)]
            want = [(i, round(s, 4)) for i, _, s in store.fetchall(_REFERENCE.format(extra=""), [q, 20])]
            assert _same_ranking(got, want), q
            papers = [(h["id"], h["score"]) for h in store.search(q, kind="paper", limit=5)]
            want = store.fetchall(_REFERENCE.format(extra="AND kind = 'paper'"), [q, 5])
            assert _same_ranking(papers, [(i, round(s, 4)) for i, _, s in want]), q
    finally:
        store.execute("PRAGMA drop_fts_index('search_docs')")


def _same_ranking(got: list[tuple[str, float]], want: list[tuple[str, float]]) -> bool:
    """Equal scores in order, and the same documents at each score; at the lowest score
    shown, ties may be cut differently (hub breaks ties in index order, the reference by id)."""
    if [s for _, s in got] != [s for _, s in want]:
        return False
    last = got[-1][1] if got else None
    return {(i, s) for i, s in got if s != last} == {(i, s) for i, s in want if s != last}


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


def test_scores_equal_match_bm25_after_a_full_build(hub: Hub) -> None:
    stats = hub.store.update_search_index()
    assert stats["full"] == 1 and stats["docs"] == hub.store.scalar("SELECT count(*) FROM items")
    assert hub.store.search_index_fresh()
    _assert_equal_to_extension(hub, _queries(hub, 40, seed=4))


def test_updates_are_incremental_and_equal_a_fresh_index(hub: Hub, tmp_path: Path) -> None:
    hub.store.update_search_index()
    postings = hub.store.scalar("SELECT count(*) FROM search_postings")
    # a new item with a word nobody else uses, and a changed one (same id, new title)
    hub.import_paths([_hn_record(tmp_path, "Zyxwvutsrq models for language agents", 1)])
    assert not hub.store.search_index_fresh()
    assert [h["id"] for h in hub.store.search("zyxwvutsrq")] == ["hn:1"]
    stats = hub.store.update_search_index()  # already fresh: nothing to do
    assert stats == {"docs": stats["docs"], "added": 0, "removed": 0, "full": 0}
    hub.import_paths([_hn_record(tmp_path, "Qwvutsrqz reasoning", 1)])
    stats = hub.store.update_search_index()
    assert (stats["full"], stats["added"], stats["removed"]) == (0, 1, 1)
    assert hub.store.search("zyxwvutsrq") == [] and [h["id"] for h in hub.store.search("qwvutsrqz")] == [
        "hn:1"
    ]
    # the digest writes summaries and topics: those documents change, and only those
    hub.digest("2025-W16", analyze=False)
    stats = hub.store.update_search_index()
    assert stats["full"] == 0 and 0 < stats["added"] == stats["removed"] < stats["docs"] // 4
    assert hub.store.scalar("SELECT count(*) FROM search_postings") > postings
    queries = _queries(hub, 30, seed=5)
    _assert_equal_to_extension(hub, queries)
    incremental = [hub.store.search(q) for q in queries]
    hub.store.rebuild_search_index()
    assert [hub.store.search(q) for q in queries] == incremental


def test_appended_postings_are_sorted_again(
    hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub.store.update_search_index()
    monkeypatch.setattr(search_mod, "UNSORTED_SHARE", 0.0)
    hub.import_paths([_hn_record(tmp_path, "Aardvark agents", 7)])
    assert hub.store.update_search_index()["full"] == 0
    assert hub.store.scalar("SELECT value FROM _hub_meta WHERE key = 'search_unsorted'") == "0"
    out_of_order = hub.store.scalar(
        "SELECT count(*) FROM (SELECT termid, ord, lag(termid) OVER w AS pt, lag(ord) OVER w AS po "
        "FROM search_postings WINDOW w AS (ORDER BY rowid)) WHERE pt IS NOT NULL AND (termid, ord) < (pt, po)"
    )
    assert out_of_order == 0
    assert [h["id"] for h in hub.store.search("aardvark")] == ["hn:7"]


def test_many_changes_rebuild_whole(hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hub.store.update_search_index()
    monkeypatch.setattr(search_mod, "REBUILD_SHARE", 0.0)
    hub.import_paths([_hn_record(tmp_path, "Aardvark agents", 7)])
    assert hub.store.update_search_index()["full"] == 1
    assert [h["id"] for h in hub.store.search("aardvark")] == ["hn:7"]


def test_an_older_hubs_fts_index_is_replaced(hub: Hub) -> None:
    store = hub.store
    assert store.fts_available()
    store.execute("CREATE TABLE search_docs AS SELECT id, title, text AS body FROM items")
    store.execute("PRAGMA create_fts_index('search_docs', 'id', 'title', 'body')")
    store.execute("INSERT INTO _hub_meta VALUES ('search_index', 'an old stamp')")
    assert not store.search_index_fresh()
    assert store.search("agent")
    assert not store.scalar(
        "SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'fts_main_search_docs'"
    )
