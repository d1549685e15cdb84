"""Digest building: one ISO week's stories ranked, chosen, summarized (extractive or LLM).

Owns *how* a digest is made from the store (reading the week, ranking every story,
choosing the digest's stories, caching summaries, the LLM calls and their budget); the
decisions are the pure functions of `hub.analysis.rank`, `hub.digest.select` and
`hub.analysis.summarize`. `Hub.digest` builds a `DigestBuilder` per call.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from hub.analysis import events, llm, rank, resolve, summarize, topics
from hub.config import DIGEST_MAX_STORIES, Config
from hub.digest import lead, select
from hub.exceptions import LLMError, UsageError
from hub.types import Digest, Item, Observation, Score, Story, Summary, Topic
from hub.weeks import canonical_week, parse_week, week_of

if TYPE_CHECKING:
    from hub.store import Store

Progress = Callable[[str, int, int], None]
EXTRACTIVE_VERSION = "3"  # bump when extractive summaries change: cached ones are made again
BASELINE_WINDOW = dt.timedelta(days=28)  # engagement is ranked within its source over this window
EARLIER_GAP = dt.timedelta(days=3)  # newsletter issues this long before the week are "earlier" ones


class WeekContext:
    """Everything one week's digest reads from the store, with the week's events grouped
    and the curated posts (newsletter issues, roundups) set aside as evidence."""

    def __init__(
        self,
        start: dt.datetime,
        end: dt.datetime,
        stories: list[Story],
        items: dict[str, Item],
        observations: dict[str, list[Observation]],
        assigned: dict[str, tuple[str, float, float]],
        signals: rank.WeekSignals | None = None,
        curated: Sequence[Item] = (),
    ) -> None:
        self.start, self.end = start, end
        self.stories, self.items = stories, items
        self.observations, self.assigned = observations, assigned
        self.signals = signals or rank.WeekSignals(start, end)
        self.curated = list(curated)  # the week's newsletter issues and roundups

    @property
    def mentions(self) -> Mapping[str, Sequence[rank.Mention]]:
        return self.signals.mentions

    def assignments(self) -> dict[str, topics.TopicAssignment]:
        return {sid: topics.TopicAssignment(t, c, r) for sid, (t, c, r) in self.assigned.items()}


class DigestBuilder:
    """Builds digests from one store with one config (and optionally an LLM client)."""

    def __init__(
        self,
        store: Store,
        config: Config,
        topic_list: Callable[[], Sequence[Topic]],
        llm_client: llm.LLMClient | None = None,
        use_llm: bool = False,
    ) -> None:
        self.store, self.config, self.llm = store, config, llm_client
        self._topic_list = topic_list  # read only when a digest is built (it reads the store)
        self._use_llm = use_llm and llm_client is not None
        self.llm_report: dict[str, Any] = {}
        self.week_ranking: list[Score] = []

    def coverage(self) -> str:
        rng = self.store.date_range()
        return f"{week_of(rng[0])} to {week_of(rng[1])}" if rng else "nothing"

    def week_context(self, week: str) -> WeekContext:
        """Everything one ISO week's digest reads: its stories, items, observations, topics."""
        start, end = parse_week(week)
        return self._week_context(start, end)

    def _week_context(self, start: dt.datetime, end: dt.datetime) -> WeekContext:
        story_ids = self.store.story_ids_in_window(start, end)
        stories = self.store.stories(story_ids)
        item_ids = [i for s in stories for i in s.item_ids]
        items = {it.id: it for it in self.store.items(item_ids)}
        obs = self.store.observations(item_ids)
        assigned = self.store.story_topics(story_ids)
        shares = events.curated_sources(items.values())
        curated = events.curated_items(items.values(), shares)
        curated_ids = {c.id for c in curated}
        stories = [s for s in stories if not curated_ids.issuperset(s.item_ids)]
        index = events.NameIndex([items[i].title for i in s.item_ids if i in items] for s in stories)
        in_week = [it for it in items.values() if it.id not in curated_ids]
        joins = [*events.same_event_links(in_week, index), *events.paper_post_links(in_week, index)]
        stories = events.group_events(stories, joins)
        sources = {c.source for c in curated}
        # issues of the days just before the week cover what it lists later (a model blogged
        # on Friday, its paper on arXiv on Monday): they raise this week's stories too
        lead_ids = self.store.post_ids_in_window(start - EARLIER_GAP, start, sources)
        raising = [*curated, *(self.store.items(lead_ids) if lead_ids else [])]
        linked = self._linked_by(stories, items, raising)
        earlier_ids = self.store.post_ids_in_window(start - BASELINE_WINDOW, start - EARLIER_GAP, sources)
        earlier = self.store.items(earlier_ids) if earlier_ids else []
        usual = events.NewsletterWords(curated, earlier)
        mentions = events.name_mentions(stories, items, raising, index, shares, linked, usual)
        baseline = rank.baseline_from_rows(self.store.engagement_baseline(end - BASELINE_WINDOW, end))
        signals = rank.WeekSignals(start, end, baseline, mentions)
        return WeekContext(start, end, stories, items, obs, assigned, signals, curated)

    def _linked_by(
        self, stories: Sequence[Story], items: Mapping[str, Item], curated: Sequence[Item]
    ) -> dict[str, set[str]]:
        """Per story, the curated posts of the week that link one of its items or the page
        one of its posts points at (a newsletter links the article, HN discusses it)."""
        story_of: dict[str, str] = {}
        for s in stories:
            for i in s.item_ids:
                story_of.setdefault(i, s.id)
                if i in items and items[i].kind in ("post", "thread"):
                    for t in resolve.targets(items[i]):
                        story_of.setdefault(t, s.id)
        out: dict[str, set[str]] = {}
        for c in curated:
            for t in resolve.targets(c):
                if (sid := story_of.get(t)) is not None:
                    out.setdefault(sid, set()).add(c.id)
        return out

    def rank_week(self, ctx: WeekContext) -> list[Score]:
        """Every story of the week, best first, with its score breakdown."""
        return rank.rank_stories(
            ctx.stories,
            ctx.items,
            ctx.observations,
            ctx.assignments(),
            week=ctx.signals,
            weights=self.config.rank.weights,
            interests=self.config.interests,
            topic_weights={t.id: t.weight for t in self.config.topics},
        )

    def choose_week(
        self, ctx: WeekContext, limit: int | None = None, ranked: Sequence[Score] | None = None
    ) -> list[Score]:
        """The digest's stories, best first: the top `limit` of any kind with a score (within
        the optional papers bounds)."""
        is_paper = {
            s.id: (head := ctx.items.get(s.lead_item)) is not None and head.kind == "paper"
            for s in ctx.stories
        }
        cfg = self.config.digest
        scored = [sc for sc in (ranked if ranked is not None else self.rank_week(ctx)) if sc.total > 0]
        limit = stories_limit(limit, cfg.limit)
        return select.choose(scored, is_paper, limit, cfg.min_papers, cfg.max_papers)

    def build(self, week: str, ctx: WeekContext, limit: int, progress: Progress) -> Digest:
        topic_list = {t.id: t for t in self._topic_list()}
        assignments = ctx.assignments()
        self.week_ranking = self.rank_week(ctx)  # every story's score, stored beside the digest
        ranked = self.choose_week(ctx, limit, self.week_ranking)
        by_id = {s.id: s for s in ctx.stories}
        chosen = [by_id[sc.story_id] for sc in ranked]
        texts = self.store.enrichments([i for s in chosen for i in s.item_ids])  # what posts link
        # One commit for the cached summaries, not one per story (none on a read-only store).
        with contextlib.nullcontext() if self.store.read_only else self.store.transaction():
            summaries = {s.id: self.summarize(s, ctx.items, ctx.observations, texts) for s in chosen}
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
        digest = replace(digest, topic_intros=lead.topic_intros(digest.stories))
        if self._use_llm and digest.stories:
            digest = self._llm_lead(digest)
            digest = self._llm_topic_intros(digest)
        return digest

    def summarize(
        self,
        story: Story,
        items: Mapping[str, Item],
        observations: Mapping[str, Sequence[Observation]],
        texts: Mapping[str, str] | None = None,
    ) -> Summary:
        """Extractive summary (from the fetched article or README text where there is one),
        cached by the story's content hash and the summarizer's version."""
        texts = {i: t for i, t in (texts or {}).items() if i in story.item_ids}
        key = hashlib.sha256(
            "\x1f".join(
                [EXTRACTIVE_VERSION]
                + [
                    f"{i}:{items[i].title}:{items[i].text}:{texts.get(i, '')}"
                    for i in story.item_ids
                    if i in items
                ]
            ).encode()
        ).hexdigest()[:20]
        if cached := self.store.cached_summary(story.id, key, "extractive"):
            return cached
        summary = summarize.extractive_summary(story, items, observations, texts=texts)
        if not self.store.read_only:
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

    # -- running one week (what `Hub.digest`, `Hub.enrich` and the LLM dry run ask for) --

    def latest_week(self) -> str | None:
        """The ISO week of the newest item, or None while the store holds none."""
        rng = self.store.date_range()
        return week_of(rng[1]) if rng else None

    def resolve_week(self, week: str | None, hint: str = "") -> tuple[str, WeekContext]:
        """The week asked for (else the newest one with items) and what its digest reads;
        `hint` ends the message when the store is empty."""
        from hub.exceptions import NotFoundError

        week = canonical_week(week) if week else self.latest_week()
        if week is None:
            raise NotFoundError(f"the database holds no items yet{hint}")
        return week, self.week_context(week)

    def run(
        self, week: str | None, limit: int | None = None, progress: Progress | None = None, save: bool = True
    ) -> Digest:
        """The digest of `week` (else the newest week), built and, unless `save` is False,
        stored beside every story's score."""
        from hub.exceptions import NotFoundError

        limit = stories_limit(limit, self.config.digest.limit)
        week, ctx = self.resolve_week(week, " (run `hub import` or `hub demo`)")
        if not ctx.stories:
            raise NotFoundError(f"no items published in {week} (data covers {self.coverage()})")
        digest = self.build(week, ctx, limit, progress or _no_progress)
        if save:
            self.store.save_digest(digest, self.week_ranking)
        return digest

    def top_stories(
        self, week: str | None, limit: int, hint: str = ""
    ) -> tuple[str, WeekContext, list[Story]]:
        """The week (else the newest), what it reads, and its `limit` best-ranked stories."""
        limit = stories_limit(limit, limit)
        week, ctx = self.resolve_week(week, hint)
        top = {sc.story_id for sc in self.rank_week(ctx)[:limit]}
        return week, ctx, [s for s in ctx.stories if s.id in top]

    def planned_calls(self, week: str | None, limit: int | None = None) -> list[dict[str, Any]]:
        """The LLM calls `run` would make for the week (a dry run: nothing is sent)."""
        _, ctx = self.resolve_week(week)
        by_id = {s.id: s for s in ctx.stories}
        return llm.planned_calls([by_id[sc.story_id] for sc in self.choose_week(ctx, limit)], ctx.items)


def stories_limit(limit: int | None, default: int) -> int:
    """How many stories a digest (or an enrich run) takes: `limit`, else `default`; outside
    1..DIGEST_MAX_STORIES (as `[digest] limit`) a one-line UsageError, never a huge page."""
    if limit is None:
        return default
    if not 1 <= limit <= DIGEST_MAX_STORIES:
        raise UsageError(f"a digest holds 1 to {DIGEST_MAX_STORIES} stories (limit {limit} asked)")
    return limit


def _no_progress(stage: str, done: int, total: int) -> None:
    return None
