"""Topics: a stable seed taxonomy (from hub.toml) and story -> topic assignment.

Each story's words (titles, texts, tags) and each topic's name, description and
keywords go through one TF-IDF space; a story joins its most similar topic when
the similarity clears a threshold, else "other". Relevance (0..1) says how much a
story is about AI engineering at all, so an AI hub can set aside the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

from hub.config import TopicConfig
from hub.types import Item, Story, Topic

OTHER = Topic(id="other", name="Other", description="Everything that fits no seed topic", seed=False)
MIN_SIMILARITY = 0.08
_TEXT_CHARS = 1200
_AI_CATEGORIES = re.compile(
    r"^(cs\.(AI|CL|CV|LG|IR|MA|NE|RO|HC|SE|CR|GR|MM|SD|DC)|stat\.ML|eess\.(AS|IV|SP))$"
)
# Deliberately narrow: words that, in a title, mean the thing is about AI.
AI_LEXICON = re.compile(
    r"\b(ai|a\.i\.|agi|llms?|slms?|gpt[\w.-]*|chatgpt|genai|agents?|agentic|transformers?|neural|"
    r"deep learning|machine learning|ml|diffusion|embeddings?|rag|inference|fine-?tun\w*|"
    r"openai|anthropic|claude|gemini|gemma|deepseek|llama\w*|qwen\w*|mistral|mixtral|phi-\d|"
    r"hugging ?face|copilot|hallucinat\w*|prompts?|chatbots?|language models?|foundation models?|"
    r"reasoning models?|vision-language|multimodal|mcp|vllm|ollama|pytorch|tensorflow|jax|cuda|"
    r"stable diffusion|comfyui|whisper|text-to-\w+|speech recognition|o[134](?:-mini)?|grok|codex|"
    r"vibe coding|cursor|kv cache|quantiz\w*|lora|rlhf|tokens?|model weights|open-weights?|"
    r"benchmarks?|evals?|nvidia|gpus?|tpus?|artificial intelligence)\b",
    re.IGNORECASE,
)


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


def story_text(story: Story, items: Mapping[str, Item]) -> str:
    parts = []
    for iid in story.item_ids:
        it = items.get(iid)
        if it is not None:
            parts += [it.title, it.title, it.text[:_TEXT_CHARS], " ".join(it.tags)]
    return " ".join(parts)


def relevance(story: Story, items: Mapping[str, Item], similarity: float) -> float:
    """0..1: papers in AI categories are relevant; others by AI words in titles and texts."""
    members = [items[i] for i in story.item_ids if i in items]
    if any(it.kind == "paper" and any(_AI_CATEGORIES.match(t) for t in it.tags) for it in members):
        return 1.0
    if any(it.source == "hf" for it in members):
        return 1.0
    title_hits = sum(len(AI_LEXICON.findall(it.title)) for it in members)
    text_hits = sum(len(AI_LEXICON.findall(it.text[:_TEXT_CHARS])) for it in members)
    score = 0.8 * title_hits + 0.15 * text_hits + 0.5 * similarity
    return round(min(1.0, score), 4)


def _vocabulary_terms(vocabulary: Mapping[str, int]) -> Callable[[str], list[str]]:
    """The terms of a doc that `TfidfVectorizer(ngram_range=(1, 2), stop_words="english")`
    would count against a fixed `vocabulary`: the same words and bigrams, in the same order,
    less those outside it (which it skips). Same counts, so the same matrix, without
    building every bigram of every abstract."""
    words = TfidfVectorizer(ngram_range=(1, 2), stop_words="english")
    preprocess, tokenize, stop = words.build_preprocessor(), words.build_tokenizer(), words.get_stop_words()
    firsts = {t.split(" ", 1)[0] for t in vocabulary if " " in t}

    def terms(doc: str) -> list[str]:
        tokens = [w for w in tokenize(preprocess(doc)) if w not in stop]
        out = [w for w in tokens if w in vocabulary]
        out += [g for a, b in pairwise(tokens) if a in firsts and (g := f"{a} {b}") in vocabulary]
        return out

    return terms


def _similarities(docs: list[str], topic_docs: list[str]) -> np.ndarray:
    """Cosine similarity in a space of the topics' own words (uni- and bigrams).

    Restricting the vocabulary to the taxonomy keeps long abstracts from diluting the
    match; IDF still comes from the whole batch, so common words weigh little.
    """
    vocab = TfidfVectorizer(ngram_range=(1, 2), stop_words="english").fit(topic_docs).vocabulary_
    vec = TfidfVectorizer(
        analyzer=_vocabulary_terms(vocab), sublinear_tf=True, vocabulary=vocab, dtype=np.float32
    )
    matrix = vec.fit_transform(docs + topic_docs)  # one pass: the same as fit, then transform
    return (matrix[: len(docs)] @ matrix[len(docs) :].T).toarray()  # type: ignore[no-any-return]


def topic_texts(topics: Sequence[Topic]) -> list[str]:
    """What is embedded for each seed topic (name, description, keywords)."""
    return [_topic_doc(t) for t in topics if t.id != OTHER.id]


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
    them, TF-IDF over the topics' own words.
    """
    seeds = [t for t in topics if t.id != OTHER.id]
    if not stories:
        return {}
    docs = [story_text(s, items) for s in stories]
    if not seeds:
        return {s.id: TopicAssignment(OTHER.id, 0.0, relevance(s, items, 0.0)) for s in stories}
    if vectors is not None:  # embeddings from an endpoint: cosine of normalized vectors
        unit = [v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9) for v in vectors]
        sims = unit[0] @ unit[1].T
    else:
        sims = _similarities(docs, [_topic_doc(t) for t in seeds])
    threshold = MIN_SIMILARITY if min_similarity is None else min_similarity
    out = {}
    for row, story in zip(sims, stories, strict=True):
        best = int(np.argmax(row))
        sim = float(row[best])
        rel = relevance(story, items, sim)
        topic = seeds[best].id if sim >= threshold and rel >= 0.3 else OTHER.id
        out[story.id] = TopicAssignment(topic, round(sim, 4), rel)
    return out


# -- emerging topics ------------------------------------------------------------------

EMERGING_MIN_STORIES = 5
EMERGING_MAX_CLUSTERS = 8


def _label_terms(docs: list[str], labels: np.ndarray, k: int) -> list[list[str]]:
    """Class-based TF-IDF: the terms most distinctive of each cluster against the others."""
    joined = [" ".join(d for d, lab in zip(docs, labels, strict=True) if lab == c) for c in range(k)]
    vec = TfidfVectorizer(
        stop_words="english",
        ngram_range=(1, 2),
        max_features=20_000,
        min_df=1,
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9-]{2,}\b",
        sublinear_tf=True,
    )
    matrix = vec.fit_transform(joined).toarray()
    terms = vec.get_feature_names_out()
    out = []
    for row in matrix:
        picked: list[str] = []
        for i in np.argsort(-row)[:20]:
            term = str(terms[i])
            if row[i] > 0 and not any(term in p or p in term for p in picked):
                picked.append(term)
            if len(picked) == 4:
                break
        out.append(picked)
    return out


def _match_existing(terms: list[str], existing: Sequence[Topic]) -> Topic | None:
    """Reuse an earlier emerging topic whose keywords overlap (stable ids across weeks)."""
    best, score = None, 0.0
    for t in existing:
        overlap = len(set(terms) & set(t.keywords)) / max(len(set(terms) | set(t.keywords)), 1)
        if overlap > score:
            best, score = t, overlap
    return best if score >= 0.34 else None


def emerging_topics(
    stories: Sequence[Story],
    items: Mapping[str, Item],
    assigned: Mapping[str, TopicAssignment],
    existing: Sequence[Topic] = (),
    *,
    seed: int = 0,
) -> tuple[list[Topic], dict[str, TopicAssignment]]:
    """Cluster the AI-relevant stories no seed topic fits (TF-IDF + truncated SVD + k-means),
    keep clusters of at least EMERGING_MIN_STORIES, label them by their distinctive terms.

    Returns the emerging topics and the reassigned stories. Deterministic for the same input.
    """
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    pool = [s for s in stories if (a := assigned.get(s.id)) and a.topic_id == OTHER.id and a.relevance >= 0.3]
    if len(pool) < 2 * EMERGING_MIN_STORIES:
        return [], {}
    docs = [story_text(s, items) for s in pool]
    tfidf = TfidfVectorizer(
        stop_words="english", sublinear_tf=True, min_df=2, max_features=50_000
    ).fit_transform(docs)
    dims = max(2, min(64, tfidf.shape[1] - 1, len(pool) - 1))
    k = max(2, min(EMERGING_MAX_CLUSTERS, len(pool) // (3 * EMERGING_MIN_STORIES)))
    # One BLAS thread: these matrices are small (a week's stories x 64), and OpenBLAS
    # threads on a busy 2-core machine made each QR of the SVD ~40x slower (0.3 s vs 7 ms).
    with threadpool_limits(limits=1, user_api="blas"):
        vectors = normalize(TruncatedSVD(n_components=dims, random_state=seed).fit_transform(tfidf))
        labels = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(vectors)
    terms = _label_terms(docs, labels, k)
    topics_out: list[Topic] = []
    moved: dict[str, TopicAssignment] = {}
    for c in range(k):
        members = [s for s, lab in zip(pool, labels, strict=True) if lab == c]
        if len(members) < EMERGING_MIN_STORIES or not terms[c]:
            continue
        topic = _match_existing(terms[c], existing) or Topic(
            id="emerging-" + "-".join(re.sub(r"[^a-z0-9]+", "-", t.lower()) for t in terms[c][:2]),
            name=" / ".join(terms[c][:3]).title(),
            description="Emerging: " + ", ".join(terms[c]),
            keywords=tuple(terms[c]),
            seed=False,
        )
        topics_out.append(topic)
        for s in members:
            moved[s.id] = TopicAssignment(topic.id, assigned[s.id].confidence, assigned[s.id].relevance)
    return topics_out, moved
