"""Items, observations, sources and fetches: what the crawlers and `hub import` write."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from hub.exceptions import StoreError
from hub.store.base import BaseStore, from_db, to_db, unicode_error, utcnow

if TYPE_CHECKING:  # imported where rows become values: defining hub.types' frozen dataclasses
    # costs ~20 ms, and `hub status` (counts, runs, source health) makes none of them
    from hub.types import Item, Observation

_ITEM_COLS = {
    "id": "VARCHAR",
    "kind": "VARCHAR",
    "source": "VARCHAR",
    "title": "VARCHAR",
    "url": "VARCHAR",
    "published_at": "TIMESTAMP",
    "first_seen": "TIMESTAMP",
    "updated_at": "TIMESTAMP",
    "authors": "VARCHAR[]",
    "text": "VARCHAR",
    "tags": "VARCHAR[]",
    "links": "VARCHAR[]",
    "extra": "JSON",
    "content_hash": "VARCHAR",
}
_OBS_COLS = {"item_id": "VARCHAR", "metric": "VARCHAR", "value": "DOUBLE", "observed_at": "TIMESTAMP"}
_UPSERT = (
    "ON CONFLICT (id) DO UPDATE SET "
    "kind = excluded.kind, source = excluded.source, title = excluded.title, "
    "url = excluded.url, authors = excluded.authors, text = excluded.text, "
    "tags = excluded.tags, links = excluded.links, extra = excluded.extra, "
    "published_at = CASE WHEN t.published_at IS NULL THEN excluded.published_at "
    "  WHEN excluded.published_at IS NULL THEN t.published_at "
    "  ELSE least(t.published_at, excluded.published_at) END, "
    "updated_at = CASE WHEN t.content_hash = excluded.content_hash THEN t.updated_at "
    "  ELSE excluded.updated_at END, "
    "content_hash = excluded.content_hash"
)
_CHUNK = 2000
_ITEMS_SQL = "SELECT id, kind, source, title, url, published_at, authors, text, tags, links, extra FROM items"
_RUN_GAP = 2048  # row ids this close are read in one range (DuckDB scans vectors of 2,048 rows)
_MAX_RUNS = 64
IDS = "(SELECT unnest(string_split(?, chr(31))))"  # an id_list() parameter as a subquery


def content_hash(item: Item) -> str:
    """Hash of what a reader would see change; published_at is kept apart (earliest wins)."""
    payload = json.dumps(
        [
            item.kind,
            item.title,
            item.url,
            list(item.authors),
            item.text,
            list(item.tags),
            list(item.links),
            item.extra,
        ],
        sort_keys=True,
        default=str,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    items: int
    new: int
    updated: int
    observations: int


@dataclass(frozen=True, slots=True)
class FetchRecord:
    source: str
    url: str
    status: int | None = None
    bytes: int = 0
    sha256: str = ""
    format: str = ""
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    duration_ms: float = 0.0
    run_id: int | None = None


def id_list(values: Iterable[str]) -> str:
    """Ids as one parameter for `unnest(string_split(?, chr(31)))`.

    DuckDB's Python client probes for pandas on every element of a list parameter (an
    import attempt each time when pandas is not installed: ~0.2 ms per id); one string
    is split inside DuckDB instead. Ids never hold the unit separator (chr 31).
    """
    return "\x1f".join(values)


def _chunks(rows: Sequence[Any], n: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(rows), n):
        yield rows[i : i + n]


def _rowid_runs(rowids: Sequence[int], gap: int, size: int = _CHUNK) -> list[list[int]]:
    """Sorted row ids cut into runs of at most `size`, each with no gap wider than `gap`."""
    runs: list[list[int]] = []
    for r in rowids:
        if runs and r - runs[-1][-1] <= gap and len(runs[-1]) < size:
            runs[-1].append(r)
        else:
            runs.append([r])
    return runs


def _dedupe(items: Iterable[Item]) -> list[Item]:
    """Last one wins within a batch, except published_at: the earliest is kept."""
    by_id: dict[str, Item] = {}
    for it in items:
        old = by_id.get(it.id)
        if old and old.published_at and (not it.published_at or old.published_at < it.published_at):
            it = replace(it, published_at=old.published_at)
        by_id[it.id] = it
    return list(by_id.values())


def _rows_to_items(rows: Iterable[tuple[Any, ...]]) -> list[Item]:
    from hub.types import Item

    return [
        Item(
            id=r[0],
            kind=r[1],
            source=r[2],
            title=r[3],
            url=r[4],
            published_at=from_db(r[5]),
            authors=tuple(r[6] or ()),
            text=r[7] or "",
            tags=tuple(r[8] or ()),
            links=tuple(r[9] or ()),
            extra=json.loads(r[10]) if r[10] else {},
        )
        for r in rows
    ]


class ItemsMixin(BaseStore):
    def upsert(
        self,
        items: Sequence[Item],
        observations: Sequence[Observation] = (),
        fetch: FetchRecord | None = None,
    ) -> UpsertCounts:
        """Write a batch (and the fetch that produced it) in one transaction."""
        batch = _dedupe(items)
        now = utcnow()
        with self.transaction():
            existing = self._existing_hashes([i.id for i in batch])
            rows = [self._item_row(i, now) for i in batch]
            self.bulk_insert("items", _ITEM_COLS, rows, conflict=_UPSERT)
            n_obs = self.add_observations(observations)
            new = sum(1 for i in batch if i.id not in existing)
            updated = sum(1 for r in rows if r[0] in existing and existing[r[0]] != r[-1])
            if fetch is not None:
                self.record_fetch(fetch, items=len(batch), new=new, updated=updated, at=now)
        return UpsertCounts(len(batch), new, updated, n_obs)

    @staticmethod
    def _item_row(i: Item, now: dt.datetime) -> tuple[Any, ...]:
        try:
            digest = content_hash(i)
        except UnicodeEncodeError as e:  # a lone surrogate (the parsers drop them)
            raise StoreError(f"item {ascii(i.id)}: {unicode_error(e)}") from e
        return (
            i.id,
            i.kind,
            i.source,
            i.title,
            i.url,
            i.published_at,
            now,
            now,
            list(i.authors),
            i.text,
            list(i.tags),
            list(i.links),
            i.extra,
            digest,
        )

    def _existing_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for chunk in _chunks(list(ids), 2000):
            out.update(
                self.fetchall(f"SELECT id, content_hash FROM items WHERE id IN {IDS}", [id_list(chunk)])
            )
        return out

    def add_observations(self, observations: Sequence[Observation]) -> int:
        uniq = {(o.item_id, o.metric, o.observed_at): o.value for o in observations}
        rows = [(k[0], k[1], v, k[2]) for k, v in uniq.items()]
        self.bulk_insert(
            "observations",
            _OBS_COLS,
            rows,
            conflict="ON CONFLICT (item_id, metric, observed_at) DO UPDATE SET value = excluded.value",
        )
        return len(rows)

    def record_fetch(
        self,
        f: FetchRecord,
        *,
        items: int = 0,
        new: int = 0,
        updated: int = 0,
        at: dt.datetime | None = None,
    ) -> None:
        self.execute(
            "INSERT INTO fetches (source, url, status, etag, last_modified, bytes, sha256, format,"
            " items, new_items, updated_items, error, duration_ms, run_id, fetched_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                f.source,
                f.url,
                f.status,
                f.etag,
                f.last_modified,
                f.bytes,
                f.sha256,
                f.format,
                items,
                new,
                updated,
                f.error,
                f.duration_ms,
                f.run_id,
                to_db(at or utcnow()),
            ],
        )

    # -- reads -------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        tables = ("items", "observations", "links", "stories", "digests", "fetches")
        out = {t: int(self.scalar(f"SELECT count(*) FROM {t}")) for t in tables}
        for kind, n in self.fetchall("SELECT kind, count(*) FROM items GROUP BY kind ORDER BY 1"):
            out[f"items.{kind}"] = int(n)
        return out

    def items(self, ids: Sequence[str] | None = None) -> list[Item]:
        """Every item by id, or those of `ids` (sorted by id within each run of _CHUNK ids)."""
        if ids is None:
            return _rows_to_items(self.fetchall(_ITEMS_SQL + " ORDER BY id"))
        wanted = list(ids)
        by_id = {it.id: it for it in _rows_to_items(self._item_rows(set(wanted)))}
        out: list[Item] = []
        for chunk in _chunks(wanted):
            out += [by_id[i] for i in sorted(set(chunk)) if i in by_id]
        return out

    def _item_rows(self, ids: Collection[str]) -> list[tuple[Any, ...]]:
        """The rows of `ids`, read by row id.

        Selecting rows by id joins against the whole table, so DuckDB decompresses the wide
        columns (abstracts above all) of every row: ~1 s per query at a million items. The ids
        are looked up first (the id column only), then the rows are read in runs of nearby
        row ids: a `rowid BETWEEN` range is pushed into the scan, which reads only that span.
        Both reads share one transaction, so the row ids stay valid between them.
        """
        if not ids:
            return []
        with self.transaction():
            found = self.fetchall(f"SELECT rowid FROM items WHERE id IN {IDS}", [id_list(ids)])
            runs = _rowid_runs(sorted(r[0] for r in found), _RUN_GAP)
            if len(runs) > _MAX_RUNS:  # scattered over the table: one scan is cheaper
                return self.fetchall(_ITEMS_SQL + f" WHERE id IN {IDS}", [id_list(ids)])
            rows: list[tuple[Any, ...]] = []
            for run in runs:
                span = f"rowid BETWEEN {run[0]} AND {run[-1]}"
                if run[-1] - run[0] + 1 != len(run):
                    span += f" AND rowid IN ({', '.join(map(str, run))})"
                rows += self.fetchall(f"{_ITEMS_SQL} WHERE {span}")
        return rows

    def observations(self, item_ids: Sequence[str] | None = None) -> dict[str, list[Observation]]:
        sql = "SELECT item_id, metric, value, observed_at FROM observations"
        rows = (
            self.fetchall(sql + " ORDER BY observed_at")
            if item_ids is None
            else self.fetchall(sql + f" WHERE item_id IN {IDS} ORDER BY observed_at", [id_list(item_ids)])
        )
        from hub.types import Observation

        out: dict[str, list[Observation]] = {}
        for item_id, metric, value, at in rows:
            out.setdefault(item_id, []).append(
                Observation(item_id, metric, float(value), at.replace(tzinfo=dt.UTC))
            )
        return out

    def date_range(self) -> tuple[dt.datetime, dt.datetime] | None:
        row = self.execute("SELECT min(published_at), max(published_at) FROM items").fetchone()
        lo, hi = row or (None, None)
        if lo is None:
            return None
        return lo.replace(tzinfo=dt.UTC), hi.replace(tzinfo=dt.UTC)
