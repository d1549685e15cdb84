"""The library API: `make_hub(config)` wires the store and stages; `Hub` methods run them.

The only module that wires stages together. Each method loads from the store,
calls pure stage functions, saves, and returns a result value. The CLI and the
scheduler are thin shells over these methods.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from hub import crawler, sources
from hub.analysis import llm, rank, resolve, summarize, topics
from hub.config import Config
from hub.digest import select
from hub.exceptions import HubError, LLMError, NotFoundError, ParseError
from hub.publishers import email as mail
from hub.publishers import feeds, site
from hub.store import FetchRecord, Store
from hub.types import (
    AnalyzeResult,
    BuildResult,
    CrawlResult,
    Digest,
    ImportResult,
    Item,
    Observation,
    Parsed,
    Score,
    Story,
    Summary,
    Topic,
)

# progress(stage, done, total) — the CLI draws bars from it; library users may pass None.
Progress = Callable[[str, int, int], None]
MAX_IMPORT_BYTES = 200 * 1024 * 1024
log = logging.getLogger("hub")
EMBED_MIN_SIMILARITY = 0.2  # cosine of endpoint embeddings (denser than TF-IDF)
FIRST_RUN_BATCH = 50_000  # items a first analyze resolves at a time (bounds its memory)
ANALYZE_VERSION = 2  # bump when analysis changes its results: the next analyze is a full run
WEEK_BATCH = 8  # weeks of stories read and topic rows written at once (bounds a full run's memory)


def _noop(stage: str, done: int, total: int) -> None:
    return None


def _read_input(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_IMPORT_BYTES:
            raise ParseError(str(path), f"file too large ({size} bytes > {MAX_IMPORT_BYTES})")
        return path.read_bytes()
    except FileNotFoundError as e:
        raise ParseError(str(path), "no such file") from e
    except IsADirectoryError as e:
        raise ParseError(str(path), "is a directory") from e
    except OSError as e:
        raise ParseError(str(path), f"cannot read: {e.strerror}") from e


def _topic_batch(first_seen: dt.datetime | None) -> str:
    """Topics are fitted per ISO week of a story's first item ("" for undated stories)."""
    return select.week_of(first_seen) if first_seen else ""


def _refit_weeks(before: Mapping[str, Story], after: Sequence[Story], changed: set[str]) -> set[str]:
    """Weeks whose stories are not what they were: new, gone, regrouped or holding a changed
    item. Other weeks keep their topics (their fit would give the same result)."""
    weeks = set()
    for s in after:
        old = before.get(s.id)
        if old != s or not changed.isdisjoint(s.item_ids):
            weeks.add(_topic_batch(s.first_seen))
            if old is not None:
                weeks.add(_topic_batch(old.first_seen))
    now = {s.id for s in after}
    return weeks | {_topic_batch(s.first_seen) for sid, s in before.items() if sid not in now}


def _title_ranges(items: Sequence[Item]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Publication ranges a title match of these items can come from (merged windows)."""
    if any(it.published_at is None for it in items):
        return [(dt.datetime(1, 1, 2, tzinfo=dt.UTC), dt.datetime(9999, 12, 30, tzinfo=dt.UTC))]
    pad = dt.timedelta(days=resolve.TITLE_WINDOW_DAYS)
    spans = sorted((it.published_at - pad, it.published_at + pad) for it in items if it.published_at)
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders expand to the files inside them (sorted, hidden skipped)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(
                f
                for f in p.rglob("*")
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
        else:
            out.append(p)
    return out


class Hub:
    """One hub: a config and its store."""

    def __init__(self, config: Config, store: Store, llm_client: llm.LLMClient | None = None) -> None:
        self.config = config
        self.store = store
        self.llm = llm_client
        self.llm_report: dict[str, Any] = {}
        self._use_llm = False  # set per digest() call
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
        """Parse every file first, then write each in its own transaction.

        Any unreadable or unparseable file stops the import before anything is written,
        so a bad batch leaves the database unchanged.
        """
        progress = progress or _noop
        files = expand_paths(paths)
        parsed = []
        for n, path in enumerate(files, 1):
            data = _read_input(path)
            parsed.append((path, data, sources.parse(data, path.name, format)))
            progress("parse", n, len(files))
        results = []
        with self.store.transaction():
            for n, (path, data, doc) in enumerate(parsed, 1):
                results.append(self._write_import(path, data, doc))
                progress("write", n, len(parsed))
        return results

    def _write_import(self, path: Path, data: bytes, doc: Parsed) -> ImportResult:
        fetch = FetchRecord(
            source=f"import:{doc.format}",
            url=path.resolve().as_uri(),
            status=200,
            bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            format=doc.format,
        )
        counts = self.store.upsert(doc.items, doc.observations, fetch)
        return ImportResult(str(path), doc.format, doc.records, counts.items, counts.new, counts.observations)

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

    def source_health(self) -> list[dict[str, Any]]:
        return self.store.source_health()

    # -- analysis ----------------------------------------------------------------

    def topic_list(self) -> list[Topic]:
        """Seed topics from hub.toml plus the emerging ones found so far (stored)."""
        seeds = topics.seed_topics(self.config.topics)
        seen = {t.id for t in seeds}
        return seeds + [t for t in self.store.topics() if t.id not in seen]

    def analyze(self, progress: Progress | None = None) -> AnalyzeResult:
        """resolve -> stories, then topic assignment; incremental after the first run.

        The first run (or the first after the topic settings changed) resolves every item.
        Later runs take the items new or updated since the last run plus their neighbours
        (see `_neighbourhood`), re-resolve those whole stories and keep every other story,
        link and topic. Topics are fitted per ISO week of a story's first item, so only the
        weeks whose stories changed are re-assigned, and the result is what a full run
        over the same items gives.
        """
        progress = progress or _noop
        seconds: dict[str, float] = {}
        t0 = time.perf_counter()
        settings = self._analyze_settings()
        stamp = self.store.analysis_stamp()
        done, done_settings = self.store.analysis_state()
        progress("analyze", 1, 4)
        loaded: dict[str, Item] = {}  # items the resolve step read, reused by the topic fitting
        if done is None or done_settings != settings:
            n_items, n_stories, weeks = self._resolve_all(progress)
        else:
            changed = self.store.changed_item_ids(done)
            if not changed:
                return AnalyzeResult(self.latest_week() or "", 0, 0, len(self.topic_list()), seconds)
            n_items, n_stories, weeks, loaded = self._resolve_changed(changed)
        seconds["resolve"] = time.perf_counter() - t0
        progress("analyze", 2, 4)
        t1 = time.perf_counter()
        n_topics = self._assign_topics(weeks, loaded)
        self.store.mark_analyzed(stamp, settings)
        seconds["topics"] = time.perf_counter() - t1
        progress("analyze", 4, 4)
        return AnalyzeResult(self.latest_week() or "", n_items, n_stories, n_topics, seconds)

    def _analyze_settings(self) -> str:
        """What analysis results depend on besides the items: a change means a full run."""
        seeds = [(t.id, t.name, t.description, t.keywords) for t in topics.seed_topics(self.config.topics)]
        model = self.embedder.model if self.embedder else ""
        return hashlib.sha256(repr((ANALYZE_VERSION, seeds, model)).encode()).hexdigest()[:16]

    def _resolve_all(self, progress: Progress = _noop) -> tuple[int, int, set[str]]:
        """Every item. A store larger than FIRST_RUN_BATCH items is resolved in batches of
        that many, oldest first, each as an incremental run (its neighbourhood, whole
        stories), after every item's targets are stored: memory stays bounded by a batch
        and the result is a one-pass resolution's (tested)."""
        ids = self.store.item_ids_by_time()
        if len(ids) <= FIRST_RUN_BATCH:
            items = self.store.items()
            links = resolve.find_links(items)
            stories = resolve.build_stories(items, links)
            targets = [(it.id, t) for it in items for t in resolve.targets(it)]
            self.store.replace_resolution(links, stories, targets)
            return len(items), len(stories), {_topic_batch(s.first_seen) for s in stories}
        self.store.replace_resolution([], [], [])
        batches = [ids[i : i + FIRST_RUN_BATCH] for i in range(0, len(ids), FIRST_RUN_BATCH)]
        for batch in batches:
            items = self.store.items(batch)
            self.store.add_item_targets((it.id, t) for it in items for t in resolve.targets(it))
        weeks: set[str] = set()  # every item is changed once, so every story's week is in
        for done, batch in enumerate(batches):
            progress("resolve", done, len(batches))
            weeks |= self._resolve_changed(batch)[2]
        progress("resolve", len(batches), len(batches))
        return len(ids), int(self.store.scalar("SELECT count(*) FROM stories")), weeks

    def _resolve_changed(self, changed: Sequence[str]) -> tuple[int, int, set[str], dict[str, Item]]:
        """Re-resolve the changed items' neighbourhood (whole stories), keep the rest.

        Returns (items, stories, weeks to re-fit, the items read by id)."""
        ids, fresh = self._neighbourhood(changed)
        loaded = {it.id: it for it in fresh}  # the changed items are in the neighbourhood
        loaded |= {it.id: it for it in self.store.items(sorted(ids - loaded.keys()))}
        items = [loaded[i] for i in sorted(loaded)]
        targets = {it.id: resolve.targets(it) for it in items}
        pointed = {t for ts in targets.values() for t in ts} - ids
        known = ids | self.store.existing_ids(pointed)
        repos = {t for ts in targets.values() for t in ts if t.startswith("gh:") and t in known}
        outside = {r: len(p) for r, p in self.store.papers_linking(repos, ids).items()}
        links = resolve.find_links(items, known=known, outside_repo_papers=outside)
        stories = resolve.build_stories(items, links)
        before = {s.id: s for s in self.store.stories(list(self.store.story_first_seen(ids)))}
        rows = [(i, t) for i, ts in targets.items() for t in ts]
        self.store.save_resolution(ids, before, links, stories, rows)
        return len(items), len(stories), _refit_weeks(before, stories, set(changed)), loaded

    def _neighbourhood(self, changed: Sequence[str]) -> tuple[set[str], list[Item]]:
        """The changed items plus every item whose links or story they can change
        (and the changed items themselves, as read).

        Direct neighbours: what they point at (old and new targets), what points at them,
        posts pointing at the same page, the other paper linking the same repo (a second
        paper makes it a shared library), titles matching within the title window. Then
        closed over stories and stored `same` links (joined or refused), so the set is whole
        stories and re-resolving it alone gives what resolving everything would.
        """
        fresh = self.store.items(changed)
        pointed = {t for it in fresh for t in resolve.targets(it)} | self.store.targets_of(changed)
        existing = self.store.existing_ids(pointed)
        ids = set(changed) | existing | self.store.items_targeting(changed)
        ids |= self.store.items_targeting(pointed - existing, posts_below_links=resolve.ROUNDUP_MIN_LINKS)
        repos = {t for t in existing if t.startswith("gh:")}
        for papers in self.store.papers_linking(repos, changed).values():
            if len(papers) <= 1:
                ids.update(papers)
        pool = self.store.title_candidates(_title_ranges(fresh))
        ids |= resolve.title_matches(fresh, pool)
        frontier = set(ids)
        while frontier:
            frontier = self.store.same_neighbours(frontier) - ids
            ids |= frontier
        return ids, fresh

    def _assign_topics(self, weeks: Iterable[str], loaded: Mapping[str, Item] | None = None) -> int:
        """Seed and emerging topics for the stories first seen in each given week, in order.

        A week is offered the seed topics and the emerging topics found in earlier weeks,
        so re-fitting a week gives what a full run (which fits the weeks in order) gives.
        Stories and items are read, and topic rows written, WEEK_BATCH weeks at a time;
        `loaded`: items this run has read already."""
        seeds = topics.seed_topics(self.config.topics)
        seed_ids = {t.id for t in seeds}
        known = [t for t in self.store.topics() if t.id not in seed_ids and not t.seed]
        origins = self.store.topic_origins()
        retired: dict[str, Topic] = {}  # found in a re-fitted week before; kept while in use
        ordered = sorted(weeks)
        for n in range(0, len(ordered), WEEK_BATCH):
            batch = ordered[n : n + WEEK_BATCH]
            stories, items = self._week_stories(batch, loaded or {})
            rows: dict[str, tuple[str, float, float]] = {}
            for week in batch:
                retired |= {t.id: t for t in known if origins.get(t.id) == week}
                known = [t for t in known if origins.get(t.id) != week]
                earlier = [t for t in known if origins.get(t.id, "") < week]
                found = self._assign_week(stories[week], items, [*seeds, *earlier], earlier, rows)
                for t in found:
                    origins[t.id] = min(origins.get(t.id, week), week)
                known = list({t.id: t for t in [*known, *found]}.values())  # ids stay stable
            if rows:
                self.store.save_story_topics(rows)
        known_ids = {t.id for t in known}
        unused = [t for t in retired.values() if t.id not in known_ids]
        self.store.save_topics([*seeds, *known, *unused], origins)
        return len(self.store.topics())

    def _week_stories(
        self, weeks: Sequence[str], loaded: Mapping[str, Item]
    ) -> tuple[dict[str, list[Story]], dict[str, Item]]:
        """The stories first seen in each week ("" = undated) and all their items, read at once."""
        found = self.store.stories_first_seen([select.parse_week(w) if w else None for w in weeks])
        stories: dict[str, list[Story]] = {w: [] for w in weeks}
        for s in found:
            stories[_topic_batch(s.first_seen)].append(s)
        wanted = [i for s in found for i in s.item_ids]
        items = {i: loaded[i] for i in wanted if i in loaded}
        items |= {it.id: it for it in self.store.items([i for i in wanted if i not in items])}
        return stories, items

    def _assign_week(
        self,
        stories: list[Story],
        items: Mapping[str, Item],
        topic_list: list[Topic],
        earlier: list[Topic],
        rows: dict[str, tuple[str, float, float]],
    ) -> list[Topic]:
        """Assign one week's stories (into `rows`); return the emerging topics found among them."""
        if not stories:
            return []
        vectors = self._embeddings(stories, items, topic_list) if self.embedder else None
        assigned = topics.assign_topics(
            stories, items, topic_list, vectors, min_similarity=EMBED_MIN_SIMILARITY if vectors else None
        )
        emerging, moved = topics.emerging_topics(stories, items, assigned, earlier)
        assigned.update(moved)
        rows.update({sid: (a.topic_id, a.confidence, a.relevance) for sid, a in assigned.items()})
        return emerging

    def _embeddings(
        self, stories: Sequence[Story], items: Mapping[str, Item], topic_list: Sequence[Topic]
    ) -> tuple[Any, Any] | None:
        """Story and topic vectors from the endpoint, cached by content hash; None on failure."""
        import numpy as np

        assert self.embedder is not None
        model = self.embedder.model
        texts = [topics.story_text(s, items)[:4000] for s in stories] + topics.topic_texts(topic_list)
        keys = [hashlib.sha256(t.encode()).hexdigest()[:32] for t in texts]
        cached = self.store.cached_embeddings(keys, model)
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in cached}
        if missing:
            try:
                fresh = dict(zip(missing, self.embedder.embed(list(missing.values())), strict=True))
            except LLMError as e:
                log.warning("embeddings unavailable (%s): topics use TF-IDF this time", e)
                return None
            self.store.save_embeddings(fresh, model)
            cached.update(fresh)
        matrix = np.array([cached[k] for k in keys], dtype=np.float32)
        return matrix[: len(stories)], matrix[len(stories) :]

    # -- digest ------------------------------------------------------------------

    def latest_week(self) -> str | None:
        rng = self.store.date_range()
        return select.week_of(rng[1]) if rng else None

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
    ) -> Digest:
        """Rank, summarize and select the stories of one ISO week; save and render it.

        use_llm: None = when an LLM is configured; False = extractive only.
        save: False = a preview: nothing stored, no page written (what is published stays).
        """
        self._use_llm = self.llm is not None and use_llm is not False
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
            start, end = select.parse_week(week)
        except ValueError as e:
            raise HubError(str(e)) from e
        ctx = self._week_context(start, end)
        if not ctx.stories:
            raise NotFoundError(f"no items published in {week} (data covers {self._coverage()})")
        digest = self._build_digest(week, ctx, limit or self.config.digest.limit, progress or _noop)
        if not save:
            return digest
        self.store.save_digest(digest)
        if write_page:
            site.write_digest_page(self.config, digest)
        return digest

    def _coverage(self) -> str:
        rng = self.store.date_range()
        return f"{select.week_of(rng[0])} to {select.week_of(rng[1])}" if rng else "nothing"

    def week_context(self, week: str) -> WeekContext:
        """Everything one ISO week's digest reads: its stories, items, observations, topics."""
        start, end = select.parse_week(week)
        return self._week_context(start, end)

    def _week_context(self, start: dt.datetime, end: dt.datetime) -> WeekContext:
        story_ids = self.store.story_ids_in_window(start, end)
        stories = self.store.stories(story_ids)
        item_ids = [i for s in stories for i in s.item_ids]
        items = {it.id: it for it in self.store.items(item_ids)}
        obs = self.store.observations(item_ids)
        assigned = self.store.story_topics(story_ids)
        mentions = self._mentions(stories, end)
        return WeekContext(start, end, stories, items, obs, assigned, mentions)

    def _mentions(self, stories: Sequence[Story], end: dt.datetime) -> dict[str, set[str]]:
        """Per story, the sources of other items that mention it (roundups, newsletters)
        published before the week ends: they count as independent sources."""
        story_of = {i: s.id for s in stories for i in s.item_ids}
        links = [
            ln
            for ln in self.store.links(list(story_of))
            if ln.relation == "mentions" and ln.dst in story_of and story_of.get(ln.src) != story_of[ln.dst]
        ]
        srcs = {
            it.id: it.source
            for it in self.store.items(sorted({ln.src for ln in links}))
            if it.published_at is None or it.published_at < end
        }
        out: dict[str, set[str]] = {}
        for ln in links:
            if ln.src in srcs:
                out.setdefault(story_of[ln.dst], set()).add(srcs[ln.src])
        return out

    def rank_week(self, ctx: WeekContext) -> list[Score]:
        """Every story of the week, best first, with its score breakdown."""
        return rank.rank_stories(
            ctx.stories,
            ctx.items,
            ctx.observations,
            ctx.assignments(),
            week_start=ctx.start,
            week_end=ctx.end,
            weights=self.config.rank.weights,
            interests=self.config.interests,
            topic_weights={t.id: t.weight for t in self.config.topics},
            mentions=ctx.mentions,
        )

    def choose_week(self, ctx: WeekContext, limit: int | None = None) -> list[Score]:
        """The digest's stories, best first: the top `limit` with the papers quota."""
        is_paper = {
            s.id: (lead := ctx.items.get(s.lead_item)) is not None and lead.kind == "paper"
            for s in ctx.stories
        }
        cfg = self.config.digest
        ranked = self.rank_week(ctx)
        return select.choose(ranked, is_paper, limit or cfg.limit, cfg.min_papers, cfg.max_papers)

    def _build_digest(self, week: str, ctx: WeekContext, limit: int, progress: Progress) -> Digest:
        topic_list = {t.id: t for t in self.topic_list()}
        assignments = ctx.assignments()
        ranked = self.choose_week(ctx, limit)
        by_id = {s.id: s for s in ctx.stories}
        chosen = [by_id[sc.story_id] for sc in ranked]
        with self.store.transaction():  # one commit for the cached summaries, not one per story
            summaries = {s.id: self.summarize(s, ctx.items, ctx.observations) for s in chosen}
        if self._use_llm:
            summaries.update(self._llm_summaries(chosen, ctx.items, progress))
        this = self.store.topic_story_counts(ctx.start, ctx.end)
        last = self.store.topic_story_counts(ctx.start - dt.timedelta(days=7), ctx.start)
        if not select.comparable(this, last):
            last = {}  # a sparsely covered week would make every topic look "rising"
        counts = select.topic_counts(this, last, topic_list)
        stats = select.week_stats(ctx.stories, ctx.items, ctx.start, ctx.end)
        stats["last_week_stories"] = sum(last.values())
        topic_of = {sid: a.topic_id for sid, a in assignments.items()}
        digest = select.select_digest(
            week,
            ranked,
            by_id,
            ctx.items,
            topic_of,
            topic_list,
            summaries,
            counts=counts,
            stats=stats,
        )
        if self._use_llm and digest.stories:
            digest = self._llm_lead(digest)
            digest = self._llm_topic_intros(digest)
        return digest

    def summarize(
        self, story: Story, items: Mapping[str, Item], observations: Mapping[str, Sequence[Observation]]
    ) -> Summary:
        """Extractive summary, cached by the story's content hash."""
        key = hashlib.sha256(
            "\x1f".join(
                f"{i}:{items[i].title}:{items[i].text}" for i in story.item_ids if i in items
            ).encode()
        ).hexdigest()[:20]
        if cached := self.store.cached_summary(story.id, key, "extractive"):
            return cached
        summary = summarize.extractive_summary(story, items, observations)
        self.store.save_summary(summary, key)
        return summary

    def _llm_summaries(
        self, stories: Sequence[Story], items: Mapping[str, Item], progress: Progress
    ) -> dict[str, Summary]:
        """One LLM call per story (cached, budgeted, concurrent); failures stay extractive."""
        assert self.llm is not None
        client, budget = self.llm, self.config.llm.max_tokens_per_run
        out: dict[str, Summary] = {}
        todo = []
        for s in stories:
            key = llm.content_key(s, items, client.model)
            if cached := self.store.cached_summary(s.id, key, f"llm:{client.model}"):
                out[s.id] = cached
            else:
                todo.append((s, key))
        report = {"cached": len(out), "calls": 0, "fallbacks": 0, "tokens": 0, "budget_stop": False}
        with ThreadPoolExecutor(max_workers=self.config.llm.max_concurrency) as pool:
            pending = []
            for s, key in todo:
                if report["tokens"] + llm.estimate_tokens(llm.story_payload(s, items)) > budget:
                    report["budget_stop"] = True
                    break
                report["tokens"] += llm.estimate_tokens(llm.story_payload(s, items)) + 200
                pending.append((s, key, pool.submit(llm.summarize_story, client, s, items)))
            for n, (s, key, fut) in enumerate(pending, 1):
                self._record_llm(s, key, fut, out, report)
                progress("llm", n, len(pending))
        self.llm_report = report
        return out

    def _record_llm(
        self, story: Story, key: str, fut: Any, out: dict[str, Summary], report: dict[str, Any]
    ) -> None:
        assert self.llm is not None
        model = self.llm.model
        report["calls"] += 1
        try:
            summary, done = fut.result()
        except LLMError as e:
            report["fallbacks"] += 1
            self.store.log_llm_call(model, key, story.id, 0, 0, 0.0, 0.0, f"fallback: {e}")
            return
        self.store.log_llm_call(
            model, key, story.id, done.tokens_in, done.tokens_out, 0.0, done.latency_ms, "ok"
        )
        self.store.save_summary(summary, key, done.tokens_in, done.tokens_out)
        out[story.id] = summary

    def _llm_lead(self, digest: Digest) -> Digest:
        """One call for the lead paragraph; the extractive lead stays if it fails."""
        assert self.llm is not None
        top = digest.stories[:10]
        key = hashlib.sha256(
            f"{llm.PROMPT_VERSION}{self.llm.model}{llm.lead_payload(top)}".encode()
        ).hexdigest()[:24]
        lead_id = f"lead:{digest.week}"
        if cached := self.store.cached_summary(lead_id, key, f"llm:{self.llm.model}"):
            return replace(digest, lead=cached.text)
        if self.llm_report.get("budget_stop"):
            return digest
        try:
            text, done = llm.digest_lead(self.llm, top)
        except LLMError as e:
            self.store.log_llm_call(self.llm.model, key, lead_id, 0, 0, 0.0, 0.0, f"fallback: {e}")
            return digest
        self.store.log_llm_call(
            self.llm.model, key, lead_id, done.tokens_in, done.tokens_out, 0.0, done.latency_ms, "ok"
        )
        self.store.save_summary(Summary(lead_id, text, (), f"llm:{self.llm.model}"), key)
        self.llm_report["calls"] = self.llm_report.get("calls", 0) + 1
        return replace(digest, lead=text)

    def _llm_topic_intros(self, digest: Digest) -> Digest:
        """One call per topic section with at least two stories; cached; failures skip the intro."""
        assert self.llm is not None
        groups: dict[str, list[Any]] = {}
        for s in digest.stories:
            groups.setdefault(s.topic, []).append(s)
        intros: dict[str, str] = {}
        for topic, stories in groups.items():
            if len(stories) < 2 or topic == topics.OTHER.id:
                continue
            payload = f"{llm.PROMPT_VERSION}{self.llm.model}{topic}{llm.lead_payload(stories)}"
            key = hashlib.sha256(payload.encode()).hexdigest()[:24]
            ident = f"topic:{digest.week}:{topic}"
            if cached := self.store.cached_summary(ident, key, f"llm:{self.llm.model}"):
                intros[topic] = cached.text
                continue
            if self.llm_report.get("budget_stop"):
                break
            try:
                text, done = llm.topic_intro(self.llm, stories[0].topic_name, stories)
            except LLMError as e:
                self.store.log_llm_call(self.llm.model, key, ident, 0, 0, 0.0, 0.0, f"fallback: {e}")
                continue
            self.store.log_llm_call(
                self.llm.model, key, ident, done.tokens_in, done.tokens_out, 0.0, done.latency_ms, "ok"
            )
            self.store.save_summary(Summary(ident, text, (), f"llm:{self.llm.model}"), key)
            self.llm_report["calls"] = self.llm_report.get("calls", 0) + 1
            intros[topic] = text
        return replace(digest, topic_intros=intros)

    def plan_llm_calls(self, week: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """The LLM calls a digest would make (dry run): nothing is sent."""
        self.analyze()
        week = week or self.latest_week()
        if week is None:
            raise NotFoundError("the database holds no items yet")
        start, end = select.parse_week(week)
        ctx = self._week_context(start, end)
        ranked = self.choose_week(ctx, limit)
        by_id = {s.id: s for s in ctx.stories}
        return llm.planned_calls([by_id[sc.story_id] for sc in ranked], ctx.items)

    # -- publishing --------------------------------------------------------------

    def write_site(self) -> list[Path]:
        """Every page and feed from the stored digests (the site's docs_dir)."""
        digests = self.store.digests()
        return site.write_site(self.config, digests) + feeds.write_feeds(self.config, digests)

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
        """Full-text search over titles, abstracts/texts and summaries (BM25, offline).
        A stale index is first brought up to date (only the changed items)."""
        if not query.strip():
            raise HubError("an empty query finds nothing: give some words")
        return self.store.search(query, kind=kind, topic=topic, since=since, limit=limit, progress=progress)

    def update_search_index(self, progress: Progress | None = None) -> dict[str, int]:
        """Re-index what changed since the last search (the weekly job runs it after a digest)."""
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


class WeekContext:
    """Everything one week's digest reads from the store."""

    def __init__(
        self,
        start: dt.datetime,
        end: dt.datetime,
        stories: list[Story],
        items: dict[str, Item],
        observations: dict[str, list[Observation]],
        assigned: dict[str, tuple[str, float, float]],
        mentions: dict[str, set[str]] | None = None,
    ) -> None:
        self.start, self.end = start, end
        self.stories, self.items = stories, items
        self.observations, self.assigned = observations, assigned
        self.mentions = mentions or {}  # story id -> sources of items mentioning it

    def assignments(self) -> dict[str, topics.TopicAssignment]:
        return {sid: topics.TopicAssignment(t, c, r) for sid, (t, c, r) in self.assigned.items()}


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
