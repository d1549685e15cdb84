"""Topics: a stable seed taxonomy (from hub.toml) and story -> topic assignment.

Each story's words (titles, texts, tags) and each topic's name, description and
keywords go through one TF-IDF space; a story joins its most similar topic when
the similarity clears a threshold, else "other". Relevance (0..1) says how much a
story is about AI engineering at all, so an AI hub can set aside the rest.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

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


def _similarities(docs: list[str], topic_docs: list[str]) -> np.ndarray:
    """Cosine similarity in a space of the topics' own words (uni- and bigrams).

    Restricting the vocabulary to the taxonomy keeps long abstracts from diluting the
    match; IDF still comes from the whole batch, so common words weigh little.
    """
    vocab = TfidfVectorizer(ngram_range=(1, 2), stop_words="english").fit(topic_docs).vocabulary_
    vec = TfidfVectorizer(
        ngram_range=(1, 2), sublinear_tf=True, stop_words="english", vocabulary=vocab, dtype=np.float32
    )
    vec.fit(docs + topic_docs)
    return (vec.transform(docs) @ vec.transform(topic_docs).T).toarray()  # type: ignore[no-any-return]


def assign_topics(
    stories: Sequence[Story],
    items: Mapping[str, Item],
    topics: Sequence[Topic],
) -> dict[str, TopicAssignment]:
    """story id -> TopicAssignment (deterministic for the same input)."""
    seeds = [t for t in topics if t.id != OTHER.id]
    if not stories:
        return {}
    docs = [story_text(s, items) for s in stories]
    if not seeds:
        return {s.id: TopicAssignment(OTHER.id, 0.0, relevance(s, items, 0.0)) for s in stories}
    sims = _similarities(docs, [_topic_doc(t) for t in seeds])
    out = {}
    for row, story in zip(sims, stories, strict=True):
        best = int(np.argmax(row))
        sim = float(row[best])
        rel = relevance(story, items, sim)
        topic = seeds[best].id if sim >= MIN_SIMILARITY and rel >= 0.3 else OTHER.id
        out[story.id] = TopicAssignment(topic, round(sim, 4), rel)
    return out
