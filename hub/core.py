"""The library API: `make_hub(config)` wires the store and stages; `Hub` methods run them.

The only module that wires stages together. Each method loads from the store,
calls pure stage functions, saves, and returns a result value. The CLI and the
scheduler are thin shells over these methods.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.exceptions import HubError, NotFoundError
from hub.weeks import parse_week, week_of

# The stages are imported where they are used: `hub search` or `hub explain` need none of
# trafilatura, Scrapy's planning, the digest builder, feedgen or mkdocs.
if TYPE_CHECKING:
    from hub.analysis import incremental, llm
    from hub.config import Config
    from hub.crawl_run import Fetcher
    from hub.digest import build
    from hub.digest.build import WeekContext
    from hub.publishers import email as mail
    from hub.publishers import site
    from hub.store import Store
    from hub.types import (
        AnalyzeResult,
        BuildResult,
        CrawlResult,
        Digest,
        EnrichResult,
        ImportResult,
        Score,
        Topic,
    )

# progress(stage, done, total) — the CLI draws bars from it; library users may pass None.
Progress = Callable[[str, int, int], None]
log = logging.getLogger("hub")


def _noop(stage: str, done: int, total: int) -> None:
    return None


class Hub:
    """One hub: a config and its store."""

    def __init__(self, config: Config, store: Store, llm_client: llm.LLMClient | None = None) -> None:
        self.config = config
        self.store = store
        self.llm = llm_client
        self.llm_report: dict[str, Any] = {}
        self.embedder: llm.Embedder | None = None

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Hub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- import ------------------------------------------------------------------

    def import_paths(
        self,
        paths: Sequence[Path],
        *,
        format: str | None = None,
        progress: Progress | None = None,
    ) -> list[ImportResult]:
        """Load recorded files (format detected from content); all-or-nothing, see `importer`."""
        from hub import importer

        return importer.import_paths(self.store, paths, format=format, progress=progress)

    # -- sources and crawling ----------------------------------------------------

    def sync_sources(self) -> list[dict[str, Any]]:
        """hub.toml's sources mirrored into the store, plus those added with `hub sources add`."""
        self.store.sync_config_sources([s.model_dump(mode="json") for s in self.config.sources])
        return self.store.sources()

    def add_source(
        self,
        name: str,
        kind: str,
        url: str = "",
        tags: Sequence[str] = (),
        params: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        from hub.crawl_run import source_record

        src = source_record(name, kind, url, tags, params)
        self.store.add_source(src)
        return src

    def import_feeds(self, feeds: Sequence[Any], extra_tags: Sequence[str] = ()) -> tuple[int, int]:
        """Add OPML feeds; a feed whose URL is already a source is skipped. (added, skipped)"""
        from hub.crawl_run import feeds_to_add

        new = feeds_to_add(self.sync_sources(), feeds)
        for name, f in new:
            self.add_source(name, "feed", f.url, (*f.tags, *extra_tags))
        return len(new), len(feeds) - len(new)

    def remove_source(self, name: str) -> None:
        if not self.store.remove_source(name):
            raise NotFoundError(f"no source named {name!r} (see `hub sources list`)")

    @contextlib.contextmanager
    def _fetcher(self) -> Iterator[Fetcher]:
        """A crawl or enrich run closes the store for its crawler child and opens it anew:
        the hub takes the new store, also when the run raised."""
        from hub.crawl_run import Fetcher

        fetcher = Fetcher(self.store, self.config)
        try:
            yield fetcher
        finally:
            self.store = fetcher.store

    def crawl(
        self,
        *,
        source: str | None = None,
        tag: str | None = None,
        since: dt.datetime | None = None,
        on_event: Callable[[dict[str, Any]], None] | None = None,
    ) -> CrawlResult:
        """Fetch every enabled source (or one / one tag) in a crawler process; summarize."""
        with self._fetcher() as run:
            return run.crawl(self.sync_sources(), source=source, tag=tag, since=since, on_event=on_event)

    def enrich(
        self,
        week: str | None = None,
        *,
        limit: int = 60,
        on_event: Callable[[dict[str, Any]], None] | None = None,
    ) -> EnrichResult:
        """Fetch what the week's top `limit` stories point at, once (see `Fetcher.enrich`).
        The analysis is brought up to date first (the ranking reads it)."""
        t0 = time.perf_counter()
        self.analyze()
        builder = self._builder()
        week, ctx = self._week(builder, week, " (run `hub crawl` or `hub import`)")
        top = {sc.story_id for sc in builder.rank_week(ctx)[:limit]}
        stories = [s for s in ctx.stories if s.id in top]
        with self._fetcher() as run:
            result = run.enrich(week, stories, ctx.items, self.sync_sources(), on_event)
        return dataclasses.replace(result, seconds=time.perf_counter() - t0)  # the analysis counts

    def source_health(self) -> list[dict[str, Any]]:
        return self.store.source_health()

    # -- analysis ----------------------------------------------------------------

    def _analyzer(self) -> incremental.Analyzer:
        from hub.analysis import incremental

        return incremental.Analyzer(self.store, self.config, self.embedder)

    def topic_list(self) -> list[Topic]:
        """Seed topics from hub.toml plus the emerging ones found so far (stored)."""
        return self._analyzer().topic_list()

    def analyze(self, progress: Progress | None = None) -> AnalyzeResult:
        """resolve -> stories, then topic assignment; incremental after the first run
        (see `hub.analysis.incremental.Analyzer`)."""
        return self._analyzer().run(progress)

    def _analyze_settings(self) -> str:
        return self._analyzer().settings()

    # -- digest ------------------------------------------------------------------

    def latest_week(self) -> str | None:
        rng = self.store.date_range()
        return week_of(rng[1]) if rng else None

    def _week(self, builder: build.DigestBuilder, week: str | None, hint: str) -> tuple[str, WeekContext]:
        """The week asked for (else the newest one with items) and what its digest reads."""
        week = week or self.latest_week()
        if week is None:
            raise NotFoundError(f"the database holds no items yet{hint}")
        try:
            return week, builder.week_context(week)
        except ValueError as e:  # not an ISO week
            raise HubError(str(e)) from e

    def digest(
        self,
        week: str | None = None,
        *,
        limit: int | None = None,
        analyze: bool = True,
        write_page: bool = True,
        progress: Progress | None = None,
        use_llm: bool | None = None,
        save: bool = True,
        index: bool = True,
    ) -> Digest:
        """Rank, summarize and select the stories of one ISO week; save and render it.

        use_llm: None = when an LLM is configured; False = extractive only.
        save: False = a preview: nothing stored, no page written (what is published stays).
        index: False = leave the search index stale (the next writer or search updates it).
        """
        self.llm_report = {}
        if use_llm and self.llm is None:
            raise HubError(
                "no LLM is configured: set [llm] enabled = true, base_url, model, and the "
                "API key variable named by api_key_env"
            )
        if analyze:
            self.analyze(progress)
        builder = self._builder(use_llm is not False)
        week, ctx = self._week(builder, week, " (run `hub import` or `hub demo`)")
        if not ctx.stories:
            raise NotFoundError(f"no items published in {week} (data covers {builder.coverage()})")
        digest = builder.build(week, ctx, limit or self.config.digest.limit, progress or _noop)
        self.llm_report = builder.llm_report
        if not save:
            return digest
        self.store.save_digest(digest, builder.week_ranking)
        if write_page:
            from hub.publishers import site

            site.write_digest_page(self.config, digest)
        if index:  # the writer keeps the search index in step (a reader never indexes)
            self.update_search_index(progress)
        return digest

    def _builder(self, use_llm: bool = False) -> build.DigestBuilder:
        from hub.digest import build

        return build.DigestBuilder(self.store, self.config, self.topic_list, self.llm, use_llm)

    def week_context(self, week: str) -> WeekContext:
        """Everything one ISO week's digest reads: its stories, items, observations, topics."""
        return self._builder().week_context(week)

    def _week_context(self, start: dt.datetime, end: dt.datetime) -> WeekContext:
        return self._builder()._week_context(start, end)

    def rank_week(self, ctx: WeekContext) -> list[Score]:
        """Every story of the week, best first, with its score breakdown."""
        return self._builder().rank_week(ctx)

    def choose_week(self, ctx: WeekContext, limit: int | None = None) -> list[Score]:
        """The digest's stories, best first."""
        return self._builder().choose_week(ctx, limit)

    def plan_llm_calls(self, week: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """The LLM calls a digest would make (dry run): nothing is sent."""
        from hub.analysis.llm import planned_calls

        self.analyze()
        builder = self._builder()
        _, ctx = self._week(builder, week, "")
        ranked = builder.choose_week(ctx, limit)
        by_id = {s.id: s for s in ctx.stories}
        return planned_calls([by_id[sc.story_id] for sc in ranked], ctx.items)

    # -- publishing --------------------------------------------------------------

    def write_site(self) -> list[Path]:
        """Every page and feed from the stored digests (the site's docs_dir), with every
        story of the latest digest's week on its topic pages and the week's papers page."""
        from hub.publishers import feeds, site

        digests = self.store.digests()
        week = self._week_pages(digests[0]) if digests else None
        pages = site.write_site(self.config, digests, week)
        return pages + feeds.write_feeds(self.config, digests, site.feed_topics(digests))

    def _week_pages(self, digest: Digest) -> site.WeekPages:
        from hub.publishers import site

        start, end = parse_week(digest.week)
        stories = self.store.stories(self.store.story_ids_in_window(start, end))
        items = {it.id: it for it in self.store.items([i for s in stories for i in s.item_ids])}
        ids = [s.id for s in stories]
        topics = {t.id: t for t in self.store.topics()}
        assigned, summaries = self.store.story_topics(ids), self.store.story_summaries(ids)
        scores = self.store.week_scores(digest.week)
        return site.week_pages(digest, stories, items, assigned, topics, scores, summaries)

    def build_site(self) -> BuildResult:
        from hub.publishers import site

        self.write_site()
        return site.build_site(self.config, strict=True)

    def serve_site(self, host: str = "127.0.0.1", port: int = 8000) -> None:
        from hub.publishers import site

        self.write_site()
        site.serve_site(self.config, host=host, port=port)

    def has_new_items_since_last_digest(self) -> bool:
        return self.store.items_since_last_digest() > 0

    # -- explain -----------------------------------------------------------------

    def explain(self, ident: str) -> dict[str, Any]:
        """Why a story is what it is: its items, the evidence joining them, topic, scores."""
        story_id = ident if ident.startswith("s-") else self.store.story_of_item(ident)
        stories = self.store.stories([story_id]) if story_id else []
        if not stories:
            raise NotFoundError(
                f"no story or item {ident!r} (ids look like s-1a2b3c4d5e6f or arxiv:2504.12345)"
            )
        story = stories[0]
        topic = self.store.story_topics([story.id]).get(story.id)
        return {
            "story": story,
            "items": self.store.items(story.item_ids),
            "links": self.store.links(story.item_ids),
            "topic": {"id": topic[0], "confidence": topic[1], "relevance": topic[2]} if topic else None,
            "scores": [
                {"week": w, "rank": r, "total": t, "breakdown": b}
                for w, r, t, b in self.store.story_scores(story.id)
            ],
        }

    # -- search ------------------------------------------------------------------

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
        """Full-text search (tantivy, BM25, offline) over titles, abstracts/texts, authors,
        tags and summaries; each hit has a highlighted snippet. With write access a stale
        index is first brought up to date (only the changed items); read-only, the index
        is searched as it is (see hub/store/search.py)."""
        if not query.strip():
            raise HubError("an empty query finds nothing: give some words")
        return self.store.search(query, kind=kind, topic=topic, since=since, limit=limit, progress=progress)

    def update_search_index(self, progress: Progress | None = None) -> dict[str, int]:
        """Re-index what changed since the index was written (`hub digest` and the weekly job
        run it after writing)."""
        if self.store.search_index_fresh():
            return {"docs": 0, "added": 0, "removed": 0, "full": 0}
        return self.store.update_search_index(progress=progress)

    # -- email -------------------------------------------------------------------

    def add_subscriber(self, address: str) -> tuple[str, bool]:
        from hub.publishers import email as mail

        email = mail.parse_address(address)
        return email, self.store.add_subscriber(email)

    def remove_subscriber(self, address: str) -> str:
        from hub.publishers import email as mail

        email = mail.parse_address(address)
        if not self.store.remove_subscriber(email):
            raise NotFoundError(f"{email} is not subscribed")
        return email

    def subscribers(self) -> list[dict[str, Any]]:
        return self.store.subscribers()

    def send(
        self, week: str | None = None, *, dry_run: bool = False, out_dir: Path | None = None
    ) -> mail.SendReport:
        """Email a stored digest to every subscriber who has not received it yet."""
        from hub.publishers import email as mail

        weeks = self.store.digest_weeks()
        week = week or (weeks[0] if weeks else None)
        digest = self.store.digest(week) if week else None
        if digest is None:
            raise NotFoundError(f"no digest for {week or 'any week'} yet (run `hub digest` first)")
        subs = self.store.subscribers()
        if dry_run:
            return mail.dry_run(digest, subs, self.config, out_dir or self.config.workspace / "outbox")
        return mail.send(
            digest, subs, self.config, self.store.delivery_status(digest.week), self.store.mark_delivery
        )

    # -- exploring ---------------------------------------------------------------

    def sql(self, query: str, *, max_rows: int | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        """A read-only query over the store (`hub sql`): (column names, rows)."""
        return self.store.read_query(query, max_rows=max_rows)

    def export(self, table: str, fmt: str, out: Path) -> int:
        """One table to a parquet, csv or jsonl file (`hub export`); the rows written."""
        return self.store.export_table(table, fmt, out)


def make_llm(config: Config) -> llm.OpenAIClient | None:
    """The configured LLM client, or None (extractive summaries) when it is off or has no key."""
    c = config.llm
    if not c.enabled:
        return None
    key = c.api_key()
    if not key:
        log.warning("LLM enabled but $%s is not set: using extractive summaries", c.api_key_env)
        return None
    from hub.analysis.llm import OpenAIClient

    return OpenAIClient(c.base_url, key, c.model, timeout_s=c.timeout_s, retries=c.retries)


def make_hub(config: Config, *, read_only: bool = False) -> Hub:
    """Open the configured store (applying migrations) and wire the stages and the LLM."""
    from hub.store import Store

    store = Store(config.db_path, read_only=read_only, lock_wait_s=config.store.lock_wait_s)
    client = make_llm(config)
    hub = Hub(config, store, client)
    if client is not None and config.llm.embeddings_model:
        from hub.analysis.llm import OpenAIEmbedder

        hub.embedder = OpenAIEmbedder(client, config.llm.embeddings_model)
    return hub
