"""Summaries a reader trusts: the lint rules on real sentences, the extractive summarizer on
real abstracts, posts, repos and blog texts, the extractive lead and topic intros, and the
whole bundled week linted.

The sentences below are copied from the recorded week's arXiv abstracts (arXiv metadata is
CC0), its Hacker News records and GitHub trending pages, and from what the old summarizer
made of them (the "…" cut, the ", ," left by a stripped macro, the placeholder line).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from hub import sources
from hub.analysis import summarize, summary_lint
from hub.analysis.resolve import story_id, story_title
from hub.config import load_config
from hub.core import make_hub
from hub.demo import extract_snapshot
from hub.digest import lead
from hub.types import Digest, DigestStory, Item, Story

DATA = Path(__file__).parent / "data" / "sources"

BITNET_CUT = (
    "Our results demonstrate that BitNet b1.58 2B4T achieves performance on par with leading open-weight, "
    "full-precision LLMs of similar size, while offering significant advantages in computational "
    "efficiency, including substantially reduced memory footprint, energy…"
)
BITNET = BITNET_CUT.removesuffix("energy…") + "energy consumption, and decoding latency."
CLIMB_PROPOSE = (
    "We propose CLustering-based Iterative Data Mixture Bootstrapping (CLIMB), an automated framework "
    "that discovers, evaluates, and refines data mixtures in a pre-training setting."
)
PANDORA = (
    "This paper proposes a novel USKR framework named \\textsc{Pandora}, which takes advantage of "
    "\\textsc{Python}'s \\textsc{Pandas} API to construct a unified knowledge representation for "
    "alignment with LLM pre-training."
)

RULE_CASES = {
    "truncated": (
        [
            BITNET_CUT,
            "We introduce BitNet b1.58 2B4T, the first open-source, native 1-bit Large Language Model (LLM) "
            "at the 2-billion parameter scale",
            "Moreover, we observe that optimizing for a specific domain (e.g.",
        ],
        [BITNET, CLIMB_PROPOSE],
    ),
    "dangling": (
        [
            "Consequently, identifying an optimal pre-training data mixture remains a challenging problem, "
            "despite its significant benefits for pre-training performance.",
            "Recognizing this vulnerability, model owners may seek sampling strategies that limit the "
            "effectiveness of distillation without compromising model performance.",
            "They struggle to determine whether the LLM output is truly equivalent to the reference answer, "
            "and also have difficulty identifying and extracting the final answer from long, complex "
            "responses.",
            f"{BITNET} Finally, we analyze the final data mixture, elucidating the characteristics of an "
            "optimal data mixture.",
            "We attempt to address this issue by creating a realistic synthetic data augmentation pipeline "
            "for camera-radar Autonomous Vehicle (AV) datasets.",
            "For instance, GPT-o1's performance on benchmarks like MathVista, MathVerse, and MathVision is "
            "similar to fast-thinking models.",
            "While LLMs readily benefit from such techniques, improving reasoning in Small Language Models "
            "(SLMs) remains challenging due to their limited model capacity.",  # arXiv 2504.21233
        ],
        [
            CLIMB_PROPOSE,
            "Recent work by Deepseek-R1 demonstrates that distillation from LLM-generated synthetic data can "
            "substantially improve the reasoning ability of SLM, such as in math.",
            "Pre-training datasets are typically collected from web content and lack inherent domain "
            "divisions.",
        ],
    ),
    "boilerplate": (
        [
            "In this paper, we introduce BookWorld, a comprehensive system for constructing and simulating "
            "book-based multi-agent societies.",
            summarize.clean_latex(PANDORA),
            "Pocket Flow: Codebase to Tutorial. Contribute to The-Pocket/PocketFlow-Tutorial-Codebase-"
            "Knowledge development by creating an account on GitHub.",
        ],
        [
            "BookWorld enables diverse applications including story generation, interactive games and "
            "social simulation, offering novel ways to extend and explore beloved fictional works.",
            BITNET,
        ],
    ),
    "markup": (
        [
            "We introduce a new task, , geospatial pixel reasoning, which allows implicit querying and "
            "reasoning and generates the mask of the target region.",
            PANDORA,
            PANDORA.replace("\\textsc", ""),
            "In evaluation experiments conducted on both the test set and generalization set, all xVerify "
            "models achieve overall F1 scores and accuracy exceeding 95\\%.",
            "Seth Godin&#039;s Blog on marketing, tribes and respect.",
            "However, spatial intelligence spans a broader range of disciplines and scales -- from "
            "navigation and urban planning to remote sensing and earth science.",
            "**Vi与Vim的起源与演变** Vi和Vim的历史与开源软件的发展紧密相连。",
        ],
        [
            "We introduce a new task, i.e., geospatial pixel reasoning, which allows implicit querying and "
            "reasoning and generates the mask of the target region.",
            summarize.clean_latex(PANDORA),
            "In evaluation experiments conducted on both the test set and generalization set, all xVerify "
            "models achieve overall F1 scores and accuracy exceeding 95%.",
        ],
    ),
    "placeholder": (
        [
            "Discussed on Hacker News (425 points, 395 comments).",
            "Trending on GitHub (python) on 3 days.",
            "https://openai.com/index/gpt-4-1/",
        ],
        [
            "Tips and patterns for getting the most out of Claude Code, from configuring your environment "
            "to scaling across parallel sessions."
        ],
    ),
}
# (title, summary) pairs: the two rules that compare a summary with its title.
TITLE_CASES = {
    "title_echo": (
        [
            ("virattt/ai-hedge-fund — An AI Hedge Fund Team", "An AI Hedge Fund Team."),
            (
                "OpenAI Codex CLI: Lightweight coding agent that runs in your terminal",
                "Lightweight coding agent that runs in your terminal - openai/codex",
            ),
            ("BitNet b1.58 2B4T Technical Report", "We introduce BitNet b1.58 2B4T."),
        ],
        [
            (
                "Gemini 2.5 Flash",
                "Gemini 2.5 Flash, is now in preview, offering improved reasoning while prioritizing speed "
                "and cost efficiency for developers.",
            ),
            ("BitNet b1.58 2B4T Technical Report", BITNET),
        ],
    ),
    "language": (
        [
            (
                "Understanding the Origins and the Evolution of Vi and Vim",
                "Vi和Vim的历史与开源软件的发展紧密相连。文章追溯了UNIX文本编辑器的起源，探讨了塑造其发展的关键人物与事件。",
            ),
            (
                "xaoyaoo/PyWxDump",
                "获取微信信息；读取数据库，本地查看聊天记录并导出为csv、html等格式用于AI训练。",
            ),
            ("Things Zig comptime won't do", "En la tierra no hay otra cosa que tenga un solo lado."),
        ],
        [
            ("BitNet b1.58 2B4T Technical Report", BITNET),
            ("Vi与Vim的起源与演变", "Vi和Vim的历史与开源软件的发展紧密相连。"),
            (
                "Irish privacy watchdog hits TikTok with Є530M fine over data transfers to China",
                "European Union privacy watchdogs have fined TikTok 530 million euros ($600 million).",
            ),
        ],
    ),
}


@pytest.mark.parametrize("rule", sorted(RULE_CASES))
def test_lint_rule_on_real_sentences(rule: str) -> None:
    failing, passing = RULE_CASES[rule]
    check = summary_lint.RULES[rule]
    for text in failing:
        assert check(text, "") is not None, (rule, text)
    for text in passing:
        assert check(text, "") is None, (rule, text)
        assert rule not in summary_lint.lint(text, "")


@pytest.mark.parametrize("rule", sorted(TITLE_CASES))
def test_lint_title_rules_on_real_pairs(rule: str) -> None:
    failing, passing = TITLE_CASES[rule]
    for title, text in failing:
        assert summary_lint.RULES[rule](text, title) is not None, (rule, title, text)
    for title, text in passing:
        assert summary_lint.RULES[rule](text, title) is None, (rule, title, text)


def test_lint_accepts_an_empty_summary() -> None:
    assert summary_lint.lint("", "GPT-4.1 in the API") == {}
    assert summary_lint.script("") == "" and summary_lint.script("BitNet b1.58") == "latin"


# --- the summarizer on real texts ---------------------------------------------------------


class Week:
    """The bundled week's items, parsed (no store): papers by title, HN posts, repos."""

    def __init__(self, root: Path) -> None:
        self.items: dict[str, Item] = {}
        for f in extract_snapshot(root):
            for it in sources.parse(f.read_bytes(), f.name).items:
                self.items.setdefault(it.id, it)

    def paper(self, title_start: str) -> Item:
        return next(
            it for it in self.items.values() if it.kind == "paper" and it.title.startswith(title_start)
        )


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Week:
    return Week(tmp_path_factory.mktemp("week"))


def _story(*members: Item) -> Story:
    lead_item = members[0]
    return Story(
        story_id(lead_item.id), story_title(members, lead_item), tuple(m.id for m in members), lead_item.id
    )


def _summary(*members: Item, **kw: object) -> str:
    story = _story(*members)
    return summarize.extractive_summary(story, {m.id: m for m in members}, {}, **kw).text  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "title",
    [
        "CLIMB: CLustering-based",
        "SegEarth-R1",
        "Pandora: A Code-Driven",
        "Antidistillation Sampling",
        "BitNet b1.58 2B4T",
        "xVerify",
    ],
)
def test_paper_summaries_are_clean_whole_sentences(week: Week, title: str) -> None:
    paper = week.paper(title)
    text = _summary(paper)
    assert text, title
    assert summary_lint.lint(text, paper.title) == {}, text
    assert len(summary_lint.sentences(text)) <= 2
    abstract_words = set(re.findall(r"\w+", summarize.clean_latex(paper.text).lower()))
    words = set(re.findall(r"\w+", text.lower())) - {"we", "is", "i", "e"}  # rewrites and "i.e."
    assert all(w in abstract_words or f"{w}s" in abstract_words for w in words), text


def test_rewrites_keep_the_content() -> None:
    xverify = (
        "To address this issue, we propose xVerify, an efficient answer verifier for reasoning model "
        "evaluations."
    )
    assert (
        summarize.standalone(xverify)
        == "xVerify is an efficient answer verifier for reasoning model evaluations."
    )
    book = (
        "In this paper, we introduce BookWorld, a comprehensive system for constructing and simulating "
        "book-based multi-agent societies."
    )
    assert summarize.standalone(book).startswith("BookWorld is a comprehensive system for constructing")
    pandora = summarize.standalone(summarize.clean_latex(PANDORA))
    assert pandora.startswith(
        "We propose a novel USKR framework named Pandora, which takes advantage of Python's"
    )
    recognizing = RULE_CASES["dangling"][0][1]
    assert summarize.standalone(recognizing).startswith("Model owners may seek sampling strategies")
    mindcraft = (
        "To this end we introduce MINDcraft, an easily extensible platform built to enable LLM agents to "
        "control characters in the open-world game of Minecraft."
    )
    assert summarize.standalone(mindcraft).startswith("MINDcraft is an easily extensible platform")
    # the page description of HN 43720845 (W16) lost an appositive and kept its comma
    flash = "Gemini 2.5 Flash,  is now in preview, offering improved reasoning."
    assert summarize.standalone(flash) == "Gemini 2.5 Flash is now in preview, offering improved reasoning."
    assert summarize.standalone("OpenAI, Google and Meta are here.") == "OpenAI, Google and Meta are here."
    example = RULE_CASES["dangling"][0][5]
    assert summarize.standalone(example) == example  # an example's opener is not dropped: it is rejected
    # "We propose X, a Y ... and evaluate" keeps its "we": the rewrite would break the sentence.
    both = "We present MIEB, a benchmark of 130 tasks, and evaluate 50 models on it."
    assert summarize.standalone(both) == both


def test_latex_cleaning() -> None:
    clean = summarize.clean_latex
    assert (
        clean("a new task, \\ie, geospatial pixel reasoning")
        == "a new task, i.e., geospatial pixel reasoning"
    )
    assert clean("$\\sim$10\\% faster") == "~10% faster"
    assert clean("scales -- from embodied to urban") == "scales – from embodied to urban"
    assert clean("{Optim}ization") == "Optimization"
    assert (
        clean("530 million euros ($600 million), $5 or $10") == "530 million euros ($600 million), $5 or $10"
    )
    assert clean("$10^{-3}$ error, $O(n^2)$ cost") == "10^-3 error, O(n^2) cost"
    assert "\x00" in clean("We present \\ourmodel, a model.")  # the name is gone: the sentence is unusable
    assert summarize.sentences("We present \\ourmodel, a model. It works well on many tasks here.")
    assert not any(
        summarize.usable(s, "t")
        for s in summarize.sentences("We present \\ourmodel, a model for many tasks.")
    )


def test_a_long_sentence_is_skipped_never_cut(week: Week) -> None:
    paper = week.paper("BitNet b1.58 2B4T")
    for limit in (120, 160, 250, 400):
        text = _summary(paper, max_chars=limit)
        assert len(text) <= limit
        assert not text or (text.endswith(".") and "…" not in text)
        assert all(
            s in summarize.clean_latex(paper.text) or s.startswith("BitNet")
            for s in summary_lint.sentences(text)
        )


def test_posts_without_text_get_no_placeholder(week: Week) -> None:
    gpt41 = week.items["hn:43683410"]
    assert gpt41.title == "GPT-4.1 in the API" and not gpt41.text
    assert _summary(gpt41) == ""


def test_a_summary_in_another_script_than_its_title_is_dropped() -> None:
    hn = sources.parse((DATA / "hn_2025-04-15.json").read_bytes(), "hn.json").items
    vim = next(it for it in hn if it.id == "hn:43691020")
    assert summary_lint.script(vim.text) == "cjk" and summary_lint.script(vim.title) == "latin"
    assert _summary(vim) == ""


def test_repo_descriptions_that_echo_the_title_are_dropped() -> None:
    repos = {it.id: it for it in sources.parse((DATA / "trending_2025-04-17.md").read_bytes(), "t.md").items}
    hedge = repos["gh:virattt/ai-hedge-fund"]
    assert _summary(hedge) == ""  # the title already reads "virattt/ai-hedge-fund — An AI Hedge Fund Team"
    post = Item("hn:1", "post", "hn", "AI hedge fund agents that trade on your laptop", hedge.url)
    story = _story(post, hedge)
    text = summarize.extractive_summary(story, {post.id: post, hedge.id: hedge}, {}).text
    assert text == "An AI Hedge Fund Team."  # under another title the description says something


def test_a_blog_feed_whose_text_is_its_title_gets_no_summary() -> None:
    feed = (Path(__file__).parent / "data" / "sources" / "feed_ollama.xml").read_bytes()
    posts = sources.parse(feed, "feed_ollama.xml").items
    echo = replace(posts[0], text=posts[0].title)
    assert _summary(echo) == ""


def _ollama() -> list[Item]:
    return list(sources.parse((DATA / "feed_ollama.xml").read_bytes(), "feed_ollama.xml").items)


def test_fetched_article_text_is_summarized_instead_of_nothing() -> None:
    post = _ollama()[3]  # "Faster Gemma 4 on MLX with multi-token prediction": a blog post's text
    link = Item("hn:2", "post", "hn", post.title, post.url)  # the HN post: a bare link
    story = _story(link)
    items = {link.id: link}
    assert summarize.extractive_summary(story, items, {}).text == ""
    # the enrich step's main text: one paragraph a line, the headline a line of its own
    article = f"{post.title}\n{post.text}"
    summary = summarize.extractive_summary(story, items, {}, texts={link.id: article})
    assert summary.text and summary.cites == (link.id,)
    assert post.title not in summary.text  # a heading is not a sentence
    assert all(s in post.text for s in summary_lint.sentences(summary.text))
    assert summary_lint.lint(summary.text, story.title) == {}


def test_fetched_text_is_preferred_over_the_posts_own(week: Week) -> None:
    posts = _ollama()
    own, fetched = posts[4], posts[5]
    item = replace(own, id="hn:3")
    story = _story(item)
    plain = summarize.extractive_summary(story, {item.id: item}, {})
    assert plain.text and all(s in own.text for s in summary_lint.sentences(plain.text))
    with_text = summarize.extractive_summary(story, {item.id: item}, {}, texts={item.id: fetched.text})
    assert with_text.text and all(s in fetched.text for s in summary_lint.sentences(with_text.text))
    # a fetched text on a non-lead item speaks for the story before the lead's own text
    paper = week.paper("BitNet b1.58 2B4T")
    hn = Item("hn:4", "post", "hn", "BitNet b1.58 2B4T", paper.url)
    both = _story(paper, hn)
    got = summarize.extractive_summary(both, {paper.id: paper, hn.id: hn}, {}, texts={hn.id: fetched.text})
    assert got.cites == (hn.id,)
    # an empty fetched text (a failed fetch) falls back to the item's own
    failed = summarize.extractive_summary(both, {paper.id: paper, hn.id: hn}, {}, texts={hn.id: "  "})
    assert failed.cites == (paper.id,)


# --- the lead and topic intros ------------------------------------------------------------


def _ds(rank: int, title: str, summary: str, topic: str = "agents") -> DigestStory:
    return DigestStory(rank, f"s{rank}", title, topic, topic.title(), 1.0 / rank, {}, summary, ())


def test_lead_names_the_top_stories_in_their_own_words() -> None:
    stories = [
        _ds(
            1,
            "BitNet b1.58 2B4T Technical Report",
            f"We introduce BitNet b1.58 2B4T, the first open-source LLM. {BITNET}",
        ),
        _ds(2, "GPT-4.1 in the API", ""),
        _ds(
            3,
            "xVerify: Efficient Answer Verifier",
            "xVerify is an efficient answer verifier for reasoning model evaluations.",
        ),
        _ds(4, "Gemini 2.5 Flash", TITLE_CASES["title_echo"][1][0][1]),
    ]
    stats = {"items": 1674, "papers": 1120, "repos": 308, "posts": 246, "stories": 1636}
    text = lead.compose_lead(stories, (), stats)
    parts = summary_lint.sentences(text)
    assert 3 <= len(parts) <= 5, parts
    assert parts[0] == "BitNet b1.58 2B4T — the first open-source LLM [1]."
    assert parts[1] == "xVerify is an efficient answer verifier for reasoning model evaluations [3]."
    assert parts[2].startswith("Gemini 2.5 Flash, is now in preview") and parts[2].endswith("[4].")
    assert "Also among the top stories: GPT-4.1 in the API [2]." in text
    assert "new items this week" not in text  # four sentences already: the numbers table says it
    assert len(text) <= lead.MAX_LEAD + 120  # story 1 stays on a phone's first screen
    assert "Discussed on" not in text and "…" not in text
    short = lead.compose_lead(stories[1:2], (), stats)  # nothing to say but one title
    assert short == (
        "Also among the top stories: GPT-4.1 in the API [2]. 1674 new items this week (1120 papers, "
        "308 repositories, 246 posts and threads) joined into 1636 stories."
    )
    assert lead.compose_lead([], (), {}) == "No stories this week."


def test_a_long_sentence_naming_the_story_keeps_its_main_clause() -> None:
    # the summary hub makes of arXiv 2504.21801's abstract (W18)
    named = (
        "DeepSeek-Prover-V2 is an open-source large language model designed for formal theorem proving "
        "in Lean 4, with initialization data collected through a recursive theorem proving pipeline "
        "powered by DeepSeek-V3."
    )
    detail = "The cold-start training procedure begins by prompting DeepSeek-V3 to decompose problems."
    title = "DeepSeek-Prover-V2: Advancing Formal Mathematical Reasoning via Reinforcement Learning"
    assert len(named) > lead.MAX_SENTENCE
    assert lead.story_sentence(_ds(1, title, f"{named} {detail}")) == (
        "DeepSeek-Prover-V2 is an open-source large language model designed for formal theorem proving "
        "in Lean 4 [1]."
    )
    no_clause = named.replace(", with", " with")  # nowhere to end early: another sentence is used
    other = lead.story_sentence(_ds(1, title, f"{no_clause} {detail}"))
    assert other == f"DeepSeek-Prover-V2 — {detail[:-1]} [1]."


@pytest.mark.parametrize(
    ("title", "called"),
    [  # real titles of W16-W18
        ("Show HN: Dia, an open-weights TTS model for generating realistic dialogue", "Dia"),
        ("Mercury, the first commercial-scale diffusion language model", "Mercury"),
        ("Kimi-Audio Technical Report", "Kimi-Audio"),
        ("Phi-4-reasoning Technical Report", "Phi-4-reasoning"),
        ("TTRL: Test-Time Reinforcement Learning", "TTRL"),
        ("jlowin/fastmcp — The fast, Pythonic way to build MCP servers and clients", "jlowin/fastmcp"),
        ("GPT-4.1 in the API", "GPT-4.1 in the API"),
        ("Why is OpenAI buying Windsurf?", "Why is OpenAI buying Windsurf?"),
    ],
)
def test_a_story_is_called_by_its_name(title: str, called: str) -> None:
    assert lead.name(title) == called


def test_a_sentence_naming_the_story_stands_alone_and_a_name_is_a_whole_word() -> None:
    dia = _ds(6, "Show HN: Dia, an open-weights TTS model for generating realistic dialogue", "")
    tts = "A TTS model capable of generating ultra-realistic dialogue in one pass."  # "dia" of "dialogue"
    assert lead.story_sentence(replace(dia, summary=tts)) == f"Dia — {tts[:-1]} [6]."
    tips = (  # names the story late: not what the sentence is about (HN 43735550's description)
        "Tips and patterns for getting the most out of Claude Code, from configuring your environment "
        "to scaling across parallel sessions."
    )
    code = _ds(5, "Claude Code: Best practices for agentic coding", tips)
    assert lead.story_sentence(code) == f"Claude Code — {tips[:-1]} [5]."
    phi = _ds(4, "Phi-4-Mini-Reasoning: Exploring the Limits of Small Reasoning Language Models in Math", "")
    resulting = (
        "The resulting Phi-4-Mini-Reasoning model exceeds, on math reasoning tasks, much larger reasoning "
        "models, e.g., outperforming DeepSeek-R1-Distill-Qwen-7B by 3.2 points and "
        "DeepSeek-R1-Distill-Llama-8B by 7.7 points on Math-500."
    )
    assert lead.story_sentence(replace(phi, summary=resulting)) == (
        "The resulting Phi-4-Mini-Reasoning model exceeds, on math reasoning tasks, much larger reasoning "
        "models [4]."
    )


def test_a_sentence_in_the_first_person_singular_is_not_a_lead() -> None:
    # the opening of a real W16 self post ("12-factor Agents"), then a sentence that can stand
    story = _ds(30, "12-factor Agents: Patterns of reliable LLM applications", "")
    said = lead.story_sentence(replace(story, summary="I've been building AI agents for a while."))
    assert said is None
    plain = "Most AI agents in production are mostly deterministic code, i.e. software."
    assert lead.story_sentence(replace(story, summary=f"I've been building AI agents. {plain}")) == (
        f"12-factor Agents — {plain[:-1]} [30]."
    )


def test_topic_intros_cite_their_section() -> None:
    stories = [
        _ds(1, "xVerify: Efficient Answer Verifier", "xVerify is an efficient answer verifier.", "evals"),
        _ds(2, "GPT-4.1 in the API", "", "models"),
        _ds(3, "S1-Bench: A Simple Benchmark", "", "evals"),
        _ds(4, "Gemini 2.5 Flash", "", "models"),
        _ds(5, "A lonely story", "It has a summary.", "agents"),
        _ds(6, "Other A", "", "other"),
        _ds(7, "Other B", "", "other"),
    ]
    intros = lead.topic_intros(stories)
    assert set(intros) == {"evals", "models"}
    assert intros["evals"] == "xVerify is an efficient answer verifier [1]. Also here: S1-Bench [3]."
    assert intros["models"] == "This week: GPT-4.1 in the API [2] and Gemini 2.5 Flash [4]."


# --- the bundled week, linted ---------------------------------------------------------------


@pytest.fixture(scope="module")
def digests(tmp_path_factory: pytest.TempPathFactory) -> tuple[Digest, list[tuple[str, set[str], str]]]:
    """The bundled week's published digest, and every story of the week with its summary."""
    tmp = tmp_path_factory.mktemp("lint")
    files = extract_snapshot(tmp / "snapshot")
    with make_hub(load_config(None, env={}, workspace=tmp)) as hub:
        hub.import_paths(files)
        top = hub.digest("2025-W16", write_page=False, save=False, use_llm=False)
        ctx = hub.builder().week_context("2025-W16")
        every = [
            (
                s.title,
                {ctx.items[i].kind for i in s.item_ids if i in ctx.items},
                summarize.extractive_summary(s, ctx.items, ctx.observations).text,
            )
            for s in ctx.stories
        ]
    return top, every


def test_no_summary_of_the_bundled_week_breaks_a_lint_rule(
    digests: tuple[Digest, list[tuple[str, set[str], str]]],
) -> None:
    top, every = digests
    assert len(every) > 1000 and len(top.stories) == 30
    hits = {title: found for title, _, text in every if (found := summary_lint.lint(text, title))}
    assert hits == {}
    assert {s.title: found for s in top.stories if (found := summary_lint.lint(s.summary, s.title))} == {}
    papers = [text for _, kinds, text in every if "paper" in kinds]
    assert papers and sum(bool(t) for t in papers) >= 0.95 * len(papers)


def test_the_bundled_weeks_lead_reads_as_a_paragraph(
    digests: tuple[Digest, list[tuple[str, set[str], str]]],
) -> None:
    top, _ = digests
    parts = summary_lint.sentences(top.lead)
    assert 3 <= len(parts) <= 5, top.lead
    ranks = {s.rank for s in top.stories}
    cited = [int(n) for n in re.findall(r"\[(\d+)\]", top.lead)]
    assert len(cited) >= 3 and set(cited) <= ranks
    assert summary_lint.lint(top.lead, "the week") == {}
    intros = lead.topic_intros(top.stories)
    for topic, intro in intros.items():
        section = {s.rank for s in top.stories if s.topic == topic}
        assert {int(n) for n in re.findall(r"\[(\d+)\]", intro)} <= section
    json.dumps(intros)  # plain strings, storable with the digest
