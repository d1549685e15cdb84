"""The crawl and enrich runs: the orchestration of the two stages that fetch.

`Fetcher.crawl()` plans the requests of the chosen sources; `Fetcher.enrich()` plans what a
week's top stories point at (the caller ranks and chooses them: ranking is a later stage).
Both hand the database to a crawler child process (hub/crawler.py: the only writer while
it runs), take it back and record the run. Because the store is closed and reopened around
the child, `Fetcher.store` is the open store afterwards, also when a run raised: the
caller must take it from there. The sources it reads are kept by
`hub.sources.registry`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hub import crawler, enrich
from hub.config import Config
from hub.exceptions import HubError, NotFoundError
from hub.store import FetchRecord, Store
from hub.types import CrawlResult, EnrichResult, Item, Story

OnEvent = Callable[[dict[str, Any]], None]


def _ignore(event: dict[str, Any]) -> None:
    return None


class Fetcher:
    """Crawl and enrich runs over one store, which each run closes and reopens."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config

    def crawl(
        self,
        sources: Sequence[dict[str, Any]],
        *,
        source: str | None = None,
        tag: str | None = None,
        since: dt.datetime | None = None,
        on_event: OnEvent | None = None,
    ) -> CrawlResult:
        """Fetch every enabled source of `sources` (or one / one tag) in a crawler process."""
        start = time.perf_counter()
        now = dt.datetime.now(dt.UTC)
        since = since or now - dt.timedelta(days=self.config.crawl.since_days)
        chosen, skipped = crawl_targets(sources, source, tag, now)
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
        interrupted = self._run_child(plans, run_id, on_event or _ignore)
        rows = tuple(self.store.crawl_summary(run_id))
        status = "interrupted" if interrupted else "ok"
        self.store.finish_run(run_id, status, {"sources": len(rows), "new": sum(r["new"] for r in rows)})
        return CrawlResult(run_id, rows, tuple(skipped), time.perf_counter() - start, interrupted)

    def enrich(
        self,
        week: str,
        stories: Sequence[Story],
        items: Mapping[str, Item],
        sources: Sequence[Mapping[str, Any]],
        on_event: OnEvent | None = None,
    ) -> EnrichResult:
        """Fetch what `stories` point at, once: the page each post links (its main text) and
        repos' READMEs in a crawler child, then the arXiv papers posts link that the store
        lacks (arxiv.Client). Failures are stored with their reason, no text."""
        t0, started = time.perf_counter(), dt.datetime.now(dt.UTC)
        github_api, arxiv_query = crawler.enrich_bases(sources)
        known = self.store.existing_ids(enrich.linked_ids(stories, items))
        plan = enrich.plan_enrichment(stories, items, known, github_api=github_api)
        self.store.share_enrichments([(i, t.url) for t in plan.targets for i in t.item_ids])
        urls = [t.url for t in plan.targets] + [enrich.abs_url(a) for a in plan.arxiv_ids]
        done = self.store.done_urls(urls)
        todo = [t for t in plan.targets if t.url not in done]
        run_id = self.store.start_run("enrich")
        emit = on_event or _ignore
        interrupted = bool(todo) and self._run_child(crawler.enrich_plans(todo), run_id, emit)
        ids = [a for a in plan.arxiv_ids if enrich.abs_url(a) not in done]
        papers, errors = self._fetch_papers(ids, arxiv_query, run_id, emit)
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

    def _run_child(self, plans: Sequence[crawler.SourcePlan], run_id: int, on_event: OnEvent) -> bool:
        """Hand the writer to the crawler process for its run, then take it back; interrupted?"""
        path = self.store.path
        plan_file = crawler.write_plan(
            crawler.temp_plan_path(),
            db=path,
            run_id=run_id,
            plans=plans,
            settings=crawler.crawl_settings(self.config),
        )
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
        # The child may still be letting go of the file: wait for the lock a while.
        return Store(path, lock_wait_s=max(self.config.store.lock_wait_s, 30.0))

    def _fetch_papers(
        self, ids: Sequence[str], query_url: str, run_id: int, emit: OnEvent
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


def crawl_targets(
    sources: Sequence[dict[str, Any]], source: str | None, tag: str | None, now: dt.datetime
) -> tuple[list[dict[str, Any]], list[str]]:
    """The enabled sources named (by name, tag or kind) that may be fetched now, and a line
    for each one skipped because it is rate limited."""
    chosen = [
        s
        for s in sources
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
