"""Summaries. The offline extractive summarizer: the most informative sentences of the
story's own texts (TextRank centrality over TF-IDF sentence similarities, plus what the
title promises and the paper's own contribution), or a factual line built from its
signals when it has no text.

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


_CONTRIBUTION = re.compile(
    r"\b(we|this (paper|work|report)|our)\s+"
    r"(propose|present|introduce|release|show|find|demonstrate|develop)",
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


def _score(sentence: str, pos: int, title: set[str], centrality: float) -> float:
    """TextRank centrality, what the title promises, the paper's own contribution, length."""
    words = title_tokens(sentence)
    overlap = len(words & title) / (len(title) or 1)
    cue = 0.4 if _CONTRIBUTION.search(sentence) else 0.0
    size = 0.2 if 60 <= len(sentence) <= 260 else 0.0
    return centrality + overlap + cue + size + 0.3 / (1 + pos)


# Openers that point at a sentence the summary may not include.
_CONNECTIVE = re.compile(
    r"^(therefore|thus|hence|however|moreover|furthermore|additionally|specifically|in addition|"
    r"to (this|that) end|to address (this|these|that)( \w+)?( gaps?| issues?| challenges?| limitations?)?|"
    r"building on (this|these|that)( \w+)?|motivated by (this|these)( \w+)?|in response|as a result),\s+",
    re.IGNORECASE,
)


def standalone(sentence: str) -> str:
    """Drop a leading 'Therefore,' / 'To address this,' so the sentence reads on its own."""
    rest = _CONNECTIVE.sub("", sentence, count=1)
    return rest[:1].upper() + rest[1:] if rest != sentence else sentence


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
    central = textrank([c[2] for c in cands])
    ranked = sorted(
        range(len(cands)), key=lambda k: (-_score(cands[k][2], cands[k][1], title, central[k]), k)
    )
    chosen = sorted(ranked[:max_sentences])  # keep the original order
    text = " ".join(standalone(cands[k][2]) for k in chosen)
    cites = tuple(dict.fromkeys(cands[k][0] for k in chosen))
    return Summary(story.id, _clip(text, max_chars), cites, "extractive")
