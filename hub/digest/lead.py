"""The digest's lead paragraph and topic intros, extractive: built only from the digest's
own stories and their summaries. Pure.

A sentence names a story and says what it is in words from its own summary, then cites
it by rank: "TTRL — Test-Time Reinforcement Learning (TTRL) is a novel method for
training LLMs using RL on unlabeled data [1]." `render` links "[n]" to story n. With an
LLM configured, the cited LLM lead and intros replace these.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from hub.analysis import names
from hub.analysis.summary_lint import sentences
from hub.types import DigestStory, TopicCount

LEAD_STORIES = 3  # stories the lead names with a sentence of their own
ALSO_STORIES = 3  # top stories named in passing (no usable sentence, or for breadth)
MAX_SENTENCE = 200  # a lead sentence longer than this is not used (never cut)
MAX_LEAD = 420  # the story sentences together
LEAD_WORDS = 5  # a sentence whose first words hold the story's name is about it
_POST_PREFIX = re.compile(r"^(?:show|ask|launch|tell) hn:\s*", re.IGNORECASE)
_FIRST_PERSON = re.compile(r"\b(?:we|our|us|ours|my|me|mine)\b", re.IGNORECASE)
_I = re.compile(r"(?<![\w.])I(?:['’](?:m|ve|d|ll))?(?![\w.])")  # "I", "I've"; not "i.e." or "Phase I."
_APPOSITION = re.compile(r"^([^,]{2,40}?), (?:a|an|the) ")  # "Mercury, the first ... model"
_OTHER = "other"
# Where a long sentence that names a story may end early: before a clause that only adds
# detail to a whole main clause ("X is an open-source LLM for theorem proving in Lean 4,
# with data collected through ..." says what X is up to the comma).
_DETAIL = re.compile(
    r",\s+(?:with|which|where|whereas|while|including|such as|e\.g\.|achieving|enabling|allowing|"
    r"making|using|leveraging|featuring|offering|providing|outperforming|surpassing|reaching|"
    r"yielding|resulting|demonstrating|showing|built|trained|powered)(?!\w)"
)


def name(title: str) -> str:
    """What a story is called: 'TTRL' for 'TTRL: Test-Time…', 'owner/repo' for a repo,
    'Dia' for 'Dia, an open-weights TTS model…', 'Phi-4-reasoning' for its technical report."""
    title = _POST_PREFIX.sub("", title.strip())
    head = re.split(r" — |: ", title, maxsplit=1)[0].strip()
    if head == title and (m := names._REPORT.match(title) or _APPOSITION.match(title)):
        head = m.group(1).strip()
    return head if 2 <= len(head) <= 60 else title


def _said(sentence: str) -> str | None:
    """The sentence as the lead can say it: 'We introduce X' -> 'Its authors introduce X';
    None when it speaks in the first person past its opening word ("I've been building…")."""
    if sentence.startswith("We "):
        sentence = "its authors " + sentence[3:]
    if _FIRST_PERSON.search(sentence) or _I.search(sentence):
        return None
    return sentence


def _names(sentence: str, called: str) -> re.Match[str] | None:
    """Where the sentence says the story's name as a word ("Dia" is not in "dialogue")."""
    return re.search(rf"(?<![\w-]){re.escape(called)}(?![\w-])", sentence, re.IGNORECASE)


def _leads_with(sentence: str, called: str) -> bool:
    """Is the story's name among the sentence's first words ("The resulting Phi-4-Mini-
    Reasoning model exceeds…"), so it is what the sentence is about? Not "Tips and patterns
    for getting the most out of Claude Code"."""
    found = _names(sentence, called)
    return found is not None and len(sentence[: found.start()].split()) <= LEAD_WORDS


def _main_clause(sentence: str, called: str) -> str:
    """A sentence longer than MAX_SENTENCE up to the first detail clause after the story's
    name (then ending in a full stop), else as it is."""
    if len(sentence) <= MAX_SENTENCE:
        return sentence
    found = _names(sentence, called)
    after = found.end() if found else 0
    cut = next((m.start() for m in _DETAIL.finditer(sentence) if m.start() >= after), None)
    return f"{sentence[:cut]}." if cut is not None else sentence


def story_sentence(story: DigestStory) -> str | None:
    """'<name> — <a sentence of its summary> [rank].', or None when no sentence fits.
    A sentence that names the story itself is preferred (a long one up to its main clause),
    and then stands alone."""
    called = name(story.title)
    said_all = [said for s in sentences(story.summary) if (said := _said(s))]
    called_in = [s for s in said_all if _names(s, called)]
    naming = [m for s in called_in if len(m := _main_clause(s, called)) <= MAX_SENTENCE]
    fits = [s for s in said_all if len(s) <= MAX_SENTENCE]
    if not naming and not fits:
        return None
    said = naming[0] if naming else fits[0]
    body, end = (said[:-1], said[-1]) if said[-1] in ".!?" else (said, ".")
    intro = re.match(rf"its authors \w+ {re.escape(called)}, ((?:a|an|the) .+)$", body, re.IGNORECASE)
    if intro:  # "its authors introduce X, the first open LLM" says "X — the first open LLM"
        body = intro.group(1)
    if not _leads_with(body, called):
        body = f"{called} — {body}"  # a sentence that opens on the story's name stands alone
    return f"{body} [{story.rank}]{end}"


def _mentions(stories: Sequence[DigestStory]) -> str:
    names = [f"{name(s.title)} [{s.rank}]" for s in stories]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _counts(stats: Mapping[str, int]) -> str:
    return (
        f"{stats.get('items', 0)} new items this week ({stats.get('papers', 0)} papers, "
        f"{stats.get('repos', 0)} repositories, {stats.get('posts', 0)} posts and threads) "
        f"joined into {stats.get('stories', 0)} stories."
    )


def compose_lead(
    stories: Sequence[DigestStory], counts: Sequence[TopicCount], stats: Mapping[str, int]
) -> str:
    """3-5 sentences: the week's top stories in their own words, each citing its rank, and
    the top stories without a usable sentence named in passing; the week's numbers only
    when that leaves fewer than three sentences (the page shows them in a table below).
    At most MAX_LEAD characters of story sentences: story 1 stays on a phone's first screen."""
    if not stories:
        return "No stories this week."
    said: list[str] = []
    passing: list[DigestStory] = []
    for s in stories[:10]:
        if len(said) >= LEAD_STORIES:
            break
        line = story_sentence(s)
        if line is not None and sum(map(len, said)) + len(line) <= MAX_LEAD:
            said.append(line)
        elif line is None and len(passing) < ALSO_STORIES and s.rank <= 5:
            passing.append(s)
    parts = said
    if passing:
        parts.append(f"Also among the top stories: {_mentions(passing)}.")
    if len(parts) < 3:
        parts.append(_counts(stats))
    return " ".join(parts)


def topic_intros(stories: Sequence[DigestStory]) -> dict[str, str]:
    """Per topic section of two or more stories (not 'other'): its best story in its own
    words, and the next ones named, each citing its rank."""
    groups: dict[str, list[DigestStory]] = {}
    for s in sorted(stories, key=lambda s: s.rank):
        groups.setdefault(s.topic, []).append(s)
    out: dict[str, str] = {}
    for topic, group in groups.items():
        if len(group) < 2 or topic == _OTHER:
            continue
        first = next(((s, line) for s in group if (line := story_sentence(s)) is not None), None)
        if first is None:
            out[topic] = f"This week: {_mentions(group[:4])}."
            continue
        rest = [s for s in group if s is not first[0]][:3]
        out[topic] = f"{first[1]} Also here: {_mentions(rest)}."
    return out
