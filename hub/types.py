"""Frozen value types that flow between the stages.

Every stage takes and returns these; none of them does I/O. Datetimes are always
timezone-aware UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from hub.safetext import TITLE_MAX, one_line, xml_safe

ItemKind = Literal["paper", "repo", "post", "release", "thread"]
ITEM_KINDS: tuple[str, ...] = ("paper", "repo", "post", "release", "thread")


@dataclass(frozen=True, slots=True)
class Item:
    """One thing from the web, keyed by its canonical id (see hub.sources.ids)."""

    id: str
    kind: str
    source: str  # "arxiv", "hn", "github", "reddit", "hf", "feed:<name>"
    title: str
    url: str
    published_at: dt.datetime | None = None
    authors: tuple[str, ...] = ()
    text: str = ""  # plain text: abstract, description, excerpt
    tags: tuple[str, ...] = ()  # categories, languages, topics
    links: tuple[str, ...] = ()  # outbound URLs the item points to (evidence for resolve)
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class Observation:
    """A signal measured at one moment: points, comments, upvotes, stars, score, rank."""

    item_id: str
    metric: str
    value: float
    observed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Parsed:
    """What a parser returns for one input document."""

    format: str
    items: tuple[Item, ...]
    observations: tuple[Observation, ...] = ()
    records: int = 0  # records in the input (before dedupe), for reporting
    warnings: tuple[str, ...] = ()  # recoverable problems (malformed XML with entries kept, ...)


@dataclass(frozen=True, slots=True)
class Link:
    """Evidence that two items are about the same thing (or that one mentions the other)."""

    src: str
    dst: str
    relation: str  # "same" joins into one story; "mentions" only counts as a signal
    method: str  # how it was found: "arxiv-id", "url", "github-link", "title"
    evidence: str = ""


@dataclass(frozen=True, slots=True)
class Story:
    """One real-world thing: the items that talk about it."""

    id: str
    title: str
    item_ids: tuple[str, ...]
    lead_item: str
    first_seen: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Topic:
    id: str  # stable slug
    name: str
    description: str = ""
    keywords: tuple[str, ...] = ()
    seed: bool = True


@dataclass(frozen=True, slots=True)
class Score:
    story_id: str
    total: float
    breakdown: dict[str, float] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class Summary:
    story_id: str
    text: str
    cites: tuple[str, ...] = ()
    method: str = "extractive"  # or "llm:<model>"


@dataclass(frozen=True, slots=True)
class DigestItem:
    id: str
    kind: str
    url: str
    source: str
    title: str = ""
    # Evidence shown beside the link (None: not measured). Defaults keep older stored digests loading.
    points: int | None = None  # Hacker News points
    comments: int | None = None  # HN/Reddit/HF comments
    upvotes: int | None = None  # Hugging Face upvotes, Reddit score
    stars: int | None = None  # GitHub stars
    target_url: str = ""  # a link post's article (an HN/Reddit post points at it)
    code_url: str = ""  # a paper's code repository, when its page links one

    def __post_init__(self) -> None:
        _publishable(self)


def _publishable(value: Any, *, fields: tuple[str, ...] = ()) -> None:
    """Make a digest value's text publishable where it is made: a title is one line of at
    most TITLE_MAX characters (a 1 MB title would be 2 MB in each email, HTML and text
    parts), and no string holds a character XML, HTML or UTF-8 cannot carry (U+FFFF in one
    title would fail every feed). Pages, feeds and emails only read digest values."""
    for name in fields or value.__slots__:
        v = getattr(value, name)
        if name == "title":
            object.__setattr__(value, name, one_line(v, TITLE_MAX))
        elif isinstance(v, str):
            object.__setattr__(value, name, xml_safe(v))
        elif isinstance(v, dict) and any(isinstance(x, str) for x in v.values()):
            object.__setattr__(value, name, {xml_safe(k): xml_safe(x) for k, x in v.items()})


@dataclass(frozen=True, slots=True)
class DigestStory:
    rank: int
    story_id: str
    title: str
    topic: str  # topic id
    topic_name: str
    score: float
    breakdown: dict[str, float]
    summary: str
    items: tuple[DigestItem, ...]
    published_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        _publishable(self)


@dataclass(frozen=True, slots=True)
class TopicCount:
    topic: str
    name: str
    this_week: int
    last_week: int

    def __post_init__(self) -> None:
        _publishable(self)


@dataclass(frozen=True, slots=True)
class Digest:
    week: str  # ISO week "2025-W16"
    start: dt.date
    end: dt.date
    stories: tuple[DigestStory, ...]
    lead: str = ""
    topic_counts: tuple[TopicCount, ...] = ()
    stats: dict[str, int] = field(default_factory=dict, hash=False, compare=False)
    topic_intros: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self) -> None:
        _publishable(self, fields=("week", "lead", "topic_intros"))

    def to_json(self) -> dict[str, Any]:
        """The stable `hub digest --json` shape; other tools read these keys."""
        return {
            "week": self.week,
            "stories": [
                {
                    "rank": s.rank,
                    "title": s.title,
                    "topic": s.topic_name,
                    "score": round(s.score, 4),
                    "summary": s.summary,
                    "items": [
                        {"id": i.id, "kind": i.kind, "url": i.url, "source": i.source} for i in s.items
                    ],
                }
                for s in self.stories
            ],
        }


@dataclass(frozen=True, slots=True)
class ImportResult:
    path: str
    format: str
    records: int
    items: int
    new: int
    observations: int


@dataclass(frozen=True, slots=True)
class AnalyzeResult:
    week: str
    items: int
    stories: int
    topics: int
    seconds: dict[str, float] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class BuildResult:
    site_dir: str
    pages: int
    seconds: float


@dataclass(frozen=True, slots=True)
class RunResult:
    """The outcome of one pipeline/scheduled run."""

    job: str
    status: str  # "ok", "skipped", "error"
    counts: dict[str, int] = field(default_factory=dict, hash=False, compare=False)
    error: str = ""


@dataclass(frozen=True, slots=True)
class CrawlResult:
    """Per-source outcome of one crawl (the `hub crawl` summary table)."""

    run_id: int
    sources: tuple[dict[str, Any], ...]
    skipped: tuple[str, ...] = ()
    seconds: float = 0.0
    interrupted: bool = False


@dataclass(frozen=True, slots=True)
class EnrichResult:
    """What one enrich run fetched for a week's top stories (`hub enrich`)."""

    week: str
    run_id: int
    stories: int  # top stories looked at
    fetched: int  # URLs fetched this run (articles and READMEs)
    texts: int  # of them, with main text stored
    cached: int  # URLs fetched before (not fetched again), shared with new items that link them
    skipped: int  # links with no article text to fetch (PDFs, images, social posts, video)
    papers: int  # arXiv papers the posts link, added to the store
    outcomes: dict[str, int] = field(default_factory=dict, hash=False, compare=False)  # status -> URLs
    errors: tuple[str, ...] = ()
    seconds: float = 0.0
    interrupted: bool = False
