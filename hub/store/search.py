"""Full-text search: a tantivy index kept beside the DuckDB file, in `<db file>.search/`.

DuckDB stays the source of truth; the index is derived from it and can be rebuilt at will
(delete the folder and the next writer rebuilds it). The folder holds the tantivy index
(fields, analyzer, queries and snippets: fulltext.py), `manifest.parquet` (the id and
content hash of every indexed document) and `hub-search.json` (the index version and the
stamp of the store it describes: item count, latest item update, latest analyze, latest
digest).

One writer. Whoever writes the store writes the index: `update_search_index` (called by
a search with write access, `hub digest` and the weekly job) compares the stamp, and when
it moved derives every document's hash in DuckDB without reading any text (the item's
content hash, source, date, topic and latest summary), compares them with the manifest
and re-indexes only the changed documents (deleted by id, added anew); removed items are
deleted. Past REBUILD_SHARE changed it builds a fresh index in a side folder and swaps it
in. The tantivy commit comes first, then the manifest, then the stamp: a crash between
them leaves a stamp that says stale, and the next update redoes the difference.

A reader never waits for indexing: a read-only store searches the index as it is, and
with no usable index (never built, another version) it falls back to plain substring
matching in DuckDB. `search_index_state` says which ("fresh", "stale", "missing"), so the
caller can tell its user (`hub search` prints one line on stderr).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import duckdb

from hub.exceptions import StoreError
from hub.store.base import BaseStore, _wrap, from_db, to_db

if TYPE_CHECKING:  # hub.store.fulltext (tantivy) is imported where an index is used: most
    # commands never search (`hub status` above all)
    import tantivy

log = logging.getLogger("hub.store")

_SUMMARIES = """(SELECT story_id, max_by(text, created_at) AS summary,
       max(created_at)::VARCHAR || max_by(content_hash || method, created_at) AS summary_key
FROM summaries GROUP BY story_id)"""
_JOINS = f"""
FROM items i
LEFT JOIN story_items si ON si.item_id = i.id
LEFT JOIN story_topics st ON st.story_id = si.story_id
LEFT JOIN {_SUMMARIES} sm ON sm.story_id = si.story_id
"""


def _doc_json(topic: str) -> str:
    """One item (alias i, its story's summary alias sm) as tantivy's JSON (keys:
    fulltext.DOC_FIELDS): made in DuckDB and parsed in Rust, no Python object per field.
    Each field is its own '"key":value' piece and concat_ws skips the NULL ones, so a
    missing value is no key (tantivy refuses a null date); json_merge_patch did the same
    at 1.4x the cost."""
    fields = {
        "id": "i.id",
        "title": "i.title",
        "text": "i.text",
        "authors": "array_to_string(i.authors, ', ')",
        "tags": "array_to_string(i.tags, ' ')",
        "summary": "sm.summary",
        "kind": "i.kind",
        "source": "i.source",
        "url": "i.url",
        "published_at": "strftime(i.published_at, '%Y-%m-%dT%H:%M:%SZ')",
        "topic": topic,
    }
    pieces = ", ".join(f"'\"{key}\":' || to_json({value})" for key, value in fields.items())
    return f"'{{' || concat_ws(',', {pieces}) || '}}'"


# no ORDER BY: sorting would hold every document (~2 GiB of JSON at a million) at once
_DOCS = f"SELECT {_doc_json('st.topic_id')} AS doc {_JOINS}"
# what a document is made of, as one hash per item, without reading its text: the item's
# own content hash (kind, title, url, authors, text, tags...), its source and date, its
# story's topic and which summary is the story's latest
_KEYS = f"""
SELECT i.id, hash(i.content_hash, i.source, i.published_at, st.topic_id, sm.summary_key) AS h
{_JOINS}"""
# the documents whose hash differs from the manifest's (h NULL: removed; old NULL: new),
# in one pass over the keys and the manifest
_DIFF = f"""
CREATE OR REPLACE TEMP TABLE _search_diff AS
SELECT id, k.h AS h, m.h AS old FROM ({_KEYS}) k FULL OUTER JOIN read_parquet(?) m USING (id)
WHERE k.h IS DISTINCT FROM m.h"""
# what reading a changed document needs: its row id, story and topic
_ADD = """
CREATE OR REPLACE TEMP TABLE _search_add AS
SELECT d.id, i.rowid AS r, si.story_id AS story, st.topic_id AS topic
FROM _search_diff d JOIN items i ON i.id = d.id
LEFT JOIN story_items si ON si.item_id = d.id
LEFT JOIN story_topics st ON st.story_id = si.story_id
WHERE d.h IS NOT NULL"""
# the changed documents among the rows of one span of row ids (the span filter is pushed
# into the items scan, so the million-row joins of _DOCS are not made again)
_CHANGED_DOCS = f"""
SELECT {_doc_json("a.topic")} AS doc
FROM _search_add a JOIN items i ON i.id = a.id
LEFT JOIN {_SUMMARIES} sm ON sm.story_id = a.story
WHERE {{span}} ORDER BY i.id"""
RUN_GAP, MAX_RUNS = 2048, 64  # row ids this close are read as one span; more spans: one scan
# what moves when a document may have changed: items added, removed or updated, an analyze
# (stories, topics), a digest (summaries)
_STAMP = (
    "SELECT count(*), max(updated_at), (SELECT value FROM _hub_meta WHERE key = 'analyzed'), "
    "(SELECT max(created_at) FROM digests) FROM items"
)
# statements that never change what the index describes (anything else may)
_READS = ("select", "from", "begin", "commit", "set ", "show", "describe", "explain", "checkpoint")
META, MANIFEST = "hub-search.json", "manifest.parquet"
REBUILD_SHARE = 0.5  # more documents changed than this share: a fresh index, not an update
BATCH = 5_000  # documents read from DuckDB per fetch while indexing
BUILD_HEAP = 256_000_000  # tantivy writer memory for a build (split over its threads)
UPDATE_HEAP = 64_000_000
INDEX_MEMORY = "512MB"  # DuckDB's memory limit while the index reads the store (see _index)
Progress = Callable[[str, int, int], None]  # progress(stage, done, total), as hub.core's


class SearchMixin(BaseStore):
    @property
    def _search(self) -> dict[str, Any]:
        """Per store: the open index and the folder of an in-memory store's index."""
        cache: dict[str, Any] = self.__dict__.setdefault("_search_state", {})
        return cache

    @property
    def search_dir(self) -> Path:
        """The index folder: `<db file>.search/` (a temporary folder for `:memory:`)."""
        if str(self.path) != ":memory:":
            return self.path.with_name(self.path.name + ".search")
        if "tmp" not in self._search:
            tmp = tempfile.mkdtemp(prefix="hub-search-")
            weakref.finalize(self, shutil.rmtree, tmp, True)
            self._search["tmp"] = Path(tmp) / "index"
        path: Path = self._search["tmp"]
        return path

    def execute(self, sql: str, params: Any = None) -> duckdb.DuckDBPyConnection:
        """Every statement of the store passes here: one that may write forgets whether
        the search index is fresh (the next search checks the stamp again)."""
        if "fresh" in self._search and not sql.lstrip()[:12].lower().startswith(_READS):
            del self._search["fresh"]
        return super().execute(sql, params)

    def executemany(self, sql: str, rows: list[Any]) -> None:
        self._search.pop("fresh", None)
        super().executemany(sql, rows)

    # -- freshness ---------------------------------------------------------------

    def _store_stamp(self) -> str:
        row = self.execute(_STAMP).fetchone()
        return "|".join(str(v) for v in row) if row else ""

    def _index_meta(self, folder: Path | None = None) -> dict[str, Any] | None:
        """The folder's version and stamp, None when absent, unreadable or another version."""
        from hub.store import fulltext

        try:
            meta = json.loads(((folder or self.search_dir) / META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return meta if isinstance(meta, dict) and meta.get("version") == fulltext.VERSION else None

    def search_index_fresh(self) -> bool:
        meta = self._index_meta()
        return meta is not None and meta.get("stamp") == self._store_stamp()

    def search_index_state(self) -> Literal["fresh", "stale", "missing"]:
        """What a search answers from now: an index describing the store as it is, an index
        older than the store (a reader's search misses the newest changes), or none (plain
        matching). A writer's search first makes any of them fresh."""
        if self._open_search_index() is None:
            return "missing"
        if "fresh" not in self._search:
            self._search["fresh"] = self.search_index_fresh()
        return "fresh" if self._search["fresh"] else "stale"

    # -- writing -----------------------------------------------------------------

    def update_search_index(self, *, full: bool = False, progress: Progress | None = None) -> dict[str, int]:
        """Bring the index up to date with the store: re-index only the changed documents,
        or build it whole when `full`, when there is none yet or much has changed.
        Returns {"docs", "added", "removed", "full"}; progress(stage, done, total) hears of
        each batch indexed."""
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only; the search index is written by a writer")
        try:
            return self._index(full, progress, INDEX_MEMORY)
        except StoreError as e:
            if not isinstance(e.__cause__, duckdb.OutOfMemoryException):
                raise
            log.info("search index: %s with %s of DuckDB memory; again without that bound", e, INDEX_MEMORY)
            return self._index(full, progress, None)

    def _index(self, full: bool, progress: Progress | None, memory: str | None) -> dict[str, int]:
        """update_search_index's work, with DuckDB's memory bounded to `memory` meanwhile: it
        keeps every page it reads cached up to its limit (80 % of RAM by default), and reading
        every document of a 1M-item store then held 2.2 GiB. hub sets no other memory limit,
        so RESET restores DuckDB's own."""
        self._search.pop("index", None)
        try:
            if memory:  # (a SET that fails may have moved the limit all the same: reset below)
                self.execute(f"SET memory_limit = '{memory}'")
            with self.transaction():  # one snapshot of the store for stamp, hashes and documents
                stamp = self._store_stamp()
                try:
                    stats = None if full else self._update_in_place(stamp, progress)
                    stats = stats or self._rebuild(stamp, progress)
                finally:
                    self.execute("DROP TABLE IF EXISTS _search_diff; DROP TABLE IF EXISTS _search_add")
            self._search["fresh"] = True
            return stats
        except (ValueError, OSError) as e:  # tantivy's errors (lock, files) and the folder's
            raise StoreError(f"search index {self.search_dir}: {e}") from e
        finally:
            if memory:
                self.execute("RESET memory_limit")

    def rebuild_search_index(self) -> int:
        """The whole index from scratch; returns the number of documents."""
        return self.update_search_index(full=True)["docs"]

    def _update_in_place(self, stamp: str, progress: Progress | None) -> dict[str, int] | None:
        """Changed documents only; None when the index must be built whole instead."""
        from hub.store import fulltext

        folder = self.search_dir
        manifest = folder / MANIFEST
        if self._index_meta() is None or not manifest.exists():
            return None
        try:
            index = fulltext.open_index(folder)
        except ValueError:
            return None
        self.execute(_DIFF, [str(manifest)])
        gone = [r[0] for r in self.fetchall("SELECT id FROM _search_diff WHERE old IS NOT NULL")]
        n_add = int(self.scalar("SELECT count(*) FROM _search_diff WHERE h IS NOT NULL"))
        n_docs = int(self.scalar("SELECT count(*) FROM items"))
        if len(gone) + n_add > REBUILD_SHARE * max(n_docs, 1):
            return None
        self.execute(_ADD)
        if gone or n_add:
            writer = index.writer(heap_size=UPDATE_HEAP)
            for item_id in gone:  # changed documents too: deleted, then added anew
                writer.delete_documents_by_term("id", item_id)
            for sql in self._changed_spans():
                fulltext.add_documents(writer, self._batches(sql, n_add, progress))
            writer.commit()
            writer.wait_merging_threads()
        kept = f"SELECT id, h FROM read_parquet('{_quoted(manifest)}') ANTI JOIN _search_diff USING (id)"
        changed = f"{kept} UNION ALL SELECT id, h FROM _search_diff WHERE h IS NOT NULL"
        self._finish(folder, stamp, changed if gone or n_add else None)
        # as before: a changed document counts as removed and added
        return {"docs": n_docs, "added": n_add, "removed": len(gone), "full": 0}

    def _rebuild(self, stamp: str, progress: Progress | None) -> dict[str, int]:
        """A fresh index in a side folder, swapped in when complete."""
        from hub.store import fulltext

        final = self.search_dir
        side = final.with_name(f"{final.name}.new-{os.getpid()}")
        shutil.rmtree(side, ignore_errors=True)
        n_docs = int(self.scalar("SELECT count(*) FROM items"))
        try:
            index = fulltext.open_index(side, create=True)
            writer = index.writer(heap_size=BUILD_HEAP)
            fulltext.add_documents(writer, self._batches(_DOCS, n_docs, progress))
            writer.commit()
            writer.wait_merging_threads()
            self._finish(side, stamp, _KEYS)
        except BaseException:
            shutil.rmtree(side, ignore_errors=True)  # a build that failed leaves no folder behind
            raise
        old = final.with_name(f"{final.name}.old-{os.getpid()}")
        if final.exists():
            final.rename(old)
        side.rename(final)  # readers holding the old files keep reading them until they close
        shutil.rmtree(old, ignore_errors=True)
        return {"docs": n_docs, "added": n_docs, "removed": 0, "full": 1}

    def _changed_spans(self) -> list[str]:
        """Queries for the changed documents, one per run of nearby row ids (a week's new
        items sit together at the end of the table), or one query when they are scattered."""
        rows = sorted(r[0] for r in self.fetchall("SELECT r FROM _search_add"))
        runs: list[list[int]] = []
        for r in rows:
            if runs and r - runs[-1][-1] <= RUN_GAP:
                runs[-1].append(r)
            else:
                runs.append([r])
        if len(runs) > MAX_RUNS:
            return [_CHANGED_DOCS.replace("{span}", "true")]
        return [_CHANGED_DOCS.replace("{span}", f"i.rowid BETWEEN {run[0]} AND {run[-1]}") for run in runs]

    def _finish(self, folder: Path, stamp: str, manifest_sql: str | None) -> None:
        """After the tantivy commit: the manifest (the (id, h) rows of `manifest_sql`; None:
        unchanged), then the stamp, each replaced whole."""
        from hub.files import write_atomic
        from hub.store import fulltext

        if manifest_sql is not None:
            tmp = folder / f"{MANIFEST}.tmp"
            try:
                self.execute(f"COPY ({manifest_sql}) TO '{_quoted(tmp)}' (FORMAT parquet)")
                tmp.replace(folder / MANIFEST)
            finally:
                tmp.unlink(missing_ok=True)  # a failed write leaves no half file behind
        write_atomic(folder / META, json.dumps({"version": fulltext.VERSION, "stamp": stamp}))

    def _batches(self, sql: str, total: int, progress: Progress | None) -> Iterator[str]:
        """The first column of `sql`'s rows, fetched BATCH at a time (DuckDB streams them)."""
        cur = self.execute(sql)
        done = 0
        while True:
            try:
                rows = cur.fetchmany(BATCH)
            except duckdb.Error as e:
                raise _wrap(e, self.path) from e
            if not rows:
                return
            if progress:
                progress("index", done, total)
            yield from (r[0] for r in rows)
            done += len(rows)

    # -- reading -----------------------------------------------------------------

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
        """The best `limit` documents for `query` (tantivy syntax; a bad query is searched
        as its words), filtered in the index; each hit has a snippet and its highlights
        (character ranges). A writer first brings a stale index up to date."""
        # No other process writes while this one holds the file open, so the verdict is
        # kept until this store writes (execute below forgets it)
        if "fresh" not in self._search:
            self._search["fresh"] = self.search_index_fresh()
        fresh = bool(self._search["fresh"])
        if not self.read_only and not fresh:
            self.update_search_index(progress=progress)
            fresh = True
        index = self._open_search_index()
        # (a reader's caller tells its user: search_index_state)
        if index is None:
            log.info("no search index for %s yet: plain matching", self.path)
            return self._plain_search(query, kind, topic, since, limit)
        if not fresh:
            log.info("the search index is older than the store: the newest changes may be missing")
        from hub.store import fulltext

        q = fulltext.filtered(fulltext.parse(index, query), kind, topic, to_db(since))
        return fulltext.search(index, q, limit, query)

    def _open_search_index(self) -> tantivy.Index | None:
        from hub.store import fulltext

        if "index" not in self._search:
            try:
                index = fulltext.open_index(self.search_dir) if self._index_meta() else None
            except (ValueError, OSError):
                index = None
            if index is None:
                return None
            self._search["index"] = index
        opened: tantivy.Index = self._search["index"]
        return opened

    def _plain_search(
        self, query: str, kind: str | None, topic: str | None, since: dt.datetime | None, limit: int
    ) -> list[dict[str, Any]]:
        """Substring matching over DuckDB when there is no index: title hits weigh double."""
        from hub.store import fulltext

        filters: list[str] = ["score > 0"]
        params: list[Any] = [query, query]
        for clause, value in (("kind = ?", kind), ("topic = ?", topic), ("published_at >= ?", to_db(since))):
            if value is not None:
                filters.append(clause)
                params.append(value)
        rows = self.fetchall(
            "SELECT id, title, kind, source, url, published_at, coalesce(topic, ''), score, text FROM ("
            "  SELECT i.*, st.topic_id AS topic,"
            "    (CASE WHEN i.title ILIKE '%' || ? || '%' THEN 2 ELSE 0 END)"
            "    + (CASE WHEN i.text ILIKE '%' || ? || '%' THEN 1 ELSE 0 END) AS score"
            f"  {_JOINS}) WHERE {' AND '.join(filters)} ORDER BY score DESC, id LIMIT ?",
            [*params, limit],
        )
        keys = ("id", "title", "kind", "source", "url", "published_at", "topic", "score")
        out = []
        for r in rows:
            hit = dict(zip(keys, r[:8], strict=True))
            hit["published_at"] = from_db(hit["published_at"])
            hit["score"] = float(hit["score"])
            hit["snippet"], hit["highlights"] = fulltext.plain_snippet(r[8] or r[1], query)
            out.append(hit)
        return out


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
