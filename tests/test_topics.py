# ruff: noqa: E501  (real titles are kept whole)
"""Topics (hub.analysis.topics): generic defaults, assignment on real titles, releases, emerging labels.

Titles and texts are real: Hacker News (MIT) and arXiv metadata (CC0) of 2025-04.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from hub.analysis import topics
from hub.config import load_config
from hub.types import Item, Story

SEEDS = topics.seed_topics(load_config(None, env={}).topics)
# Names of one season's models and products, and demo-week words: none may be a default topic word.
WEEK_SPECIFIC = [
    "gpt", "gpt-4.1", "o1", "o3", "o4-mini", "r1", "bitnet", "gemma", "gemini", "claude", "llama", "qwen",
    "deepseek", "mistral", "phi", "grok", "openai", "anthropic", "copilot", "cursor", "codex", "windsurf",
    "vllm", "llama.cpp", "swe-bench", "hallucinates", "file system", "sqlite", "7b", "70b",
]  # fmt: skip


def _post(iid: str, title: str, text: str = "") -> Item:
    return Item(id=iid, kind="post", source="hn", title=title, url="", text=text)


def _paper(iid: str, title: str, text: str, tags: tuple[str, ...] = ("cs.CV",)) -> Item:
    return Item(id=iid, kind="paper", source="arxiv", title=title, url="", text=text, tags=tags)


def _assign(*items: Item) -> dict[str, str]:
    stories = [Story(id=f"s-{it.id}", title=it.title, item_ids=(it.id,), lead_item=it.id) for it in items]
    got = topics.assign_topics(stories, {it.id: it for it in items}, SEEDS)
    return {it.id: got[f"s-{it.id}"].topic_id for it in items}


def test_default_topics_keep_their_ids() -> None:
    assert {t.id for t in SEEDS} == {
        *("agents", "rag", "inference", "evals", "open-models", "models", "multimodal", "code"),
        *("reasoning", "safety", "training", "tooling", "other"),
    }


@pytest.mark.parametrize("topic", [t for t in SEEDS if t.seed], ids=lambda t: t.id)
def test_default_topics_name_no_models_or_products(topic: topics.Topic) -> None:
    words = " ".join([topic.name, topic.description, *topic.keywords]).lower()
    found = [w for w in WEEK_SPECIFIC if re.search(rf"(?<![\w.-]){re.escape(w)}(?![\w.-])", words)]
    assert not found, f"{topic.id}: {found}"


@pytest.mark.parametrize(
    ("title", "release"),
    [
        ("GPT-4.1 in the API", True),
        ("Gemini 2.5 Flash", True),
        ("Suno v4.5", True),
        ("OpenAI releases image generation in the API", True),
        ("Show HN: Plandex v2 – open source AI coding agent for large projects and tasks", False),
        ("Claude Code: Best practices for agentic coding", False),
        ("Why is OpenAI buying Windsurf?", False),
        ("Sycophancy in GPT-4o", False),  # about a model, not its launch
        ("Show HN: GPT-2 implemented using graphics shaders", False),  # a project on a model
        ("Phi-4 Reasoning Models", True),
    ],
)
def test_a_release_reads_as_a_launch(title: str, release: bool) -> None:
    it = _post("hn:1", title)
    story = Story(id="s", title=title, item_ids=(it.id,), lead_item=it.id)
    assert topics.is_release(story, {it.id: it}) is release


def test_papers_are_never_releases() -> None:
    it = _paper("arxiv:2504.10479", "InternVL3: Exploring Advanced Training and Test-Time Recipes", "")
    story = Story(id="s", title=it.title, item_ids=(it.id,), lead_item=it.id)
    assert not topics.is_release(story, {it.id: it})


def test_model_releases_only_for_releases() -> None:
    got = _assign(
        _post("hn:43683410", "GPT-4.1 in the API"),
        _post(
            "hn:43710576", "Show HN: Plandex v2 – open source AI coding agent for large projects and tasks"
        ),
        _post(
            "hn:43719447",
            "Show HN: AgentAPI – HTTP API for Claude Code, Goose, Aider, and Codex",
            "HTTP API for Claude Code, Goose, Aider, Gemini, Amp, and Codex - coder/agentapi",
        ),
    )
    assert got["hn:43683410"] == "models"
    assert got["hn:43710576"] in ("code", "agents")
    assert got["hn:43719447"] in ("code", "agents", "tooling")


def test_papers_go_to_their_subject() -> None:
    got = _assign(
        _paper(
            "arxiv:2504.09724",
            "A Survey on Efficient Vision-Language Models",
            "Vision-language models (VLMs) integrate visual and textual information, enabling a wide range "
            "of applications such as image captioning and visual question answering",
        ),
        _paper(
            "arxiv:2504.13079",
            "Retrieval-Augmented Generation with Conflicting Evidence",
            "Large language model (LLM) agents are increasingly employing retrieval-augmented generation "
            "(RAG) to improve the factuality of their responses.",
            ("cs.CL", "cs.AI"),
        ),
    )
    assert got == {"arxiv:2504.09724": "multimodal", "arxiv:2504.13079": "rag"}


def test_stories_not_about_ai_stay_other() -> None:
    got = _assign(
        _post("hn:43695231", "Show HN: Zero-codegen, no-compile TypeScript type inference from Protobufs"),
        _post("hn:43713543", "ICE Agents Realize They Arrested Wrong Teen, Say 'Take Him Anyway'"),
    )
    assert set(got.values()) == {"other"}


def test_assignment_takes_odd_input() -> None:
    assert topics.assign_topics([], {}, SEEDS) == {}
    ghost = Story(id="s-ghost", title="", item_ids=("hn:0",), lead_item="hn:0")  # its item is missing
    assert topics.assign_topics([ghost], {}, SEEDS)["s-ghost"] == topics.TopicAssignment("other", 0.0, 0.0)
    empty = _post("hn:2", "")
    assert _assign(empty) == {"hn:2": "other"}
    only_other = topics.assign_topics([ghost], {}, [topics.OTHER])
    assert only_other["s-ghost"].topic_id == "other"


# -- emerging topics: labels are phrases of their members' titles -----------------------

SPLATTING = [
    "ContrastiveGaussian: High-Fidelity 3D Generation with Contrastive Learning and Gaussian Splatting",
    "Cut-and-Splat: Leveraging Gaussian Splatting for Synthetic Data Generation",
    "BlockGaussian: Efficient Large-Scale Scene NovelView Synthesis via Adaptive Block-Based Gaussian Splatting",
    "You Need a Transition Plane: Bridging Continuous Panoramic 3D Reconstruction with Perspective Gaussian Splatting",
    "BIGS: Bimanual Category-agnostic Interaction Reconstruction from Monocular Videos via 3D Gaussian Splatting",
    "A Constrained Optimization Approach for Gaussian Splatting from Coarsely-posed Images and Noisy Lidar Point Clouds",
]  # fmt: skip
MIXED = [
    "Analyzing 16,193 LLM Papers for Fun and Profits",
    "Muon-Accelerated Attention Distillation for Real-Time Edge Synthesis via Optimized Latent Diffusion",
    "Training-free Guidance in Text-to-Video Generation via Multimodal Planning and Structured Noise Initialization",
    "Road Grip Uncertainty Estimation Through Surface State Segmentation",
    "Generating Fine Details of Entity Interactions",
    "Retrieval-Augmented Generation with Conflicting Evidence",
]  # fmt: skip


def test_a_cluster_label_is_a_phrase_its_titles_share() -> None:
    assert topics.cluster_label(SPLATTING, SPLATTING + MIXED) == "Gaussian Splatting"
    assert topics.cluster_label(MIXED, SPLATTING + MIXED) is None  # nothing shared: no label
    assert topics.cluster_label([], MIXED) is None


def test_emerging_topics_are_named_by_a_phrase_of_every_member_title() -> None:
    papers = [_paper(f"arxiv:x{n}", t, t) for n, t in enumerate(SPLATTING + MIXED * 2)]
    stories = [
        Story(id=f"s{n}", title=p.title, item_ids=(p.id,), lead_item=p.id) for n, p in enumerate(papers)
    ]
    items = {p.id: p for p in papers}
    unfit = {s.id: topics.TopicAssignment("other", 0.0, 1.0) for s in stories}
    found, moved = topics.emerging_topics(stories, items, unfit)
    assert [t.name for t in found] == ["Gaussian Splatting"]
    assert found[0].id == "emerging-gaussian-splatting" and not found[0].seed
    for sid, a in moved.items():
        title = next(s.title for s in stories if s.id == sid)
        assert a.topic_id == found[0].id and "gaussian splatting" in title.lower()
    assert len(moved) == len(SPLATTING)
    again, moved_again = topics.emerging_topics(stories, items, unfit, existing=found)
    assert again == found and moved_again == moved  # stable ids across runs


def test_too_few_unfit_stories_make_no_topic() -> None:
    papers = [_paper(f"arxiv:x{n}", t, t) for n, t in enumerate(SPLATTING)]
    stories = [
        Story(id=f"s{n}", title=p.title, item_ids=(p.id,), lead_item=p.id) for n, p in enumerate(papers)
    ]
    unfit = {s.id: topics.TopicAssignment("other", 0.0, 1.0) for s in stories}
    assert topics.emerging_topics(stories, {p.id: p for p in papers}, unfit) == ([], {})


def test_importing_topics_does_not_import_scikit_learn() -> None:
    code = (
        "import sys, hub.analysis.topics, hub.analysis.relevance; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'numpy', 'scipy', 'threadpoolctl'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_an_ai_repo_no_topic_fits_is_tooling() -> None:
    repo = Item(
        id="gh:huggingface/transformers.js",
        kind="repo",
        source="github",
        title="huggingface/transformers.js",
        url="",
        text="State-of-the-art Machine Learning for the web. Run 🤗 Transformers directly in your browser, with no need for a server!",
        tags=("javascript",),
    )
    plain = Item(
        id="gh:jesseduffield/lazygit",
        kind="repo",
        source="github",
        title="jesseduffield/lazygit",
        url="",
        text="simple terminal UI for git commands",
        tags=("go",),
    )
    assert _assign(repo, plain) == {repo.id: "tooling", plain.id: "other"}
