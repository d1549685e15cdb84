"""Resolve, topics, rank and extractive summaries on the real recorded week (bundled snapshot)."""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import replace
from pathlib import Path

import pytest

from hub import sources
from hub.analysis import rank, resolve, summarize, topics
from hub.config import InterestsConfig, load_config
from hub.demo import extract_snapshot
from hub.digest import select
from hub.types import Item, Observation, Story

WEEK = (dt.datetime(2025, 4, 14, tzinfo=dt.UTC), dt.datetime(2025, 4, 21, tzinfo=dt.UTC))
DATA = Path(__file__).parent / "data" / "sources"


class Week:
    def __init__(self, root: Path) -> None:
        self.files = extract_snapshot(root)
        self.items: dict[str, Item] = {}
        self.obs: dict[str, list[Observation]] = {}
        self.raw_hn: list[dict] = []  # type: ignore[type-arg]
        for f in self.files:
            doc = sources.parse(f.read_bytes(), f.name)
            for it in doc.items:
                self.items.setdefault(it.id, it)
            for o in doc.observations:
                self.obs.setdefault(o.item_id, []).append(o)
            if f.suffix == ".json":
                self.raw_hn += json.loads(f.read_text(encoding="utf-8"))
        self.links = resolve.find_links(list(self.items.values()))
        self.stories = resolve.build_stories(list(self.items.values()), self.links)
        self.story_of = {i: s for s in self.stories for i in s.item_ids}
        cfg = load_config(None, env={})
        self.config = cfg
        self.topics = topics.assign_topics(self.stories, self.items, topics.seed_topics(cfg.topics))

    def story(self, title_start: str) -> Story:
        return next(s for s in self.stories if s.title.startswith(title_start))


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Week:
    return Week(tmp_path_factory.mktemp("week"))


def test_hn_posts_join_the_papers_and_repos_they_link(week: Week) -> None:
    expected = []
    for r in week.raw_hn:
        target = sources.ids.canonical_id_for_url(r.get("url") or "")
        if target in week.items and target.startswith(("arxiv:", "gh:")):
            expected.append((f"hn:{r['id']}", target))
    assert expected, "the recorded week has HN posts linking its papers/repos"
    for hn_id, target in expected:
        assert week.story_of[hn_id] is week.story_of[target], (hn_id, target)
        assert any(
            ln.src == hn_id and ln.dst == target and ln.method in ("arxiv-id", "github-link")
            for ln in week.links
        )


def test_unrelated_items_stay_apart(week: Week) -> None:
    for s in week.stories:
        papers = [i for i in s.item_ids if i.startswith("arxiv:")]
        assert len(papers) <= 1, s
    cve = max(week.raw_hn, key=lambda r: r["score"])
    assert week.story_of[f"hn:{cve['id']}"].item_ids == (f"hn:{cve['id']}",)


def test_hf_page_joins_its_arxiv_paper(week: Week) -> None:
    hf = sources.parse((DATA / "minimal_hf_daily.json").read_bytes(), "hf.json").items
    items = list(week.items.values()) + list(hf)
    stories = resolve.build_stories(items, resolve.find_links(items))
    joined = {s.lead_item: s.item_ids for s in stories if "hf:2504.10458" in s.item_ids}
    assert joined == {"arxiv:2504.10458": ("arxiv:2504.10458", "hf:2504.10458")}


def test_a_roundup_mentions_without_merging(week: Week) -> None:
    papers = sorted(i for i in week.items if i.startswith("arxiv:"))[:6]
    roundup = Item(
        id="url:https://example.org/weekly",
        kind="post",
        source="feed:weekly",
        title="This week in AI",
        url="https://example.org/weekly",
        links=tuple(f"https://arxiv.org/abs/{p[6:]}" for p in papers),
    )
    items = [week.items[p] for p in papers] + [roundup]
    links = resolve.find_links(items)
    assert {ln.relation for ln in links} == {"mentions"}
    assert len(resolve.build_stories(items, links)) == len(items)


def test_story_ids_are_stable_under_shuffling(week: Week) -> None:
    items = list(week.items.values())
    random.Random(7).shuffle(items)
    again = resolve.build_stories(items, resolve.find_links(items))
    assert again == week.stories


def test_topics_follow_the_words(week: Week) -> None:
    def topic(title: str) -> str:
        return week.topics[week.story(title).id].topic_id

    assert topic("UI-E2I-Synth: Advancing GUI Grounding") == "agents"
    assert topic("A Survey of Multimodal Retrieval-Augmented Generation") == "rag"
    assert topic("AdaSteer: Your Aligned LLM is Inherently an Adaptive Jailbreak Defender") == "safety"
    assert topic("d1: Scaling Reasoning in Diffusion Large Language Models") == "reasoning"
    assert topic("Gemma 3 QAT Models") == "inference"


def test_relevance_separates_ai_from_the_rest(week: Week) -> None:
    def rel(title: str) -> float:
        return week.topics[week.story(title).id].relevance

    for off in ("CVE program faces swift end", "Harvard's response to federal government letter"):
        assert rel(off) < 0.3, off
        assert week.topics[week.story(off).id].topic_id == "other"
    for on in ("Gemini 2.5 Flash", "GPT-4.1 in the API", "Cursor IDE support hallucinates lockout policy"):
        assert rel(on) >= 0.6, on


def _rank(
    week: Week,
    stories: list[Story] | None = None,
    interests: InterestsConfig | None = None,
    obs: dict | None = None,
) -> list:  # type: ignore[type-arg]
    return rank.rank_stories(
        stories or week.stories,
        week.items,
        obs or week.obs,
        week.topics,
        week=_signals(week, obs),
        weights=week.config.rank.weights,
        interests=interests or InterestsConfig(),
    )


def _signals(week: Week, obs: dict | None = None, mentions: dict | None = None) -> rank.WeekSignals:  # type: ignore[type-arg]
    base = rank.baseline_from_observations(week.items, obs or week.obs, WEEK[0], WEEK[1])
    return rank.WeekSignals(WEEK[0], WEEK[1], base, mentions or {})


def test_breakdown_sums_to_total_and_order_is_total(week: Week) -> None:
    scores = _rank(week)
    for sc in scores:
        assert sc.total == pytest.approx(sum(sc.breakdown.values()), abs=1e-5)
    assert [s.total for s in scores] == sorted((s.total for s in scores), reverse=True)


def test_more_points_never_rank_lower(week: Week) -> None:
    gemini = week.story("Gemini 2.5 Flash")
    hn_id = gemini.item_ids[0]
    base = {s.story_id: s.total for s in _rank(week)}[gemini.id]
    boosted = dict(week.obs)
    boosted[hn_id] = [replace(o, value=o.value * 2) if o.metric == "points" else o for o in week.obs[hn_id]]
    assert {s.story_id: s.total for s in _rank(week, obs=boosted)}[gemini.id] > base


def test_mute_keyword_sinks_a_story(week: Week) -> None:
    before = [s.story_id for s in _rank(week)]
    top = next(s for s in week.stories if s.id == before[0])
    word = top.title.split()[0]
    after = [s.story_id for s in _rank(week, interests=InterestsConfig(mute_keywords=(word,)))]
    assert after.index(top.id) > len(after) // 2
    scores = {s.story_id: s for s in _rank(week, interests=InterestsConfig(mute_keywords=(word,)))}
    assert scores[top.id].breakdown["x_interests"] < 0


def test_top_ai_hn_story_outranks_papers_without_engineering_focus(week: Week) -> None:
    ranked = _rank(week)
    scores = {s.story_id: s for s in ranked}
    gemini = week.story("Gemini 2.5 Flash")
    def focus(s: Story) -> float:
        it = week.items[s.lead_item]
        return rank.paper_focus(it.title, it.text)

    papers = [s for s in week.stories if s.item_ids[0].startswith("arxiv:") and len(s.item_ids) == 1]
    plain = [s for s in papers if focus(s) == 0]
    assert plain and all(scores[gemini.id].total > scores[p.id].total for p in plain)
    # a paper's content prior grows with its engineering focus, all else equal
    prior = {s.id: rank.paper_prior(s, week.items, week.config.rank.weights) for s in papers}
    same_team = [s for s in papers if len(week.items[s.lead_item].authors) == 5]
    by_focus = sorted(same_team, key=focus)
    assert by_focus and prior[by_focus[-1].id] > prior[by_focus[0].id]


def test_old_papers_relisted_this_week_are_not_novel(week: Week) -> None:
    scores = {s.story_id: s for s in _rank(week)}
    old = [s for s in week.stories if s.lead_item.startswith("arxiv:24")]
    new = [s for s in week.stories if s.lead_item.startswith("arxiv:2504")]
    assert old and new
    assert all(scores[s.id].breakdown.get("x_novelty", 0) < 0 for s in old if scores[s.id].total > 0)
    assert all("x_novelty" not in scores[s.id].breakdown for s in new)
    assert all(rank.novelty(s, WEEK[0]) == 0 for s in old) and all(rank.novelty(s, WEEK[0]) for s in new)


def test_off_topic_hits_are_penalized_and_explained(week: Week) -> None:
    scores = {s.story_id: s for s in _rank(week)}
    cve = scores[week.story("CVE program faces swift end").id]
    assert cve.breakdown["x_relevance"] < 0 and cve.breakdown["hn"] > 0  # engagement, then gated
    assert cve.total < scores[week.story("Gemini 2.5 Flash").id].total


def test_extractive_summaries_cite_their_items(week: Week) -> None:
    said = 0
    for s in week.stories[:300]:
        summary = summarize.extractive_summary(s, week.items, week.obs, max_chars=400)
        assert len(summary.text) <= 400
        assert set(summary.cites) <= set(s.item_ids) and bool(summary.cites) == bool(summary.text)
        assert summary == summarize.extractive_summary(s, week.items, week.obs, max_chars=400)
        said += bool(summary.text) and week.items[s.lead_item].kind == "paper"
    papers = sum(week.items[s.lead_item].kind == "paper" for s in week.stories[:300])
    assert said >= 0.95 * papers  # an abstract nearly always has sentences that pass the lint


def test_text_less_posts_get_no_placeholder(week: Week) -> None:
    o3 = week.story("OpenAI o3 and o4-mini")
    assert not week.items[o3.lead_item].text  # the HN post is a bare link
    summary = summarize.extractive_summary(o3, week.items, week.obs)
    assert summary.text == "" and summary.cites == ()  # the card shows the evidence instead


def test_paper_summary_comes_from_its_abstract(week: Week) -> None:
    story = week.story("d1: Scaling Reasoning in Diffusion Large Language Models")
    summary = summarize.extractive_summary(story, week.items, week.obs)
    abstract = week.items[story.lead_item].text
    said = summarize.sentences(summary.text)
    assert said and summary.cites == (story.lead_item,)
    # each sentence is one of the abstract's, as written or repaired to read on its own
    assert all(any(summarize.standalone(s) == t for s in summarize.sentences(abstract)) for t in said)


def test_emerging_topics_are_named_by_a_phrase_of_their_members_titles(week: Week) -> None:
    # the real assignment: whatever emerges is named by a phrase every member's title holds
    found, moved = topics.emerging_topics(week.stories, week.items, week.topics)
    assert all(week.topics[sid].topic_id == "other" for sid in moved)
    # the week's Gaussian-splatting papers among 40 other AI papers, as if no seed topic fit them
    splats = [s for s in week.stories if "gaussian splatting" in s.title.lower()]
    rest = [s for s in week.stories if s.lead_item.startswith("arxiv:") and s not in splats][:40]
    unfit = {s.id: topics.TopicAssignment("other", 0.0, 1.0) for s in splats + rest}
    emerging, moved_now = topics.emerging_topics(splats + rest, week.items, unfit)
    assert len(splats) >= topics.EMERGING_MIN_STORIES
    assert "Gaussian Splatting" in [t.name for t in emerging]
    for t in [*found, *emerging]:
        assert t.id.startswith("emerging-") and not t.seed
        members = [sid for sid, a in {**moved, **moved_now}.items() if a.topic_id == t.id]
        assert len(members) >= topics.EMERGING_MIN_STORIES
        by_id = {s.id: s for s in week.stories}
        name = t.name.lower().replace("-", " ")
        assert all(name in by_id[sid].title.lower().replace("-", " ") for sid in members), t.name
    again, moved_again = topics.emerging_topics(splats + rest, week.items, unfit, existing=emerging)
    assert [t.id for t in again] == [t.id for t in emerging]  # stable ids: matched to the known ones
    assert moved_again == moved_now


def test_summaries_are_cleaned_of_latex(week: Week) -> None:
    latex = [
        s for s in week.stories if "$" in week.items[s.lead_item].text or "\\" in week.items[s.lead_item].text
    ]
    assert latex, "the real week has abstracts with LaTeX"
    for s in latex[:50]:
        text = summarize.extractive_summary(s, week.items, week.obs).text
        assert "$" not in text and "\\" not in text, text


def _kind_of(week: Week) -> dict[str, bool]:
    return {s.id: week.items[s.lead_item].kind == "paper" for s in week.stories}


def test_topic_weight_is_the_readers_priority(week: Week) -> None:
    papers = [s for s in week.stories if week.topics[s.id].topic_id == "multimodal"][:20]
    assert papers, "the real week has multimodal papers"

    def totals(weight: float) -> dict[str, float]:
        scores = rank.rank_stories(
            papers, week.items, week.obs, week.topics, week=_signals(week),
            weights=week.config.rank.weights, interests=InterestsConfig(),
            topic_weights={"multimodal": weight},
        )  # fmt: skip
        assert all(("x_topic" in sc.breakdown) == (weight < 1) for sc in scores if sc.total)
        return {sc.story_id: sc.total for sc in scores}

    low, high = totals(0.0), totals(1.0)
    assert all(high[sid] > low[sid] for sid in low if high[sid])
    # a priority moves a score by at most TOPIC_SPAN: it cannot outweigh the evidence
    assert all(low[sid] >= (1 - rank.TOPIC_SPAN) * high[sid] - 1e-6 for sid in low)
    assert rank.topic_weight("emerging-x", {}) == rank.EMERGING_TOPIC_WEIGHT
    assert rank.topic_weight("other", {}) == 0.0


def test_paper_focus_is_graded_by_engineering_words(week: Week) -> None:
    focus = {i: rank.paper_focus(it.title, it.text) for i, it in week.items.items() if it.kind == "paper"}
    assert all(0.0 <= f <= 1.0 for f in focus.values())
    d1 = week.story("d1: Scaling Reasoning in Diffusion Large Language Models").lead_item
    assert focus[d1] == 1.0  # "reasoning", "reinforcement learning" in the title, LLM words in the abstract
    none = [
        i
        for i, it in week.items.items()
        if it.kind == "paper"
        and not rank.ENGINEERING.search(it.title)
        and not rank.ENGINEERING.search(it.text)
    ]
    assert none and all(focus[i] == 0.0 for i in none)
    assert len(set(focus.values())) > 5  # graded, not a switch


def test_team_size_uses_a_fixed_scale(week: Week) -> None:
    by_team = sorted(
        (s for s in week.stories if week.items[s.lead_item].kind == "paper"),
        key=lambda s: len(week.items[s.lead_item].authors),
    )
    big = by_team[-1]
    assert len(week.items[big.lead_item].authors) > rank.TEAM_FULL  # the week has a huge team...
    twenty = next(s for s in by_team if len(week.items[s.lead_item].authors) >= rank.TEAM_FULL)
    weights = {"paper_focus": 0.0, "paper_team": 1.0}  # the team part alone
    # ...that doesn't flatten the rest
    assert rank.paper_prior(twenty, week.items, weights) == pytest.approx(rank.PAPER_PRIOR_MAX)
    assert rank.paper_prior(big, week.items, weights) == pytest.approx(rank.PAPER_PRIOR_MAX)
    assert rank.paper_prior(by_team[0], week.items, weights) < rank.PAPER_PRIOR_MAX


def test_the_digest_mix_keeps_papers_and_discussion(week: Week) -> None:
    ranked = _rank(week)
    is_paper = _kind_of(week)
    for limit, lo, hi in ((30, 10, 15), (30, 0, 30), (30, 30, 30), (5, 2, 3), (10, 0, 0)):
        chosen = select.choose(ranked, is_paper, limit, lo, hi)
        papers = sum(is_paper[sc.story_id] for sc in chosen)
        assert len(chosen) == limit and lo <= papers <= hi, (limit, lo, hi, papers)
        assert len({sc.story_id for sc in chosen}) == limit
        order = {sc.story_id: n for n, sc in enumerate(ranked)}
        positions = [order[sc.story_id] for sc in chosen]
        assert positions == sorted(positions)
    # the best of each kind are the ones kept
    chosen = {sc.story_id for sc in select.choose(ranked, is_paper, 30, 10, 15)}
    best_paper = next(sc.story_id for sc in ranked if is_paper[sc.story_id])
    best_post = next(sc.story_id for sc in ranked if not is_paper[sc.story_id])
    assert {best_paper, best_post} <= chosen
    # one kind runs out: the other fills the rest
    only_posts = [sc for sc in ranked if not is_paper[sc.story_id]][:12]
    assert len(select.choose(only_posts, is_paper, 10, 5, 8)) == 10


def test_textrank_prefers_central_sentences(week: Week) -> None:
    d1 = week.story("d1: Scaling Reasoning in Diffusion Large Language Models")
    abstract = week.items[d1.lead_item].text
    sents = summarize.sentences(abstract)
    central = summarize.textrank(sents)
    assert len(central) == len(sents) and max(central) == 1.0 and min(central) > 0
    assert central == summarize.textrank(sents)  # deterministic
    unrelated = week.items[week.story("CVE program faces swift end").lead_item].title
    with_outlier = summarize.textrank([*sents, f"{unrelated} is unrelated to the others."])
    assert with_outlier[-1] == min(with_outlier)


def test_summaries_read_on_their_own(week: Week) -> None:
    opener = ("Therefore,", "Thus,", "However,", "To address this", "To this end,", "Specifically,")
    raw = [s for s in week.stories if any(o in week.items[s.lead_item].text for o in opener)]
    assert raw, "the real week's abstracts use such openers"
    for s in raw[:200]:
        text = summarize.extractive_summary(s, week.items, week.obs).text
        assert not text.startswith(opener), text
        assert text[0].isupper() or not text[0].isalpha(), text


def test_newsletter_mentions_raise_a_story(week: Week) -> None:
    papers = [s for s in week.stories if s.lead_item.startswith("arxiv:2504") and len(s.item_ids) == 1][:8]
    plain = {sc.story_id: sc for sc in _rank(week, stories=papers)}
    body = rank.Mention("url:a", "feed:weekly", in_title=False)
    headline = rank.Mention("url:b", "feed:weekly", in_title=True)
    mentioned = {papers[0].id: [body], papers[1].id: [body, headline], papers[2].id: [body, body]}
    scores = rank.rank_stories(
        papers, week.items, week.obs, week.topics, week=_signals(week, mentions=mentioned),
        weights=week.config.rank.weights, interests=InterestsConfig(),
    )  # fmt: skip
    by_id = {sc.story_id: sc for sc in scores}
    assert "newsletters" not in plain[papers[0].id].breakdown
    assert by_id[papers[1].id].breakdown["newsletters"] > by_id[papers[0].id].breakdown["newsletters"] > 0
    assert by_id[papers[0].id].total > plain[papers[0].id].total
    # the same issue twice counts once; a headline counts more than a mention in the body
    assert rank.curation([body, body]) == rank.curation([body]) < rank.curation([headline])
    assert all(by_id[s.id].total == plain[s.id].total for s in papers[3:])
