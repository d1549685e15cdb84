"""Local full-text search: BM25 over titles, texts, authors, tags and summaries, offline.

The index is hub's own, in DuckDB tables kept up to date incrementally:

  search_docs(ord, id, title, body, kind, source, url, published_at, topic, h)
      one row per item; `ord` a dense document number, `h` a hash of the row;
  search_terms(termid, term, df)       the vocabulary and document frequencies;
  search_postings(termid, ord, tf)     one row per (term, document), sorted by term;
  search_dense(termid, data)           for common terms (in > DENSE_DF of documents) their
                                       tf of every document as one array (uint16, zlib),
                                       and under termid 0 every document's length (uint32);
  search_stopwords(sw)                 the stop words.

Tokens, stems and stop words are exactly those of DuckDB's FTS extension (`stem` comes
from it, loaded offline from the `duckdb-extension-fts` package; the stop words are
copied from it), and scores are its BM25 (k1 = 1.2, b = 0.75, DuckDB's log10 idf): a
test checks every score against the extension's own `match_bm25`. Why not the
extension's index itself: it cannot follow changes (a million items took 310 s to
re-index after each weekly import), and a query over it groups and joins every posting
of its terms, up to a million rows for common words (p95 0.4 s at a million items).
Here a query sums, in numpy, a rare term's postings (a few row groups, the table is
sorted by term) and a common term's dense array (one row), so no query touches more
than one value per document per term; the top `limit` are then picked by partition.

The index follows the items: each search compares a stamp of the items (count, latest
update, latest digest); when stale, the documents are re-derived and compared by hash,
and only the changed ones are re-tokenized (the postings of removed documents deleted,
new ones appended, the dense arrays patched). When more than a quarter changed, or
appended postings exceed a tenth of the table, it is rebuilt whole or re-sorted.
Without the extension, search falls back to plain substring matching.
"""

from __future__ import annotations

import datetime as dt
import glob
import logging
import math
import os
import zlib
from collections.abc import Callable
from typing import Any

import duckdb
import numpy as np

from hub.store.base import BaseStore, from_db, to_db

log = logging.getLogger("hub.store")

_DOCS = """
SELECT i.id, i.title,
       concat_ws(' ', i.text, array_to_string(i.authors, ' '), array_to_string(i.tags, ' '),
                 (SELECT any_value(s.text) FROM summaries s WHERE s.story_id = si.story_id)) AS body,
       i.kind, i.source, i.url, i.published_at, coalesce(st.topic_id, '') AS topic
FROM items i
LEFT JOIN story_items si ON si.item_id = i.id
LEFT JOIN story_topics st ON st.story_id = si.story_id
"""
_HASH = "hash(id, title, body, kind, source, url, published_at, topic)"

# The FTS extension's tokenizer (its `tokenize` macro: lower-case, accents stripped,
# digits and punctuation are separators, split on whitespace), as one pass: runs of
# separators or whitespace become one space, then a plain split.
_SEPARATORS = r"""'[0-9!@#$%^&*()_+={}\[\]:;<>,.?~\\/\|''''"`\s-]+'"""


def _words(text_sql: str) -> str:
    return f"string_split(regexp_replace(lower(strip_accents({text_sql})), {_SEPARATORS}, ' ', 'g'), ' ')"


# (ord, word, tf) for the documents with ord in (?, ?]; then each distinct word stemmed once
# (stop words are matched before stemming, as the extension does), new terms numbered,
# and (termid, ord, tf) appended to _search_tf.
_WORDS_SQL = f"""
CREATE OR REPLACE TEMP TABLE _search_words AS
SELECT ord, w, count(*)::UINTEGER AS tf
FROM (SELECT ord, unnest({_words("concat_ws(' ', title, body)")}) AS w
      FROM search_docs WHERE ord > ? AND ord <= ?)
WHERE w <> '' GROUP BY ord, w
"""
_STEMS_SQL = """
CREATE OR REPLACE TEMP TABLE _search_stems AS
SELECT w, stem(w, 'porter') AS term FROM (SELECT DISTINCT w FROM _search_words)
WHERE w NOT IN (SELECT sw FROM search_stopwords)
"""
_NEW_TERMS_SQL = """
INSERT INTO search_terms SELECT (? + row_number() OVER (ORDER BY term))::UINTEGER, term, 0
FROM (SELECT DISTINCT term FROM _search_stems) ANTI JOIN search_terms USING (term)
"""
_BATCH_TF_SQL = """
INSERT INTO _search_tf SELECT t.termid, w.ord, sum(w.tf)::UINTEGER
FROM _search_words w JOIN _search_stems s USING (w) JOIN search_terms t USING (term)
GROUP BY t.termid, w.ord
"""
TOKENIZE_BATCH = 50_000  # documents tokenized per statement: bounds the memory of a build
# the query's stems (as match_bm25, stop words are not removed: they are not in the index,
# but a word that is may stem to the same term as one that is not)
_QUERY_TERMS_SQL = f"""
SELECT t.termid, t.df FROM search_terms t
JOIN (SELECT DISTINCT stem(w, 'porter') AS term FROM (SELECT unnest({_words("?")}) AS w) WHERE w <> '') q
USING (term)
WHERE t.df > 0 ORDER BY t.termid
"""
_COLS = "d.id, d.title, d.kind, d.source, d.url, d.published_at, d.topic"
_KEYS = ("id", "title", "kind", "source", "url", "published_at", "topic", "score")
K1, B = 1.2, 0.75
INDEX_MEMORY_LIMIT = "768MB"  # DuckDB memory for an index build (it spills beyond): bounded RSS
# A term in more than this share of documents is "common": its tf of every document is
# kept as one dense array, read whole by a query instead of its postings.
DENSE_DF = 0.05
REBUILD_SHARE = 0.25  # more documents changed than this share: rebuild rather than update
UNSORTED_SHARE = 0.10  # appended postings beyond this share of the table: re-sort it
_META = "search_index_v2"
Progress = Callable[
    [str, int, int], None
]  # progress(stage, done, total), as hub.core's  # the stamp of the items the index describes


def _idf(df: int, n: int) -> float:
    return math.log10(((n - df) + 0.5) / (df + 0.5) + 1)  # DuckDB's log(), as match_bm25


def _ints(values: list[int]) -> str:
    return ", ".join(str(int(v)) for v in values)  # integers from the index itself


def _fts_extension_path() -> str | None:
    try:
        import duckdb_extension_fts
    except ImportError:
        return None
    root = os.path.dirname(duckdb_extension_fts.__file__)
    found = glob.glob(os.path.join(root, "extensions", f"v{duckdb.__version__}", "fts.duckdb_extension"))
    return found[0] if found else None


_STOPWORDS: list[str] = []


def _stopwords() -> list[str]:
    """The extension's English stop words, read from a throwaway index in memory."""
    if not _STOPWORDS:
        path = _fts_extension_path()
        con = duckdb.connect(config={"autoload_known_extensions": False})
        try:
            con.execute(f"LOAD '{path}'")
            con.execute("CREATE TABLE probe (id INTEGER, t VARCHAR)")
            con.execute("PRAGMA create_fts_index('probe', 'id', 't', stopwords = 'english')")
            _STOPWORDS.extend(r[0] for r in con.execute("SELECT sw FROM fts_main_probe.stopwords").fetchall())
        finally:
            con.close()
    return _STOPWORDS


def _best(scores: np.ndarray, limit: int) -> list[tuple[int, float]]:
    """(ord, score) of the `limit` highest positive scores, ties by ord, best first."""
    pos = np.flatnonzero(scores > 0)
    if len(pos) > limit:
        values = scores[pos]
        kth = np.partition(values, len(values) - limit)[len(values) - limit]
        above, ties = pos[values > kth], pos[values == kth]
        pos = np.concatenate([above, ties[: limit - len(above)]])
    order = np.lexsort((pos, -scores[pos]))
    return [(int(o), float(scores[o])) for o in pos[order]]


class SearchMixin(BaseStore):
    _fts: bool | None = None

    @property
    def _cache(self) -> dict[str, Any]:
        """Per store: which search tables exist, the document lengths and their BM25
        denominators; cleared when the index changes (this process is its only writer)."""
        cache: dict[str, Any] = self.__dict__.setdefault("_search_cache", {})
        return cache

    def fts_available(self) -> bool:
        """Whether the FTS extension (its stemmer) loads; without it search is plain matching."""
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

    def _stamps(self) -> tuple[str | None, str]:
        """(the stamp the index was built for, the items' stamp now), in one query."""
        row = self.execute(
            f"SELECT (SELECT value FROM _hub_meta WHERE key = '{_META}'), count(*), max(updated_at), "
            "(SELECT max(created_at) FROM digests) FROM items"
        ).fetchone()
        built, count, latest, digests = row if row else (None, 0, None, None)
        return built, f"{count}|{latest}|{digests}|fts={self.fts_available()}"

    def search_index_fresh(self) -> bool:
        built, now = self._stamps()
        return built == now

    def update_search_index(self, *, full: bool = False, progress: Progress | None = None) -> dict[str, int]:
        """Bring the index up to date with the items: re-tokenize only changed documents,
        or everything when `full`, when there is no index yet or much has changed.
        Returns {"docs", "added", "removed", "full"}. Runs within INDEX_MEMORY_LIMIT;
        progress(stage, done, total) hears of each batch of documents tokenized."""
        self._cache.clear()
        before = self.scalar("SELECT current_setting('memory_limit')")
        self.execute(f"SET memory_limit = '{INDEX_MEMORY_LIMIT}'")
        try:
            with self.transaction():
                stats = self._update_index(full, progress)
                self.execute("INSERT OR REPLACE INTO _hub_meta VALUES (?, ?)", [_META, self._stamps()[1]])
        finally:  # after the transaction ended, committed or rolled back
            self.execute(f"SET memory_limit = '{before}'")
            self._cache.clear()
        return stats

    def rebuild_search_index(self) -> int:
        """The whole index from scratch; returns the number of documents."""
        return self.update_search_index(full=True)["docs"]

    def _update_index(self, full: bool, progress: Progress | None) -> dict[str, int]:
        fts = self.fts_available()
        have = "search_docs" in self._search_tables() and self._has_index()
        if full or not have or not fts:
            return self._build_all(fts, progress)
        self.execute(f"CREATE OR REPLACE TEMP TABLE _search_now AS SELECT *, {_HASH} AS h FROM ({_DOCS})")
        self.execute(
            "CREATE OR REPLACE TEMP TABLE _search_gone AS SELECT s.ord FROM search_docs s "
            "ANTI JOIN _search_now n ON n.id = s.id AND n.h = s.h"
        )
        self.execute(
            "CREATE OR REPLACE TEMP TABLE _search_added AS SELECT n.* FROM _search_now n "
            "ANTI JOIN search_docs s ON s.id = n.id AND s.h = n.h"
        )
        gone = self._ords("SELECT ord FROM _search_gone")
        added = int(self.scalar("SELECT count(*) FROM _search_added"))
        n_docs = int(self.scalar("SELECT count(*) FROM _search_now"))
        if len(gone) + added > REBUILD_SHARE * max(n_docs, 1):
            return self._build_all(fts, progress)
        if len(gone):
            self.execute(
                "UPDATE search_terms SET df = search_terms.df - g.c FROM ("
                "  SELECT termid, count(*)::UINTEGER AS c FROM search_postings"
                "  WHERE ord IN (SELECT ord FROM _search_gone) GROUP BY termid) g "
                "WHERE search_terms.termid = g.termid"
            )
            gone_len = self.scalar(
                "SELECT coalesce(sum(tf), 0) FROM search_postings WHERE ord IN (SELECT ord FROM _search_gone)"
            )
            self._set_meta_int("search_total_len", self._meta_int("search_total_len") - int(gone_len))
            self.execute("DELETE FROM search_postings WHERE ord IN (SELECT ord FROM _search_gone)")
            self.execute("DELETE FROM search_docs WHERE ord IN (SELECT ord FROM _search_gone)")
        top = int(self.scalar("SELECT coalesce(max(ord), 0) FROM search_docs"))
        if added:
            self.execute(
                "INSERT INTO search_docs SELECT (? + row_number() OVER (ORDER BY id))::UINTEGER AS ord, * "
                "FROM _search_added ORDER BY id",
                [top],
            )
        self._index_docs_after(top, progress)
        self._refresh_dense(gone, patch=True)
        self.execute(
            "DROP TABLE _search_now; DROP TABLE _search_gone; DROP TABLE _search_added; DROP TABLE _search_tf"
        )
        if self._meta_int("search_unsorted") > UNSORTED_SHARE * max(self._postings(), 1):
            self.execute(
                "CREATE OR REPLACE TABLE search_postings AS FROM search_postings ORDER BY termid, ord"
            )
            self._set_meta_int("search_unsorted", 0)
        return {"docs": n_docs, "added": added, "removed": len(gone), "full": 0}

    def _build_all(self, fts: bool, progress: Progress | None) -> dict[str, int]:
        self.execute(
            "CREATE OR REPLACE TABLE search_docs AS SELECT "
            "(row_number() OVER (ORDER BY id))::UINTEGER AS ord, "
            f"d.*, {_HASH} AS h FROM ({_DOCS}) d ORDER BY id"
        )
        n_docs = int(self.scalar("SELECT count(*) FROM search_docs"))
        self.execute("DROP SCHEMA IF EXISTS fts_main_search_docs CASCADE")  # an older hub's FTS index
        if fts:
            self._copy_stopwords()
            self.execute(
                "CREATE OR REPLACE TABLE search_terms (termid UINTEGER, term VARCHAR, df UINTEGER);"
                "CREATE OR REPLACE TABLE search_postings (termid UINTEGER, ord UINTEGER, tf UINTEGER);"
                "CREATE OR REPLACE TABLE search_dense (termid UINTEGER, data BLOB)"
            )
            self._index_docs_after(0, progress)
            self._refresh_dense(np.zeros(0, dtype=np.int64), patch=False)
            self.execute("DROP TABLE _search_tf")
            self._set_meta_int("search_unsorted", 0)
        return {"docs": n_docs, "added": n_docs, "removed": 0, "full": 1}

    def _index_docs_after(self, top: int, progress: Progress | None) -> None:
        """Tokenize the documents with ord > top (in batches) into _search_tf and add their
        terms and postings (_search_tf is kept for the dense arrays)."""
        first = not top
        last = int(self.scalar("SELECT coalesce(max(ord), 0) FROM search_docs"))
        self.execute("CREATE OR REPLACE TEMP TABLE _search_tf (termid UINTEGER, ord UINTEGER, tf UINTEGER)")
        for lo in range(top, last, TOKENIZE_BATCH):
            if progress:
                progress("index", lo - top, last - top)
            self.execute(_WORDS_SQL, [lo, lo + TOKENIZE_BATCH])
            self.execute(_STEMS_SQL)
            next_id = int(self.scalar("SELECT coalesce(max(termid), 0) FROM search_terms"))
            self.execute(_NEW_TERMS_SQL, [next_id])
            self.execute(_BATCH_TF_SQL)
        self.execute("DROP TABLE IF EXISTS _search_words; DROP TABLE IF EXISTS _search_stems")
        self.execute(
            "UPDATE search_terms SET df = search_terms.df + a.c FROM ("
            "  SELECT termid, count(*)::UINTEGER AS c FROM _search_tf GROUP BY termid) a "
            "WHERE search_terms.termid = a.termid"
        )
        row = self.execute("SELECT count(*), coalesce(sum(tf), 0) FROM _search_tf").fetchone()
        appended, length = (int(row[0]), int(row[1])) if row else (0, 0)
        self._set_meta_int("search_total_len", (0 if first else self._meta_int("search_total_len")) + length)
        self.execute(
            "INSERT INTO search_postings SELECT termid, ord, tf FROM _search_tf ORDER BY termid, ord"
        )
        if not first:
            self._set_meta_int("search_unsorted", self._meta_int("search_unsorted") + appended)

    def _refresh_dense(self, gone: np.ndarray, *, patch: bool) -> None:
        """Document lengths and the common terms' dense tf arrays, after _index_docs_after:
        patched (removed documents zeroed, _search_tf's postings set) where an array exists,
        else built from the postings; arrays of terms no longer common dropped."""
        row = self.execute("SELECT coalesce(max(ord), 0) + 1, count(*) FROM search_docs").fetchone()
        size, n = (int(row[0]), int(row[1])) if row else (1, 0)
        have = {int(r[0]) for r in self.fetchall("SELECT termid FROM search_dense")}
        common = [
            int(r[0]) for r in self.fetchall("SELECT termid FROM search_terms WHERE df > ?", [DENSE_DF * n])
        ]
        new = self.con.execute(
            "SELECT ord, sum(tf)::UINTEGER AS len FROM _search_tf GROUP BY ord"
        ).fetchnumpy()
        lens = self._load_dense(0, size) if patch and 0 in have else np.zeros(size, np.uint32)
        lens[gone] = 0
        lens[new["ord"]] = new["len"]
        self._store_dense(0, lens)
        if patch and common:
            added = self.con.execute(
                f"SELECT termid, ord, tf FROM _search_tf WHERE termid IN ({_ints(common)}) ORDER BY termid"
            ).fetchnumpy()
            bounds = (
                np.searchsorted(added["termid"], common, side="left"),
                np.searchsorted(added["termid"], common, side="right"),
            )
        for i, t in enumerate(common):
            if patch and t in have:
                tf = self._load_dense(t, size)
                tf[gone] = 0
                lo, hi = bounds[0][i], bounds[1][i]
                tf[added["ord"][lo:hi]] = np.minimum(added["tf"][lo:hi], 65535)
            else:
                rows = self.con.execute(
                    "SELECT ord, tf FROM search_postings WHERE termid = ?", [t]
                ).fetchnumpy()
                tf = np.zeros(size, np.uint16)
                tf[rows["ord"]] = np.minimum(rows["tf"], 65535)
            self._store_dense(t, tf)
        dropped = sorted(have - set(common) - {0})
        if dropped:
            self.execute(f"DELETE FROM search_dense WHERE termid IN ({_ints(dropped)})")

    def _dense(self, termid: int) -> np.ndarray:
        """A stored dense array, read-only: lengths (uint32) for termid 0, else a term's tf (uint16)."""
        blob = self.scalar(f"SELECT data FROM search_dense WHERE termid = {int(termid)}")
        dtype = np.uint32 if termid == 0 else np.uint16
        return np.frombuffer(zlib.decompress(blob), dtype=dtype) if blob else np.zeros(0, dtype)

    def _load_dense(self, termid: int, size: int) -> np.ndarray:
        """A stored dense array as a writable copy of `size` elements (new documents: zeros)."""
        arr = self._dense(termid)
        out: np.ndarray = np.zeros(size, arr.dtype)
        out[: min(size, len(arr))] = arr[:size]
        return out

    def _store_dense(self, termid: int, arr: np.ndarray) -> None:
        self.execute("DELETE FROM search_dense WHERE termid = ?", [termid])
        self.execute("INSERT INTO search_dense VALUES (?, ?)", [termid, zlib.compress(arr.tobytes(), 1)])

    def _ords(self, sql: str, params: list[Any] | None = None) -> np.ndarray:
        return np.asarray(self.con.execute(sql, params or []).fetchnumpy()["ord"], dtype=np.int64)

    def _copy_stopwords(self) -> None:
        self.execute("CREATE OR REPLACE TABLE search_stopwords (sw VARCHAR)")
        self.execute(
            "INSERT INTO search_stopwords SELECT unnest(string_split(?, ' '))", [" ".join(_stopwords())]
        )

    def _postings(self) -> int:
        return int(self.scalar("SELECT count(*) FROM search_postings"))

    def _meta_int(self, key: str) -> int:
        value = self.scalar("SELECT value FROM _hub_meta WHERE key = ?", [key])
        return int(value) if value else 0

    def _set_meta_int(self, key: str, n: int) -> None:
        self.execute("INSERT OR REPLACE INTO _hub_meta VALUES (?, ?)", [key, str(n)])

    def _has_index(self) -> bool:
        return {"search_postings", "search_terms", "search_dense"} <= self._search_tables()

    def _search_tables(self) -> set[str]:
        """The search tables that exist (cached until the index is updated)."""
        if "tables" not in self._cache:
            rows = self.fetchall("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'search%'")
            self._cache["tables"] = {r[0] for r in rows}
        tables: set[str] = self._cache["tables"]
        return tables

    def search(
        self,
        query: str,
        *,
        kind: str | None = None,
        topic: str | None = None,
        since: dt.datetime | None = None,
        limit: int = 20,
        progress: Progress | None = None,
    ) -> list[dict[str, Any]]:
        if not self.read_only and not self.search_index_fresh():
            self.update_search_index(progress=progress)
        if "search_docs" not in self._search_tables():
            return []
        filters, params = [], []
        for clause, value in (("kind = ?", kind), ("topic = ?", topic), ("published_at >= ?", to_db(since))):
            if value is not None:
                filters.append(clause)
                params.append(value)
        if self.fts_available() and self._has_index():
            return self._bm25(query, filters, params, limit)
        # plain matching: title hits weigh double
        score = (
            "(CASE WHEN title ILIKE '%' || ? || '%' THEN 2 ELSE 0 END) + "
            "(CASE WHEN body ILIKE '%' || ? || '%' THEN 1 ELSE 0 END)"
        )
        where = " AND ".join(["score > 0", *filters])
        rows = self.fetchall(
            f"SELECT * FROM (SELECT {_COLS}, {score} AS score FROM search_docs d) "
            f"WHERE {where} ORDER BY score DESC, id LIMIT ?",
            [query, query, *params, limit],
        )
        return self._out(rows)

    def _bm25(self, query: str, filters: list[str], params: list[Any], limit: int) -> list[dict[str, Any]]:
        """BM25 top `limit`, scored as the extension's match_bm25 scores (the same double
        arithmetic); ties in index order (which is id order for documents indexed together)."""
        terms = [(int(t), int(df)) for t, df in self.fetchall(_QUERY_TERMS_SQL, [query])]
        if not terms:
            return []
        n, c = self._denominators()
        ids = _ints([t for t, _ in terms])
        dense = {int(r[0]) for r in self.fetchall(f"SELECT termid FROM search_dense WHERE termid IN ({ids})")}
        sparse = [t for t, _ in terms if t not in dense]
        a = {t: _idf(df, n) * (K1 + 1) for t, df in terms}
        scores = np.zeros(len(c))
        for t in sorted(dense):
            counts = self._dense(t)
            nz = np.flatnonzero(counts)
            tf = counts[nz].astype(np.float64)
            scores[nz] += a[t] * tf / (tf + c[nz])
        if sparse:
            rows = self.con.execute(
                f"SELECT termid, ord, tf FROM search_postings WHERE termid IN ({_ints(sparse)})"
            ).fetchnumpy()
            termids = np.asarray(rows["termid"], dtype=np.int64)
            ords = np.asarray(rows["ord"], dtype=np.int64)
            tf = np.asarray(rows["tf"], dtype=np.float64)
            keys = np.array(sparse, dtype=np.int64)
            order = np.argsort(keys)
            weight = np.array([a[t] for t in sparse])[order][np.searchsorted(keys[order], termids)]
            scores += np.bincount(ords, weights=weight * tf / (tf + c[ords]), minlength=len(scores))
        if filters:
            keep = np.zeros(len(scores), dtype=bool)
            where = " AND ".join(filters)
            keep[self._ords(f"SELECT ord FROM search_docs WHERE {where}", params)] = True
            scores[~keep] = 0.0
        return self._rows(_best(scores, limit))

    def _denominators(self) -> tuple[int, np.ndarray]:
        """(documents, k1 (1 - b + b len / avgdl) per ord): BM25's length part, cached."""
        if "c" not in self._cache:
            total_len = "(SELECT value FROM _hub_meta WHERE key = 'search_total_len')"
            row = self.execute(f"SELECT count(*), {total_len} FROM search_docs").fetchone()
            n, total = (int(row[0]), int(row[1] or 0)) if row else (0, 0)
            avgdl = total / max(n, 1)  # the extension's: documents without words count
            self._cache["c"] = n, K1 * (1 - B) + (K1 * B / max(avgdl, 1e-9)) * self._dense(0)
        cached: tuple[int, np.ndarray] = self._cache["c"]
        return cached

    def _rows(self, top: list[tuple[int, float]]) -> list[dict[str, Any]]:
        if not top:
            return []
        score = dict(top)
        docs = self.fetchall(
            f"SELECT d.ord, {_COLS} FROM search_docs d WHERE d.ord IN ({_ints(list(score))})"
        )
        docs.sort(key=lambda r: (-score[r[0]], r[0]))
        return self._out([(*r[1:], score[r[0]]) for r in docs])

    def _out(self, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
        out = [dict(zip(_KEYS, r, strict=True)) for r in rows]
        for r in out:
            r["published_at"] = from_db(r["published_at"])
            r["score"] = round(float(r["score"]), 4)
        return out
