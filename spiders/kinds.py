"""One spider per source kind. Spiders stay dumb: fetch what the plan says (with
conditional-GET validators), hand the body to the shared parser in hub.sources, and
yield one `fetch` result per response. Validation and persistence live in pipelines.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from hub import sources
from hub.enrich import Extracted, article_text, detect_lang, readme_text
from hub.exceptions import ParseError
from hub.store.enrich import EnrichmentRecord
from hub.types import Parsed
from spiders.middlewares import CrawlStopped
from spiders.settings import RECORDED_STATUSES


class SourceSpider(scrapy.Spider):
    """Base: crawls the planned requests of the sources of one kind."""

    name = "source"
    kind = ""

    def __init__(
        self, plans: list[dict[str, Any]], store: Any, run_id: int, crawl: dict[str, Any], **kw: Any
    ) -> None:
        super().__init__(name=f"hub-{self.kind}", **kw)
        self.plans, self.store, self.run_id, self.crawl = plans, store, run_id, crawl

    async def start(self) -> Any:  # Scrapy >= 2.13
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[scrapy.Request]:
        for plan in self.plans:
            for req in plan["requests"]:
                yield self.make_request(plan, req)

    def make_request(self, plan: dict[str, Any], req: dict[str, Any]) -> scrapy.Request:
        headers = {}
        if req.get("etag"):
            headers["If-None-Match"] = req["etag"]
        if req.get("last_modified"):
            headers["If-Modified-Since"] = req["last_modified"]
        meta = {"plan": plan, "planned": req, "handle_httpstatus_list": RECORDED_STATUSES}
        return scrapy.Request(
            req["url"],
            headers=headers,
            meta=meta,
            callback=self.parse_fetch,
            errback=self.failed,
            dont_filter=True,
        )

    # -- results -----------------------------------------------------------------

    def _result(self, response: Response, **extra: Any) -> dict[str, Any]:
        plan, req = response.meta["plan"], response.meta["planned"]
        return {
            "source": plan["name"],
            "url": req["url"],
            "status": response.status,
            "format": req["format"],
            "bytes": len(response.body),
            "sha256": hashlib.sha256(response.body).hexdigest(),
            "etag": _header(response, b"ETag"),
            "last_modified": _header(response, b"Last-Modified"),
            "duration_ms": 1000 * float(response.meta.get("download_latency") or 0.0),
            **extra,
        }

    def parse_fetch(self, response: Response) -> Iterator[Any]:
        if response.status == 304:
            yield self._result(response, error=None)
            return
        if response.status >= 400:
            yield self._http_error(response)
            return
        try:
            parsed = sources.parse(response.body, response.url, response.meta["planned"]["format"])
        except ParseError as e:
            yield self._result(response, error=f"parse error: {e.message}")
            return
        parsed = observed_now(parsed)
        yield self._result(response, parsed=parsed, error=_warning(response, parsed))
        yield from self.follow_up(response, parsed)

    def _http_error(self, response: Response) -> dict[str, Any]:
        wait = response.meta.get("retry_after")
        if wait is not None:
            until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=float(wait))
            return self._result(
                response,
                error=f"HTTP {response.status}: rate limited, Retry-After {int(wait)} s "
                f"(skipped until {until:%Y-%m-%d %H:%M} UTC)",
                retry_after_until=until,
            )
        return self._result(response, error=f"HTTP {response.status}")

    def failed(self, failure: Failure) -> Iterator[dict[str, Any]]:
        if isinstance(failure.value, CrawlStopped):
            return  # not fetched, not an error: the next crawl fetches it
        request = failure.request  # type: ignore[attr-defined]
        plan, req = request.meta["plan"], request.meta["planned"]
        yield {
            "source": plan["name"],
            "url": req["url"],
            "status": None,
            "format": req["format"],
            "error": describe_failure(failure),
            "duration_ms": 0.0,
        }

    def follow_up(self, response: Response, parsed: Parsed) -> Iterator[scrapy.Request]:
        return iter(())


def describe_failure(failure: Failure) -> str:
    """One line for a failed download: `Type: what happened` (and why, when it says)."""
    name = failure.type.__name__ if failure.type else "Error"
    message = failure.getErrorMessage()
    if not message or message == name:  # e.g. ResponseDataLossError() carries no text
        message = _UNSAID.get(name, name)
        causes = getattr(getattr(failure.value, "__cause__", None), "reasons", ())  # ResponseFailed
        if reasons := [m for r in causes if (m := r.getErrorMessage().strip())]:
            message += f" ({'; '.join(reasons)})"
    return f"{name}: {message}"[:500]


_UNSAID = {
    "ResponseDataLossError": "the connection ended before the whole response arrived, nothing stored",
}


def observed_now(parsed: Parsed) -> Parsed:
    """A crawl observes signals *now*: one point per crawl makes a time series (velocity)."""
    if not parsed.observations:
        return parsed
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    return replace(parsed, observations=tuple(replace(o, observed_at=now) for o in parsed.observations))


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _warning(response: Response, parsed: Parsed) -> str | None:
    """Recoverable problems are kept on the fetch as `warning: ...` (items still stored)."""
    return f"warning: {'; '.join(parsed.warnings)}"[:500] if parsed.warnings else None


def _with_query(url: str, **changes: Any) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update({k: str(v) for k, v in changes.items()})
    return urlunsplit(parts._replace(query=urlencode(query)))


class ArxivSpider(SourceSpider):
    """arXiv API (export.arxiv.org/api/query): pages of results, 3 s apart as arXiv asks."""

    kind = "arxiv"

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.download_delay = float(self.crawl.get("arxiv_delay_s", 3.0))

    def follow_up(self, response: Response, parsed: Parsed) -> Iterator[scrapy.Request]:
        req = response.meta["planned"]
        meta = req.get("meta", {})
        start = int(parse_qs(urlsplit(req["url"]).query).get("start", ["0"])[0])
        size = int(meta.get("page_size", 100))
        since = dt.datetime.fromisoformat(meta["since"]) if meta.get("since") else None
        oldest = min((i.published_at for i in parsed.items if i.published_at), default=None)
        full = len(parsed.items) >= size and start + size < int(meta.get("max_results", size))
        if full and (since is None or (oldest is not None and oldest >= since)):
            nxt = {
                **req,
                "url": _with_query(req["url"], start=start + size),
                "etag": None,
                "last_modified": None,
            }
            yield self.make_request(response.meta["plan"], nxt)


class HNSpider(SourceSpider):
    """Hacker News via Algolia search: every page of each query (up to 10)."""

    kind = "hn"

    def follow_up(self, response: Response, parsed: Parsed) -> Iterator[scrapy.Request]:
        import json

        req = response.meta["planned"]
        try:
            doc = json.loads(response.body)
        except ValueError:
            return
        page, pages = int(doc.get("page", 0)), int(doc.get("nbPages", 1))
        if page + 1 < min(pages, 10):
            nxt = {**req, "url": _with_query(req["url"], page=page + 1), "etag": None, "last_modified": None}
            yield self.make_request(response.meta["plan"], nxt)


class GitHubSpider(SourceSpider):
    """Trending pages, then the REST API for repos the store links to (token optional)."""

    kind = "github"

    def make_request(self, plan: dict[str, Any], req: dict[str, Any]) -> scrapy.Request:
        request = super().make_request(plan, req)
        if req.get("meta", {}).get("api"):
            github_api(request, self.crawl, "application/vnd.github+json")
        return request


def github_api(request: scrapy.Request, crawl: dict[str, Any], accept: str) -> None:
    """A GitHub REST request: its host's rate-limit budget (ApiBudgetMiddleware), the token
    from the environment variable hub.toml names (optional), the media type wanted."""
    request.meta["api_host"] = urlsplit(request.url).netloc
    request.headers["Accept"] = accept
    token = os.environ.get(crawl.get("github_token_env") or "GITHUB_TOKEN")
    if token:
        request.headers["Authorization"] = f"Bearer {token}"


class FeedSpider(SourceSpider):
    kind = "feed"


class HFSpider(SourceSpider):
    kind = "hf"


class RedditSpider(SourceSpider):
    kind = "reddit"


class ArticleSpider(SourceSpider):
    """The enrich step: the pages posts link (their main text) and repos' READMEs (GitHub
    REST, raw). Every outcome is stored, failures too, so nothing is fetched twice."""

    kind = "article"

    def make_request(self, plan: dict[str, Any], req: dict[str, Any]) -> scrapy.Request:
        request = super().make_request(plan, req)
        if req["format"] == "readme":
            github_api(request, self.crawl, "application/vnd.github.raw")
        else:
            request.headers["Accept"] = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
        return request

    def parse_fetch(self, response: Response) -> Iterator[Any]:
        if response.status >= 400:
            yield self._enriched(response, Extracted("http-error", error=f"HTTP {response.status}"))
            return
        try:
            if response.meta["planned"]["format"] == "readme":
                extracted = _readme(response)
            else:
                extracted = _article(response)
        except Exception as e:  # an extractor failing on one page must not lose the fetch
            extracted = Extracted("error", error=f"extraction failed: {type(e).__name__}: {e}"[:300])
        yield self._enriched(response, extracted)

    def _enriched(self, response: Response, got: Extracted) -> dict[str, Any]:
        req = response.meta["planned"]
        records = _records(req, got, final_url=response.url, http_status=response.status)
        error = None if got.status == "ok" else f"{got.status}: {got.error}"
        return self._result(response, error=error, enrichments=records)

    def failed(self, failure: Failure) -> Iterator[dict[str, Any]]:
        for result in super().failed(failure):
            status, http = _failure_status(failure)
            req = failure.request.meta["planned"]  # type: ignore[attr-defined]
            got = Extracted(status, error=result["error"])
            yield {**result, "status": http, "enrichments": _records(req, got, None, http)}


def _article(response: Response) -> Extracted:
    ctype = (_header(response, b"Content-Type") or "").lower()
    if not isinstance(response, TextResponse) or ("html" not in ctype and ctype):
        return Extracted("not-html", error=f"not an HTML page ({ctype.split(';')[0] or 'binary'})")
    return article_text(response.text, response.url)


def _readme(response: Response) -> Extracted:
    text = readme_text(response.body.decode("utf-8", "replace"))
    if not text:
        return Extracted("thin", error="no prose paragraph at the top of the README")
    return Extracted("ok", text, detect_lang(text))


def _records(
    req: dict[str, Any], got: Extracted, final_url: str | None, http_status: int | None
) -> list[EnrichmentRecord]:
    return [
        EnrichmentRecord(
            item_id=item_id,
            kind=req["format"],
            url=req["url"],
            status=got.status,
            final_url=final_url,
            http_status=http_status,
            text=got.text,
            lang=got.lang,
            error=got.error,
        )
        for item_id in req["meta"]["items"]
    ]


def _failure_status(failure: Failure) -> tuple[str, int | None]:
    """(outcome, HTTP status) of a failed fetch. Refusals (robots.txt, the SSRF policy, too
    many redirects) and oversize pages are final; no answer or a spent API budget may pass."""
    value = failure.value
    if isinstance(value, HttpError):
        return "http-error", value.response.status
    message = failure.getErrorMessage()
    if "max size" in message:
        return "too-large", None
    if isinstance(value, IgnoreRequest) and not any(t in message for t in _FOR_NOW):
        return "refused", None
    return "error", None


# IgnoreRequest messages that hold for this crawl only: a spent API budget, a host whose
# robots.txt Crawl-delay is past the cap (skipped this crawl). Tried again later.
_FOR_NOW = ("rate limit", "this crawl")


SPIDERS: dict[str, type[SourceSpider]] = {
    cls.kind: cls
    for cls in (ArxivSpider, HNSpider, GitHubSpider, FeedSpider, HFSpider, RedditSpider, ArticleSpider)
}
