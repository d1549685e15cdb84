"""The summary lint: what makes a summary one a reader cannot trust, as pure rules.

Each rule takes a summary and its story's title and returns the offending snippet (or
None). The extractive summarizer uses them to reject candidate sentences; the benchmark
`benchmarks/summaries.py` and the tests count them over real digests.

Rules: a sentence cut mid-way, an opener that points at missing context, boilerplate
("In this paper, we…", GitHub's page text), markup left over (LaTeX, braces, " -- ",
", ,", HTML entities, Markdown), a placeholder instead of content ("Discussed on Hacker
News (…)"), a summary that only repeats the title, and a summary in another script
than its title. An empty summary breaks no rule: saying nothing is better than these.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[]|[a-z]+[A-Z0-9])")
_END = re.compile(r"[.!?。！？][\"'”’)\]]*$")
_CUT = re.compile(r"(…|\.\.\.)(\s|$)|\s(…|\.\.\.)")

# Discourse connectives: the sentence continues an argument the reader has not seen.
CONNECTIVES = (
    r"however|moreover|furthermore|additionally|consequently|therefore|thus|hence|finally|lastly|"
    r"also|besides|meanwhile|nevertheless|nonetheless|conversely|similarly|likewise|accordingly|"
    r"instead|then|next|second(?:ly)?|third(?:ly)?|subsequently|afterwards|further|still|yet|"
    r"otherwise|alternatively|ultimately|notably|importantly|specifically|overall|"
    r"in addition|in contrast|in particular|in summary|in short|in turn|in this way|"
    r"as a result|as such|on the other hand|by contrast|to this end|for this reason|to that end|"
    r"for instance|for example|as a bonus|in comparison|by comparison|in doing so|after that"
)
# These point back even without a comma ("Thus the model…"); the others only with one.
STRONG_CONNECTIVES = (
    r"however|moreover|furthermore|additionally|consequently|therefore|thus|hence|"
    r"nevertheless|nonetheless|accordingly|conversely|but|and"
)
_DANGLING = re.compile(
    rf"^(?:(?:{CONNECTIVES}),|(?:{STRONG_CONNECTIVES})\s"
    # "Recognizing this vulnerability, …", "To address these issues, …", "Building on it, …"
    r"|(?:[\w-]+\s+){0,4}(?:this|these|those|such|it|them|the above|the former|the latter)\b"
    r"(?!\s+(?:week|month|year|day|time)\b)"
    r"[^,;:]{0,40},)",
    re.IGNORECASE,
)
# A first sentence that starts with a pronoun refers to something before it.
_PRONOUN = re.compile(
    r"^(?:this|these|that|those|such|it|its|they|their|them|he|she|his|her|here|there)\b"
    r"(?!\s+(?:paper|work|study|report|article|post|survey|thesis|letter|repository|repo|"
    r"project|library|tool|release|tutorial|guide|book|benchmark|dataset|model|week)\b)",
    re.IGNORECASE,
)
_BOILERPLATE = re.compile(
    r"\bin this (?:paper|work|study|report|article|letter|thesis|note|manuscript|survey)\b|"
    r"^(?:this|the present) (?:paper|work|study|report|article|letter|thesis|manuscript) "
    r"(?:\w+ly )?[a-z]+s\b|"
    r"\bcontribute to [\w./-]+ development\b|by creating an account on github|"
    r"^abstract\s*[:.]|\b(?:code|data|models?|datasets?|weights|project page)\b[^.]{0,40}"
    r"\b(?:is|are|will be) (?:publicly |now |freely |also )?(?:available|released) at\b|"
    r"\ball rights reserved\b|\bsubscribe (?:to|for)\b|\bsign up\b|\bclick here\b|\bread more\b|"
    r"\baccept(?:ed)? (?:all )?cookies\b|\bjavascript (?:is )?(?:disabled|required)\b",
    re.IGNORECASE | re.MULTILINE,
)
_MARKUP = re.compile(
    r"\\|\$[^$\s][^$]*\$|[{}]|\s--\s|(?<!-)--(?!-)|,\s*,|\(\s*[,;]?\s*\)|\s[,;](?=\s)|"
    r"&(?:[a-z]{2,8}|#\d{2,5}|#x[0-9a-f]{2,4});|\*\*|__|`|^#{1,6}\s|\s#{2,6}\s|"
    r"!?\[[^\]]*\]\([^)]*\)|</?[a-z][a-z0-9]*(?:\s[^<>]*)?/?>|\b[A-Za-z]\w*_\{|\^\{",
    re.IGNORECASE | re.MULTILINE,
)
_PLACEHOLDER = re.compile(
    r"^(?:discussed on (?:hacker news|reddit)|trending on github|github repository\s|"
    r"no description|https?://\S+$|\[(?:removed|deleted)\]$|comments?$|untitled)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOP_WORDS = (
    "a an the of for and or to in on with by from at is are be via using github com www "
    "we our this paper work introduce introduces present presents propose proposes"
)
_STOP = frozenset(_STOP_WORDS.split())


def sentences(text: str) -> list[str]:
    """The summary's sentences (the same boundaries the summarizer splits on)."""
    return [s.strip() for s in _SPLIT.split(text.strip()) if s.strip()]


def truncated(summary: str, title: str = "") -> str | None:
    """A sentence cut mid-way: an ellipsis, no final punctuation, an unclosed bracket."""
    text = summary.strip()
    if not text:
        return None
    if m := _CUT.search(text):
        return text[max(0, m.start() - 40) : m.end()]
    if not _END.search(text):
        return text[-50:]
    for s in sentences(text):
        if s.count("(") != s.count(")") or s.count("[") != s.count("]"):
            return s[:80]
    return None


def dangling(summary: str, title: str = "") -> str | None:
    """An opener that points at context the summary does not include."""
    for n, s in enumerate(sentences(summary)):
        if (m := _DANGLING.match(s)) or (n == 0 and (m := _PRONOUN.match(s))):
            return s[: max(m.end(), 30)]
    return None


def boilerplate(summary: str, title: str = "") -> str | None:
    """'In this paper, we…', 'This work presents…', GitHub's page text, cookie banners."""
    m = _BOILERPLATE.search(summary)
    return m.group(0) if m else None


def markup(summary: str, title: str = "") -> str | None:
    """LaTeX, braces, ' -- ', ', ,', HTML tags and entities, Markdown left in the text."""
    m = _MARKUP.search(summary)
    return summary[max(0, m.start() - 20) : m.end() + 20] if m else None


def placeholder(summary: str, title: str = "") -> str | None:
    """A line about the post instead of its content ('Discussed on Hacker News (…)')."""
    m = _PLACEHOLDER.search(summary.strip())
    return summary.strip()[:80] if m else None


def _content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP]


def title_echo(summary: str, title: str = "") -> str | None:
    """The summary only repeats the title (or 'desc - owner/repo', 'GitHub - owner/repo: …')."""
    words, known = _content_words(summary), set(_content_words(title))
    if not words or not known:
        return None
    if sum(w in known for w in words) >= 0.8 * len(words):
        return summary[:80]
    name = title.strip()
    if len(known) >= 2 and re.search(
        rf"(?:^|\s[-–|:]\s*){re.escape(name)}\s*[.:]?$|^(?:github\s*[-–:]\s*)?{re.escape(name)}\s*[-–|:]\s",
        summary.strip(),
        re.IGNORECASE,
    ):
        return summary[:80]
    return None


def script(text: str) -> str:
    """The dominant writing system of a text's letters ('latin', 'cjk', 'cyrillic', …), or ''.

    Cheap language detection: what a reader of the title can read is first of all its script."""
    counts: dict[str, int] = {}
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        first = name.split(" ", 1)[0]
        kind = "cjk" if first in ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "IDEOGRAPHIC") else first.lower()
        weight = 3 if kind == "cjk" else 1  # one ideograph carries about a word
        counts[kind] = counts.get(kind, 0) + weight
    total = sum(counts.values())
    if not total:
        return ""
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] / total >= 0.6 else "mixed"


def language(summary: str, title: str = "") -> str | None:
    """A summary written in another script than its title (a Chinese summary, English title)."""
    mine, theirs = script(summary), script(title)
    if mine and theirs and mine != theirs:
        return f"{theirs} title, {mine} summary: {summary[:60]}"
    return None


RULES: dict[str, Callable[[str, str], str | None]] = {
    "truncated": truncated,
    "dangling": dangling,
    "boilerplate": boilerplate,
    "markup": markup,
    "placeholder": placeholder,
    "title_echo": title_echo,
    "language": language,
}


def lint(summary: str, title: str) -> dict[str, str]:
    """Every rule the summary breaks, with the offending snippet."""
    return {name: hit for name, rule in RULES.items() if (hit := rule(summary, title)) is not None}
