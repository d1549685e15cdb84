"""Downloader middlewares: Retry-After and exponential backoff; API rate-limit budget;
robots.txt for every request (Protego), its Crawl-delay as a per-host delay floor; only
http(s) URLs to hosts that can exist, also after redirects, and no redirect to a
link-local (cloud metadata) or, from a public host, a private address."""

from __future__ import annotations

import asyncio
import email.utils
import os
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urljoin, urlsplit

from protego import Protego
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.response import response_status_message

from hub.sources.urls import address_kind, fetch_refusal, refusal_message


def retry_after_seconds(response: Response, now: float | None = None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date), None when absent or bad."""
    raw = response.headers.get(b"Retry-After")
    if not raw:
        return None
    value = raw.decode("latin-1").strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (now if now is not None else time.time()))


class PoliteRetryMiddleware(RetryMiddleware):
    """Retries like Scrapy's, but waits: Retry-After on 429/503, else backoff * 2**attempt.

    A Retry-After longer than the cap is not waited for: the response goes to the
    spider with meta["retry_after"], and the source is skipped until then.
    """

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.backoff = settings.getfloat("HUB_BACKOFF_S", 1.0)
        self.cap = settings.getfloat("HUB_RETRY_AFTER_CAP_S", 60.0)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        delay = retry_after_seconds(response)
        if delay is not None and delay > self.cap:
            request.meta["retry_after"] = delay
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await self._wait(delay if delay is not None else self._backoff(request))
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Any = None
    ) -> Request | Response | None:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry"):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await self._wait(self._backoff(request))
        return retry

    def _backoff(self, request: Request) -> float:
        return float(self.backoff * 2 ** request.meta.get("retry_times", 0))

    @staticmethod
    async def _wait(seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(seconds)


class ApiBudgetMiddleware:
    """Once an API says its rate limit is spent, drop the rest of that API's requests."""

    def __init__(self) -> None:
        self.exhausted: dict[str, str] = {}

    def process_request(self, request: Request, spider: Any = None) -> None:
        api = request.meta.get("api_host")
        if api and api in self.exhausted:
            raise IgnoreRequest(f"rate limit of {api} spent ({self.exhausted[api]})")

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        api = request.meta.get("api_host")
        remaining = response.headers.get(b"X-RateLimit-Remaining")
        if api and remaining is not None and remaining.strip() == b"0":
            reset = (response.headers.get(b"X-RateLimit-Reset") or b"?").decode("latin-1")
            self.exhausted[api] = f"resets at unix time {reset}"
        return response


class CrawlStopped(IgnoreRequest):
    """The crawl was asked to stop; the request is dropped, not recorded as an error."""


class RefusedURL(IgnoreRequest):
    """A URL hub never fetches (not http/https); recorded as the source's error."""


FETCHED_SCHEMES = ("http", "https")
# Special-use names that must never reach DNS (or a proxy): RFC 6761 says name
# resolution APIs should answer "does not exist" at once for .invalid; RFC 7686 says
# the same for .onion outside Tor.
NEVER_RESOLVES = ("invalid", "onion")


class SafeUrlMiddleware:
    """Refuse non-http(s) URLs, reserved host names, redirects that `redirect_refusal`
    refuses and link-local or metadata hosts (`hub.sources.urls.fetch_refusal`, unless
    [crawl] allow_link_local), before anything is sent.

    Runs first (before robots.txt), so a refused URL costs no request and no lookup,
    and the refusal is not retried.
    """

    def __init__(self, allow_link_local: bool = False) -> None:
        self.allow_link_local = allow_link_local

    @classmethod
    def from_crawler(cls, crawler: Any) -> SafeUrlMiddleware:
        return cls(crawler.settings.getbool("HUB_ALLOW_LINK_LOCAL"))

    def process_request(self, request: Request, spider: Any = None) -> None:
        parts = urlsplit(request.url)
        if parts.scheme.lower() not in FETCHED_SCHEMES:
            request.meta["dont_retry"] = True
            raise RefusedURL(f"{_scheme(parts.scheme)} URL not fetched (only http and https)")
        host = (parts.hostname or "").rstrip(".")
        if host.rsplit(".", 1)[-1] in NEVER_RESOLVES:
            request.meta["dont_retry"] = True
            raise CannotResolveHostError(
                f"DNS lookup failed: {host} is a reserved name that never resolves "
                "(RFC 6761/7686), not looked up"
            )
        # Checked on the redirected request itself (3xx and meta refresh alike): its URL
        # is exactly what would be fetched, after Scrapy's own URL clean-up.
        chain = request.meta.get("redirect_urls")
        if chain and (why := redirect_refusal(chain, request.url)):
            request.meta["dont_retry"] = True
            reasons = request.meta.get("redirect_reasons") or ["?"]
            raise RefusedURL(f"{_redirect_reason(reasons[-1])} redirect {why} refused")
        # Every URL, not only a source's own: hub.toml, `sources add`, OPML and enrich's
        # links all pass here (hub.sources.urls is the one policy).
        if why := fetch_refusal(request.url, allow_link_local=self.allow_link_local):
            request.meta["dont_retry"] = True
            raise RefusedURL(refusal_message(request.url, why))


class SafeRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirects, but a Location that is not http(s) is refused with a clear
    error (Scrapy returns the 3xx unfollowed, or raises ValueError on `javascript:`).
    Where a redirect may go by address is SafeUrlMiddleware's check on the new request."""

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        location = response.headers.get(b"Location")
        if location is not None and self._would_follow(request, response):
            target = urljoin(request.url, location.decode("latin-1").strip())
            scheme = urlsplit(target).scheme.lower()
            if scheme not in FETCHED_SCHEMES:
                raise RefusedURL(
                    f"HTTP {response.status} redirect to a {_scheme(scheme)} URL not followed "
                    "(only http and https)"
                )
        return super().process_response(request, response)

    def _would_follow(self, request: Request, response: Response) -> bool:
        handled = request.meta.get("handle_httpstatus_list", ()) or getattr(
            self.crawler.spider, "handle_httpstatus_list", ()
        )
        return (
            response.status in (301, 302, 303, 307, 308)
            and not request.meta.get("dont_redirect")
            and not request.meta.get("handle_httpstatus_all")
            and response.status not in handled
        )


def _scheme(scheme: str) -> str:
    """A scheme for an error message: the name only (never the attacker's URL), short."""
    return f"{scheme[:20]}:" if scheme else "scheme-less"


# Never a redirect's target, whatever the source: link-local (169.254/16, fe80::/10) is
# where cloud metadata endpoints live (169.254.169.254), and an unspecified address
# (0.0.0.0, ::) connects to the local host.
NEVER_REDIRECTED_TO = ("unspecified", "link-local", "multicast", "reserved")


def redirect_refusal(chain: Sequence[str], target: str) -> str | None:
    """Why a redirect to `target` is not followed (for the error message), None if it is.

    `chain` is the source URL and every URL redirected from since. A link-local,
    unspecified, multicast or reserved address is never followed. A loopback or private
    address is followed only while the whole chain is loopback/private (a source served
    from this machine or a LAN), never from a public address or a DNS name. Hosts are
    judged as written, without DNS: a public name that resolves to a private address
    (DNS rebinding) is out of scope.
    """
    found = address_kind(urlsplit(target).hostname or "")
    if found is None:
        return None
    kind, address = found
    what = f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} address ({address})"
    if kind in NEVER_REDIRECTED_TO:
        return f"to {what}"
    if any(address_kind(urlsplit(url).hostname or "") is None for url in chain):
        return f"from a public host to {what}"
    return None


def _redirect_reason(reason: Any) -> str:
    """Scrapy's redirect reason (a status code, or "meta refresh") for an error message."""
    return f"HTTP {reason}" if isinstance(reason, int) else str(reason)[:20]


def robots_rules(body: bytes) -> Protego:
    """A robots.txt body parsed by Protego (Scrapy's own parser: `*` and `$` in paths, the
    longest match wins and Allow wins a tie, Crawl-delay and Request-rate per agent)."""
    return Protego.parse(body.decode("utf-8", "replace"))


def robots_delay(rules: Protego, agent: str) -> float:
    """The seconds robots.txt asks between requests from `agent`: its Crawl-delay, or the
    interval its Request-rate implies, whichever is longer (0 when it asks nothing)."""
    delay = float(rules.crawl_delay(agent) or 0.0)
    rate = rules.request_rate(agent)
    if rate is not None and rate.requests > 0:
        delay = max(delay, rate.seconds / rate.requests)
    return delay


class RobotsGuardMiddleware:
    """robots.txt, checked for every request (Scrapy's own middleware let some through
    while robots.txt was still being fetched). One fetch per host, behind a lock.

    A Crawl-delay (or Request-rate) becomes the host's delay floor: its download slot
    waits at least that long between requests, without jitter, and AutoThrottle does not
    lower it. One longer than HUB_RETRY_AFTER_CAP_S (the longest wait hub accepts) skips
    the host for this crawl rather than stall it.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.enabled = crawler.settings.getbool("HUB_OBEY_ROBOTS", True)
        self.agent = crawler.settings.get("USER_AGENT", "*")
        self.cap = crawler.settings.getfloat("HUB_RETRY_AFTER_CAP_S", 60.0)
        self.rules: dict[str, Protego | None] = {}
        self.delays: dict[str, float] = {}  # host -> delay floor asked by its robots.txt
        self.locks: dict[str, asyncio.Lock] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> RobotsGuardMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request, spider: Any = None) -> None:
        if not self.enabled or request.meta.get("dont_obey_robotstxt"):
            return
        rules = await self._rules(request)
        if rules is not None and not rules.can_fetch(request.url, self.agent):
            raise IgnoreRequest("Forbidden by robots.txt")
        delay = self.delays.get(urlsplit(request.url).hostname or "", 0.0)
        if delay > self.cap:
            raise IgnoreRequest(
                f"robots.txt asks {delay:g} s between requests, more than {self.cap:g} s: "
                "host skipped this crawl"
            )
        if delay:
            request.meta["autothrottle_dont_adjust_delay"] = True

    async def _rules(self, request: Request) -> Protego | None:
        parts = urlsplit(request.url)
        key = f"{parts.scheme}://{parts.netloc}"
        lock = self.locks.setdefault(key, asyncio.Lock())
        async with lock:
            if key not in self.rules:
                robots = Request(
                    f"{key}/robots.txt",
                    meta={"dont_obey_robotstxt": True, "handle_httpstatus_all": True},
                    dont_filter=True,
                    priority=1000,
                )
                try:
                    response = await self.crawler.engine.download_async(robots)
                except Exception:  # unreachable robots.txt: allowed, like most crawlers
                    response = None
                rules = None
                if response is not None and response.status == 200:
                    rules = robots_rules(response.body)
                    self._floor(parts.hostname or "", robots_delay(rules, self.agent))
                self.rules[key] = rules
            return self.rules[key]

    def _floor(self, host: str, delay: float) -> None:
        """Make `delay` the least wait between requests to `host` (its download slot's
        delay, now and for a slot made again later), without jitter."""
        if delay <= 0:
            return
        self.delays[host] = max(delay, self.delays.get(host, 0.0))
        downloader = self.crawler.engine.downloader
        settings = downloader.per_slot_settings.setdefault(host, {})
        settings["delay"] = max(float(settings.get("delay", 0.0)), delay)
        settings["jitter"] = 0.0
        slot = downloader.slots.get(host)
        if slot is not None:
            slot.delay = max(slot.delay, delay)
            slot.jitter = 0.0


class StoppableHTTPHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP handler, but a request that reaches the network after the parent
    asked the crawl to stop is dropped (queued requests never start)."""

    async def download_request(self, request: Request) -> Response:
        stop_file = self._crawler.settings.get("HUB_STOP_FILE")
        if stop_file and os.path.exists(stop_file):
            raise CrawlStopped("crawl stopped")
        return await super().download_request(request)
