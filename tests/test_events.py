"""Names, same-event grouping and newsletter mentions (hub/analysis/names.py, events.py),
and the links a post carries (markdown, HTML, bare URLs). Titles and dates are real:
Hacker News items of 2025-W16..W18 (MIT, jiacai2050/mofish) and arXiv titles (CC0)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from hub.analysis import events, names, rank
from hub.sources._text import text_links
from hub.sources.feeds import MAX_LINKS, post_item
from hub.types import Item, Story

UTC = dt.UTC


def hn(ident: int, title: str, day: str) -> Item:
    return Item(
        f"hn:{ident}", "thread", "hn", title, f"https://news.ycombinator.com/item?id={ident}",
        dt.datetime.fromisoformat(day).replace(tzinfo=UTC),
    )  # fmt: skip


def story(*members: Item) -> Story:
    return Story(
        "s-" + members[0].id.replace(":", ""), members[0].title, tuple(sorted(m.id for m in members)),
        members[0].id, min((m.published_at for m in members if m.published_at), default=None),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Gemini 2.5 Flash", ("gemini", "2.5", "flash")),
        ("OpenAI o3 and o4-mini", ("openai", "o3")),
        ("Why is OpenAI buying Windsurf?", ("openai",)),
        ("Claude Code: Best practices for agentic coding", ("claude", "code")),
        ("DRAGON: Distributional Rewards Optimize Diffusion Generative Models", ("dragon",)),
        ("Show HN: Dia, an open-weights TTS model for generating realistic dialogue", ("dia",)),
    ],
)
def test_a_title_leads_with_its_name(title: str, expected: tuple[str, ...]) -> None:
    assert names.name_runs(title)[0] == expected


# Real HN stories of the three weeks: (id, title, day)
WINDSURF_A = (43743993, "Why is OpenAI buying Windsurf?", "2025-04-20T08:00:00")
WINDSURF_B = (
    43720111,
    "OpenAI looked at buying Cursor creator before turning to Windsurf",
    "2025-04-17T20:00:00",
)
O3_CHESS = (43823390, "Watching o3 model sweat over a Paul Morphy mate-in-2", "2025-04-28T10:00:00")
O3_GEO = (
    43840134,
    "O3 beats a master-level GeoGuessr player, even with fake EXIF data",
    "2025-04-30T10:00:00",
)
IMAGE_API = (43786506, "OpenAI releases image generation in the API", "2025-04-25T10:00:00")
COLORING = (
    43789000,
    "Show HN: I used OpenAI's new image API for a personalized coloring book service",
    "2025-04-25T18:00:00",
)


def test_plain_words_are_not_names() -> None:
    assert names.name_runs("What Is Entropy?") == []
    # Title Case and hyphenated words are not names; an inner capital or a digit is
    fdtd = "Optimizing FDTD Solvers for Electromagnetics: A Compiler-Guided Approach with High-Level Tensors"
    assert "high-level" not in names.strong_words(fdtd) and "fdtd" in names.strong_words(fdtd)
    assert {"openai", "windsurf"} <= names.strong_words(
        "OpenAI looked at buying Cursor creator before turning to Windsurf"
    )


NK_HACKER = (43858462, "We identified a North Korean hacker who tried to get a job", "2025-05-01T15:00:00")
NK_INTERVIEW = (
    43853382, "An interview question that will protect you from North Korean fake workers",
    "2025-05-01T04:00:00",
)  # fmt: skip

# Other real titles of those weeks: the window in which a name is common or rare.
WINDOW = [
    'OpenAI wants to buy Chrome and make it an "AI-first" experience',
    "Show HN: I open-sourced my AI toy company that runs on ESP32 and OpenAI realtime",
    "Show HN: Open Codex – OpenAI Codex CLI with open-source LLMs",
    "GPT-4.1 in the API",
    "Show HN: AgentAPI – HTTP API for Claude Code, Goose, Aider, and Codex",
    "Google Gemini has the worst LLM API",
]


def _links(*rows: tuple[int, str, str]) -> set[frozenset[str]]:
    items = [hn(*r) for r in rows]
    index = events.NameIndex([t] for t in [*WINDOW, *(it.title for it in items)])
    return {frozenset((ln.src, ln.dst)) for ln in events.same_event_links(items, index)}


def test_one_event_in_two_posts_is_joined() -> None:
    assert _links(WINDSURF_A, WINDSURF_B) == {frozenset((f"hn:{WINDSURF_A[0]}", f"hn:{WINDSURF_B[0]}"))}


@pytest.mark.parametrize(
    "pair",
    [
        (O3_CHESS, O3_GEO),  # one model, two different stories
        (IMAGE_API, COLORING),  # a launch and a product built on it share only the vendor's name
        (NK_HACKER, NK_INTERVIEW),  # one plain name in common is a topic, not an event
        (WINDSURF_B, (WINDSURF_A[0], WINDSURF_A[1], "2025-04-27T08:00:00")),  # too far apart in time
    ],
)
def test_different_events_stay_apart(pair: tuple[tuple[int, str, str], ...]) -> None:
    assert _links(*pair) == set()


def _linking(ident: int, title: str, day: str, url: str) -> Item:
    return replace(hn(ident, title, day), extra={"target_url": url}, links=(url,))


def test_two_posts_about_one_page_name_are_one_event() -> None:
    # real W16 threads: Anthropic's post, and Simon Willison's post about it under its page name
    anthropic = _linking(
        43735550, "Claude Code: Best practices for agentic coding", "2025-04-19T02:00:00",
        "https://www.anthropic.com/engineering/claude-code-best-practices",
    )  # fmt: skip
    simon = _linking(
        43739997, "Ultrathink is a Claude Code magic word", "2025-04-20T00:30:00",
        "https://simonwillison.net/2025/Apr/19/claude-code-best-practices/",
    )  # fmt: skip
    index = events.NameIndex([t] for t in [*WINDOW, anthropic.title, simon.title])
    links = events.same_event_links([anthropic, simon], index)
    assert [(ln.src, ln.dst, ln.method, ln.evidence) for ln in links] == [
        ("hn:43735550", "hn:43739997", "slug", "claude-code-best-practices")
    ]
    # a page name the titles do not share, a short one, or days apart: no join
    other = replace(simon, title="Ultrathink is a magic word")
    assert events.same_event_links([anthropic, other], index) == []
    short = _linking(1, "Claude Code pricing", "2025-04-19T03:00:00", "https://example.org/claude-code")
    assert events.same_event_links([short, replace(short, id="hn:2")], index) == []
    late = replace(simon, published_at=simon.published_at + dt.timedelta(days=events.EVENT_DAYS + 1))
    assert events.same_event_links([anthropic, late], index) == []


def test_grouping_never_puts_two_papers_in_one_story() -> None:
    a = Item("arxiv:2504.1", "paper", "arxiv", "Paper A", "https://arxiv.org/abs/2504.1")
    b = Item("arxiv:2504.2", "paper", "arxiv", "Paper B", "https://arxiv.org/abs/2504.2")
    post = hn(*WINDSURF_A)
    from hub.types import Link

    links = [Link(post.id, a.id, "same", "name"), Link(post.id, b.id, "same", "name")]
    grouped = events.group_events([story(a), story(b), story(post)], links)
    assert len(grouped) == 2
    assert not any({a.id, b.id} <= set(s.item_ids) for s in grouped)


def _newsletter(title: str, text: str, links: tuple[str, ...] = ()) -> Item:
    return Item(
        "url:https://news.example/issue", "post", "feed:news", title, "https://news.example/issue",
        dt.datetime(2025, 4, 18, 5, tzinfo=UTC), text=text, links=links,
    )  # fmt: skip


def test_a_newsletter_names_its_headline_and_mentions_the_rest() -> None:
    gemini = hn(43720845, "Gemini 2.5 Flash", "2025-04-17T19:00:00")
    gemma = hn(43743337, "Gemma 3 QAT Models: Bringing AI to Consumer GPUs", "2025-04-20T12:00:00")
    other = hn(43719280, "What Is Entropy?", "2025-04-17T10:00:00")
    issue = _newsletter(
        "Gemini 2.5 Flash completes the total domination of the Pareto Frontier",
        "Google also shipped Gemma 3 QAT checkpoints. Entropy is discussed elsewhere.",
    )
    stories = [story(gemini), story(gemma), story(other)]
    index = events.NameIndex([s.title] for s in stories)
    items = {it.id: it for it in (gemini, gemma, other, issue)}
    found = events.name_mentions(stories, items, [issue], index, {"feed:news": 1.0}, {})
    assert [m.in_title for m in found[stories[0].id]] == [True]
    assert [m.in_title for m in found[stories[1].id]] == [False]
    assert stories[2].id not in found
    assert rank.curation(found[stories[0].id]) > rank.curation(found[stories[1].id]) > 0


def test_curated_sources_are_those_that_mostly_link_elsewhere() -> None:
    links = tuple(f"https://example.org/{n}" for n in range(8))
    issues = [_newsletter(f"Issue {n}", "", links) for n in range(3)]
    shares = events.curated_sources([*issues, hn(*WINDSURF_A)])
    assert shares == {"feed:news": 1.0}
    assert events.curated_items(issues, shares) == issues


def test_post_links_from_html_markdown_and_bare_urls_articles_first() -> None:
    text = (
        '<a href="https://x.com/OpenAI/status/1">tweet</a> See [GPT-4.1](https://openai.com/index/gpt-4-1/), '
        "https://arxiv.org/abs/2504.12285. and (https://github.com/openai/codex)"
    )
    assert text_links(text) == [
        "https://openai.com/index/gpt-4-1/",
        "https://arxiv.org/abs/2504.12285",
        "https://github.com/openai/codex",
        "https://x.com/OpenAI/status/1",
    ]
    many = " ".join(f"https://example.org/{n}" for n in range(300))
    item = post_item("feed:x", "https://news.example/1", "t", many, None, (), ())
    assert len(item.links) == 300 <= MAX_LINKS  # a newsletter's links are not cut at 50


def test_a_name_in_the_issue_summary_is_a_highlight() -> None:
    describe = Item(
        "arxiv:2504.16072", "paper", "arxiv",
        "Describe Anything: Detailed Localized Image and Video Captioning",
        "https://arxiv.org/abs/2504.16072", dt.datetime(2025, 4, 22, tzinfo=UTC),
    )  # fmt: skip
    issue = post_item(
        "feed:news", "https://news.example/issue", "not much happened today", "<p>Long recap.</p>",
        dt.datetime(2025, 4, 23, 5, tzinfo=UTC), (), (),
        summary="In this issue: Describe Anything, and two other things.",
    )  # fmt: skip
    assert issue.extra["summary"].startswith("In this issue")
    stories = [story(describe)]
    index = events.NameIndex([describe.title] for _ in range(1))
    found = events.name_mentions(stories, {describe.id: describe}, [issue], index, {"feed:news": 1.0}, {})
    [mention] = found[stories[0].id]
    assert mention.highlight and not mention.in_title
    body = rank.Mention("x", "feed:news", in_title=False)
    assert rank.curation([body]) < rank.curation([mention]) < rank.curation([rank.Mention("y", "s", True)])
    # a feed entry without separate content keeps no summary twice
    plain_entry = post_item("feed:news", "https://news.example/2", "t", "same", None, (), (), summary="same")
    assert "summary" not in plain_entry.extra


def test_words_the_newsletter_uses_every_week_are_not_mentions() -> None:
    # (an arXiv title, as a post's: a paper is named only by its leading name, tested below)
    paper = replace(hn(1, "Towards Conversational AI for Human-Machine Collaborative MLOps", "2025-04-18"))
    stories = [story(paper)]
    index = events.NameIndex([paper.title] for _ in range(1))

    def issue(n: int, day: int, text: str) -> Item:
        when = dt.datetime(2025, 4, day, 5, tzinfo=UTC)
        return replace(_newsletter(f"Issue {n}", text), id=f"url:https://news.example/{n}", published_at=when)

    week = [issue(n, 14 + n, "the MLOps channel talked about kernels") for n in range(4)]
    found = events.name_mentions(stories, {paper.id: paper}, week, index, {"feed:news": 1.0}, {})
    assert len(found[stories[0].id]) == 4  # without the history: a name in every issue
    usual = events.NewsletterWords(week)
    assert usual.common("mlops")  # ... but a name in most of the week's issues is a standing term
    found = events.name_mentions(stories, {paper.id: paper}, week, index, {"feed:news": 1.0}, {}, usual)
    assert stories[0].id not in found
    earlier = [issue(9, 1, "the MLOps channel")]
    one = week[:1]
    assert events.NewsletterWords(one, earlier).common("mlops")  # already said before the week
    assert not events.NewsletterWords(one).common("mlops")


def _paper(ident: str, title: str, day: str) -> Item:
    return Item(
        f"arxiv:{ident}", "paper", "arxiv", title, f"https://arxiv.org/abs/{ident}",
        dt.datetime.fromisoformat(day).replace(tzinfo=UTC),
    )  # fmt: skip


def test_a_paper_is_named_by_its_own_name_not_by_what_it_uses() -> None:
    # W17: the issue titled after gpt-image-1 says "ChatGPT's imagegen model"; a paper that
    # compares against ChatGPT is not its headline, nor one whose name the issue never says
    heart = _paper(
        "2504.17753",
        "Conversational Assistants to support Heart Failure Patients: comparing a Neurosymbolic "
        "Architecture with ChatGPT",
        "2025-04-24",
    )
    dragon = _paper(
        "2504.15217", "DRAGON: Distributional Rewards Optimize Diffusion Generative Models", "2025-04-22"
    )
    issue = _newsletter(
        "gpt-image-1 - ChatGPT's imagegen model, confusingly NOT 4o, now available in API",
        "DRAGON optimizes diffusion models for distributional rewards. ChatGPT users were happy.",
    )
    stories = [story(heart), story(dragon)]
    index = events.NameIndex([s.title] for s in stories)
    items = {heart.id: heart, dragon.id: dragon}
    found = events.name_mentions(stories, items, [issue], index, {"feed:news": 1.0}, {})
    assert stories[0].id not in found
    assert [m.in_title for m in found[stories[1].id]] == [False]
    # the same words in a post's title still name it
    thread = hn(2, "Heart failure patients and ChatGPT", "2025-04-24")
    found = events.name_mentions([story(thread)], {thread.id: thread}, [issue], index, {"feed:news": 1.0}, {})
    assert found


def test_a_paper_joins_the_thread_named_after_it() -> None:
    # W18: the arXiv listing of DeepSeek-Prover-V2 (05-01) and the HN thread of its GitHub
    # release the day before are one event; Phi-4-mini-reasoning is not Phi-4-reasoning
    prover = _paper(
        "2504.21801",
        "DeepSeek-Prover-V2: Advancing Formal Mathematical Reasoning via Reinforcement Learning "
        "for Subgoal Decomposition",
        "2025-05-01",
    )
    thread = hn(43847432, "DeepSeek-Prover-V2", "2025-04-30T16:23:28")
    phi = _paper("2504.21318", "Phi-4-reasoning Technical Report", "2025-04-30")
    phi_mini = _paper(
        "2504.21233",
        "Phi-4-Mini-Reasoning: Exploring the Limits of Small Reasoning Language Models in Math",
        "2025-04-30",
    )
    phi_thread = hn(43852564, "Phi-4 Reasoning Models", "2025-05-01T10:00:00")
    later = replace(thread, id="hn:1", published_at=dt.datetime(2025, 5, 9, tzinfo=UTC))
    items = [prover, thread, phi, phi_mini, phi_thread, later]
    index = events.NameIndex([it.title] for it in items)
    pairs = {frozenset((ln.src, ln.dst)) for ln in events.paper_post_links(items, index)}
    assert pairs == {frozenset({prover.id, thread.id}), frozenset({phi.id, phi_thread.id})}
    grouped = events.group_events([story(it) for it in items], events.paper_post_links(items, index))
    joined = next(s for s in grouped if thread.id in s.item_ids)
    assert joined.title == prover.title and set(joined.item_ids) == {prover.id, thread.id}


def test_a_plain_leading_name_counts_with_the_story_words_around_it() -> None:
    # W18: "Mercury" alone is any word; beside the title's own words it is the launch
    mercury = hn(
        43851099, "Mercury, the first commercial-scale diffusion language model", "2025-05-01T00:00:00"
    )
    near = _newsletter(
        "not much happened today",
        "Inception launched Mercury Coder, the first publicly available diffusion language model.",
    )
    far = replace(
        _newsletter("not much happened today", "Freddie Mercury would have loved this synth. Also: a model."),
        id="url:https://news.example/other",
    )
    stories = [story(mercury)]
    index = events.NameIndex([mercury.title] for _ in range(1))
    found = events.name_mentions(stories, {mercury.id: mercury}, [near, far], index, {"feed:news": 1.0}, {})
    assert [m.item_id for m in found[stories[0].id]] == [near.id]


def test_pieces_of_a_catchphrase_title_and_plain_words_are_not_names() -> None:
    # W18 arXiv titles whose leading words are a phrase, not a name; and "Inception" the
    # paper is not "Inception" the company an issue's summary names
    general = _paper(
        "2504.20720", "Learning a General Model: Folding Clothing with Topological Dynamics", "2025-04-30"
    )
    inception = _paper(
        "2504.20376",
        "Inception: Jailbreak the Memory Mechanism of Text-to-Image Generation Systems",
        "2025-04-29",
    )
    index = events.NameIndex([p.title] for p in (general, inception))
    assert events._own_phrases(general.title, "paper", index) == ["learning a general model"]
    issue = post_item(
        "feed:news", "https://news.example/issue", "not much happened today",
        "<p>A general model of everything. Inception Labs launched a diffusion LLM API.</p>",
        dt.datetime(2025, 5, 2, 5, tzinfo=UTC), (), (),
        summary="Inception Labs launched a diffusion LLM API claiming 5x speed improvements.",
    )  # fmt: skip
    stories = [story(general), story(inception)]
    items = {general.id: general, inception.id: inception}
    assert events.name_mentions(stories, items, [issue], index, {"feed:news": 1.0}, {}) == {}


def test_a_paper_joins_its_repo_by_name_written_alike() -> None:
    # W18: "Mem0: …" and the trending repo mem0ai/mem0 are one event; W16's "DICE: …" is
    # not the database DiceDB/dice, nor W17's "MAGIC: …" the startup of "Launch HN: Magic Patterns"
    def repo(full: str, text: str, day: str) -> Item:
        return Item(
            f"gh:{full.lower()}", "repo", "github", f"{full} — {text}", f"https://github.com/{full}",
            dt.datetime.fromisoformat(day).replace(tzinfo=UTC), text=text,
        )  # fmt: skip

    mem0 = _paper(
        "2504.19413", "Mem0: Building Production-Ready AI Agents with Scalable Long-Term Memory", "2025-04-28"
    )
    mem0_repo = repo("mem0ai/mem0", "Memory for AI Agents", "2025-04-29")
    dice = _paper("2504.10359", "DICE: A Framework for Dimensional and Contextual Evaluation", "2025-04-15")
    dice_repo = repo(
        "DiceDB/dice", "DiceDB is an open-source, fast, reactive, in-memory database", "2025-04-15"
    )
    magic = _paper("2504.16430", "MAGIC: Near-Optimal Data Attribution for Deep Learning", "2025-04-23")
    launch = hn(
        43752176, "Launch HN: Magic Patterns (YC W23) – AI Design and Prototyping", "2025-04-21T14:07:03"
    )
    items = [mem0, mem0_repo, dice, dice_repo, magic, launch]
    index = events.NameIndex([it.title] for it in items)
    pairs = {frozenset((ln.src, ln.dst)) for ln in events.paper_post_links(items, index)}
    assert pairs == {frozenset({mem0.id, mem0_repo.id})}


def test_a_story_an_issue_tells_in_several_places_counts_more() -> None:
    # W18: Mercury told in the Twitter, Reddit and Discord recaps of one issue; "GPT-2" only in
    # passing ("models around 1B parameters, like GPT-2"), never with the Show HN's own words
    mercury = hn(
        43851099, "Mercury, the first commercial-scale diffusion language model", "2025-05-01T00:00:00"
    )
    shaders = hn(43859016, "Show HN: GPT-2 implemented using graphics shaders", "2025-05-01T00:00:00")
    told = "Inception launched Mercury Coder, the first diffusion language model, at 300 tokens/s."
    passing = "It is limited to models around 1B parameters, like GPT-2, said one member."
    filler = " ".join(["The channel discussed other things at length."] * 6)
    issue = _newsletter(
        "not much happened today", f"{told} {filler} {passing} {filler} {told} {filler} {passing}"
    )
    once = replace(
        _newsletter("not much happened today", f"{told} {passing}"), id="url:https://news.example/2"
    )
    stories = [story(mercury), story(shaders)]
    index = events.NameIndex([s.title] for s in stories)
    items = {mercury.id: mercury, shaders.id: shaders}
    found = events.name_mentions(stories, items, [issue], index, {"feed:news": 1.0}, {})
    assert [m.times for m in found[stories[0].id]] == [2]
    assert [m.times for m in found[stories[1].id]] == [1]  # named, but not told again
    twice = rank.curation(found[stories[0].id])
    single = events.name_mentions(stories, items, [once], index, {"feed:news": 1.0}, {})
    assert twice > rank.curation(single[stories[0].id]) == rank.CURATION_BODY
    assert rank.curation(found[stories[1].id]) == rank.CURATION_BODY
    assert rank.body(2) < rank.body(3) == rank.body(9) < 1  # capped: an issue is not a story


def test_a_name_of_letters_only_is_named_as_written() -> None:
    # W18/W16 papers named by acronyms are not named by the plain words ("Ambassadors Bridge the
    # Cursor Community", "a core dump"); a hyphen may be written as a space ("Kimi Audio")
    bridge = _paper(
        "2504.19467",
        "BRIDGE: Benchmarking Large Language Models for Understanding Real-world Clinical Practice Text",
        "2025-04-28",
    )
    dump = _paper(
        "2504.09710",
        "DUMP: Automated Distribution-Level Curriculum Learning for RL-based LLM Post-training",
        "2025-04-14",
    )
    kimi = _paper("2504.18425", "Kimi-Audio Technical Report", "2025-04-25")
    stories = [story(bridge), story(dump), story(kimi)]
    index = events.NameIndex([s.title] for s in stories)
    items = {it.id: it for it in (bridge, dump, kimi)}
    plain = _newsletter(
        "not much happened today",
        "Ambassadors Bridge the Cursor Community. The run ended in a core dump. MoonshotAI released "
        "Kimi Audio, with the paper on arXiv.",
    )
    found = events.name_mentions(stories, items, [plain], index, {"feed:news": 1.0}, {})
    assert set(found) == {stories[2].id}
    written = replace(plain, text="iScienceLuvr highlighted BRIDGE, a multilingual benchmark.")
    found = events.name_mentions(stories, items, [written], index, {"feed:news": 1.0}, {})
    assert set(found) == {stories[0].id}
