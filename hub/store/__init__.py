"""The store: one DuckDB file. The only package that imports duckdb.

`Store` is built from one mixin per domain (items, analysis, digests); the schema
is a list of named migrations applied on open (see migrations.py).
"""

from __future__ import annotations

from hub.store.analysis import AnalysisMixin
from hub.store.delivery import DeliveryMixin
from hub.store.digests import DigestsMixin, digest_from_json, digest_to_json
from hub.store.enrich import EnrichMixin
from hub.store.export import ExportMixin
from hub.store.items import FetchRecord, ItemsMixin, UpsertCounts, content_hash
from hub.store.pages import PagesMixin
from hub.store.search import SearchMixin
from hub.store.sources import SourcesMixin


class Store(
    ItemsMixin,
    AnalysisMixin,
    DigestsMixin,
    SourcesMixin,
    DeliveryMixin,
    SearchMixin,
    EnrichMixin,
    PagesMixin,
    ExportMixin,
):
    """All of hub's persistent state."""


__all__ = ["FetchRecord", "Store", "UpsertCounts", "content_hash", "digest_from_json", "digest_to_json"]
