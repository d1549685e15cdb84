"""The only way crawled data is persisted: each fetch and its items in one transaction."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from dataclasses import replace
from typing import Any

from hub.safetext import redact
from hub.store import FetchRecord, Store
from hub.store.enrich import EnrichmentRecord
from hub.types import Parsed

# Fetches whose failure could not be recorded either (the database refuses every write):
# the child then exits non-zero, so the run fails with the reason instead of looking fine.
UNRECORDED: list[str] = []


def emit(event: dict[str, Any]) -> None:
    """One JSON line per event on stdout: the parent process draws progress from these."""
    sys.stdout.write(json.dumps(event, default=str) + "\n")
    sys.stdout.flush()


class StorePipeline:
    """Validates and writes `fetch` results; records errors per source."""

    def __init__(self) -> None:
        self.store: Store | None = None
        self.run_id: int | None = None
        self.secrets: tuple[str, ...] = ()
        self._crawler: Any = None  # set by from_crawler (Scrapy >= 2.13 calls open_spider())

    def open_spider(self, spider: Any = None) -> None:
        spider = spider or self._spider
        self.store, self.run_id = spider.store, spider.run_id
        # the one secret the crawler sends (GitHub's API token): a server may echo it
        crawl = getattr(spider, "crawl", None) or {}
        token = os.environ.get(crawl.get("github_token_env") or "GITHUB_TOKEN")
        self.secrets = (token,) if token else ()

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        pipe = cls()
        pipe._crawler = crawler
        return pipe

    @property
    def _spider(self) -> Any:
        return self._crawler.spider

    def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        assert self.store is not None
        parsed: Parsed | None = item.get("parsed")
        record = FetchRecord(
            source=item["source"],
            url=item["url"],
            status=item.get("status"),
            bytes=item.get("bytes", 0),
            sha256=item.get("sha256", ""),
            format=item.get("format", ""),
            etag=item.get("etag"),
            last_modified=item.get("last_modified"),
            error=redact(item["error"], self.secrets) if item.get("error") else None,
            duration_ms=item.get("duration_ms", 0.0),
            run_id=self.run_id,
        )
        if "enrichments" in item:
            return self._store_enrichments(item, record)
        new, updated, record = self._write(parsed, record)
        failed = bool(record.error) and not str(record.error).startswith("warning:")
        self.store.mark_source(record.source, record.error if failed else None)
        if item.get("retry_after_until"):
            self.store.set_not_before(record.source, item["retry_after_until"])
        emit(
            {
                "event": "fetch",
                "source": record.source,
                "url": record.url,
                "status": record.status,
                "items": len(parsed.items) if parsed else 0,
                "new": new,
                "updated": updated,
                "error": record.error,
                "at": dt.datetime.now(dt.UTC).isoformat(),
            }
        )
        return {"source": record.source, "url": record.url}

    def _write(self, parsed: Parsed | None, record: FetchRecord) -> tuple[int, int, FetchRecord]:
        """The fetch and its items in one transaction: (new, updated, the fetch as recorded).

        A write that fails (text the database cannot hold, a full disk) rolls the batch back
        and becomes this fetch's error, recorded against its source: Scrapy would only log
        an exception raised here, and the run would look fine with the source's items lost."""
        assert self.store is not None
        try:
            if parsed is None:
                self.store.record_fetch(record)
                return 0, 0, record
            counts = self.store.upsert(parsed.items, parsed.observations, record)
            return counts.new, counts.updated, record
        except Exception as e:  # any failure is this fetch's, never a silent loss
            return 0, 0, self._failed(record, e)

    def _failed(self, record: FetchRecord, e: Exception) -> FetchRecord:
        """Record `record` with the write's failure as its error; if even that cannot be
        written, remember it so the crawler process exits 1 (see spiders.run)."""
        assert self.store is not None
        detail = " ".join(str(e).split()) or type(e).__name__
        failed = replace(record, error=f"not stored: {detail}"[:500])
        try:
            self.store.record_fetch(failed)
        except Exception:
            UNRECORDED.append(f"{record.source}: {detail}"[:300])
            raise
        return failed

    def _store_enrichments(self, item: dict[str, Any], record: FetchRecord) -> dict[str, Any]:
        """The enrich step's outcome for every item the URL was fetched for, with its fetch."""
        assert self.store is not None
        records: list[EnrichmentRecord] = item["enrichments"]
        try:
            self.store.save_enrichments(records, record)
        except Exception as e:  # as in _write: the failure is the fetch's, recorded
            record = self._failed(record, e)
        emit(
            {
                "event": "fetch",
                "source": record.source,
                "url": record.url,
                "status": record.status,
                "outcome": records[0].status if records else None,
                "items": len(records),
                "error": record.error,
                "at": dt.datetime.now(dt.UTC).isoformat(),
            }
        )
        return {"source": record.source, "url": record.url}
