"""Enrichments: what the enrich step fetched for an item (a linked article's main text, a
repo's README opening, an arXiv lookup), and which URLs need no fetch again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, cast

from hub.store.base import BaseStore, to_db, utcnow
from hub.store.items import IDS, FetchRecord, ItemsMixin, id_list

_COLS = {
    "item_id": "VARCHAR",
    "kind": "VARCHAR",
    "url": "VARCHAR",
    "final_url": "VARCHAR",
    "status": "VARCHAR",
    "http_status": "INTEGER",
    "text": "VARCHAR",
    "lang": "VARCHAR",
    "chars": "INTEGER",
    "fetched_at": "TIMESTAMP",
    "error": "VARCHAR",
}
_UPSERT = "ON CONFLICT (item_id, url) DO UPDATE SET " + ", ".join(
    f"{c} = excluded.{c}" for c in _COLS if c not in ("item_id", "url")
)
# A failure that may pass (no answer, rate limited, a server error) is tried again after
# this long; every other outcome (text, paywall, 404, refused, too large) is final.
RETRY_TRANSIENT_AFTER = dt.timedelta(days=1)
_TRANSIENT = "(status = 'error' OR coalesce(http_status, 0) = 429 OR coalesce(http_status, 0) >= 500)"


@dataclass(frozen=True, slots=True)
class EnrichmentRecord:
    """One fetch outcome for one item. `status` is "ok" (with text) or why there is none:
    paywall, thin, not-html, http-error, refused, too-large, error, not-found."""

    item_id: str
    kind: str  # "article" | "readme" | "paper"
    url: str
    status: str
    final_url: str | None = None
    http_status: int | None = None
    text: str | None = None
    lang: str | None = None
    error: str | None = None


class EnrichMixin(BaseStore):
    def save_enrichments(self, records: Sequence[EnrichmentRecord], fetch: FetchRecord | None = None) -> None:
        """Store outcomes (and the fetch that produced them) in one transaction."""
        now = utcnow()
        rows = [_row(r, now) for r in records]
        with self.transaction():
            self.bulk_insert("enrichments", _COLS, rows, conflict=_UPSERT)
            if fetch is not None:
                ItemsMixin.record_fetch(cast(ItemsMixin, self), fetch, at=now)  # Store has both

    def save_enrichment(self, record: EnrichmentRecord, fetch: FetchRecord | None = None) -> None:
        self.save_enrichments([record], fetch)

    def enrichments(self, item_ids: Collection[str]) -> dict[str, str]:
        """item id -> fetched text, for successful fetches only (an article before a README)."""
        if not item_ids:
            return {}
        rows = self.fetchall(
            f"SELECT item_id, text FROM enrichments WHERE item_id IN {IDS} AND status = 'ok' "
            "AND coalesce(text, '') <> '' ORDER BY item_id, kind = 'article' DESC, fetched_at DESC",
            [id_list(item_ids)],
        )
        out: dict[str, str] = {}
        for item_id, text in rows:
            out.setdefault(item_id, text)
        return out

    def enrichment_rows(self, item_ids: Collection[str] | None = None) -> list[dict[str, Any]]:
        """Every stored outcome (of `item_ids`), for `hub explain` and tests."""
        sql = f"SELECT {', '.join(_COLS)} FROM enrichments"
        params: list[Any] = []
        if item_ids is not None:
            sql += f" WHERE item_id IN {IDS}"
            params.append(id_list(item_ids))
        rows = self.fetchall(sql + " ORDER BY item_id, url", params or None)
        return [dict(zip(_COLS, r, strict=True)) for r in rows]

    def done_urls(self, urls: Collection[str], now: dt.datetime | None = None) -> set[str]:
        """URLs that need no fetch: an outcome is stored, final or a recent transient failure."""
        if not urls:
            return set()
        cutoff = to_db((now or utcnow()) - RETRY_TRANSIENT_AFTER)
        rows = self.fetchall(
            f"SELECT DISTINCT url FROM enrichments WHERE url IN {IDS} "
            f"AND (NOT {_TRANSIENT} OR fetched_at > ?)",
            [id_list(urls), cutoff],
        )
        return {r[0] for r in rows}

    def share_enrichments(self, wanted: Sequence[tuple[str, str]]) -> int:
        """For (item id, url) pairs with no outcome of their own whose URL was fetched for
        another item (two posts linking one page): copy that outcome, fetch nothing."""
        if not wanted:
            return 0
        urls = id_list({u for _, u in wanted})
        have = set(self.fetchall(f"SELECT item_id, url FROM enrichments WHERE url IN {IDS}", [urls]))
        missing = [(i, u) for i, u in dict.fromkeys(wanted) if (i, u) not in have]
        by_url = self._latest_by_url({u for _, u in missing})
        rows = [(item, *by_url[url][1:]) for item, url in missing if url in by_url]
        self.bulk_insert("enrichments", _COLS, rows, conflict=_UPSERT)
        return len(rows)

    def _latest_by_url(self, urls: Collection[str]) -> dict[str, tuple[Any, ...]]:
        if not urls:
            return {}
        rows = self.fetchall(
            f"SELECT {', '.join(_COLS)} FROM enrichments WHERE url IN {IDS} ORDER BY fetched_at",
            [id_list(urls)],
        )
        return {r[2]: r for r in rows}  # the newest outcome of each URL wins

    def enrich_summary(self, since: dt.datetime) -> dict[str, int]:
        """Outcomes stored since a moment (an enrich run's start): status -> URLs."""
        rows = self.fetchall(
            "SELECT status, count(DISTINCT url) FROM enrichments WHERE fetched_at >= ? GROUP BY 1 ORDER BY 1",
            [to_db(since)],
        )
        return {r[0]: int(r[1]) for r in rows}


def _row(r: EnrichmentRecord, now: dt.datetime) -> tuple[Any, ...]:
    text = r.text or None
    return (
        r.item_id,
        r.kind,
        r.url,
        r.final_url,
        r.status,
        r.http_status,
        text,
        r.lang,
        len(text or ""),
        now,
        (r.error or None) and str(r.error)[:500],
    )
