"""The tantivy index behind `hub search`: its schema, analyzer, query parsing, filters, hits
and highlighted snippets. No SQL here: search.py feeds it documents read from DuckDB.

Words: tantivy's simple tokenizer splits on every character that is not a letter or a
digit, so typographic punctuation (’ ‘ “ ” — … « ») separates words as a space does;
then long tokens (> 40 bytes) are dropped, and words are lower-cased, folded to ASCII
(café = cafe) and stemmed (Snowball English). Stop words are kept: phrases stay exact.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import tantivy
from tantivy import Occur, Query

# Bump when the schema, the analyzer or a document's fields change: an index of another
# version is rebuilt by the next writer (a reader falls back to plain matching).
VERSION = 1
ANALYZER = "hub_en"
TEXT_FIELDS = ("title", "text", "authors", "tags", "summary")
# Where a hit's snippet comes from: the first of these fields that holds a query word.
SNIPPET_FIELDS = ("text", "summary", "title", "authors", "tags")
SNIPPET_CHARS = 180
WINDOW = 3 * SNIPPET_CHARS  # characters of a long field the snippet is looked for in
PREFIX = 4  # letters of a query word looked for to place that window (stems differ after)
# A document is one JSON object (made by DuckDB: search.py) with these keys, a value of
# null or "" left out; published_at as RFC 3339 ("2025-04-15T12:00:00Z").
DOC_FIELDS = ("id", *TEXT_FIELDS, "kind", "source", "url", "published_at", "topic")
_KEYWORDS = {"and", "or", "not"}
# typographic double quotes typed in a query mean a phrase, as " does
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})


@functools.cache
def schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_text_field("id", stored=True, tokenizer_name="raw")  # deletes go by id
    for name in TEXT_FIELDS:
        b.add_text_field(name, stored=True, tokenizer_name=ANALYZER)
    for name in ("kind", "topic"):  # filters: exact terms, fast
        b.add_text_field(name, stored=True, tokenizer_name="raw", fast=True)
    for name in ("source", "url"):
        b.add_text_field(name, stored=True, tokenizer_name="raw")
    b.add_date_field("published_at", stored=True, indexed=True, fast=True)
    return b.build()


def analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def open_index(path: Path | None, *, create: bool = False) -> tantivy.Index:
    """The index in `path` (created empty when `create`), its analyzer registered.
    Raises ValueError when there is no usable index there."""
    if path is not None and not create and not tantivy.Index.exists(str(path)):
        raise ValueError(f"no search index in {path}")
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(schema(), str(path) if path is not None else None, reuse=not create)
    index.register_tokenizer(ANALYZER, analyzer())
    return index


def add_documents(writer: tantivy.IndexWriter, docs: Iterable[str]) -> int:
    """Add JSON documents (see DOC_FIELDS); tantivy parses them itself, in Rust."""
    n = 0
    for doc in docs:
        writer.add_json(doc)
        n += 1
    return n


def parse(index: tantivy.Index, text: str) -> Query:
    """The user's query in tantivy's syntax (words, "phrases", AND/OR/NOT, +/-, field:word)
    over every text field; a query it cannot parse (unbalanced quotes or brackets, an
    operator alone, an unknown field) is searched as its plain words."""
    text = text.translate(_QUOTES)
    try:
        return index.parse_query(text, list(TEXT_FIELDS))
    except ValueError:
        pass
    words = [w.lower() for w in re.findall(r"\w+", text)]
    words = [w for w in words if w not in _KEYWORDS] or words  # "AND" alone: the word
    if not words:
        return Query.empty_query()
    try:
        return index.parse_query(" ".join(words), list(TEXT_FIELDS))
    except ValueError:
        return Query.empty_query()


def filtered(query: Query, kind: str | None, topic: str | None, since: dt.datetime | None) -> Query:
    """The query restricted in the index itself; the filters add nothing to the scores."""
    sch = schema()
    must = [(Occur.Must, query)]
    for name, value in (("kind", kind), ("topic", topic)):
        if value is not None:
            must.append((Occur.Must, Query.const_score_query(Query.term_query(sch, name, value), 0.0)))
    if since is not None:
        rng = Query.range_query(sch, "published_at", tantivy.FieldType.Date, lower_bound=_naive_utc(since))
        must.append((Occur.Must, Query.const_score_query(rng, 0.0)))
    return must[0][1] if len(must) == 1 else Query.boolean_query(must)


def search(index: tantivy.Index, query: Query, limit: int, text: str = "") -> list[dict[str, Any]]:
    """The `limit` best hits, best first, each with a highlighted snippet (`text`: the
    query as typed, to find where in a long field the snippet will be)."""
    searcher = index.searcher()
    hits = searcher.search(query, limit, count=False).hits
    snippets = _Snippets(searcher, query, text)
    out = []
    for score, address in hits:
        doc = searcher.doc(address)
        text, ranges = snippets.of(doc)
        when = doc.get_first("published_at")
        out.append(
            {
                "id": doc.get_first("id"),
                "title": doc.get_first("title") or "",
                "kind": doc.get_first("kind") or "",
                "source": doc.get_first("source") or "",
                "url": doc.get_first("url") or "",
                "published_at": when.replace(tzinfo=dt.UTC) if when is not None else None,
                "topic": doc.get_first("topic") or "",
                "score": round(float(score), 4),
                "snippet": text,
                "highlights": ranges,
            }
        )
    return out


class _Snippets:
    """Snippet generators per field, made when first needed (one per query)."""

    def __init__(self, searcher: tantivy.Searcher, query: Query, text: str) -> None:
        self.searcher, self.query = searcher, query
        self.generators: dict[str, Any] = {}
        words = [w for w in re.findall(r"\w+", text.lower()) if w not in _KEYWORDS]
        self.prefixes = [w[:PREFIX] for w in words]

    def of(self, doc: tantivy.Document) -> tuple[str, list[list[int]]]:
        """(fragment, [[start, end], ...] character ranges of the query's words in it)."""
        for name in SNIPPET_FIELDS:
            value = doc.get_first(name)
            if not value:
                continue
            window = _window(value, self.prefixes)
            snippet = self._generator(name).snippet_from_doc(tantivy.Document(**{name: window}))
            marks = snippet.highlighted()
            if not marks and window != value:  # the prefix placed it wrong: the whole text
                snippet = self._generator(name).snippet_from_doc(tantivy.Document(**{name: value}))
                marks = snippet.highlighted()
            if marks:
                fragment = snippet.fragment()
                return fragment, [_chars(fragment, m.start, m.end) for m in marks]
        text = doc.get_first("text") or doc.get_first("summary") or ""
        return _shorten(text), []

    def _generator(self, name: str) -> Any:
        if name not in self.generators:
            gen = tantivy.SnippetGenerator.create(self.searcher, self.query, schema(), name)
            gen.set_max_num_chars(SNIPPET_CHARS)
            self.generators[name] = gen
        return self.generators[name]


def _window(text: str, prefixes: list[str]) -> str:
    """The part of a long `text` from a little before the first place a query word may
    match (its first PREFIX letters): the snippet generator tokenizes and stems all it is
    given (~0.2 ms for an abstract), so it is given WINDOW characters, not the whole text."""
    if len(text) <= WINDOW:
        return text
    lowered = text.lower()
    found = [i for i in (lowered.find(p) for p in prefixes if p) if i >= 0]
    if not found:
        return text
    lo = max(0, min(found) - SNIPPET_CHARS // 2)
    return text[lo : lo + WINDOW]


def _chars(text: str, start: int, end: int) -> list[int]:
    """Byte offsets (tantivy's, UTF-8) as character offsets into `text`."""
    raw = text.encode("utf-8")
    a = len(raw[:start].decode("utf-8", "ignore"))
    return [a, a + len(raw[start:end].decode("utf-8", "ignore"))]


def _shorten(text: str, n: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rsplit(" ", 1)[0] + "…"


def plain_snippet(text: str, query: str) -> tuple[str, list[list[int]]]:
    """For plain matching (no index): a window of `text` around the first occurrence of
    `query`, and where it is."""
    flat = " ".join((text or "").split())
    at = flat.lower().find(query.lower().strip()) if query.strip() else -1
    if at < 0:
        return _shorten(flat), []
    lo = max(0, at - SNIPPET_CHARS // 3)
    window = flat[lo : lo + SNIPPET_CHARS]
    start = at - lo
    return window, [[start, min(len(window), start + len(query.strip()))]]


def _naive_utc(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.UTC).replace(tzinfo=None) if t.tzinfo else t
