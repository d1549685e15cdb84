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

import functools
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
    r"for instance|for example|as a bonus|in comparison|by comparison|in doing so|after that|in the end"
)
# These point back even without a comma ("Thus the model…"); the others only with one.
STRONG_CONNECTIVES = (
    r"however|moreover|furthermore|additionally|consequently|therefore|thus|hence|"
    r"nevertheless|nonetheless|accordingly|conversely|but|and|to this end|to that end|to do so"
)
# An introductory phrase that refers back: "Recognizing this vulnerability, …", "To address
# these issues, …", "Building on it, …" (it opens with a preposition or a participle).
INTRO_REFERENCE = (
    r"(?:[A-Za-z]+ing|[A-Za-z]+ed|to|in|with|given|based|despite|following|for|from|towards?|"
    r"beyond|after|by|on|under|unlike|against|through|like|as|at|of|during|within|amid)\s+"
    r"(?:[\w-]+\s+){0,4}(?:this|these|those|such|it|them|the above|the former|the latter)\b"
    r"(?!\s+(?:week|month|year|day|time)\b)(?:(?!\b(?:we|our)\b)[^,;:]){0,80},"
)
_DANGLING = re.compile(
    rf"^(?:(?:{CONNECTIVES}),|(?:{STRONG_CONNECTIVES})\s|{INTRO_REFERENCE})",
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


# "We attempt to address this issue…": the issue was stated in a sentence the reader lacks.
_BACK_REFERENCE = re.compile(
    r"\b(?:this|these|that|those|such|the above|the aforementioned) (?:issues?|problems?|gaps?|"
    r"limitations?|challenges?|shortcomings?|drawbacks?|bottlenecks?|vulnerabilit(?:y|ies)|"
    r"observations?|findings?|insights?|difficult(?:y|ies))\b|"
    # "such" (not "such as") points back at what came before: "benefit from such techniques"
    r"\bsuch (?!as\b)(?:techniques?|methods?|approach(?:es)?|strateg(?:y|ies)|models?|systems?|"
    r"tasks?|settings?|cases?|designs?|mechanisms?|frameworks?|paradigms?|tools?|capabilities|"
    r"abilities|behaviou?rs?|attacks?|errors?|data)\b",
    re.IGNORECASE,
)


def dangling(summary: str, title: str = "") -> str | None:
    """An opener that points at context the summary does not include, or a first sentence
    that refers back to a problem it never states ('to address this issue')."""
    for n, s in enumerate(sentences(summary)):
        if (m := _DANGLING.match(s)) or (n == 0 and (m := _PRONOUN.match(s) or _BACK_REFERENCE.search(s))):
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


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def title_echo(summary: str, title: str = "") -> str | None:
    """The summary only repeats the title (or 'desc - owner/repo', 'GitHub - owner/repo: …')."""
    words, known = _content_words(summary), set(_content_words(title))
    if not words or not known:
        return None
    if sum(w in known for w in words) >= 0.8 * len(words):
        return summary[:80]
    name = title.strip()
    # "owner/repo — description…": the title already shows how the description starts
    shown = _norm(re.split(r" — |: ", name, maxsplit=1)[-1].rstrip("…").strip())
    if len(shown) >= 20 and _norm(summary).startswith(shown):
        return summary[:80]
    if len(known) >= 2 and _framed_by(summary.strip().lower(), name.lower()):
        return summary[:80]
    return None


def _framed_by(text: str, name: str) -> bool:
    """Is `name` the text's tail after a separator ('desc - owner/repo') or its head before
    one ('GitHub - owner/repo: desc', 'Title | Site')? Plain string tests: no regex per title."""
    tail = text.rstrip(".:").rstrip()
    if tail == name or (tail.endswith(name) and tail[: -len(name)].rstrip()[-1:] in ("-", "–", "|", ":")):
        return True
    head = text.removeprefix("github").lstrip(" -–:") if text.startswith("github") else text
    return head.startswith(name) and head[len(name) :].lstrip()[:1] in ("-", "–", "|", ":")


@functools.lru_cache(maxsize=4096)
def _char_script(ch: str) -> str:
    first = unicodedata.name(ch, "").split(" ", 1)[0]
    return "cjk" if first in ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "IDEOGRAPHIC") else first.lower()


def script(text: str) -> str:
    """The dominant writing system of a text's letters ('latin', 'cjk', 'cyrillic', …), or ''.

    Cheap language detection: what a reader of the title can read is first of all its script."""
    if text.isascii():
        return "latin" if any(ch.isalpha() for ch in text) else ""
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            kind = _char_script(ch)
            counts[kind] = counts.get(kind, 0) + (3 if kind == "cjk" else 1)  # an ideograph ~ a word
    total = sum(counts.values())
    if not total:
        return ""
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] / total >= 0.6 else "mixed"


# Frequent function words of the Latin-script languages a digest's sources are written in.
_FUNCTION_WORDS = {
    "en": "the and of to is are was with that for this on it we by from have has not be",
    "es": "el la los las que del por con una para hay otra tiene su más es",
    "fr": "le la les des est une du et pour dans qui sur pas avec ce sont",
    "de": "der die das und ist nicht mit ein eine den zu für auf sich auch von",
    "it": "il di che della per una sono non gli con del nel",
    "pt": "os da do que não uma para com em dos por",
    "nl": "de het een van en niet op te dat met voor",
}
_LEXICON = {lang: frozenset(words.split()) for lang, words in _FUNCTION_WORDS.items()}


def latin_language(text: str) -> str:
    """'en', 'es', 'fr', … by function words, or '' when too few to tell. Cheap, for prose."""
    words = _WORD.findall(text.lower())
    hits = {lang: sum(w in lex for w in words) for lang, lex in _LEXICON.items()}
    best = max(hits, key=lambda k: hits[k])
    if best != "en" and hits[best] >= 3 and hits[best] > 2 * hits["en"]:
        return best
    return "en" if hits["en"] >= 2 else ""


def language(summary: str, title: str = "") -> str | None:
    """A summary in another script (a Chinese summary, English title) or, both in Latin
    script, in another language than its title (Spanish prose under an English title)."""
    mine, theirs = script(summary), script(title)
    if mine and theirs and mine != theirs:
        return f"{theirs} title, {mine} summary: {summary[:60]}"
    lang = latin_language(summary) if mine == theirs == "latin" else ""
    if lang not in ("", "en") and latin_language(title) != lang:
        return f"{lang} summary under a title in another language: {summary[:60]}"
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
