"""Search scores from the weighted postings are the FTS extension's own BM25 (match_bm25),
ranks and ties included, on the bundled real week: the fast path changes speed, not answers."""

from __future__ import annotations

import random
import re
from pathlib import Path

from hub.config import load_config
from hub.core import make_hub
from hub.demo import extract_snapshot

_MACRO = (
    "SELECT * FROM (SELECT id, kind, fts_main_search_docs.match_bm25(id, ?) AS score FROM search_docs) "
    "WHERE score > 0 {extra} ORDER BY score DESC, id LIMIT ?"
)


def _count_fast_path(hub: object, queries: list[str]) -> int:
    """How many of the queries are answered from the selective terms' candidates alone."""
    store = hub.store  # type: ignore[attr-defined]
    real, calls = store._bm25_rows, []

    def spy(ids, rare, *a):  # type: ignore[no-untyped-def]
        calls.append(rare is not None)
        return real(ids, rare, *a)

    store._bm25_rows = spy
    try:
        done = 0
        for q in queries:
            calls.clear()
            store.search(q, limit=20)
            done += calls == [True]
        return done
    finally:
        del store._bm25_rows


def test_postings_scores_equal_match_bm25(tmp_path: Path) -> None:
    with make_hub(load_config(None, env={}, workspace=tmp_path)) as hub:
        hub.import_paths(extract_snapshot(tmp_path / "snapshot"))
        hub.store.rebuild_search_index()
        assert hub.store.fts_available()
        rng = random.Random(4)
        titles = [it.title for it in hub.store.items()]
        queries = [" ".join(rng.sample(re.findall(r"[A-Za-z]{4,}", t), 1)) for t in rng.sample(titles, 40)]
        # two words, one selective and one common: the MaxScore path (and its fallback)
        common = ["model", "language models", "learning", "data"]
        mixed = [f"{q} {rng.choice(common)}" for q in queries[:20]]
        fast = _count_fast_path(hub, mixed)
        assert fast, "no query took the selective-terms path"
        for q in [*queries, *mixed, "language models", "agent", "the", "zzzqx"]:
            got = [(h["id"], h["score"]) for h in hub.search(q, limit=20)]
            want = hub.store.fetchall(_MACRO.format(extra=""), [q, 20])
            assert got == [(i, round(s, 4)) for i, _, s in want], q
            papers = [h["id"] for h in hub.search(q, kind="paper", limit=5)]
            assert papers == [
                r[0] for r in hub.store.fetchall(_MACRO.format(extra="AND kind = 'paper'"), [q, 5])
            ]
