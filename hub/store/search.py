"""Local full-text search: DuckDB's FTS extension (BM25), loaded offline from the
`duckdb-extension-fts` package; a plain ILIKE ranking when it cannot be loaded.

The FTS index does not follow inserts, so it is rebuilt when the items changed since
it was built (checked on each search; the rebuild takes about a second per 100k items).
"""

from __future__ import annotations

import datetime as dt
import glob
import logging
import math
import os
from typing import Any

import duckdb

from hub.store.base import BaseStore, from_db, to_db

log = logging.getLogger("hub.store")
_DOC_SQL = """
CREATE OR REPLACE TABLE search_docs AS
SELECT i.id, i.title,
       concat_ws(' ', i.text, array_to_string(i.authors, ' '), array_to_string(i.tags, ' '),
                 (SELECT any_value(s.text) FROM summaries s WHERE s.story_id = si.story_id)) AS body,
       i.kind, i.source, i.url, i.published_at, coalesce(st.topic_id, '') AS topic
FROM items i
LEFT JOIN story_items si ON si.item_id = i.id
LEFT JOIN story_topics st ON st.story_id = si.story_id
"""

# BM25 exactly as the extension's match_bm25 macro scores it (k = 1.2, b = 0.75), but
# starting from the query terms' postings (the terms table is kept sorted by term, so they
# are a few row groups): match_bm25(id, q) in a SELECT over search_docs scores every
# document, about a second a query at a million items.
_QUERY_TERMS_SQL = """
WITH tokens AS (SELECT DISTINCT stem(unnest(fts_main_search_docs.tokenize(?)), 'porter') AS t)
SELECT dict.termid, dict.df, (SELECT num_docs FROM fts_main_search_docs.stats)
FROM fts_main_search_docs.dict AS dict JOIN tokens ON dict.term = tokens.t ORDER BY dict.termid
"""
# {terms}: the query's term ids; {only}: optionally, score only documents holding one of
# these (the query's selective terms, see SearchMixin._bm25).
_SCORES_SQL = """
WITH qterms AS (
    SELECT terms.termid, terms.docid FROM fts_main_search_docs.terms AS terms
    WHERE terms.termid IN ({terms}) {only}),
term_tf AS (SELECT termid, docid, count(*) AS tf FROM qterms GROUP BY docid, termid),
stats AS (SELECT num_docs, avgdl FROM fts_main_search_docs.stats),
scores AS (
    SELECT any_value(docs.name) AS name, sum(
        log((((stats.num_docs - dict.df) + 0.5) / (dict.df + 0.5)) + 1)
        * ((tf * (1.2 + 1)) / (tf + (1.2 * ((1 - 0.75) + (0.75 * (docs.len / stats.avgdl))))))
    ) AS score
    FROM term_tf
    JOIN fts_main_search_docs.docs AS docs ON docs.docid = term_tf.docid
    JOIN fts_main_search_docs.dict AS dict ON dict.termid = term_tf.termid
    CROSS JOIN stats
    GROUP BY term_tf.docid)
"""
_ONLY = "AND terms.docid IN (SELECT docid FROM fts_main_search_docs.terms WHERE termid IN ({rare}))"
_COLS = "d.id, d.title, d.kind, d.source, d.url, d.published_at, d.topic"
# No filters: the top scores first, then their rows (ties broken by id, as before).
_BM25_TOP = (
    f"SELECT {_COLS}, s.score FROM (SELECT name, score FROM scores "
    "ORDER BY score DESC, name LIMIT ?) AS s JOIN search_docs AS d ON d.id = s.name"
)
_BM25_ALL = f"SELECT {_COLS}, s.score FROM scores AS s JOIN search_docs AS d ON d.id = s.name"
# A term in more than this share of documents is "common": documents holding only common
# terms are scored only when the selective terms' candidates cannot be shown to beat them.
SELECTIVE_DF = 0.05
K1 = 1.2


def _idf(df: int, n: int) -> float:
    return math.log(((n - df) + 0.5) / (df + 0.5) + 1)


def _ids(ids: list[int]) -> str:
    return ", ".join(str(int(i)) for i in ids)  # integers from the index itself


INDEX_MEMORY_LIMIT = "1GB"  # DuckDB memory for an index build (it spills beyond): bounded RSS


def _fts_extension_path() -> str | None:
    try:
        import duckdb_extension_fts
    except ImportError:
        return None
    root = os.path.dirname(duckdb_extension_fts.__file__)
    found = glob.glob(os.path.join(root, "extensions", f"v{duckdb.__version__}", "fts.duckdb_extension"))
    return found[0] if found else None


class SearchMixin(BaseStore):
    _fts: bool | None = None

    def fts_available(self) -> bool:
        if self._fts is None:
            path = _fts_extension_path()
            try:
                if path is None:
                    raise duckdb.Error("duckdb-extension-fts is not installed for this DuckDB")
                self.con.execute(f"LOAD '{path}'")
                self._fts = True
            except duckdb.Error as e:
                log.warning("full-text search extension unavailable (%s); using plain matching", e)
                self._fts = False
        return bool(self._fts)

    def _items_stamp(self) -> str:
        row = self.execute("SELECT count(*), max(updated_at) FROM items").fetchone()
        count, latest = row if row else (0, None)
        digests = self.scalar("SELECT max(created_at) FROM digests")
        return f"{count}|{latest}|{digests}"

    def search_index_fresh(self) -> bool:
        built = self.scalar("SELECT value FROM _hub_meta WHERE key = 'search_index'")
        return bool(built == self._items_stamp())

    def rebuild_search_index(self) -> int:
        """search_docs and its BM25 index, its postings sorted by term (a query reads only
        its terms' row groups), built within INDEX_MEMORY_LIMIT (restored afterwards)."""
        before = self.scalar("SELECT current_setting('memory_limit')")
        self.execute(f"SET memory_limit = '{INDEX_MEMORY_LIMIT}'")
        try:
            with self.transaction():
                self.execute(_DOC_SQL)
                if self.fts_available():
                    self.execute(
                        "PRAGMA create_fts_index('search_docs', 'id', 'title', 'body', "
                        "stemmer = 'porter', stopwords = 'english', overwrite = 1)"
                    )
                    self.execute(
                        "CREATE OR REPLACE TABLE fts_main_search_docs.terms AS "
                        "SELECT * FROM fts_main_search_docs.terms ORDER BY termid, docid"
                    )
                self.execute(
                    "INSERT OR REPLACE INTO _hub_meta VALUES ('search_index', ?)", [self._items_stamp()]
                )
        finally:  # after the transaction ended, committed or rolled back
            self.execute(f"SET memory_limit = '{before}'")
        return int(self.scalar("SELECT count(*) FROM search_docs"))

    def search(
        self,
        query: str,
        *,
        kind: str | None = None,
        topic: str | None = None,
        since: dt.datetime | None = None,
        limit: int = 20,
    ) -> list[dict[str, Any]]:
        if not self.read_only and not self.search_index_fresh():
            self.rebuild_search_index()
        filters, params = ["score > 0"], []
        for clause, value in (("kind = ?", kind), ("topic = ?", topic), ("published_at >= ?", to_db(since))):
            if value is not None:
                filters.append(clause)
                params.append(value)
        if self.fts_available() and self._has_fts_index():
            return self._bm25(query, filters, params, limit)
        # plain matching: title hits weigh double
        score = (
            "(CASE WHEN title ILIKE '%' || ? || '%' THEN 2 ELSE 0 END) + "
            "(CASE WHEN body ILIKE '%' || ? || '%' THEN 1 ELSE 0 END)"
        )
        sql = f"SELECT id, title, kind, source, url, published_at, topic, {score} AS score FROM search_docs"
        return self._rows(sql, [query, query], filters, params, limit)

    def _bm25(self, query: str, filters: list[str], params: list[Any], limit: int) -> list[dict[str, Any]]:
        """BM25 top `limit`, exact, MaxScore-style: documents holding only common terms
        score below the sum of those terms' upper bounds (idf × (k1 + 1)), so when the
        limit-th document among those holding a selective term scores at least that much,
        nothing else can enter the top; otherwise every posting is scored."""
        terms = self.fetchall(_QUERY_TERMS_SQL, [query])
        if not terms:
            return []
        n = int(terms[0][2])
        ids = [int(t) for t, _, _ in terms]
        rare = [int(t) for t, df, _ in terms if df <= SELECTIVE_DF * n]
        bound = sum(_idf(int(df), n) * (K1 + 1) for _, df, _ in terms if df > SELECTIVE_DF * n)
        if rare and bound > 0:
            rows = self._bm25_rows(ids, rare, filters, params, limit)
            if len(rows) == limit and rows[-1]["score"] >= bound + 1e-4:  # scores are rounded
                return rows
        return self._bm25_rows(ids, None, filters, params, limit)

    def _bm25_rows(
        self, ids: list[int], rare: list[int] | None, filters: list[str], params: list[Any], limit: int
    ) -> list[dict[str, Any]]:
        only = _ONLY.format(rare=_ids(rare)) if rare else ""
        scores = _SCORES_SQL.format(terms=_ids(ids), only=only)
        if params:
            return self._rows(scores + _BM25_ALL, [], filters, params, limit)
        return self._rows(scores + _BM25_TOP, [limit], filters, params, limit)

    def _rows(
        self, sql: str, qparams: list[Any], filters: list[str], params: list[Any], limit: int
    ) -> list[dict[str, Any]]:
        rows = self.fetchall(
            f"SELECT * FROM ({sql}) WHERE {' AND '.join(filters)} ORDER BY score DESC, id LIMIT ?",
            [*qparams, *params, limit],
        )
        keys = ("id", "title", "kind", "source", "url", "published_at", "topic", "score")
        out = [dict(zip(keys, r, strict=True)) for r in rows]
        for r in out:
            r["published_at"] = from_db(r["published_at"])
            r["score"] = round(float(r["score"]), 4)
        return out

    def _has_fts_index(self) -> bool:
        return bool(
            self.scalar("SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'fts_main_search_docs'")
        )
