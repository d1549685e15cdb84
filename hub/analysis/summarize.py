"""Summaries. The offline extractive summarizer: one to three whole sentences of the
story's own texts (or of the article / README its items link, when the enrich step
fetched it), chosen by TextRank centrality over TF-IDF sentence similarities, what the
title promises, the paper's own contribution and its result.

A sentence is cleaned (LaTeX, `--`, braces), repaired where that is safe (a leading
"Therefore," or "To address this," dropped; "In this paper, we…" -> "We…"; "We propose
X, a Y" -> "X is a Y") and then must pass every rule of `summary_lint`: no sentence is
ever cut, and a story with nothing usable gets an empty summary, never a placeholder.

Every summary cites the item ids its sentences come from. Pure: values in, values out.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hub.analysis import summary_lint
from hub.analysis.resolve import title_tokens
from hub.types import Item, Observation, Story, Summary

_KIND_ORDER = {"paper": 0, "repo": 1, "release": 2, "post": 3, "thread": 4}
_REJECT = "\x00"  # marks a sentence that lost something in cleaning (an unknown macro)

# -- cleaning -----------------------------------------------------------------------------

_SYMBOLS = {
    "times": "×", "pm": "±", "approx": "≈", "sim": "~", "rightarrow": "→", "to": "→",
    "leftarrow": "←", "Rightarrow": "⇒", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥",
    "cdot": "·", "infty": "∞", "circ": "°", "deg": "°", "alpha": "α", "beta": "β",
    "gamma": "γ", "delta": "δ", "Delta": "Δ", "epsilon": "ε", "varepsilon": "ε",
    "theta": "θ", "Theta": "Θ", "kappa": "κ", "lambda": "λ", "mu": "μ", "pi": "π",
    "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "omega": "ω", "eta": "η",
    "ie": "i.e.", "eg": "e.g.", "etal": "et al.", "etc": "etc.", "vs": "vs.",
    "textpertenthousand": "‱", "textasciitilde": "~", "space": " ", "quad": " ",
    "left": "", "right": "", "rm": "", "bf": "", "it": "", "displaystyle": "",
    "max": "max", "min": "min", "log": "log", "exp": "exp", "sqrt": "√",
}  # fmt: skip
_WITH_TEXT = re.compile(
    r"\\(?:textbf|textit|emph|mathrm|mathbf|mathcal|mathtt|mathsf|mathbb|text|texttt|textsc|textrm|"
    r"textsf|underline|boldsymbol|operatorname|textsuperscript|textsubscript|mbox|hbox|uppercase)"
    r"\s*\{([^{}]*)\}"
)
_HREF = re.compile(r"\\(?:href|textcolor)\s*\{[^{}]*\}\s*\{([^{}]*)\}")
_DROPPED = re.compile(r"\\(?:color|label|vspace|hspace)\s*\{[^{}]*\}")
_LOST = re.compile(r"\\(?:footnote|cite\w*|ref|url|unicode)\s*\{[^{}]*\}")  # the sentence needs them
# Inline math, but not money: "$5 or $10" opens no formula.
_MATH = re.compile(r"(?<!\\)\$(?!\d[\d.,]*(?:[\s)\]]|$))([^$]{1,120})(?<!\\)\$")
_MACRO = re.compile(r"\\([A-Za-z]+)\s?(?:\{\})?")
_ESCAPED = re.compile(r"\\([%&_#$ ,;!])")


def _macro(m: re.Match[str]) -> str:
    name = m.group(1)
    if name in _SYMBOLS:
        return _SYMBOLS[name]
    return _REJECT  # \name, \ourmodel: the system's name is gone, the sentence with it


def _math(m: re.Match[str]) -> str:
    inner = _MACRO.sub(_macro, _WITH_TEXT.sub(r"\1", m.group(1)))
    return inner.replace("{", "").replace("}", "").replace(" ", "") if len(inner) < 12 else inner


def clean_latex(text: str) -> str:
    """Abstracts carry LaTeX: `$\\sim$10\\%` -> `~10%`, `\\textbf{X}` -> `X`, `\\ie` -> `i.e.`,
    ` -- ` -> ` – `, `{Pandora}` -> `Pandora`. An unknown macro marks its sentence unusable."""
    text = html.unescape(text)
    text = re.sub(r"(?<=\S)~(?=\S)", " ", text)  # a LaTeX tie is a space
    text = _HREF.sub(r"\1", _WITH_TEXT.sub(r"\1", _WITH_TEXT.sub(r"\1", text)))
    text = _LOST.sub(_REJECT, _DROPPED.sub("", text))
    text = _ESCAPED.sub(lambda m: {",": " ", ";": " ", "!": "", " ": " "}.get(m[1], m[1]), text)
    text = _MATH.sub(_math, text)
    text = _MACRO.sub(_macro, text).replace("\\", "")
    text = text.replace("{", "").replace("}", "").replace("``", '"').replace("''", '"')
    text = re.sub(r"\$(?!\d)", "", text.replace("---", "—").replace("--", "–"))  # "$600" is money
    text = re.sub(r"\s+([,;.])", r"\1", " ".join(text.split()))
    return re.sub(r",(?:\s*,)+", ",", text)


# -- sentences ----------------------------------------------------------------------------

# A sentence starts with a capital, a digit, a quote or a name like "xVerify" / "d1".
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[]|[a-z]+[A-Z0-9])|(?<=[。！？])")
_ABBREV = re.compile(
    r"(?:\b(?:e\.g|i\.e|et al|vs|cf|etc|Fig|Figs|Eq|Eqs|Sec|No|approx|resp|Inc|Corp|Dr|Mr|Ms|St)\.|"
    r"\b[A-Z]\.)$"
)
_MD = re.compile(r"!\[[^\]]*\]\([^)]*\)|\[([^\]]*)\]\([^)]*\)|\*\*|__|`")


def _paragraphs(text: str) -> list[str]:
    """Lines of prose: a fetched article has one paragraph a line (a heading, a list item or
    a caption is a line of its own), an abstract or a description is one line."""
    return [p for p in (" ".join(line.split()) for line in text.splitlines()) if p]


def sentences(text: str) -> list[str]:
    """The sentences of a text, cleaned; abbreviations and brackets do not end a sentence."""
    out: list[str] = []
    for para in _paragraphs(text):
        pieces = _SPLIT.split(clean_latex(_MD.sub(lambda m: m.group(1) or "", para)))
        merged: list[str] = []
        for piece in (p.strip() for p in pieces if p.strip()):
            prev = merged[-1] if merged else ""
            if prev and (_ABBREV.search(prev) or prev.count("(") > prev.count(")")):
                merged[-1] = f"{prev} {piece}"
            else:
                merged.append(piece)
        out += [s for s in merged if len(s) > 20]
    return out


# -- repair: make a sentence read on its own ----------------------------------------------

_LEADING_REF = re.compile(rf"^{summary_lint.INTRO_REFERENCE}\s+", re.IGNORECASE)
# An example or a comparison needs what it exemplifies: such a sentence is dropped, not repaired.
_KEEP_OPENER = re.compile(
    r"^(?:for instance|for example|similarly|likewise|in contrast|by contrast|conversely|in comparison|"
    r"by comparison|as a bonus|in the end|alternatively|otherwise|in turn)\b",
    re.IGNORECASE,
)
_LEADING_CONNECTIVE = re.compile(
    rf"^(?:(?:{summary_lint.CONNECTIVES}),\s*|(?:{summary_lint.STRONG_CONNECTIVES})\s+)", re.IGNORECASE
)
_IN_THIS_PAPER = re.compile(
    r"^in (?:this|the present) (?:paper|work|study|report|article|letter|thesis|note|manuscript),?\s+"
    r"|,?\s+in this (?:paper|work|study|report|article|letter|thesis|note|manuscript)\b",
    re.IGNORECASE,
)
_THIS_PAPER_VERB = re.compile(
    r"^(?:this|the present) (?:paper|work|study|report|article|letter|thesis|manuscript) "
    r"((?:\w+ly )?)([a-z]+s)\b",
    re.IGNORECASE,
)


def _base_form(verb: str) -> str:
    """'proposes' -> 'propose', 'studies' -> 'study', 'addresses' -> 'address'."""
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    if re.search(r"(ss|sh|ch|x|z|us)es$", verb):
        return verb[:-2]
    return verb[:-1]


_APPOSITIVE = re.compile(
    r"^We (?:introduce|present|propose|release|develop|build|design|construct|curate|create) "
    r"((?:[A-Z0-9]|[a-z]+[A-Z0-9])[^,:;]{0,60}?), ((?:a|an|the) .+)$"
)
_SECOND_SUBJECT = re.compile(
    r"\b(?:we|our|us)\b|\band (?:then |also |further |thoroughly )?(?:evaluate|show|demonstrate|find|"
    r"use|train|release|conduct|compare|apply|analy[sz]e|benchmark|test|provide|construct|build|develop|"
    r"design|collect|perform|study|investigate|explore|open-source|make|introduce|propose|present)\b",
    re.IGNORECASE,
)


def _upper_first(s: str) -> str:
    return s[:1].upper() + s[1:]


def standalone(sentence: str) -> str:
    """Drop what points at missing context ('Therefore,', 'To address this,'), rewrite
    'In this paper, we…' / 'This paper presents…' to 'We…', and 'We propose X, a Y' to
    'X is a Y' when nothing else in the sentence needs the 'we'."""
    s = sentence
    for _ in range(2):  # "Finally, to address this, we…"
        if _KEEP_OPENER.match(s):
            break
        rest = _LEADING_CONNECTIVE.sub("", s, count=1)
        rest = _LEADING_REF.sub("", rest, count=1) if len(rest.split()) > 6 else rest
        rest = _IN_THIS_PAPER.sub("", rest)
        if rest == s:
            break
        s = _upper_first(rest)
    if m := _THIS_PAPER_VERB.match(s):
        s = f"We {m[1]}{_base_form(m[2].lower())}{s[m.end() :]}"
    if (m := _APPOSITIVE.match(s)) and not _SECOND_SUBJECT.search(m[2]):
        s = f"{m[1]} is {m[2]}"
    return _STRAY_COMMA.sub(r"\1 \2", s, count=1)


# A comma between a short subject and its verb, left where a page's text lost an appositive:
# "Gemini 2.5 Flash,  is now in preview" (developers.googleblog.com's own description).
_STRAY_COMMA = re.compile(
    r"^((?:[A-Z0-9][\w.+-]*)(?: [A-Z0-9][\w.+-]*){0,5}),\s+(is|are|was|were|has|have)\b"
)


# -- candidates ---------------------------------------------------------------------------

_SKIP = re.compile(
    r"^(code|our code|the code|data|models?|project page|demo|source code|datasets?|weights)"
    r"( and [\w ]+)? (is|are|will be) (publicly |now |freely |also )?(available|released)|"
    r"https?://|github\.com|www\.|^\W*$|^(accepted|to appear) (at|in)\b|^abstract page for arxiv|"
    r"\bcontribute to [\w./-]+ development\b|^(?:[-*+•>|#]|\d+[.)])\s",
    re.IGNORECASE,
)
_GITHUB_SUFFIX = re.compile(r"\s[-–]\s[\w.-]+/[\w.-]+\s*$")  # GitHub's "desc - owner/repo"


@dataclass(frozen=True, slots=True)
class Candidate:
    item_id: str
    position: int
    raw: str  # as written (cues are read from it)
    text: str  # repaired, as it would be shown


def _source_text(it: Item, texts: Mapping[str, str] | None) -> str:
    fetched = (texts or {}).get(it.id, "")
    if fetched.strip():
        return fetched
    text = _GITHUB_SUFFIX.sub("", it.text)
    if it.kind == "repo" and text.strip() and not re.search(r"[.!?。！？][\"')\]]*\s*$", text):
        text = text.strip().rstrip(",;:-–") + "."  # a description is one sentence without its period
    return text


def usable(sentence: str, title: str, max_chars: int = 400) -> bool:
    """Would this (repaired) sentence pass the lint on its own, and fit?"""
    if _REJECT in sentence or not 20 < len(sentence) <= max_chars:
        return False
    return not summary_lint.lint(sentence, title)


def candidates(
    story: Story, items: Mapping[str, Item], texts: Mapping[str, str] | None = None
) -> list[Candidate]:
    """Usable sentences of the first item (lead item first) that has any; fetched texts first."""
    members = sorted(
        (items[i] for i in story.item_ids if i in items),
        key=lambda it: (
            it.id not in (texts or {}),
            it.id != story.lead_item,
            _KIND_ORDER.get(it.kind, 9),
            it.id,
        ),
    )
    for it in members:
        source = _source_text(it, texts)
        if summary_lint.language(source, story.title):
            continue  # a text in another language may still hold an English phrase or two
        out = []
        for pos, raw in enumerate(sentences(source)):
            if _SKIP.search(raw):
                continue
            text = standalone(raw)
            if usable(text, story.title):
                out.append(Candidate(it.id, pos, raw, text))
        if out:
            return out
    return []


# -- scoring and choice -------------------------------------------------------------------

_CONTRIBUTION = re.compile(
    r"\b(we|this (paper|work|report)|our)\s+(\w+ly\s+)?"
    r"(propose|present|introduce|release|show|find|demonstrate|develop|open-source)",
    re.IGNORECASE,
)
_RESULT = re.compile(
    r"\b(outperform\w*|achiev\w*|surpass\w*|state-of-the-art|SOTA|beats?|matches|rivals?|"
    r"open-sourc\w+|publicly release\w*|speed-?ups?|\d+(\.\d+)?\s?(%|x|×)|\d+(\.\d+)?[BMK]\b)",
    re.IGNORECASE,
)


_BACKGROUND = re.compile(
    r"^(?:recent|recently|with the (?:rapid|recent|growing|increasing|advent|emergence|rise)|"
    r"in recent years|over the (?:past|last)|nowadays|currently|traditional|existing|"
    r"[^,.]{0,80}\b(?:has|have) (?:recently )?(?:become|emerged|gained|shown|attracted|made|seen|"
    r"achieved|demonstrated|revolutionized|transformed|enabled|undergone|introduced|led))\b",
    re.IGNORECASE,
)


def textrank(sentences_: Sequence[str], damping: float = 0.85, iterations: int = 50) -> list[float]:
    """TextRank centrality of each sentence (PageRank over TF-IDF cosine similarities), 0..1."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(sentences_)
    if n < 3:
        return [1.0] * n
    try:
        tfidf = TfidfVectorizer(stop_words="english").fit_transform(sentences_)
    except ValueError:  # nothing but stop words
        return [1.0] * n
    sim = (tfidf @ tfidf.T).toarray()
    np.fill_diagonal(sim, 0.0)
    rows = sim.sum(axis=1, keepdims=True)
    walk = np.divide(sim, rows, out=np.full_like(sim, 1.0 / n), where=rows > 0)
    rank = np.full(n, 1.0 / n)
    for _ in range(iterations):
        rank = (1 - damping) / n + damping * walk.T @ rank
    return [float(r) for r in rank / rank.max()]


def _score(c: Candidate, title: frozenset[str], centrality: float) -> float:
    """Centrality, what the title promises, what is new (contribution) and its result, length;
    less for the field's background ("Recent advances in X have…"), which says nothing new."""
    words = title_tokens(c.text)
    overlap = len(words & title) / (len(title) or 1)
    cue = 0.4 if _CONTRIBUTION.search(c.raw) else 0.0
    result = 0.3 if _RESULT.search(c.raw) else 0.0
    size = 0.2 if 60 <= len(c.text) <= 260 else 0.0
    background = -0.4 if not cue and _BACKGROUND.search(c.raw) else 0.0
    return centrality + overlap + cue + result + size + background + 0.2 / (1 + c.position)


def _choose(
    cands: Sequence[Candidate], order: Sequence[int], max_sentences: int, max_chars: int
) -> list[int]:
    """The best sentences that fit whole within max_chars; a long one is skipped, never cut."""
    chosen: list[int] = []
    used = -1
    for k in order:
        size = len(cands[k].text) + 1
        if used + size > max_chars or any(cands[k].text == cands[j].text for j in chosen):
            continue
        chosen.append(k)
        used += size
        if len(chosen) == max_sentences:
            break
    return sorted(chosen)  # keep the original order


def extractive_summary(
    story: Story,
    items: Mapping[str, Item],
    observations: Mapping[str, Sequence[Observation]],
    *,
    max_sentences: int = 2,
    max_chars: int = 400,
    texts: Mapping[str, str] | None = None,
) -> Summary:
    """1..max_sentences whole sentences (empty when nothing passes the lint), citing their items.

    texts: item id -> the main text of the article the item links, or its repo's README
    opening (fetched by the enrich step); used instead of the item's own text when present.
    observations are not read: signals are shown beside the summary, not written into it.
    """
    cands = candidates(story, items, texts)
    if not cands:
        return Summary(story.id, "", (), "extractive")
    title = title_tokens(story.title)
    central = textrank([c.text for c in cands])
    order = sorted(range(len(cands)), key=lambda k: (-_score(cands[k], title, central[k]), k))
    chosen = _choose(cands, order, max(1, min(max_sentences, 3)), max_chars)
    if not chosen:
        return Summary(story.id, "", (), "extractive")
    text = " ".join(cands[k].text for k in chosen)
    cites = tuple(dict.fromkeys(cands[k].item_id for k in chosen))
    return Summary(story.id, text, cites, "extractive")
