"""AI relevance (hub.analysis.relevance) on real titles: Hacker News (MIT), arXiv (CC0), GitHub trending."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.analysis import relevance
from hub.types import Item

LABELS = Path(__file__).parents[1] / "benchmarks" / "labels" / "relevance.json"

# Real HN titles of 2025-W16..W18 (hand-labelled in benchmarks/labels/relevance.json).
AI_TITLES = [
    "GPT-4.1 in the API",
    "Gemini 2.5 Flash",
    "Qwen3: Think deeper, act faster",
    "Cursor IDE support hallucinates lockout policy, causes user cancellations",
    "OpenAI Codex CLI: Lightweight coding agent that runs in your terminal",
    "12-factor Agents: Patterns of reliable LLM applications",
    "Show HN: Lemon Slice Live – Have a video call with a transformer model",
    "Lossless LLM compression for efficient GPU inference via dynamic-length float",
    "Damn Vulnerable MCP Server",
    "The Future of MCPs",
    "Watching o3 guess a photo's location is surreal, dystopian and entertaining",
    "NoProp: Training neural networks without back-propagation or forward-propagation",
]
# Not AI, several with a word an AI lexicon would take ("agents", "inference", "GPU", "embedding", "robot").
NOT_AI_TITLES = [
    "ICE Agents Realize They Arrested Wrong Teen, Say 'Take Him Anyway'",
    "Show HN: Zero-codegen, no-compile TypeScript type inference from Protobufs",
    "Doom GPU Flame Graphs",
    'AMD Publishes Open-Source Driver for GPU Virtualization, Radeon "In the Roadmap"',
    "TikZJax: Embedding LaTeX Drawings in HTML",
    "A 1980s toy robot arm inspired modern robotics",
    "Markov Chain Monte Carlo Without All the Bullshit (2015)",
    "TLS certificate lifetimes will officially reduce to 47 days",
    "Pope Francis has died",
]


@pytest.mark.parametrize("title", AI_TITLES)
def test_ai_titles_score_at_least_half(title: str) -> None:
    assert relevance.text_relevance(title) >= 0.5


@pytest.mark.parametrize("title", NOT_AI_TITLES)
def test_other_titles_score_below_half(title: str) -> None:
    assert relevance.text_relevance(title) < 0.5


def test_an_ambiguous_word_needs_context() -> None:
    # "agents" alone is not AI; "coding agent" is; "ICE agents" is cancelled outright
    assert relevance.text_relevance("Why Archers Didn't Volley Fire") < 0.5
    assert dict(relevance.evidence("ICE Agents Realize They Arrested Wrong Teen"))["ice agents"] < 0
    assert relevance.text_relevance("12-factor Agents: Patterns of reliable LLM applications") > 0.9
    assert relevance.text_relevance("Doom GPU Flame Graphs") < relevance.text_relevance(
        "TScale – Distributed training on consumer GPUs"
    )


def test_text_counts_less_than_the_title() -> None:
    # real HN stories and their recorded summaries: one passing mention of AI is not enough
    title = "Sustain your creative drive in the face of technological change"
    summary = (
        "Multi-disciplinary artist Jack Rusher discusses habit as excellence, what scientists and "
        "artists have in common, and the influence of AI on creativity."
    )
    assert relevance.text_relevance(title, summary) < 0.5
    assert relevance.text_relevance(summary) >= 0.5  # the same words as a title would decide


def test_chinese_text_counts() -> None:
    # the HN recordings' summaries are sometimes Chinese: "AI" glued to Chinese and 生成 terms count
    title = "Is outbound going to die?"
    summary = "AI驱动的销售与营销工具正变得极其强大，能够大规模生成高度个性化的营销内容"
    assert relevance.text_relevance(title) < 0.5
    assert ("ai", relevance._STRONG) in relevance.evidence(summary)


def _paper(tags: tuple[str, ...], title: str, text: str) -> Item:
    return Item(id="arxiv:x", kind="paper", source="arxiv", title=title, url="", text=text, tags=tags)


def test_papers_in_ai_categories_are_relevant_and_others_are_read() -> None:
    # real arXiv records of 2025-04 (CC0): a graphics-only paper about visualization is not AI
    vis = _paper(
        ("cs.GR",),
        "StorySets: Ordering Curves and Dimensions for Visualizing Uncertain Sets and Multi-Dimensional Data",
        "Set visualizations facilitate the understanding of relations between elements and groups.",
    )
    assert relevance.item_relevance(vis) < 0.5
    cv = _paper(("cs.CV", "cs.GR"), vis.title, vis.text)
    assert relevance.item_relevance(cv) == 1.0
    hf = Item(id="hf:2504.10479", kind="paper", source="hf", title="InternVL3", url="")
    assert relevance.item_relevance(hf) == 1.0


def test_repos_are_read_by_description() -> None:
    repo = Item(
        id="gh:milvus-io/milvus",
        kind="repo",
        source="github",
        title="milvus-io/milvus",
        url="",
        text=(
            "Milvus is a high-performance, cloud-native vector database built for scalable vector ANN search"
        ),
    )
    assert relevance.item_relevance(repo) >= 0.5
    plain = Item(
        id="gh:x/y",
        kind="repo",
        source="github",
        title="jesseduffield/lazygit",
        url="",
        text="simple terminal UI for git commands",
    )
    assert relevance.item_relevance(plain) < 0.5


def test_a_story_is_as_relevant_as_its_most_relevant_item() -> None:
    hn = Item(id="hn:1", kind="post", source="hn", title="Inside ArXiv", url="")
    paper = _paper(("cs.CL",), "A paper", "")
    assert relevance.story_relevance([hn]) < 0.5
    assert relevance.story_relevance([hn, paper]) == 1.0
    assert relevance.story_relevance([]) == 0.0


@pytest.mark.parametrize("text", ["", " ", "\x00\x01", "🤖" * 5000, "AI " * 100_000, "<script>AI</script>"])
def test_odd_input_gives_a_score_in_range(text: str) -> None:
    score = relevance.text_relevance(text, text)
    assert 0.0 <= score <= 1.0


def test_the_labelled_sample_is_whole() -> None:
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    assert len(labels) >= 300
    assert len({lab["id"] for lab in labels}) == len(labels)
    assert {lab["week"] for lab in labels} == {"w1", "w17", "w18"}
    assert all(lab["id"].startswith("hn:") and isinstance(lab["ai"], bool) for lab in labels)
    assert 0.1 < sum(lab["ai"] for lab in labels) / len(labels) < 0.5  # AI ones and a good share of others


def test_the_prefilter_changes_no_result() -> None:
    olmo = "Modeling, training, eval, and inference code for OLMo"  # W18 trending repo
    texts = [*AI_TITLES, *NOT_AI_TITLES, "AI驱动的销售与营销工具正变得极其强大", "Claude Shannon", olmo]
    for text in texts:
        assert relevance.evidence(text) == relevance.evidence(text, prefilter=False), text
    assert relevance._hint(r"\bgpt[- ]?\d\w*") == "gpt"
    assert relevance._hint(r"\b[oO][134](?:-mini|-pro)?\b") == ""  # no literal: always searched
    assert relevance._hint(r"\btrain\b[^.]{0,60}\beval\b") == "train"  # a counted repeat is no literal


def test_a_repo_of_model_training_and_inference_code_is_ai() -> None:
    olmo = Item(
        "gh:allenai/olmo", "repo", "github", "allenai/OLMo", "https://github.com/allenai/OLMo",
        None, text="Modeling, training, eval, and inference code for OLMo",
    )  # fmt: skip
    assert relevance.item_relevance(olmo) >= 0.5
    assert relevance.text_relevance("Training for a marathon", "inference") < 0.5
