"""Names: the distinctive proper names in titles ("Gemini 2.5 Flash", "OpenAI o3", "Windsurf").

Two uses: a newsletter that names a story raises it (a curation signal), and two posts
of a few days apart that share a distinctive name are one event. A name is a run of
title words that look like a name — a word with a digit ("o3", "GPT-4.1", "2B4T"), an
inner capital ("OpenAI", "InternVL3"), an acronym ("QAT"), or a capitalized word inside
a sentence-case title ("buying Windsurf") — holding at least one such word that is rare
among the window's titles, so "AI", "LLM" or "Google" alone never count. Pure functions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Words of a title: letters/digits with inner dots, hyphens, plus signs ("gpt-4.1", "c++").
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+\-]*[A-Za-z0-9+]|[A-Za-z0-9]")
_BREAK = re.compile(r"[:;,!?()\[\]|–—\"“”]|\s-\s")  # noqa: RUF001 - typographic dashes break runs
_PREFIX = re.compile(r"^\s*(show|ask|launch|tell)\s+hn\s*:\s*", re.IGNORECASE)
_NUMBER = re.compile(r"^\d+(?:\.\d+)*$")
# Capitalized words that start clauses or headlines but are not names.
_COMMON = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "for",
        "to",
        "in",
        "on",
        "at",
        "by",
        "with",
        "from",
        "into",
        "over",
        "under",
        "about",
        "after",
        "before",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "can",
        "could",
        "will",
        "would",
        "should",
        "may",
        "might",
        "my",
        "your",
        "our",
        "their",
        "its",
        "his",
        "her",
        "we",
        "you",
        "they",
        "i",
        "it",
        "this",
        "that",
        "these",
        "those",
        "what",
        "why",
        "how",
        "when",
        "where",
        "who",
        "which",
        "new",
        "why",
        "show",
        "ask",
        "launch",
        "tell",
        "hn",
        "part",
        "vs",
        "via",
        "not",
        "no",
        "yes",
        "all",
        "any",
        "some",
        "more",
        "most",
        "introducing",
        "announcing",
        "meet",
        "using",
        "building",
        "making",
        "how",
        "towards",
        "toward",
        "beyond",
        "through",
        "across",
        "between",
        "within",
        "without",
        "against",
        "as",
        "than",
    ]
)
RARE_MAX_SHARE = 0.01  # a name word in at most 1% of the window's titles ...
RARE_MIN_DF = 6  # ... or in at most this many (small windows)


def norm(text: str) -> str:
    """Lower case, hyphens/underscores/slashes as spaces, one space between words."""
    text = re.sub(r"[\-_/]+", " ", text.lower())
    return " ".join(re.findall(r"[a-z0-9][a-z0-9.+]*[a-z0-9+]|[a-z0-9]", text))


def _namelike(word: str, sentence_case: bool, first: bool) -> bool:
    if any(c.isdigit() for c in word) and any(c.isalpha() for c in word):
        return True
    if any(any(c.isupper() for c in part[1:]) and any(c.islower() for c in part) for part in word.split("-")):
        return True  # OpenAI, InternVL, DeepWiki (not High-Level)
    if word.isupper() and len(word) >= 2 and word.isalpha():
        return True  # QAT, MCP
    return sentence_case and not first and word[:1].isupper() and word.lower() not in _COMMON


def _sentence_case(words: Sequence[str]) -> bool:
    """Most words lower case: then a capital inside the title marks a name."""
    tail = [w for w in words[1:] if w[:1].isalpha()]
    return bool(tail) and sum(w[:1].isupper() for w in tail) <= len(tail) / 2


def _chunk_runs(chunk: Sequence[str], sentence: bool) -> list[tuple[str, ...]]:
    """Maximal runs of name-like and joining words in one clause; a run counts when it holds a
    name-like word or a capitalized word followed by a version number ("Gemini 2.5")."""
    runs: list[tuple[str, ...]] = []
    current: list[str] = []
    strong = False
    for i, w in enumerate([*chunk, ""]):
        name = bool(w) and _namelike(w, sentence, first=i == 0)
        capital = w[:1].isupper() and w.lower() not in _COMMON
        number = bool(_NUMBER.match(w))
        if name or capital or (number and current):
            strong = strong or name or (number and bool(current))
            current.append(w.lower())
            continue
        if current and strong:
            runs.append(tuple(current))
        current, strong = [], False
    return runs


HEAD_MAX_WORDS = 4
_REPORT = re.compile(r"^([A-Z][^:,]{0,60}?)\s+(?i:technical report|tech report|system card|model card)\s*$")


def head(title: str) -> tuple[str, ...]:
    """The name a title leads with, by the convention of papers and launches: "DRAGON: …",
    "Describe Anything: …", "Show HN: Dia, an open-weights TTS model …", "Qwen2.5-Omni
    Technical Report" (lower case)."""
    show = bool(_PREFIX.match(title))
    rest = _PREFIX.sub("", title)
    report = _REPORT.match(rest)
    if report:  # "Phi-4-reasoning Technical Report", "Seedream 3.0 Technical Report"
        words = _WORD.findall(report.group(1))
        return tuple(w.lower() for w in words) if 1 <= len(words) <= HEAD_MAX_WORDS else ()
    m = re.match(r"^([^:,–—]{1,60}?)\s*(:|,|\s[–—-]\s)", rest)  # noqa: RUF001
    # "X: ...", and in a launch "Show HN: X, an ..." or an apposition "X, the first ..."
    if not m:
        return ()
    apposition = re.match(r"^\s*(the|a|an)\s", rest[m.end() :], re.IGNORECASE) is not None
    if m.group(2) != ":" and not show and not apposition:
        return ()
    words = _WORD.findall(m.group(1))
    if not 1 <= len(words) <= HEAD_MAX_WORDS or not words[0][:1].isupper():
        return ()
    return tuple(w.lower() for w in words)


def name_runs(title: str) -> list[tuple[str, ...]]:
    """The title's leading name (see `head`), then runs of name-like words (and the
    numbers/capitalized words joined to them), lower case."""
    lead = head(title)
    title = _PREFIX.sub("", title)
    sentence = _sentence_case(_WORD.findall(title))
    runs = [run for chunk in _BREAK.split(title) for run in _chunk_runs(_WORD.findall(chunk), sentence)]
    return [lead, *[r for r in runs if r != lead]] if lead else runs


def strong_words(title: str) -> set[str]:
    """The title's words that look like names by themselves (not merely Title Case), and
    the words of its leading name."""
    out = set(head(title))
    title = _PREFIX.sub("", title)
    words = _WORD.findall(title)
    sentence = _sentence_case(words)
    for chunk in _BREAK.split(title):
        ws = _WORD.findall(chunk)
        for i, w in enumerate(ws):
            versioned = w[:1].isupper() and i + 1 < len(ws) and bool(_NUMBER.match(ws[i + 1]))
            if _namelike(w, sentence, first=i == 0) or versioned:  # "Gemini 2.5", "Gemma 3"
                out.add(w.lower())
    return out


def name_words(title: str) -> set[str]:
    """Every word of the title's name runs (normalized like `norm`)."""
    return {n for run in name_runs(title) for n in norm(" ".join(run)).split()}


def shaped(word: str) -> bool:
    """A single word specific enough to find in a long text: "Uni3C", "DRAGON", "InternVL3"."""
    letters = sum(c.isalpha() for c in word)
    mixed = any(c.isupper() for c in word[1:]) and any(c.islower() for c in word)
    digits = any(c.isdigit() for c in word)
    return letters >= 3 and len(word) >= 4 and (mixed or digits or word.isupper())


def run_phrases(title: str) -> set[str]:
    """The title's name runs as normalized phrases (what "names X" means for a headline)."""
    return {norm(" ".join(run)) for run in name_runs(title)}


MAX_NGRAM = 5


def ngrams(text: str) -> set[str]:
    """Every 1..MAX_NGRAM word sequence of a normalized text: names are looked up in it."""
    words = norm(text).split()
    return {" ".join(words[i : i + n]) for n in range(1, MAX_NGRAM + 1) for i in range(len(words) - n + 1)}
