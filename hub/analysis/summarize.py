"""Summaries. The offline extractive summarizer: the most informative sentences of the
story's own texts, or a factual line built from its signals when it has no text.

Every summary cites the item ids its sentences come from. Pure: values in, values out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from hub.analysis.resolve import title_tokens
from hub.types import Item, Observation, Story, Summary

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
_BOILERPLATE = re.compile(
    r"^(code|our code|the code|data|models?|project page|demo|source code|datasets?)"
    r"( and [\w ]+)? (is|are|will be) (publicly |now |freely )?(available|released)|"
    r"https?://|github\.com|^\W*$|^(accepted|to appear) (at|in)\b|^abstract page for arxiv",
    re.IGNORECASE,
)
_KIND_ORDER = {"paper": 0, "repo": 1, "release": 2, "post": 3, "thread": 4}


_LATEX_CMD = re.compile(r"\\(?:textbf|textit|emph|mathrm|mathbf|mathcal|text|texttt|url)\{([^{}]*)\}")
_LATEX_MATH = re.compile(r"\$([^$]{1,80})\$")
_LATEX_BARE = re.compile(r"\\[a-zA-Z]+\s?")


def clean_latex(text: str) -> str:
    """Abstracts carry LaTeX: `$\\sim$10\\%` -> `about 10%`, `\\textbf{X}` -> `X`."""
    text = _LATEX_CMD.sub(r"\1", text)
    text = _LATEX_MATH.sub(
        lambda m: (
            m.group(1)
            .replace("\\sim", "~")
            .replace("\\times", "x")
            .replace("\\%", "%")
            .replace("{", "")
            .replace("}", "")
            .replace("^", "")
        ),
        text,
    )
    text = text.replace("\\%", "%").replace("~", " ").replace("``", '"').replace("''", '"')
    text = _LATEX_BARE.sub("", text).replace("$", "").replace("\\", "")
    return " ".join(text.split())


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(clean_latex(text)) if len(s.strip()) > 20]


def _candidates(story: Story, items: Mapping[str, Item]) -> list[tuple[str, int, str]]:
    """(item id, position, sentence) from the story's texts, lead item first."""
    members = sorted(
        (items[i] for i in story.item_ids if i in items),
        key=lambda it: (it.id != story.lead_item, _KIND_ORDER.get(it.kind, 9), it.id),
    )
    for it in members:  # the first item with usable text speaks for the story
        out = [(it.id, pos, s) for pos, s in enumerate(sentences(it.text)) if not _BOILERPLATE.search(s)]
        if out:
            return out
    return []


def _score(sentence: str, pos: int, title: set[str]) -> float:
    words = title_tokens(sentence)
    overlap = len(words & title) / (len(title) or 1)
    return overlap + 1.0 / (1 + pos) + (0.2 if 60 <= len(sentence) <= 260 else 0.0)


def _clip(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    return text[: max_chars - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _facts(
    story: Story, items: Mapping[str, Item], observations: Mapping[str, Sequence[Observation]]
) -> tuple[str, list[str]]:
    """A factual line from the signals when no item has usable text."""
    parts, cites = [], []
    for iid in story.item_ids:
        it, obs = items.get(iid), observations.get(iid, ())
        if it is None:
            continue
        best = {o.metric: o.value for o in sorted(obs, key=lambda o: o.observed_at)}
        if it.source == "hn" and "points" in best:
            parts.append(
                f"Discussed on Hacker News ({int(best['points'])} points, "
                f"{int(best.get('comments', 0))} comments)."
            )
        elif it.source == "github":
            days = len({o.observed_at.date() for o in obs if o.metric == "trending_rank"})
            lang = f" ({it.tags[0]})" if it.tags else ""
            parts.append(
                f"Trending on GitHub{lang} on {days} day{'s' * (days != 1)}."
                if days
                else f"GitHub repository {it.title}."
            )
        elif it.source == "reddit" and "score" in best:
            parts.append(f"Discussed on Reddit ({int(best['score'])} points).")
        else:
            continue
        cites.append(iid)
    return " ".join(dict.fromkeys(parts)), cites


def extractive_summary(
    story: Story,
    items: Mapping[str, Item],
    observations: Mapping[str, Sequence[Observation]],
    *,
    max_sentences: int = 2,
    max_chars: int = 400,
) -> Summary:
    title = set(title_tokens(story.title))
    cands = _candidates(story, items)
    if not cands:
        facts, cited = _facts(story, items, observations)
        return Summary(story.id, _clip(facts or story.title, max_chars), tuple(cited), "extractive")
    ranked = sorted(range(len(cands)), key=lambda k: (-_score(cands[k][2], cands[k][1], title), k))
    chosen = sorted(ranked[:max_sentences])  # keep the original order
    text = " ".join(cands[k][2] for k in chosen)
    cites = tuple(dict.fromkeys(cands[k][0] for k in chosen))
    return Summary(story.id, _clip(text, max_chars), cites, "extractive")
