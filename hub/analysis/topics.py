"""Topics: a stable seed taxonomy (from hub.toml), story -> topic assignment, emerging topics.

Assignment: a topic is the set of its keywords (words and phrases; arXiv categories such
as "cs.CV" may be keywords too). A story's headlines (titles; a repo's description) and
its body (texts, tags) are each weighed against every topic by how much of their TF-IDF
weight falls on the topic's keywords (IDF over the topics: a word several topics list
tells them apart less), blended HEADLINE_SHARE to the headlines. An AI story (see
`hub.analysis.relevance`) joins the best topic above MIN_SIMILARITY, else "other".
Rules by kind: "Model releases" (`models`) only for a story that reads as a launch
(`is_release`), which also gets a bonus there; "Tooling & infra" weighs half for papers
and takes the AI repositories no topic's words fit.
An embeddings endpoint can replace the keyword similarity; the rules stay.

Emerging topics: the AI stories no seed topic fits, clustered (TF-IDF + truncated SVD +
k-means); a cluster becomes a topic only under a phrase that recurs in its members'
titles and mostly there ("Gaussian Splatting"), and only the members whose titles hold
the phrase join it. No such phrase: no topic (an unreadable label is never shown).

numpy, scikit-learn and threadpoolctl are imported inside the functions that use them,
so importing this module (and so `hub --help`) stays cheap.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from hub.analysis import relevance as _relevance
from hub.config import TopicConfig
from hub.types import Item, Story, Topic

if TYPE_CHECKING:
    import numpy as np

OTHER = Topic(id="other", name="Other", description="Everything that fits no seed topic", seed=False)
MIN_SIMILARITY = 0.08
AI_RELEVANT = 0.5  # relevance at which a story is about AI (see hub.analysis.relevance)
RELEASES = "models"
_TEXT_CHARS = 600
HEADLINE_SHARE = 0.6  # titles say what a story is about; texts say it at length
# A title that reads as a launch: a release verb, or a name with a version ("Qwen3", "v4.5", "2.5 Flash").
_RELEASE_WORDS = re.compile(
    r"\b(introduc\w+|announc\w+|launch\w*|releas\w+|unveil\w*|now available|available (?:in|to|now)|"
    r"in the api|preview|model card|is (?:here|out))\b",
    re.IGNORECASE,
)
_VERSIONED_NAME = re.compile(r"\b(?=[\w.-]*\d)(?=[\w.-]*[A-Za-z])[A-Za-z][\w-]*(?:\.\d+)*\b|\b\d+\.\d+\b")


@dataclass(frozen=True, slots=True)
class TopicAssignment:
    topic_id: str
    confidence: float
    relevance: float


def seed_topics(configs: Sequence[TopicConfig]) -> list[Topic]:
    topics = [Topic(c.id, c.name, c.description, tuple(c.keywords), True) for c in configs]
    return topics + [OTHER]


def _topic_doc(t: Topic) -> str:
    # Keywords count twice: they are the editor's strongest hint.
    return " ".join([t.name, t.description, *t.keywords, *t.keywords])


def _headlines_and_body(story: Story, items: Mapping[str, Item]) -> tuple[str, str]:
    """A story's headlines (its titles; for a repo, whose "owner/name" says little, its
    description) and its body (the start of each text, the repo names, the tags: arXiv
    categories, repo topics)."""
    heads, body = [], []
    for it in (items[i] for i in story.item_ids if i in items):
        if it.kind == "repo":
            heads.append(it.text[:_TEXT_CHARS])
            body.append(it.title.replace("/", " "))
        else:
            heads.append(it.title)
            body.append(it.text[:_TEXT_CHARS])
        body.append(" ".join(it.tags))
    return " ".join(heads), " ".join(body)


def story_text(story: Story, items: Mapping[str, Item]) -> str:
    """The words a story is matched by (for an embeddings endpoint and clustering): its
    headlines twice, then its body."""
    heads, body = _headlines_and_body(story, items)
    return f"{heads} {heads} {body}"


def relevance(story: Story, items: Mapping[str, Item], similarity: float = 0.0) -> float:
    """0..1, >= 0.5 = about AI (`hub.analysis.relevance`); `similarity` is kept for callers
    and not used: matching a topic's words is not evidence of AI ("type inference")."""
    del similarity
    return _relevance.story_relevance([items[i] for i in story.item_ids if i in items])


def is_release(story: Story, items: Mapping[str, Item]) -> bool:
    """Does the story read as a launch of a model or API (not a paper, a repo or an essay)?

    A post whose title says so ("releases", "now available", "in the API", ...), or a short
    title led by a versioned name ("Gemini 2.5 Flash", "Suno v4.5", "Phi-4 Reasoning Models";
    not a Show HN, which presents a project, nor "Sycophancy in GPT-4o", which is about one)."""
    posts = [
        items[i] for i in story.item_ids if i in items and items[i].kind in ("post", "release", "thread")
    ]
    for it in posts:
        shown = re.match(r"(show|launch|ask) hn:\s*", it.title, flags=re.IGNORECASE)
        title = it.title[shown.end() :] if shown else it.title
        if _RELEASE_WORDS.search(title):
            return True
        words = title.split()
        if not shown and len(words) <= 6 and _VERSIONED_NAME.search(" ".join(words[:2])):
            return True
    return False


@cache
def _sklearn_text() -> Any:
    from sklearn.feature_extraction import text

    return text


def _tokenizer() -> tuple[Callable[[str], list[str]], frozenset[str]]:
    """scikit-learn's English word tokenizer (lower-cased) and its stop words."""
    words = _sklearn_text().TfidfVectorizer(stop_words="english")
    preprocess, tokenize = words.build_preprocessor(), words.build_tokenizer()
    return (lambda doc: tokenize(preprocess(doc))), frozenset(words.get_stop_words())


def _singular(w: str) -> str:
    return w[:-1] if w.endswith("s") and not w.endswith("ss") else w


def _vocabulary_terms(vocabulary: Mapping[str, int]) -> Callable[[str], list[str]]:
    """The keyword terms of a doc, longest first: at each word the longest phrase of the
    vocabulary that starts there counts, once ("pre-training" is "pre training", not also
    "training"); a plural counts as its singular ("gui agents" -> "gui agent")."""
    tokenize, stop = _tokenizer()
    longest = max((t.count(" ") + 1 for t in vocabulary), default=1)

    def terms(doc: str) -> list[str]:
        tokens = [w for w in tokenize(doc) if w not in stop]
        out, i = [], 0
        while i < len(tokens):
            for n in range(min(longest, len(tokens) - i), 0, -1):
                words = tokens[i : i + n]
                found = next(
                    (g for g in (" ".join(words), " ".join(map(_singular, words))) if g in vocabulary), None
                )
                if found:
                    out.append(found)
                    i += n
                    break
            else:
                i += 1
        return out

    return terms


def _keyword_terms(keywords: Sequence[str]) -> set[str]:
    """The vocabulary of the topics: each keyword as the tokenizer spells it, less stop
    words ("fine-tuning" -> "fine tuning", "on-device" -> "device")."""
    tokenize, stop = _tokenizer()
    terms = {" ".join(w for w in tokenize(kw) if w not in stop) for kw in keywords}
    return terms - {""}


def _similarities(docs: list[str], topics: Sequence[Topic]) -> np.ndarray:
    """How much of each story's (TF-IDF weighted, unit-length) words are each topic's keywords.

    The vocabulary is the topics' keywords (`_keyword_terms`), so long abstracts do not
    dilute the match. IDF comes from the topics: a word that several topics list tells them
    apart less. A topic is the set of its keywords, not a vector: a topic with many
    keywords is not penalized for spreading its weight over them.
    """
    import numpy as np

    per_topic = [_keyword_terms(t.keywords) for t in topics]
    vocab = {t: n for n, t in enumerate(sorted(set().union(*per_topic)))}
    member = np.array([[term in terms for term in vocab] for terms in per_topic], dtype=np.float32)
    vec = _sklearn_text().TfidfVectorizer(
        analyzer=_vocabulary_terms(vocab), sublinear_tf=True, vocabulary=vocab, dtype=np.float32
    )
    vec.fit([" ".join(sorted(terms)) for terms in per_topic])  # IDF over the topics
    return np.asarray(vec.transform(docs) @ member.T)


def topic_texts(topics: Sequence[Topic]) -> list[str]:
    """What is embedded for each seed topic (name, description, keywords)."""
    return [_topic_doc(t) for t in topics if t.id != OTHER.id]


RELEASE_BONUS = 0.25  # a launch is about the launch first, whatever else its words touch
TOOLING = "tooling"
PAPER_TOOLING_FACTOR = 0.5  # a paper's "framework" is a method, rarely software to use


def _adjusted(row: np.ndarray, seeds: Sequence[Topic], release: bool, paper: bool) -> list[float]:
    """A story's similarities after the two kind rules: "Model releases" only for a release
    (and a bonus for one), tooling weighs half for papers."""
    out = []
    for sim, topic in zip(row.tolist(), seeds, strict=True):
        if topic.id == RELEASES:
            sim = sim + RELEASE_BONUS if release else 0.0
        elif topic.id == TOOLING and paper:
            sim *= PAPER_TOOLING_FACTOR
        out.append(sim)
    return out


def assign_topics(
    stories: Sequence[Story],
    items: Mapping[str, Item],
    topics: Sequence[Topic],
    vectors: tuple[np.ndarray, np.ndarray] | None = None,
    *,
    min_similarity: float | None = None,
) -> dict[str, TopicAssignment]:
    """story id -> TopicAssignment (deterministic for the same input).

    `vectors` = (story vectors, seed-topic vectors) from an embeddings endpoint; without
    them, TF-IDF over the topics' own words. Stories not about AI stay "other".
    """
    import numpy as np

    seeds = [t for t in topics if t.id != OTHER.id]
    if not stories:
        return {}
    rels = [relevance(s, items) for s in stories]
    if not seeds:
        return {s.id: TopicAssignment(OTHER.id, 0.0, r) for s, r in zip(stories, rels, strict=True)}
    if vectors is not None:  # embeddings from an endpoint: cosine of normalized vectors
        unit = [v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9) for v in vectors]
        sims = unit[0] @ unit[1].T
    else:
        parts = [_headlines_and_body(s, items) for s in stories]
        sims = HEADLINE_SHARE * _similarities([h for h, _ in parts], seeds) + (
            1 - HEADLINE_SHARE
        ) * _similarities([b for _, b in parts], seeds)
    threshold = MIN_SIMILARITY if min_similarity is None else min_similarity
    out = {}
    tooling = next((t.id for t in seeds if t.id == TOOLING), None)
    for row, story, rel in zip(sims, stories, rels, strict=True):
        lead = items.get(story.lead_item)
        kind = lead.kind if lead is not None else ""
        adjusted = _adjusted(row, seeds, is_release(story, items), kind == "paper")
        best = max(range(len(seeds)), key=lambda j: (adjusted[j], -j))
        sim = adjusted[best]
        topic = seeds[best].id if sim >= threshold else OTHER.id
        if topic == OTHER.id and kind == "repo" and tooling:
            topic = tooling  # an AI repository no topic's words fit is, by its kind, a tool
        topic = topic if rel >= AI_RELEVANT else OTHER.id
        out[story.id] = TopicAssignment(topic, round(min(1.0, sim), 4), rel)
    return out


# -- emerging topics ------------------------------------------------------------------

EMERGING_MIN_STORIES = 5
EMERGING_MAX_CLUSTERS = 8
EMERGING_MIN_SHARE = 0.5  # at least this share of a label's uses must be in its cluster
# Words too general to name a topic on their own (an AI hub's every other title holds them).
_GENERIC = frozenset(
    {
        *("model", "models", "learning", "language", "large", "based", "using", "via", "towards", "toward"),
        *("approach", "method", "methods", "data", "new", "show", "hn", "ai", "llm", "llms", "network"),
        *("networks", "neural", "deep", "framework", "efficient", "study", "analysis", "generation", "multi"),
        *("task", "tasks", "paper", "benchmark", "system", "systems", "improving", "improved"),
    }
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'-]*[A-Za-z0-9]|[A-Za-z]")


def _phrases(title: str, stop: frozenset[str]) -> set[tuple[str, ...]]:
    """The 1..3-word phrases of a title (lower-case) that neither start nor end with a stop
    word and are not all generic."""
    words = [w.lower() for w in _WORD.findall(title)]
    out = set()
    for n in (1, 2, 3):
        for i in range(len(words) - n + 1):
            p = tuple(words[i : i + n])
            if p[0] in stop or p[-1] in stop or all(w in _GENERIC for w in p) or len(" ".join(p)) < 4:
                continue
            out.add(p)
    return out


def _surface(phrase: tuple[str, ...], titles: Sequence[str]) -> str:
    """The phrase as the titles spell it (most common casing)."""
    pattern = re.compile(r"\b" + r"[\s-]+".join(map(re.escape, phrase)) + r"\b", re.IGNORECASE)
    forms = Counter(m.group(0) for t in titles for m in pattern.finditer(t))
    return forms.most_common(1)[0][0] if forms else " ".join(phrase)


def cluster_label(titles: Sequence[str], pool_titles: Sequence[str], min_count: int = 2) -> str | None:
    """A phrase of at least `min_count` of `titles` that is distinctive of them: at least
    EMERGING_MIN_SHARE of its uses among `pool_titles` (every candidate's title) are theirs.
    The most common such phrase wins, a longer one when nearly as common; it is returned as
    the titles spell it. None when the titles share no such phrase."""
    stop = frozenset(_sklearn_text().ENGLISH_STOP_WORDS)
    inside = Counter(p for t in titles for p in _phrases(t, stop))
    overall = Counter(p for t in pool_titles for p in _phrases(t, stop))
    need = max(2, min_count)
    candidates = [p for p, n in inside.items() if n >= need and n >= EMERGING_MIN_SHARE * overall[p]]
    if not candidates:
        return None
    best = max(candidates, key=lambda p: (inside[p], inside[p] / overall[p], -len(p), p))
    longer = [
        p for p in candidates if len(p) > len(best) and _contains(p, best) and inside[p] >= 0.8 * inside[best]
    ]
    if longer:
        best = max(longer, key=lambda p: (inside[p], len(p), p))
    return _surface(best, titles)


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    n = len(shorter)
    return any(longer[i : i + n] == shorter for i in range(len(longer) - n + 1))


def _holds(label: str, title: str) -> bool:
    words = [w.lower() for w in _WORD.findall(label)]
    pattern = r"\b" + r"[\s-]+".join(map(re.escape, words)) + r"\b"
    return re.search(pattern, title, re.IGNORECASE) is not None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _match_existing(label: str, terms: list[str], existing: Sequence[Topic]) -> Topic | None:
    """Reuse an earlier emerging topic with the same label, or whose keywords overlap (stable ids)."""
    for t in existing:
        if t.id == f"emerging-{_slug(label)}":
            return t
    best, score = None, 0.0
    for t in existing:
        overlap = len(set(terms) & set(t.keywords)) / max(len(set(terms) | set(t.keywords)), 1)
        if overlap > score:
            best, score = t, overlap
    return best if score >= 0.5 else None


def _clusters(docs: list[str], seed: int) -> tuple[Any, int]:
    """k-means labels of the docs (TF-IDF -> truncated SVD -> unit vectors) and k."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize
    from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

    tfidf = (
        _sklearn_text()
        .TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2, max_features=50_000)
        .fit_transform(docs)
    )
    dims = max(2, min(64, tfidf.shape[1] - 1, len(docs) - 1))
    k = max(2, min(EMERGING_MAX_CLUSTERS, len(docs) // (3 * EMERGING_MIN_STORIES)))
    # One BLAS thread: these matrices are small (a week's stories x 64), and OpenBLAS
    # threads on a busy 2-core machine made each QR of the SVD ~40x slower (0.3 s vs 7 ms).
    with threadpool_limits(limits=1, user_api="blas"):
        vectors = normalize(TruncatedSVD(n_components=dims, random_state=seed).fit_transform(tfidf))
        labels = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(vectors)
    return labels, k


def _titles(story: Story, items: Mapping[str, Item]) -> str:
    return " | ".join(items[i].title for i in story.item_ids if i in items)


def emerging_topics(
    stories: Sequence[Story],
    items: Mapping[str, Item],
    assigned: Mapping[str, TopicAssignment],
    existing: Sequence[Topic] = (),
    *,
    seed: int = 0,
) -> tuple[list[Topic], dict[str, TopicAssignment]]:
    """Cluster the AI stories no seed topic fits; a cluster becomes a topic under a phrase
    that at least EMERGING_MIN_STORIES of its members' titles hold (`cluster_label`), and
    those members join it.

    Returns the emerging topics and the reassigned stories. Deterministic for the same input.
    """
    pool = [
        s
        for s in stories
        if (a := assigned.get(s.id)) and a.topic_id == OTHER.id and a.relevance >= AI_RELEVANT
    ]
    if len(pool) < 2 * EMERGING_MIN_STORIES:
        return [], {}
    labels, k = _clusters([story_text(s, items) for s in pool], seed)
    pool_titles = [_titles(s, items) for s in pool]
    topics_out: list[Topic] = []
    moved: dict[str, TopicAssignment] = {}
    for c in range(k):
        members = [s for s, lab in zip(pool, labels, strict=True) if lab == c]
        titles = [_titles(s, items) for s in members]
        label = cluster_label(titles, pool_titles, EMERGING_MIN_STORIES)
        holding = [s for s, t in zip(members, titles, strict=True) if label and _holds(label, t)]
        if label is None or len(holding) < EMERGING_MIN_STORIES:
            continue  # no readable name, or too few stories under it: not a topic
        terms = [w.lower() for w in _WORD.findall(label)]
        topic = _match_existing(label, terms, existing) or Topic(
            id=f"emerging-{_slug(label)}",
            name=label[0].upper() + label[1:],
            description=f"Emerging: stories about {label}",
            keywords=(label.lower(), *terms),
            seed=False,
        )
        if topic.id in {t.id for t in topics_out}:
            continue
        topics_out.append(topic)
        for s in holding:
            moved[s.id] = TopicAssignment(topic.id, assigned[s.id].confidence, assigned[s.id].relevance)
    return topics_out, moved
