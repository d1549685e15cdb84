"""The library API: `make_hub(config)` wires the store and stages; `Hub` methods run them.

The only module that wires stages together. Each method loads from the store,
calls pure stage functions, saves, and returns a result value. The CLI and the
scheduler are thin shells over these methods.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hub import crawler, enrich, importer
from hub.analysis import incremental, llm
from hub.config import Config
from hub.digest import build
from hub.digest.build import WeekContext
from hub.exceptions import HubError, NotFoundError
from hub.publishers import email as mail
from hub.publishers import feeds, site
from hub.store import FetchRecord, Store
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
from hub.weeks import parse_week, week_of

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
        from pydantic import ValidationError

        from hub.config import SourceConfig, field_error

        try:
            src = SourceConfig(name=name, kind=kind, url=url, tags=tuple(tags), params=dict(params or {}))
        except ValidationError as e:
            why = "; ".join(field_error(x) for x in e.errors())
            raise HubError(f"invalid source {name!r}: {why}") from e
        if kind not in crawler.KINDS:
            raise HubError(f"unknown source kind {kind!r} (one of {', '.join(crawler.KINDS)})")
        if kind == "feed" and not url.startswith(("http://", "https://")):
            raise HubError(f"feed source {name!r} needs an http(s) url")
        self.store.add_source(src.model_dump(mode="json"))
        return src.model_dump(mode="json")

    def import_feeds(self, feeds: Sequence[Any], extra_tags: Sequence[str] = ()) -> tuple[int, int]:
        """Add OPML feeds; a feed whose URL is already a source is skipped. (added, skipped)"""
        from hub.sources.ids import normalize_url

        existing = self.sync_sources()
        urls = {normalize_url(s["url"]) for s in existing if s["url"]}
        names = {s["name"] for s in existing}
        added = 0
        for f in feeds:
            if normalize_url(f.url) in urls:
                continue
            name, n = f.name, 1
            while name in names:
                n += 1
                name = f"{f.name}-{n}"
            self.add_source(name, "feed", f.url, (*f.tags, *extra_tags))
            urls.add(normalize_url(f.url))
            names.add(name)
            added += 1
        return added, len(feeds) - added

    def remove_source(self, name: str) -> None:
        if not self.store.remove_source(name):
            raise NotFoundError(f"no source named {name!r} (see `hub sources list`)")

    def crawl(
        self,
        *,
        source: str | None = None,
        tag: str | None = None,
        since: dt.datetime | None = None,
        on_event: Callable[[dict[str, Any]], None] | None = None,
    ) -> CrawlResult:
        """Fetch every enabled source (or one / one tag) in a crawler process; summarize."""
        start = time.perf_counter()
        now = dt.datetime.now(dt.UTC)
        since = since or now - dt.timedelta(days=self.config.crawl.since_days)
        chosen, skipped = self._crawl_targets(source, tag, now)
        repos = self.store.recent_repo_ids(since, 200)
        plans = [
            crawler.SourcePlan(
                s["name"],
                s["kind"],
                tuple(crawler.plan_requests(s, since=since, now=now, repos=repos)),
                s["params"],
            )
            for s in chosen
        ]
        urls = [r.url for p in plans for r in p.requests]
        plans = crawler.with_validators(plans, self.store.validators(urls))
        run_id = self.store.start_run("crawl")
        plan_file = crawler.write_plan(
            crawler.temp_plan_path(),
            db=self.store.path,
            run_id=run_id,
            plans=plans,
            settings=crawler.crawl_settings(self.config),
        )
        interrupted = self._run_child(plan_file, run_id, on_event or (lambda e: None))
        rows = tuple(self.store.crawl_summary(run_id))
        status = "interrupted" if interrupted else "ok"
        self.store.finish_run(run_id, status, {"sources": len(rows), "new": sum(r["new"] for r in rows)})
        return CrawlResult(run_id, rows, tuple(skipped), time.perf_counter() - start, interrupted)

    def _crawl_targets(
        self, source: str | None, tag: str | None, now: dt.datetime
    ) -> tuple[list[dict[str, Any]], list[str]]:
        every = self.sync_sources()
        chosen = [
            s
            for s in every
            if s["enabled"]
            and (source is None or s["name"] == source)
            and (tag is None or tag in s["tags"] or tag == s["kind"])
        ]
        if not chosen:
            what = f"source {source!r}" if source else f"tag {tag!r}" if tag else "enabled source"
            raise NotFoundError(f"no {what} to crawl (see `hub sources list`)")
        waiting = [s for s in chosen if s["not_before"] and s["not_before"] > now]
        skipped = [f"{s['name']} (rate limited until {s['not_before']:%Y-%m-%d %H:%M} UTC)" for s in waiting]
        return [s for s in chosen if s not in waiting], skipped

    def _run_child(self, plan_file: Path, run_id: int, on_event: Callable[[dict[str, Any]], None]) -> bool:
        """Hand the writer to the crawler process for its run, then take it back."""
        path = self.store.path
        self.store.close()
        try:
            interrupted = crawler.run_crawl(plan_file, on_event)
        except HubError as e:
            self.store = self._reopen(path)
            self.store.finish_run(run_id, "error", {}, str(e))
            raise
        finally:
            plan_file.unlink(missing_ok=True)
        self.store = self._reopen(path)
        return interrupted

    def _reopen(self, path: Path) -> Store:
        return Store(path, lock_wait_s=max(self.config.store.lock_wait_s, 30.0))

    def enrich(
        self,
        week: str | None = None,
        *,
        limit: int = 60,
        on_event: Callable[[dict[str, Any]], None] | None = None,
    ) -> EnrichResult:
        """Fetch what the week's top `limit` stories point at, once: the page each post links
        (its main text) and repos' READMEs, in a crawler child like `crawl`; then the arXiv
        papers posts link that the store lacks (arxiv.Client). The analysis is brought up to
        date first (the ranking reads it). Failures are stored with their reason, no text."""
        t0, started = time.perf_counter(), dt.datetime.now(dt.UTC)
        self.analyze()
        week = week or self.latest_week()
        if week is None:
            raise NotFoundError("the database holds no items yet (run `hub crawl` or `hub import`)")
        try:
            ctx = self.week_context(week)
        except ValueError as e:
            raise HubError(str(e)) from e
        top = {sc.story_id for sc in self.rank_week(ctx)[:limit]}
        stories = [s for s in ctx.stories if s.id in top]
        github_api, arxiv_query = crawler.enrich_bases(self.sync_sources())
        known = self.store.existing_ids(enrich.linked_ids(stories, ctx.items))
        plan = enrich.plan_enrichment(stories, ctx.items, known, github_api=github_api)
        self.store.share_enrichments([(i, t.url) for t in plan.targets for i in t.item_ids])
        urls = [t.url for t in plan.targets] + [enrich.abs_url(a) for a in plan.arxiv_ids]
        done = self.store.done_urls(urls)
        todo = [t for t in plan.targets if t.url not in done]
        run_id = self.store.start_run("enrich")
        emit = on_event or (lambda e: None)
        interrupted = bool(todo) and self._enrich_fetch(todo, run_id, emit)
        ids = [a for a in plan.arxiv_ids if enrich.abs_url(a) not in done]
        papers, errors = self._enrich_papers(ids, arxiv_query, run_id, emit)
        outcomes = self.store.enrich_summary(started)
        counts = {"fetched": len(todo), "texts": outcomes.get("ok", 0), "papers": papers}
        self.store.finish_run(run_id, "interrupted" if interrupted else "ok", counts)
        return EnrichResult(
            week=week,
            run_id=run_id,
            stories=len(stories),
            fetched=len(todo),
            texts=counts["texts"],
            cached=len(plan.targets) - len(todo),
            skipped=plan.skipped,
            papers=papers,
            outcomes=outcomes,
            errors=errors,
            seconds=time.perf_counter() - t0,
            interrupted=interrupted,
        )

    def _enrich_fetch(
        self, targets: Sequence[Any], run_id: int, emit: Callable[[dict[str, Any]], None]
    ) -> bool:
        plan_file = crawler.write_plan(
            crawler.temp_plan_path(),
            db=self.store.path,
            run_id=run_id,
            plans=crawler.enrich_plans(targets),
            settings=crawler.crawl_settings(self.config),
        )
        return self._run_child(plan_file, run_id, emit)

    def _enrich_papers(
        self, ids: Sequence[str], query_url: str, run_id: int, emit: Callable[[dict[str, Any]], None]
    ) -> tuple[int, tuple[str, ...]]:
        """Linked arXiv papers the store lacks, stored as paper items; (new papers, errors)."""
        if not ids:
            return 0, ()
        c = self.config.crawl

        def on_batch(chunk: Sequence[str], found: int, error: str | None) -> None:
            emit({"event": "fetch", "source": "enrich:arxiv", "items": found, "error": error})

        got = enrich.fetch_arxiv(
            ids,
            query_url=query_url,
            delay_s=c.arxiv_delay_s,
            retries=c.retries,
            timeout_s=c.timeout_s,
            on_batch=on_batch,
        )
        fetch = FetchRecord(
            "enrich:arxiv",
            query_url.format(""),
            status=None if got.errors else 200,
            format="arxiv-api",
            error="; ".join(got.errors)[:500] or None,
            run_id=run_id,
        )
        new = self.store.upsert(got.items, (), fetch).new
        self.store.save_enrichments(enrich.not_found(got.missing))
        return new, got.errors

    def source_health(self) -> list[dict[str, Any]]:
        return self.store.source_health()

    # -- analysis ----------------------------------------------------------------

    def _analyzer(self) -> incremental.Analyzer:
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
        week = week or self.latest_week()
        if week is None:
            raise NotFoundError("the database holds no items yet (run `hub import` or `hub demo`)")
        try:
            start, end = parse_week(week)
        except ValueError as e:
            raise HubError(str(e)) from e
        builder = self._builder(use_llm is not False)
        ctx = builder._week_context(start, end)
        if not ctx.stories:
            raise NotFoundError(f"no items published in {week} (data covers {builder.coverage()})")
        digest = builder.build(week, ctx, limit or self.config.digest.limit, progress or _noop)
        self.llm_report = builder.llm_report
        if not save:
            return digest
        self.store.save_digest(digest, builder.week_ranking)
        if write_page:
            site.write_digest_page(self.config, digest)
        if index:  # the writer keeps the search index in step (a reader never indexes)
            self.update_search_index(progress)
        return digest

    def _builder(self, use_llm: bool = False) -> build.DigestBuilder:
        return build.DigestBuilder(self.store, self.config, self.topic_list, self.llm, use_llm)

    def _coverage(self) -> str:
        return self._builder().coverage()

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
        self.analyze()
        week = week or self.latest_week()
        if week is None:
            raise NotFoundError("the database holds no items yet")
        start, end = parse_week(week)
        builder = self._builder()
        ctx = builder._week_context(start, end)
        ranked = builder.choose_week(ctx, limit)
        by_id = {s.id: s for s in ctx.stories}
        return llm.planned_calls([by_id[sc.story_id] for sc in ranked], ctx.items)

    # -- publishing --------------------------------------------------------------

    def write_site(self) -> list[Path]:
        """Every page and feed from the stored digests (the site's docs_dir), with every
        story of the latest digest's week on its topic pages and the week's papers page."""
        digests = self.store.digests()
        week = self._week_pages(digests[0]) if digests else None
        pages = site.write_site(self.config, digests, week)
        return pages + feeds.write_feeds(self.config, digests, site.feed_topics(digests))

    def _week_pages(self, digest: Digest) -> site.WeekPages:
        start, end = parse_week(digest.week)
        stories = self.store.stories(self.store.story_ids_in_window(start, end))
        items = {it.id: it for it in self.store.items([i for s in stories for i in s.item_ids])}
        ids = [s.id for s in stories]
        topics = {t.id: t for t in self.store.topics()}
        assigned, summaries = self.store.story_topics(ids), self.store.story_summaries(ids)
        scores = self.store.week_scores(digest.week)
        return site.week_pages(digest, stories, items, assigned, topics, scores, summaries)

    def build_site(self) -> BuildResult:
        self.write_site()
        return site.build_site(self.config, strict=True)

    def serve_site(self, host: str = "127.0.0.1", port: int = 8000) -> None:
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
        email = mail.parse_address(address)
        return email, self.store.add_subscriber(email)

    def remove_subscriber(self, address: str) -> str:
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

    # -- status ------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        return {
            "db": str(self.store.path),
            "counts": self.store.counts(),
            "weeks": self.store.digest_weeks(),
            "coverage": self._coverage(),
            "runs": self.store.recent_runs(10),
        }

    def sql(self, query: str, *, max_rows: int | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        """A read-only query over the store (`hub sql`): (column names, rows)."""
        return self.store.read_query(query, max_rows=max_rows)

    def export(self, table: str, fmt: str, out: Path) -> int:
        """One table to a parquet, csv or jsonl file (`hub export`); the rows written."""
        return self.store.export_table(table, fmt, out)


def make_llm(config: Config) -> llm.LLMClient | None:
    """The configured LLM client, or None (extractive summaries) when it is off or has no key."""
    c = config.llm
    if not c.enabled:
        return None
    key = c.api_key()
    if not key:
        log.warning("LLM enabled but $%s is not set: using extractive summaries", c.api_key_env)
        return None
    return llm.OpenAIClient(c.base_url, key, c.model, timeout_s=c.timeout_s, retries=c.retries)


def make_hub(config: Config, *, read_only: bool = False) -> Hub:
    """Open the configured store (applying migrations) and wire the stages and the LLM."""
    store = Store(config.db_path, read_only=read_only, lock_wait_s=config.store.lock_wait_s)
    client = make_llm(config)
    hub = Hub(config, store, client)
    if isinstance(client, llm.OpenAIClient) and config.llm.embeddings_model:
        hub.embedder = llm.OpenAIEmbedder(client, config.llm.embeddings_model)
    return hub
