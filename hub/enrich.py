"""The enrich step's decisions and extractors: what the week's top stories point at that
is worth fetching (`plan_enrichment`, pure), the main text of a fetched article
(`article_text`, trafilatura), the opening paragraphs of a README (`readme_text`), the
language of a text, and arXiv metadata for papers the store lacks (`fetch_arxiv`, through
`arxiv.Client`). The fetching itself runs in the crawler child (spiders/kinds.py); what
comes back is stored by hub/store/enrich.py.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from hub.analysis.resolve import ROUNDUP_MIN_LINKS
from hub.sources._text import is_social
from hub.sources.ids import canonical_id_for_url
from hub.store.enrich import EnrichmentRecord
from hub.types import Item, Story

MIN_TEXT_CHARS = 200  # less main text than this is a teaser, a paywall or a script-rendered page
MAX_TEXT_CHARS = 20_000  # summaries read the opening; no need to keep a whole book
README_PARAGRAPHS = 3
README_CHARS = 700  # stop adding paragraphs once the opening is this long
ARXIV_BATCH = 50  # ids per arXiv API request
POST_KINDS = ("post", "thread")
# Links whose page holds no article text: documents and media by their extension.
_MEDIA_SUFFIXES = (
    ".pdf", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".mp4", ".webm", ".mov", ".mp3",
    ".zip", ".gz", ".tar", ".epub", ".pptx", ".docx", ".xlsx",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Target:
    """One URL to fetch and the items it is fetched for."""

    kind: str  # "article" | "readme"
    url: str
    item_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EnrichPlan:
    targets: tuple[Target, ...] = ()
    arxiv_ids: tuple[str, ...] = ()  # linked by posts, missing from the store
    skipped: int = 0  # links not worth fetching (PDFs, images, social posts, video)


def worth_fetching(url: str) -> bool:
    """An article page may be behind this link (not a PDF, image, video or social post)."""
    path = urlsplit(url).path.lower()
    return not is_social(url) and not path.endswith(_MEDIA_SUFFIXES)


def linked_ids(stories: Sequence[Story], items: Mapping[str, Item]) -> set[str]:
    """Canonical ids of everything the stories' posts link (to ask the store which exist)."""
    return {
        canonical_id_for_url(url)
        for s in stories
        for i in s.item_ids
        if (it := items.get(i)) is not None and it.kind in POST_KINDS
        for url in it.links
    }


def plan_enrichment(
    stories: Sequence[Story], items: Mapping[str, Item], known: Collection[str], *, github_api: str
) -> EnrichPlan:
    """What to fetch for these stories: each non-roundup post's linked page that is not an
    item (its article, or its README when it is a repo), each repo item's README, and the
    arXiv papers any post links (roundups too) that are not in the store. Pure."""
    targets: dict[tuple[str, str], list[str]] = {}
    arxiv: dict[str, None] = {}
    skipped = 0

    def want(kind: str, url: str, item_id: str) -> None:
        targets.setdefault((kind, url), []).append(item_id)

    for it in (items[i] for s in stories for i in s.item_ids if i in items):
        if it.kind == "repo" and it.id.startswith("gh:") and "@" not in it.id:
            want("readme", readme_url(github_api, it.id[3:]), it.id)
        if it.kind not in POST_KINDS:
            continue
        roundup = len(it.links) >= ROUNDUP_MIN_LINKS
        for url in it.links:
            cid = canonical_id_for_url(url)
            if cid == it.id or cid in known:
                continue
            if cid.startswith("arxiv:"):
                arxiv.setdefault(cid.removeprefix("arxiv:"))
            elif roundup:
                continue  # a newsletter's links are mentions, not its article
            elif cid.startswith("gh:"):
                want("readme", readme_url(github_api, cid[3:]), it.id)
            elif not cid.startswith("url:"):
                continue  # hf:, hn:, reddit: pages are items of their own kinds
            elif worth_fetching(url):
                want("article", url, it.id)
            else:
                skipped += 1
    plan = tuple(Target(k, u, tuple(dict.fromkeys(ids))) for (k, u), ids in targets.items())
    return EnrichPlan(plan, tuple(arxiv), skipped)


def readme_url(github_api: str, repo: str) -> str:
    return f"{github_api.rstrip('/')}/repos/{repo}/readme"


def abs_url(arxiv_id: str) -> str:
    """The abs page of an id: the URL an arXiv lookup is remembered by."""
    return f"https://arxiv.org/abs/{arxiv_id}"


def not_found(arxiv_ids: Iterable[str]) -> list[EnrichmentRecord]:
    """Lookups the arXiv API answered without the paper: remembered, not asked again."""
    return [
        EnrichmentRecord(
            f"arxiv:{a}", "paper", abs_url(a), "not-found", error="not in the arXiv API's answer"
        )
        for a in arxiv_ids
    ]


# -- articles ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Extracted:
    """What a fetched page gave: status "ok" with text, or why there is no text."""

    status: str
    text: str | None = None
    lang: str | None = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# schema.org's paywall markup (JSON-LD or microdata), which news sites publish for search engines.
_PAYWALL = re.compile(
    r"""["']?isAccessibleForFree["']?\s*[:=]\s*["']?false\b"""
    r"""|itemprop=["']isAccessibleForFree["'][^>]*content=["']false""",
    re.IGNORECASE,
)
_BLANKS = re.compile(r"[ \t\u00a0]+")


def article_text(page: str, url: str) -> Extracted:
    """The main text of an HTML page (navigation, comments, footers dropped), or why none."""
    if _PAYWALL.search(page):
        return Extracted("paywall", error="the page marks its content as not free (isAccessibleForFree)")
    import trafilatura  # heavy (lxml, justext, dateparser): only the crawler child needs it

    raw = trafilatura.extract(
        page, url=url, include_comments=False, include_tables=False, favor_precision=True, deduplicate=True
    )
    text = clean_text(raw or "")
    if len(text) < MIN_TEXT_CHARS:
        return Extracted(
            "thin",
            error=f"only {len(text)} characters of main text (a teaser, paywall or script-rendered page)",
        )
    return Extracted("ok", text[:MAX_TEXT_CHARS], detect_lang(text))


def clean_text(text: str) -> str:
    """Lines of extracted text with blanks collapsed and empty lines dropped."""
    lines = (_BLANKS.sub(" ", ln).strip() for ln in text.replace("\r", "\n").split("\n"))
    return "\n".join(ln for ln in lines if ln)


def detect_lang(text: str) -> str | None:
    """ISO 639-1 code of a text's language (py3langid, ~0.1 ms a text), None when too short."""
    sample = text[:2000]
    if sum(c.isalpha() for c in sample) < 20:
        return None
    import py3langid

    lang, _score = py3langid.classify(sample)
    return str(lang)


# -- READMEs ----------------------------------------------------------------------------

_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_FENCE = re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1[^\n]*$", re.S | re.M)
_BADGE = re.compile(r"\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)|\[!\[[^\]]*\]\[[^\]]*\]\]\[[^\]]*\]")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)|!\[[^\]]*\]\[[^\]]*\]")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\[[^\]]*\]")
_TAG = re.compile(r"<[^>]+>")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_UNDERLINE = re.compile(r"^\s*([=\-~^*#+])\1{2,}\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_SKIPPED_LINE = re.compile(r"^\s*(?:\||\.\.\s|:\w+:|\[[^\]]+\]:\s|>\s*\[!)")  # tables, rst, link refs


def readme_text(readme: str) -> str:
    """The opening 1-3 real paragraphs of a README (Markdown or reStructuredText): badges,
    images, HTML, headings, code, tables and lists dropped; links kept as their text.
    Stops at the first heading after a paragraph: the opening has ended there."""
    kept: list[str] = []
    for kind, block in _blocks(readme):
        if kind == "heading":
            if kept:
                break
            continue
        para = _inline(block)
        if _is_paragraph(para):
            kept.append(para)
            if len(kept) >= README_PARAGRAPHS or sum(map(len, kept)) >= README_CHARS:
                break
    return "\n\n".join(kept)


def _blocks(readme: str) -> Iterable[tuple[str, str]]:
    """("heading", line) and ("text", paragraph) in order; code fences dropped."""
    text = _FENCE.sub("\n", _HTML_COMMENT.sub("", readme.replace("\r\n", "\n")))
    lines = text.split("\n")
    para: list[str] = []
    for n, line in enumerate(lines):
        underline = n + 1 < len(lines) and _UNDERLINE.match(lines[n + 1]) and line.strip()
        heading = line.lstrip().startswith("#") or bool(underline) or re.match(r"^\s*<h[1-6]\b", line, re.I)
        if heading or not line.strip() or _UNDERLINE.match(line):
            if para:
                yield "text", "\n".join(para)
                para = []
            if heading:
                yield "heading", line
            continue
        if not _SKIPPED_LINE.match(line) and not line.startswith(("    ", "\t")):
            para.append(line)
    if para:
        yield "text", "\n".join(para)


def _inline(block: str) -> str:
    """A block of Markdown/HTML -> one line of plain text (lists stay out)."""
    lines = [ln for ln in block.split("\n") if not _LIST_ITEM.match(ln)]
    text = " ".join(ln.strip().lstrip(">").strip() for ln in lines)
    text = _IMAGE.sub("", _BADGE.sub("", text))
    text = _LINK.sub(lambda m: m.group(1) or m.group(2), text)
    text = html.unescape(_TAG.sub(" ", text))
    text = _EMPHASIS.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def _is_paragraph(text: str) -> bool:
    """Prose, not a nav line, a caption or a lead-in to a code block that was dropped."""
    words = text.split()
    if len(words) < 4 or text.endswith(":") or not any(c.isalpha() for c in text):
        return False
    return text[-1] in ".!?)\"'”" or len(text) >= 80


# -- arXiv ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArxivFetch:
    items: tuple[Item, ...]
    missing: tuple[str, ...]  # asked for, not in any answer (withdrawn or mistyped ids)
    failed: tuple[str, ...]  # asked for, no answer (the error is in `errors`)
    errors: tuple[str, ...] = ()
    requests: int = 0


def fetch_arxiv(
    ids: Sequence[str],
    *,
    query_url: str,
    delay_s: float,
    retries: int,
    timeout_s: float,
    batch: int = ARXIV_BATCH,
    on_batch: Callable[[Sequence[str], int, str | None], None] | None = None,
) -> ArxivFetch:
    """Papers by arXiv id through `arxiv.Client`: `batch` ids per request, the client's own
    delay between requests and its retries; `query_url` is its query_url_format."""
    import arxiv
    import requests

    client = arxiv.Client(page_size=batch, delay_seconds=delay_s, num_retries=retries)
    client.query_url_format = query_url
    _with_timeout(client, timeout_s)
    found: dict[str, Item] = {}
    failed: list[str] = []
    errors: list[str] = []
    chunks = [list(ids[i : i + batch]) for i in range(0, len(ids), batch)]
    for chunk in chunks:
        error = None
        try:
            for result in client.results(arxiv.Search(id_list=chunk, max_results=len(chunk))):
                item = paper_from_result(result)
                found.setdefault(item.id.removeprefix("arxiv:"), item)
        except (arxiv.ArxivError, requests.RequestException) as e:
            error = f"{type(e).__name__}: {e}"[:300]
            failed += [i for i in chunk if i not in found]
            errors.append(error)
        if on_batch is not None:
            on_batch(chunk, sum(1 for i in chunk if i in found), error)
    wanted = [i for i in ids if i not in failed]
    missing = tuple(i for i in wanted if i not in found)
    return ArxivFetch(
        tuple(found[i] for i in ids if i in found), missing, tuple(failed), tuple(errors), len(chunks)
    )


def _with_timeout(client: Any, timeout_s: float) -> None:
    """arxiv.Client sends with no timeout (a stalled server would hang the crawl forever);
    its requests session gets an adapter that adds one."""
    from requests.adapters import HTTPAdapter

    class TimeoutAdapter(HTTPAdapter):
        def send(self, request: Any, **kw: Any) -> Any:  # type: ignore[override]
            kw["timeout"] = kw.get("timeout") or timeout_s
            return super().send(request, **kw)

    for prefix in ("http://", "https://"):
        client._session.mount(prefix, TimeoutAdapter())


def paper_from_result(result: Any) -> Item:
    """An `arxiv.Result` as the same paper Item the arXiv Atom parser makes."""
    from hub.sources.arxiv import _categories, paper_item

    updated = result.updated
    return paper_item(
        result.get_short_id(),
        result.title or "",
        result.summary or "",
        tuple(a.name for a in result.authors if a.name),
        _categories(list(result.categories)),
        published=result.published or updated,
        comment=result.comment or "",
        primary=result.primary_category or None,
        extra={"updated": updated.isoformat() if updated else None, "doi": result.doi or None},
    )
