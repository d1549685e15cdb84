"""Rank: one scale for every kind of story, from evidence that it mattered this week.

Evidence, each a probability-like value 0..1:
  hn, hf, reddit, github   engagement as a percentile *within its own source* over the
                           trailing window (HN points among HN stories, HF upvotes among
                           HF papers, trending days among trending repos), so a top HN
                           launch and a top HF paper compare fairly
  newsletters              curation: newsletters, blogs and roundups that link or name the
                           story (in an issue's title counts most), weighted by how curated
                           the mentioning source is
  paper                    for papers, a content prior (LLM/agent/reasoning focus, team
                           size) standing in for the social signal most papers never get
Evidence combines as a noisy-or (several independent signals add up, none can exceed 1);
the same paper on arXiv and on HF is one source. Then multipliers, never fixed points:
AI relevance (a gate), the reader's topic priority and interests, novelty, recency.
The breakdown holds each evidence's share and each multiplier's effect, and sums to the
total, so "why is this here" is exact. Pure: values in, values out.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from hub.analysis.topics import TopicAssignment
from hub.config import InterestsConfig
from hub.types import Item, Observation, Score, Story

# Evidence per source: (item source, metric) whose best value in the week counts.
_SOCIAL = {
    "hn_points": ("hn", "points"),
    "hn_comments": ("hn", "comments"),
    "hf_upvotes": ("hf", "upvotes"),
    "reddit_score": ("reddit", "score"),
}
RELEVANCE_FLOOR, RELEVANCE_FULL = 0.3, 0.5  # AI relevance gate: 0 below the floor, 1 from 0.5 (the AI line)
TOPIC_SPAN = 0.15  # the reader's topic priority moves a score by at most 30 %
INTEREST_SPAN = 0.3  # ... and a boosted keyword/author/topic by at most 30 %
MUTE_FACTOR = 0.05
RERUN_FACTOR = 0.5  # a re-run of something seen before this week
RECENCY_SPAN = 0.05
PAPER_PRIOR_MAX = 0.5  # the best paper without any social signal ~ a median HN story
# A newsletter issue links hundreds of pages; its title names one or two and its summary a
# handful (the top few percent, which on the engagement scale would score > 0.95). Kept
# below that, as a name match can be wrong; a link or a name in the body is one of hundreds.
CURATION_TITLE = 0.8  # named in a newsletter issue's title: its headline
CURATION_HIGHLIGHT = 0.7  # named in its summary: the highlights
CURATION_BODY = 0.35  # linked or named in its body
MAX_EVIDENCE = 0.999


@dataclass(frozen=True, slots=True)
class Mention:
    """A curated post (newsletter issue, roundup) that links or names a story."""

    item_id: str
    source: str
    in_title: bool
    curation: float = 1.0  # how curated the mentioning source is, 0..1
    highlight: bool = False  # named in the post's own summary (its highlights), not its title
    times: int = 1  # places in its body that name it


@dataclass(frozen=True)
class Baseline:
    """Per evidence name, the sorted values of the trailing window it is ranked against."""

    values: Mapping[str, Sequence[float]] = field(default_factory=dict)

    def percentile(self, name: str, value: float) -> float:
        """Mid-rank percentile of `value` among the window's values (0 for no signal)."""
        vals = self.values.get(name, ())
        if value <= 0 or not vals:
            return 0.0
        below = bisect.bisect_left(vals, value)
        equal = bisect.bisect_right(vals, value) - below
        n = len(vals) + (0 if equal else 1)  # a value outside the window counts itself
        return min(1.0, (below + 0.5 * max(equal, 1)) / n)


def trending_value(days: int, best_rank: float) -> float:
    """GitHub trending: days on the page this week, the best position breaking ties."""
    return days + 0.9 * max(0.0, 1 - (best_rank - 1) / 25) if days else 0.0


def baseline_from_rows(rows: Sequence[tuple[str, str, str, float, float, int]]) -> Baseline:
    """The store's per-item engagement rows (source, item, metric, max, min, days) -> Baseline."""
    values: dict[str, list[float]] = {}
    for source, _item, metric, best, low, days in rows:
        for name, (src, met) in _SOCIAL.items():
            if source == src and metric == met and best > 0:
                values.setdefault(name, []).append(best)
        if metric == "trending_rank":
            values.setdefault("github_trending", []).append(trending_value(days, low))
        elif metric == "stars" and best > low:
            values.setdefault("github_stars", []).append(best - low)
    return Baseline({k: sorted(v) for k, v in values.items()})


def baseline_from_observations(
    items: Mapping[str, Item],
    observations: Mapping[str, Sequence[Observation]],
    start: dt.datetime,
    end: dt.datetime,
) -> Baseline:
    """The Baseline of the items published in [start, end), from their observations (what
    the store's `engagement_baseline` computes in SQL; for tests and library users)."""
    rows = []
    for iid, obs in observations.items():
        it = items.get(iid)
        if it is None or it.published_at is None or not start <= it.published_at < end:
            continue
        for metric in {o.metric for o in obs}:
            seen = [o for o in obs if o.metric == metric and o.observed_at < end]
            if seen:
                values = [o.value for o in seen]
                days = len({o.observed_at.date() for o in seen})
                rows.append((it.source, iid, metric, max(values), min(values), days))
    return baseline_from_rows(rows)


def _best(obs: Sequence[Observation], metric: str, end: dt.datetime) -> float:
    return max((o.value for o in obs if o.metric == metric and o.observed_at < end), default=0.0)


def _raw_social(
    story: Story, items: Mapping[str, Item], obs: Mapping[str, Sequence[Observation]], end: dt.datetime
) -> dict[str, float]:
    raw = dict.fromkeys(_SOCIAL, 0.0)
    for iid in story.item_ids:
        it = items.get(iid)
        for name, (source, metric) in _SOCIAL.items():
            if it is not None and it.source == source:
                raw[name] = max(raw[name], _best(obs.get(iid, ()), metric, end))
    return raw


def _raw_github(
    story: Story, obs: Mapping[str, Sequence[Observation]], start: dt.datetime, end: dt.datetime
) -> dict[str, float]:
    days: set[dt.date] = set()
    best_rank, stars = math.inf, []
    for iid in story.item_ids:
        for o in obs.get(iid, ()):
            if not start <= o.observed_at < end:
                continue
            if o.metric == "trending_rank":
                days.add(o.observed_at.date())
                best_rank = min(best_rank, o.value)
            elif o.metric == "stars":
                stars.append(o.value)
    return {
        "github_trending": trending_value(len(days), best_rank),
        "github_stars": max(stars) - min(stars) if stars else 0.0,
    }


def engagement(
    raw: Mapping[str, float], baseline: Baseline, weights: Mapping[str, float]
) -> dict[str, float]:
    """Percentiles within each source, one value per platform (points and comments are one
    HN signal; trending days and stars gained one GitHub signal)."""
    pct = {k: baseline.percentile(k, v) for k, v in raw.items()}

    def blend(a: str, b: str) -> float:
        wa, wb = weights.get(a, 1.0), weights.get(b, 0.5)
        return (wa * pct.get(a, 0.0) + wb * pct.get(b, 0.0)) / (wa + wb) if wa + wb > 0 else 0.0

    hn = max(pct["hn_points"], blend("hn_points", "hn_comments")) if pct["hn_points"] else 0.0
    gh = max(pct["github_trending"], blend("github_trending", "github_stars"))
    return {"hn": hn, "hf": pct["hf_upvotes"], "reddit": pct["reddit_score"], "github": gh}


BODY_TIMES = 3  # named this often in one post's body counts fully
BODY_REPEAT = 0.5  # each further naming counts half a mention more


def body(times: int) -> float:
    """A body mention's strength: more for a story an issue names in several places."""
    return 1 - float((1 - CURATION_BODY) ** (1 + BODY_REPEAT * (min(max(times, 1), BODY_TIMES) - 1)))


def curation(mentions: Sequence[Mention]) -> float:
    """Noisy-or over the distinct curated posts mentioning a story."""
    miss = 1.0
    for m in {m.item_id: m for m in mentions}.values():
        strength = CURATION_TITLE if m.in_title else CURATION_HIGHLIGHT if m.highlight else body(m.times)
        miss *= 1 - m.curation * strength
    return 1 - miss


# Words that make a paper an AI-engineering paper (LLMs, agents, reasoning, retrieval...).
ENGINEERING = re.compile(
    r"\b(llms?|large language models?|language models?|reasoning|agents?|agentic|rag|retrieval-augmented|"
    r"chain-of-thought|reinforcement learning|rl|instruction|fine-?tun\w*|prompt\w*|tool use|"
    r"inference|alignment|multi-agent|code generation|benchmark\w*|r1|gpt[\w.-]*)\b",
    re.IGNORECASE,
)
TEAM_FULL = 20  # authors at which the team-size part of the paper prior is full
FOCUS_TITLE_CAP = 2  # engineering words in the title that still add to the focus
FOCUS_TEXT_CAP = 9  # ... and in the abstract


def paper_focus(title: str, text: str) -> float:
    """0..1: how much a paper is about LLMs, agents, reasoning... — half from its title,
    half from its abstract, each graded up to a cap so long abstracts don't win alone."""
    in_title = min(len(ENGINEERING.findall(title)), FOCUS_TITLE_CAP) / FOCUS_TITLE_CAP
    in_text = min(len(ENGINEERING.findall(text)), FOCUS_TEXT_CAP) / FOCUS_TEXT_CAP
    return round((in_title + in_text) / 2, 4)


def paper_prior(story: Story, items: Mapping[str, Item], weights: Mapping[str, float]) -> float:
    """Papers: content evidence (focus, team size) in place of the social signal they lack."""
    paper = items.get(story.lead_item)
    if paper is None or paper.kind != "paper":
        return 0.0
    focus = paper_focus(paper.title, paper.text)
    team = math.sqrt(min(len(paper.authors), TEAM_FULL) / TEAM_FULL)
    wf, wt = weights.get("paper_focus", 0.4), weights.get("paper_team", 0.4)
    if wf + wt <= 0:
        return 0.0
    return PAPER_PRIOR_MAX * (wf * focus + wt * team) / (wf + wt)


def combine(evidence: Mapping[str, float]) -> dict[str, float]:
    """Noisy-or of the evidence; each one's share of the total in proportion to -log(1 - p)."""
    logs = {k: -math.log(1 - min(v, MAX_EVIDENCE)) for k, v in evidence.items() if v > 0}
    if not logs:
        return {}
    total = 1 - math.exp(-sum(logs.values()))
    return {k: total * lg / sum(logs.values()) for k, lg in logs.items()}


EMERGING_TOPIC_WEIGHT = 0.5  # an emerging cluster: AI work outside the reader's seed topics


def topic_weight(topic_id: str, weights: Mapping[str, float]) -> float:
    """The reader's priority for a topic (hub.toml `[[topics]] weight`), 0..1."""
    if topic_id in weights:
        return weights[topic_id]
    return EMERGING_TOPIC_WEIGHT if topic_id.startswith("emerging-") else 0.0


def _interest_factor(story: Story, items: Mapping[str, Item], topic: str, cfg: InterestsConfig) -> float:
    members = [items[i] for i in story.item_ids if i in items]
    text = " ".join(f"{it.title} {it.text}" for it in members).lower()
    authors = {a.lower() for it in members for a in it.authors}
    if any(k.lower() in text for k in cfg.mute_keywords) or topic in cfg.mute_topics:
        return MUTE_FACTOR
    hits = sum(1 for k in cfg.boost_keywords if k.lower() in text)
    hits += sum(1 for a in cfg.boost_authors if a.lower() in authors)
    hits += 1 if topic in cfg.boost_topics else 0
    return 1 + INTEREST_SPAN * min(hits, 2) / 2


def novelty(story: Story, start: dt.datetime) -> float:
    """0 for a re-run: first seen well before this week, or an old arXiv id re-listed."""
    if story.first_seen is not None and story.first_seen < start - dt.timedelta(days=2):
        return 0.0
    lead = story.lead_item
    if re.match(r"^(arxiv|hf):\d{4}\.", lead):
        yymm = int(lead.split(":", 1)[1][:4])
        year, month = 2000 + yymm // 100, yymm % 100
        if (start.year - year) * 12 + start.month - month > 3:
            return 0.0
    return 1.0


def _recency(story: Story, items: Mapping[str, Item], start: dt.datetime, end: dt.datetime) -> float:
    dates = [
        t
        for i in story.item_ids
        if i in items and (t := items[i].published_at) is not None and start <= t < end
    ]
    return (min(dates) - start) / (end - start) if dates else 0.0


def relevance_gate(relevance: float) -> float:
    return min(1.0, max(0.0, (relevance - RELEVANCE_FLOOR) / (RELEVANCE_FULL - RELEVANCE_FLOOR)))


@dataclass(frozen=True)
class WeekSignals:
    """What ranking needs beyond the stories: the window's baselines and the mentions."""

    start: dt.datetime
    end: dt.datetime
    baseline: Baseline = field(default_factory=Baseline)
    mentions: Mapping[str, Sequence[Mention]] = field(default_factory=dict)


def evidence(
    story: Story,
    items: Mapping[str, Item],
    obs: Mapping[str, Sequence[Observation]],
    week: WeekSignals,
    weights: Mapping[str, float],
) -> dict[str, float]:
    """The story's evidence values (0..1) before they are combined."""
    raw = _raw_social(story, items, obs, week.end) | _raw_github(story, obs, week.start, week.end)
    ev = engagement(raw, week.baseline, weights)
    ev = {k: v * weights.get(k, 1.0) for k, v in ev.items()}
    ev["newsletters"] = curation(week.mentions.get(story.id, ())) * weights.get("newsletters", 1.0)
    ev["paper"] = paper_prior(story, items, weights)
    return ev


def factors(
    story: Story,
    items: Mapping[str, Item],
    assignment: TopicAssignment | None,
    week: WeekSignals,
    interests: InterestsConfig,
    topic_weights: Mapping[str, float],
) -> dict[str, float]:
    """Multipliers, applied in this order: relevance, topic, interests, novelty, recency."""
    topic = assignment.topic_id if assignment else ""
    return {
        "relevance": relevance_gate(assignment.relevance if assignment else 0.0),
        "topic": 1 - TOPIC_SPAN + TOPIC_SPAN * topic_weight(topic, topic_weights),
        "interests": _interest_factor(story, items, topic, interests),
        "novelty": 1.0 if novelty(story, week.start) else RERUN_FACTOR,
        "recency": 1 - RECENCY_SPAN + RECENCY_SPAN * _recency(story, items, week.start, week.end),
    }


def score_story(story_id: str, ev: Mapping[str, float], mult: Mapping[str, float]) -> Score:
    """Total = combined evidence x multipliers; the breakdown records each evidence's share
    and each multiplier's effect (its change to the running total), so it sums to the total."""
    breakdown = dict(combine(ev))
    running = sum(breakdown.values())
    for name, f in mult.items():
        after = running * f
        if after != running:
            breakdown[f"x_{name}"] = after - running
        running = after
    breakdown = {k: round(v, 6) for k, v in breakdown.items() if round(v, 6) != 0}
    return Score(story_id, round(sum(breakdown.values()), 6), breakdown)


def rank_stories(
    stories: Sequence[Story],
    items: Mapping[str, Item],
    observations: Mapping[str, Sequence[Observation]],
    topics: Mapping[str, TopicAssignment],
    *,
    week: WeekSignals,
    weights: Mapping[str, float],
    interests: InterestsConfig,
    topic_weights: Mapping[str, float] | None = None,
) -> list[Score]:
    """Scores best first; ties broken by story id so the order is reproducible."""
    scores = [
        score_story(
            s.id,
            evidence(s, items, observations, week, weights),
            factors(s, items, topics.get(s.id), week, interests, topic_weights or {}),
        )
        for s in stories
    ]
    return sorted(scores, key=lambda sc: (-sc.total, sc.story_id))
