"""Rank: a score per story from named, normalized signals and the weights in hub.toml.

Every signal is scaled to 0..1 within the week's batch, multiplied by its weight,
and kept in the breakdown (which sums to the total) so readers can see why a story
is there. Pure: values in, values out.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Collection, Mapping, Sequence

from hub.analysis.topics import TopicAssignment
from hub.config import InterestsConfig
from hub.types import Item, Observation, Score, Story

OFF_TOPIC_BELOW = 0.3
OFF_TOPIC_FACTOR = 0.25
MUTE_PENALTY = -3.0
# signal name -> (item source, metric) whose best value in the week counts
_SOCIAL = {
    "hn_points": ("hn", "points"),
    "hn_comments": ("hn", "comments"),
    "hf_upvotes": ("hf", "upvotes"),
    "reddit_score": ("reddit", "score"),
}


def _best(obs: Sequence[Observation], metric: str, end: dt.datetime) -> float:
    values = [o.value for o in obs if o.metric == metric and o.observed_at < end]
    return max(values, default=0.0)


def _social(
    story: Story, items: Mapping[str, Item], obs: Mapping[str, Sequence[Observation]], end: dt.datetime
) -> dict[str, float]:
    raw = dict.fromkeys(_SOCIAL, 0.0)
    for iid in story.item_ids:
        it = items.get(iid)
        for name, (source, metric) in _SOCIAL.items():
            if it is not None and it.source == source:
                raw[name] = max(raw[name], _best(obs.get(iid, ()), metric, end))
    return raw


def _github(
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
    trending = 0.0
    if days:
        trending = 0.7 * len(days) / 7 + 0.3 * max(0.0, 1 - (best_rank - 1) / 25)
    return {"github_trending": trending, "github_stars": max(stars) - min(stars) if stars else 0.0}


def _interests(story: Story, items: Mapping[str, Item], topic: str, cfg: InterestsConfig) -> float:
    members = [items[i] for i in story.item_ids if i in items]
    text = " ".join(f"{it.title} {it.text}" for it in members).lower()
    authors = {a.lower() for it in members for a in it.authors}
    if any(k.lower() in text for k in cfg.mute_keywords) or topic in cfg.mute_topics:
        return MUTE_PENALTY
    score = 0.5 * sum(1 for k in cfg.boost_keywords if k.lower() in text)
    score += 0.5 * sum(1 for a in cfg.boost_authors if a.lower() in authors)
    score += 0.5 if topic in cfg.boost_topics else 0.0
    return min(score, 1.0)


def _recency(story: Story, items: Mapping[str, Item], start: dt.datetime, end: dt.datetime) -> float:
    dates = [
        t
        for i in story.item_ids
        if i in items and (t := items[i].published_at) is not None and start <= t < end
    ]
    return (min(dates) - start) / (end - start) if dates else 0.0


# Words that make a paper an AI-engineering paper (LLMs, agents, reasoning, retrieval...).
ENGINEERING = re.compile(
    r"\b(llms?|large language models?|language models?|reasoning|agents?|agentic|rag|retrieval-augmented|"
    r"chain-of-thought|reinforcement learning|rl|instruction|fine-?tun\w*|prompt\w*|tool use|"
    r"inference|alignment|multi-agent|code generation|benchmark\w*|r1|gpt[\w.-]*)\b",
    re.IGNORECASE,
)


def _novelty(story: Story, items: Mapping[str, Item], start: dt.datetime) -> float:
    """0 for a re-run: first seen well before this week, or an old arXiv id re-listed."""
    if story.first_seen is not None and story.first_seen < start - dt.timedelta(days=2):
        return 0.0
    lead = story.lead_item
    if lead.startswith("arxiv:") and re.match(r"^arxiv:\d{4}\.", lead):
        yymm = int(lead[6:10])
        year, month = 2000 + yymm // 100, yymm % 100
        if (start.year - year) * 12 + start.month - month > 3:
            return 0.0
    return 1.0


TEAM_FULL = 20  # authors at which the team-size signal is full
FOCUS_TITLE_CAP = 2  # engineering words in the title that still add to the focus
FOCUS_TEXT_CAP = 9  # ... and in the abstract


def paper_focus(title: str, text: str) -> float:
    """0..1: how much a paper is about LLMs, agents, reasoning... — half from its title,
    half from its abstract, each graded up to a cap so long abstracts don't win alone."""
    in_title = min(len(ENGINEERING.findall(title)), FOCUS_TITLE_CAP) / FOCUS_TITLE_CAP
    in_text = min(len(ENGINEERING.findall(text)), FOCUS_TEXT_CAP) / FOCUS_TEXT_CAP
    return round((in_title + in_text) / 2, 4)


def _paper_signals(story: Story, items: Mapping[str, Item]) -> dict[str, float]:
    """Papers have no social signal of their own: content proxies stand in (explained)."""
    paper = items.get(story.lead_item)
    if paper is None or paper.kind != "paper":
        return {"paper_focus": 0.0, "paper_team": 0.0}
    return {"paper_focus": paper_focus(paper.title, paper.text), "paper_team": float(len(paper.authors))}


EMERGING_TOPIC_WEIGHT = 0.5  # an emerging cluster: AI work outside the reader's seed topics


def topic_weight(topic_id: str, weights: Mapping[str, float]) -> float:
    """The reader's priority for a topic (hub.toml `[[topics]] weight`), 0..1."""
    if topic_id in weights:
        return weights[topic_id]
    return EMERGING_TOPIC_WEIGHT if topic_id.startswith("emerging-") else 0.0


def raw_signals(
    story: Story,
    items: Mapping[str, Item],
    obs: Mapping[str, Sequence[Observation]],
    assignment: TopicAssignment | None,
    start: dt.datetime,
    end: dt.datetime,
    interests: InterestsConfig,
    topic_weights: Mapping[str, float] | None = None,
    mentioned_by: Collection[str] = (),
) -> dict[str, float]:
    """Un-normalized signal values for one story. `mentioned_by`: the sources of items
    that mention it without being part of it (a newsletter linking the paper)."""
    sig = _social(story, items, obs, end) | _github(story, obs, start, end)
    own = {items[i].source for i in story.item_ids if i in items}
    sig["sources"] = float(len(own | set(mentioned_by)))
    sig["recency"] = _recency(story, items, start, end)
    sig["relevance"] = assignment.relevance if assignment else 0.0
    sig["interests"] = _interests(story, items, assignment.topic_id if assignment else "", interests)
    sig["novelty"] = _novelty(story, items, start)
    sig["topic"] = topic_weight(assignment.topic_id if assignment else "", topic_weights or {})
    return sig | _paper_signals(story, items)


def normalize(batch: Sequence[dict[str, float]]) -> list[dict[str, float]]:
    """Counts -> 0..1 as sqrt(value / batch maximum); bounded signals pass through.

    sqrt keeps the contrast at the top (537 vs 383 points) that a log scale flattens,
    while still compressing the long tail.
    """
    counts = (*_SOCIAL, "github_stars")
    peaks = {k: max((max(s[k], 0.0) for s in batch), default=0.0) for k in counts}
    out = []
    for s in batch:
        n = dict(s)
        for k in counts:
            n[k] = math.sqrt(max(s[k], 0.0) / peaks[k]) if peaks[k] > 0 else 0.0
        n["sources"] = min(1.0, (s["sources"] - 1) / 2) if s["sources"] > 1 else 0.0
        # a fixed scale, not the batch maximum: one 200-author paper must not flatten the rest
        n["paper_team"] = math.sqrt(min(max(s["paper_team"], 0.0), TEAM_FULL) / TEAM_FULL)
        out.append(n)
    return out


def score_story(story_id: str, signals: Mapping[str, float], weights: Mapping[str, float]) -> Score:
    breakdown = {
        k: round(weights.get(k, 0.0) * v, 6) for k, v in signals.items() if weights.get(k, 0.0) * v != 0
    }
    subtotal = sum(breakdown.values())
    if signals.get("relevance", 0.0) < OFF_TOPIC_BELOW and subtotal > 0:
        breakdown["off_topic_penalty"] = round(-(1 - OFF_TOPIC_FACTOR) * subtotal, 6)
    return Score(story_id, round(sum(breakdown.values()), 6), breakdown)


def rank_stories(
    stories: Sequence[Story],
    items: Mapping[str, Item],
    observations: Mapping[str, Sequence[Observation]],
    topics: Mapping[str, TopicAssignment],
    *,
    week_start: dt.datetime,
    week_end: dt.datetime,
    weights: Mapping[str, float],
    interests: InterestsConfig,
    topic_weights: Mapping[str, float] | None = None,
    mentions: Mapping[str, Collection[str]] | None = None,
) -> list[Score]:
    """Scores best first; ties broken by story id so the order is reproducible."""
    mentions = mentions or {}
    raw = [
        raw_signals(
            s,
            items,
            observations,
            topics.get(s.id),
            week_start,
            week_end,
            interests,
            topic_weights,
            mentions.get(s.id, ()),
        )
        for s in stories
    ]
    scores = [score_story(s.id, sig, weights) for s, sig in zip(stories, normalize(raw), strict=True)]
    return sorted(scores, key=lambda sc: (-sc.total, sc.story_id))
