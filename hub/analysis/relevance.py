"""AI relevance: is an item (or a story) about AI? A score 0..1, where >= 0.5 means AI.

"About AI" = machine learning, LLMs, AI products, companies and policy, AI tooling.
Papers listed in an AI arXiv category and Hugging Face daily papers are AI by where
they come from. Everything else is read: the title first, then the text.

The method is a weighted lexicon with context rules, not a trained model, so it needs
no data at runtime and says why it decided (`evidence`):

* strong cues (AI, LLM, neural network, a lab or model family everyone knows) decide
  alone;
* ambiguous words ("agents", "tokens", "transformers", "inference", "models", "Cursor",
  "benchmarks", "GPU") weigh little: one alone is not enough, two together or one beside a
  strong cue are; some contexts cancel them ("ICE agents", "type inference");
* the text (an abstract, a post's excerpt; its first 600 characters) counts at
  TEXT_FACTOR and capped, since posts mention AI in passing; a repo's description
  counts in full, as "owner/name" says little. English and Chinese terms, as the
  recorded texts hold both.

Each cue group is searched only when one of its literal hints occurs in the text (a
plain substring test, derived from the patterns; same results, ~3x faster).

The sum s of the weights becomes the score through a logistic curve centred on
`THRESHOLD_EVIDENCE`: s = 1.5 -> 0.5; one strong cue (3) -> 0.95.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from functools import cache

from hub.types import Item

THRESHOLD_EVIDENCE = 1.5
_STEEPNESS = 2.0
TEXT_FACTOR = 0.4
TEXT_CAP = 2.5
_TEXT_CHARS = 600  # the start of a text says what it is about; later mentions are in passing
AI_CATEGORIES = frozenset({"cs.AI", "cs.CL", "cs.CV", "cs.LG", "cs.NE", "cs.MA", "cs.IR", "stat.ML"})

# (weight, case-sensitive, alternatives): a group counts once per text, whichever alternative
# matched and however often, so the weights of one idea do not pile up.
_STRONG = 3.0
_MEDIUM = 1.5
_WEAK = 0.6
_Cue = tuple[float, bool, tuple[str, ...]]
_CUES: tuple[_Cue, ...] = (
    # the field itself
    (
        _STRONG,
        True,
        (r"\bA\.?I\b", r"\bAGI\b", r"\bGenAI\b", r"\bML\b", r"\bNLP\b", r"\b[LSV]LMs?\b", r"\bVLAs?\b"),
    ),
    (_STRONG, False, (r"\bai[- ](?:powered|native|first|generated|driven|assisted|agents?|models?)\b",)),
    (
        _STRONG,
        False,
        ("artificial intelligence", r"superintelligen\w*", "machine[- ]learning", "deep[- ]learning"),
    ),
    (_STRONG, False, (r"\bneural\b", r"language models?\b", "foundation models?", "diffusion models?")),
    (_STRONG, False, ("reasoning models?", "reinforcement learning", r"\brlhf\b", r"\bgrpo\b")),
    (_STRONG, False, (r"fine[- ]?tun\w+", r"\bpre-?training\b", r"\bchatbots?\b", r"\bgenerative\b")),
    (_STRONG, False, (r"vibe[- ]cod\w*", r"\bagentic\b", r"prompt (?:injection|engineer\w*)")),
    (_STRONG, False, ("retrieval[- ]augmented", r"\bRAG\b", r"\bMCPs?\b", "model context protocol")),
    (
        _STRONG,
        False,
        ("text[- ]to[- ](?:speech|image|video|audio|3d|sql|music)", "speech[- ]to[- ]text", r"\bTTS\b"),
    ),
    (
        _STRONG,
        False,
        ("(?:image|video|music|audio|speech|3d|code) generation", "speech synthesis", r"voice clon\w*"),
    ),
    (_STRONG, False, (r"\bdeepfakes?\b", "computer vision", "speech recognition", r"open[- ]weights?\b")),
    (
        _STRONG,
        False,
        ("model weights", r"\b(?:coding|ai|llm|computer[- ]use|browser|web|research) agents?\b"),
    ),
    (_STRONG, False, ("multi[- ]agent", r"\bvision[- ]language\b", r"\bmultimodal\b", r"\bembeddings\b")),
    (_STRONG, False, ("embedding models?", r"\bback-?prop\w*")),
    # labs, model families and products that are AI by definition
    (_STRONG, False, (r"\bopenai\b", r"\banthropic\b", r"\bdeepmind\b", "hugging ?face", r"\bchatgpt\b")),
    (
        _STRONG,
        False,
        (r"\bgpt\b", r"\bgpt[- ]?\d\w*", r"\bdeepseek\w*", r"\bqwen\w*", r"\bmistral\b", r"\bmixtral\b"),
    ),
    (
        _STRONG,
        False,
        (r"\bgemma\b", r"\bllama[- ]?\d", r"\bllama\.cpp", r"\bllamacon", r"\bollama\b", r"\bvllm\b"),
    ),
    (_STRONG, False, (r"\blangchain\b", r"\bllamaindex\b", r"\bpytorch\b", r"\btensorflow\b", r"\bkeras\b")),
    (
        _STRONG,
        False,
        (r"\bcopilot\b", r"\bmidjourney\b", "stable diffusion", r"\bdall-?e\b", r"\bnotebooklm\b"),
    ),
    (_STRONG, False, (r"\bperplexity\b", r"\bwindsurf\b", r"\bcodeium\b", r"\bsuno\b", r"\belevenlabs\b")),
    (_STRONG, False, (r"\bscikit-learn\b", r"\bkaggle\b")),
    (_STRONG, True, (r"\bxAI\b", r"\bGrok\b", r"\bClaude\b(?! (?:Shannon|Monet|Debussy))", r"\bGemini \d")),
    (_STRONG, True, (r"\b[oO][134](?:-mini|-pro)?\b", r"\bLlamas?\b")),
    (
        _STRONG,
        False,
        ("人工智能", "大模型", "语言模型", "机器学习", "深度学习", "神经网络", "生成式", "智能体"),
    ),
    # specific, but weaker: words of the trade that are AI most of the time
    (_MEDIUM, False, (r"\bhallucinat\w*", r"\bsycophan\w*", r"\btransformers?\b", r"\bjailbreak\w*")),
    (
        _MEDIUM,
        False,
        (r"\bprompts?\b", r"\bclassifiers?\b", r"\btokeniz\w+", r"\bquantiz\w+", r"\bdistillation\b"),
    ),
    (
        _MEDIUM,
        False,
        ("synthetic data", "gradient descent", "autodiff", "automatic differentiation", "differentiable"),
    ),
    (_MEDIUM, False, ("(?:llm|gpu|ai|model) inference", "inference (?:engine|server|serving|costs?|speed)")),
    (
        _MEDIUM,
        False,
        (
            "training (?:data|runs?)",
            "distributed training",
            r"\btrain(?:ed|ing)? (?:an? |your own )?models?\b",
        ),
    ),
    (  # the model lifecycle named together: "training, eval, and inference code"
        _MEDIUM,
        False,
        (
            r"\btrain(?:ing)?\b[^.]{0,60}\b(?:inference|evals?|evaluation|checkpoints?)\b",
            r"\b(?:inference|evals?|evaluation)\b[^.]{0,60}\btrain(?:ing)?\b",
        ),
    ),
    (_MEDIUM, True, (r"\bCursor\b", r"\bCodex\b", r"\bGemini\b", r"\bWhisper\b", r"\bSora\b", r"\bVeo\b")),
    (_MEDIUM, True, (r"\bNvidia\b", r"\bNVIDIA\b")),
    (_MEDIUM, False, ("semantic search", "vector (?:database|search|store)", "knowledge graph")),
    (1.0, False, (r"\bgpus?\b", r"\bcuda\b", r"\btensors?\b", r"\btpus?\b")),
    # ambiguous: one alone is not enough
    (_WEAK, False, (r"\bagents?\b", r"\btokens?\b", r"\binference\b", r"\bmodels?\b", r"\bbenchmarks?\b")),
    (_WEAK, False, (r"\bevals?\b", r"\bassistant\b", r"\bbots?\b", r"\bcrawlers?\b", r"\bscrapers?\b")),
    (_WEAK, False, (r"\brobots?\b", r"\bdatasets?\b", r"\bautonomous\b", r"\bintelligence\b")),
    (_WEAK, False, (r"\breasoning\b", r"\blearning\b", r"\bpredict\w*", r"\bsynthetic\b")),
)
# Contexts that make an ambiguous word mean something else: their weight comes off again.
_NOT_AI: tuple[_Cue, ...] = (
    (
        -_WEAK,
        False,
        (r"\b(?:ice|fbi|federal|border|secret|travel|estate|free|user|dea|cia|patrol) agents?\b",),
    ),
    (-_WEAK, False, (r"\btype inference\b", r"\b(?:bayesian|causal|statistical) inference\b")),
    (-_WEAK, False, (r"\b(?:auth|access|api|bearer|jwt|csrf|refresh|crypto|security) tokens?\b",)),
    (-_MEDIUM, False, (r"\b(?:mouse|text|database|blinking) cursor\b",)),
)


def _hint(alternative: str) -> str:
    """The longest literal run (lower-case) every match of a regex alternative contains,
    or "" when there is none worth checking: a cheap `in` test that spares most searches."""
    s = re.split(r"\(\?<?[!=]", alternative)[0]  # a lookaround ends what must be there
    s = s.replace("\\b", "")
    s = re.sub(r"\{\d*,?\d*\}", "\x00", s)  # counted repeats: "{0,60}" is no literal
    s = re.sub(r"\((?:\?:)?[^()]*\)[?*+]?|\[[^\]]*\][?*+]?", "\x00", s)  # groups, classes
    s = re.sub(r"\\([.-])", r"\1", s)  # escaped literals
    s = re.sub(r"\\.[?*+]?|.[?*]|[.^$|]", "\x00", s)  # other escapes, optional chars, wildcards
    run = max(s.replace("+", "").split("\x00"), key=len)
    return run.lower() if len(run) >= 2 else ""


@cache
def _compiled() -> tuple[tuple[float, re.Pattern[str], tuple[str, ...]], ...]:
    """Each cue group: its weight, one pattern, and its hints ((): always search)."""
    out = []
    for weight, case, alts in (*_CUES, *_NOT_AI):
        hints = tuple(_hint(a) for a in alts)
        # ASCII word boundaries: "AI" glued to Chinese text ("AI驱动") still counts
        pattern = re.compile("|".join(alts), re.ASCII if case else re.ASCII | re.IGNORECASE)
        out.append((weight, pattern, () if "" in hints else hints))
    return tuple(out)


def evidence(text: str, *, prefilter: bool = True) -> list[tuple[str, float]]:
    """The cues found in `text`, each once, with their weights (negative: a context that cancels).
    `prefilter`: skip a group none of whose hints is in the text (same result, faster)."""
    lower = text.lower()
    found: dict[str, float] = {}
    for weight, pattern, hints in _compiled():
        if prefilter and hints and not any(h in lower for h in hints):
            continue
        m = pattern.search(text)
        if m and m.group(0).lower() not in found:  # two patterns on one phrase count once
            found[m.group(0).lower()] = weight
    return list(found.items())


def _sum(text: str) -> float:
    return max(0.0, sum(w for _, w in evidence(text)))


def to_score(total: float) -> float:
    """Evidence -> 0..1 on a logistic curve: THRESHOLD_EVIDENCE maps to 0.5."""
    return round(1.0 / (1.0 + math.exp(-_STEEPNESS * (total - THRESHOLD_EVIDENCE))), 4)


def text_relevance(title: str, text: str = "", *, text_factor: float = TEXT_FACTOR) -> float:
    """0..1 from a title and (at `text_factor` weight, capped) a text."""
    body = min(TEXT_CAP, text_factor * _sum(text[:_TEXT_CHARS])) if text else 0.0
    return to_score(_sum(title) + body)


def in_ai_category(tags: Iterable[str]) -> bool:
    return any(t in AI_CATEGORIES for t in tags)


def item_relevance(item: Item) -> float:
    """0..1 for one item: by where it comes from when that settles it, else by its words."""
    if item.source == "hf" or (item.kind == "paper" and in_ai_category(item.tags)):
        return 1.0
    if item.kind == "repo":  # "owner/repo" says little: the description and topics are the words
        words = item.title.replace("-", " ").replace("_", " ")
        return text_relevance(words, f"{item.text} {' '.join(item.tags)}", text_factor=1.0)
    return text_relevance(item.title, item.text)


def story_relevance(items: Sequence[Item]) -> float:
    """A story is as relevant as its most relevant item (an AI paper makes its HN thread AI)."""
    return max((item_relevance(it) for it in items), default=0.0)
