"""Analysis orchestration: the incremental resolve -> stories -> topics run over the store.

Owns *how* a run proceeds (which items to re-resolve, in what batches, which ISO weeks
to re-fit); the decisions themselves are the pure functions of `resolve` and `topics`.
`Hub.analyze` builds an `Analyzer` per call and runs it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from hub.analysis import resolve, topics
from hub.config import Config
from hub.exceptions import LLMError
from hub.types import AnalyzeResult, Item, Story, Topic
from hub.weeks import parse_week, week_of

if TYPE_CHECKING:
    from hub.analysis.llm import Embedder
    from hub.store import Store

Progress = Callable[[str, int, int], None]
log = logging.getLogger("hub")
EMBED_MIN_SIMILARITY = 0.2  # cosine of endpoint embeddings (denser than TF-IDF)
FIRST_RUN_BATCH = 50_000  # items a first analyze resolves at a time (bounds its memory)
ANALYZE_VERSION = 4  # bump when analysis changes its results: the next analyze is a full run
WEEK_BATCH = 8  # weeks of stories read and topic rows written at once (bounds a full run's memory)


def _noop(stage: str, done: int, total: int) -> None:
    return None


def _topic_batch(first_seen: dt.datetime | None) -> str:
    """Topics are fitted per ISO week of a story's first item ("" for undated stories)."""
    return week_of(first_seen) if first_seen else ""


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


class Analyzer:
    """One analysis run over a store: incremental after the first run."""

    def __init__(self, store: Store, config: Config, embedder: Embedder | None = None) -> None:
        self.store, self.config, self.embedder = store, config, embedder

    def _latest_week(self) -> str | None:
        rng = self.store.date_range()
        return week_of(rng[1]) if rng else None

    def topic_list(self) -> list[Topic]:
        """Seed topics from hub.toml plus the emerging ones found so far (stored)."""
        seeds = topics.seed_topics(self.config.topics)
        seen = {t.id for t in seeds}
        return seeds + [t for t in self.store.topics() if t.id not in seen]

    def run(self, progress: Progress | None = None) -> AnalyzeResult:
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
        settings = self.settings()
        stamp = self.store.analysis_stamp()
        done, done_settings = self.store.analysis_state()
        progress("analyze", 1, 4)
        loaded: dict[str, Item] = {}  # items the resolve step read, reused by the topic fitting
        if done is None or done_settings != settings:
            n_items, n_stories, weeks = self._resolve_all(progress)
        else:
            changed = self.store.changed_item_ids(done)
            if not changed:
                return AnalyzeResult(self._latest_week() or "", 0, 0, len(self.topic_list()), seconds)
            n_items, n_stories, weeks, loaded = self._resolve_changed(changed)
        seconds["resolve"] = time.perf_counter() - t0
        progress("analyze", 2, 4)
        t1 = time.perf_counter()
        n_topics = self._assign_topics(weeks, loaded)
        self.store.mark_analyzed(stamp, settings)
        seconds["topics"] = time.perf_counter() - t1
        progress("analyze", 4, 4)
        return AnalyzeResult(self._latest_week() or "", n_items, n_stories, n_topics, seconds)

    def settings(self) -> str:
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
        found = self.store.stories_first_seen([parse_week(w) if w else None for w in weeks])
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
