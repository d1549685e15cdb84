"""The library API: `make_hub(config)` wires the store and stages; `Hub` methods run them.

The only module that wires stages together. Each method hands the store and config to
the stage that owns the work (its orchestration lives with the stage: `crawl_run`,
`analysis.incremental`, `digest.build`, the publishers) and returns a result value. The
CLI and the scheduler are thin shells over these methods.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.exceptions import HubError

# The stages are imported where they are used: `hub search` or `hub explain` need none of
# trafilatura, Scrapy's planning, the digest builder, feedgen or mkdocs.
if TYPE_CHECKING:
    from hub.analysis import incremental, llm
    from hub.config import Config
    from hub.crawl_run import Fetcher
    from hub.digest import build
    from hub.publishers import email as mail
    from hub.sources.registry import SourceRegistry
    from hub.store import Store
    from hub.types import (
        AnalyzeResult,
        BuildResult,
        CrawlResult,
        Digest,
        EnrichResult,
        ImportResult,
        Topic,
    )

# progress(stage, done, total) — the CLI draws bars from it; library users may pass None.
Progress = Callable[[str, int, int], None]


class Hub:
    """One hub: a config and its store."""

    def __init__(
        self,
        config: Config,
        store: Store,
        llm_client: llm.LLMClient | None = None,
        embedder: llm.Embedder | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.llm = llm_client
        self.llm_report: dict[str, Any] = {}
        self.embedder = embedder

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

    def sources(self) -> SourceRegistry:
        """hub.toml's sources and the user's: `sync()` (mirror hub.toml into the store and
        list them all), `add()`, `import_feeds()` (OPML, all or none) and `remove()`."""
        from hub.sources.registry import SourceRegistry

        return SourceRegistry(self.store, self.config)

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
            return run.crawl(self.sources().sync(), source=source, tag=tag, since=since, on_event=on_event)

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
        week, ctx, stories = self.builder().top_stories(week, limit, " (run `hub crawl` or `hub import`)")
        with self._fetcher() as run:
            result = run.enrich(week, stories, ctx.items, self.sources().sync(), on_event)
        return dataclasses.replace(result, seconds=time.perf_counter() - t0)  # the analysis counts

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

    # -- digest ------------------------------------------------------------------

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
            On a read-only store only a preview is possible: from the stored analysis,
            extractive, its summaries not cached.
        index: False = leave the search index stale (the next writer or search updates it).
        """
        self.llm_report = {}
        if use_llm and self.llm is None:
            raise HubError(
                "no LLM is configured: set [llm] enabled = true, base_url, model, and the "
                "API key variable named by api_key_env"
            )
        if self.store.read_only and (save or use_llm):
            raise HubError("the database is open read-only: a digest can only be previewed, extractively")
        if analyze and not self.store.read_only:  # read-only: the analysis as stored
            self.analyze(progress)
        builder = self.builder(use_llm is not False and not self.store.read_only)
        digest = builder.run(week, limit, progress, save)  # see `DigestBuilder.run`
        self.llm_report = builder.llm_report
        if not save:
            return digest
        if write_page:
            from hub.publishers import site

            site.write_digest_page(self.config, digest)
        if index:  # the writer keeps the search index in step (a reader never indexes)
            self.update_search_index(progress)
        return digest

    def builder(self, use_llm: bool = False) -> build.DigestBuilder:
        """The digest stage on this hub's store: `week_context(week)` (what a week's digest
        reads), `rank_week(ctx)` (every story, best first, with its score breakdown) and
        `choose_week(ctx, limit)` (the digest's stories)."""
        from hub.digest import build

        return build.DigestBuilder(self.store, self.config, self.topic_list, self.llm, use_llm)

    def plan_llm_calls(self, week: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """The LLM calls a digest would make (dry run): nothing is sent."""
        self.analyze()
        return self.builder().planned_calls(week, limit)

    # -- publishing --------------------------------------------------------------

    def write_site(self) -> list[Path]:
        """Every page and feed from the stored digests (the site's docs_dir), with every
        story of the latest digest's week on its topic pages and the week's papers page."""
        from hub.publishers import feeds, site

        digests = self.store.digests()
        week = site.stored_week_pages(self.store, digests[0]) if digests else None
        pages = site.write_site(self.config, digests, week)
        return pages + feeds.write_feeds(self.config, digests, site.feed_topics(digests))

    def build_site(self) -> BuildResult:
        from hub.publishers import site

        self.write_site()
        return site.build_site(self.config, strict=True)

    def serve_site(self, host: str = "127.0.0.1", port: int = 8000) -> None:
        from hub.publishers import site

        self.write_site()
        site.serve_site(self.config, host=host, port=port)

    # -- explain -----------------------------------------------------------------

    def explain(self, ident: str) -> dict[str, Any]:
        """Why a story is what it is: its items, the evidence joining them, topic, scores."""
        from hub.explain import explain

        return explain(self.store, ident)

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
        return self.add_subscribers([address])[0]

    def add_subscribers(self, addresses: Sequence[str]) -> list[tuple[str, bool]]:
        """(address as stored, new?) each; all or none: one bad address stores nothing."""
        from hub.publishers import email as mail

        return mail.subscribe(self.store, addresses)

    def remove_subscriber(self, address: str) -> str:
        from hub.publishers import email as mail

        return mail.unsubscribe(self.store, address)

    def send(
        self, week: str | None = None, *, dry_run: bool = False, out_dir: Path | None = None
    ) -> mail.SendReport:
        """Email a stored digest to every subscriber who has not received it yet."""
        from hub.publishers import email as mail

        return mail.send_stored(self.store, self.config, week, dry_run=dry_run, out_dir=out_dir)


def make_hub(config: Config, *, read_only: bool = False) -> Hub:
    """Open the configured store (applying migrations) and wire the stages and the LLM
    (client and embedder as `hub.analysis.llm.clients_from_config` makes them)."""
    from hub.analysis.llm import clients_from_config
    from hub.store import Store

    store = Store(config.db_path, read_only=read_only, lock_wait_s=config.store.lock_wait_s)
    return Hub(config, store, *clients_from_config(config))
