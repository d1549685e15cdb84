"""robots.txt through Protego: wildcards, `$`, Allow precedence, per-agent groups, and
Crawl-delay honoured as the host's delay floor — judged by the parser, by the middleware
against a loopback server, and in a real crawl (a Scrapy child process).

The robots.txt below is written for these tests in the forms real sites use (a group for
every agent and one for hub; `*` and `$` patterns; an Allow inside a disallowed folder).
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from scrapy.core.downloader import Slot
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.settings import Settings

from hub.config import Config, load_config
from hub.core import make_hub
from spiders.middlewares import RobotsGuardMiddleware, robots_delay, robots_rules

ROBOTS = b"""# robots.txt
User-agent: *
Disallow: /*?sort=
Disallow: /private$
Disallow: /blog/
Allow: /blog/feed.xml
Crawl-delay: 2

User-agent: hub
Disallow: /*?sort=
Disallow: /private$
Disallow: /blog/
Allow: /blog/feed.xml
Disallow: /search
Crawl-delay: 1.5
"""
AGENT = Config().crawl.user_agent
FEED = (Path(__file__).parent / "data" / "sources" / "feed_ollama.xml").read_bytes()


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/list?sort=new", False),  # `*` wildcard: urllib.robotparser allowed it
        ("/a/b/list?sort=top&page=2", False),
        ("/a/b/list?page=2&sort=top", True),  # "?sort=" is not in it
        ("/list?page=2", True),
        ("/private", False),  # `$` anchors the end: urllib.robotparser allowed it
        ("/private/feed.xml", True),
        ("/blog/feed.xml", True),  # the longer Allow wins over Disallow: /blog/
        ("/blog/2025/post", False),
        ("/search?q=llm", False),  # hub's own group applies to hub
        ("/feed.xml", True),
    ],
)
def test_rules(path: str, allowed: bool) -> None:
    assert robots_rules(ROBOTS).can_fetch(f"http://example.org{path}", AGENT) is allowed


def test_delay_from_crawl_delay_and_request_rate() -> None:
    assert robots_delay(robots_rules(ROBOTS), AGENT) == 1.5  # hub's group, not `*`'s 2
    assert robots_delay(robots_rules(ROBOTS), "OtherBot/1.0") == 2.0
    assert robots_delay(robots_rules(b"User-agent: *\nRequest-rate: 1/10\n"), AGENT) == 10.0
    assert robots_delay(robots_rules(b"User-agent: *\nDisallow:\n"), AGENT) == 0.0
    assert robots_delay(robots_rules(b"\xff\xfe garbage \x00"), AGENT) == 0.0  # bad bytes: no rules


def _crawler(host: str, *, cap: float = 60.0) -> Any:
    """What the middleware uses of a Scrapy crawler: settings, a downloader's slots, and
    an engine that fetches (here straight from the loopback server)."""

    async def download_async(request: Request) -> Response:
        try:
            with urllib.request.urlopen(request.url, timeout=5) as r:
                return Response(request.url, status=r.status, body=r.read())
        except urllib.error.HTTPError as e:
            return Response(request.url, status=e.code, body=e.read())

    settings = Settings({"USER_AGENT": AGENT, "HUB_RETRY_AFTER_CAP_S": cap})
    downloader = SimpleNamespace(per_slot_settings={}, slots={host: Slot(1, 0.25, 0.5)})
    return SimpleNamespace(
        settings=settings, engine=SimpleNamespace(download_async=download_async, downloader=downloader)
    )


def _run(mw: RobotsGuardMiddleware, url: str) -> Request:
    request = Request(url)
    asyncio.run(mw.process_request(request))
    return request


def test_middleware_refuses_and_sets_the_delay_floor(server: HTTPServer) -> None:
    server.expect_request("/robots.txt").respond_with_data(ROBOTS, content_type="text/plain")
    crawler = _crawler("127.0.0.1")
    mw = RobotsGuardMiddleware(crawler)
    for path in ("/list?sort=new", "/private", "/blog/2025/post"):
        with pytest.raises(IgnoreRequest, match="robots"):
            _run(mw, server.url_for(path))
    allowed = _run(mw, server.url_for("/blog/feed.xml"))
    assert allowed.meta["autothrottle_dont_adjust_delay"] is True  # AutoThrottle keeps off it
    slot = crawler.engine.downloader.slots["127.0.0.1"]
    assert (slot.delay, slot.jitter) == (1.5, 0.0)  # raised to the floor, no random shortening
    assert crawler.engine.downloader.per_slot_settings["127.0.0.1"] == {"delay": 1.5, "jitter": 0.0}
    assert [r.path for r, _ in server.log].count("/robots.txt") == 1  # one fetch per host


def test_a_crawl_delay_beyond_the_cap_skips_the_host(server: HTTPServer) -> None:
    server.expect_request("/robots.txt").respond_with_data(b"User-agent: *\nCrawl-delay: 3600\n")
    mw = RobotsGuardMiddleware(_crawler("127.0.0.1", cap=60.0))
    with pytest.raises(IgnoreRequest, match="3600 s between requests"):
        _run(mw, server.url_for("/feed.xml"))


@pytest.mark.parametrize("status", [404, 500])
def test_no_robots_txt_allows_everything(server: HTTPServer, status: int) -> None:
    server.expect_request("/robots.txt").respond_with_data("", status=status)
    crawler = _crawler("127.0.0.1")
    request = _run(RobotsGuardMiddleware(crawler), server.url_for("/list?sort=new"))
    assert "autothrottle_dont_adjust_delay" not in request.meta
    assert crawler.engine.downloader.slots["127.0.0.1"].delay == 0.25


def test_a_crawl_fetches_only_what_robots_txt_allows(tmp_path: Path, server: HTTPServer) -> None:
    server.expect_request("/robots.txt").respond_with_data(ROBOTS.replace(b"1.5", b"0.2"))
    paths = {"sorted": "/feed.xml?sort=new", "anchored": "/private", "blog": "/blog/feed.xml"}
    for path in ("/feed.xml", "/private", "/blog/feed.xml"):
        server.expect_request(path).respond_with_data(FEED, content_type="application/rss+xml")
    crawl = {"delay_s": 0.0, "obey_robots": True, "timeout_s": 3.0, "retries": 0, "backoff_s": 0.0}
    lines = ["[crawl]"] + [f"{k} = {json.dumps(v)}" for k, v in crawl.items()]
    for name, path in paths.items():
        lines += ["", "[[sources]]", f'name = "{name}"', 'kind = "feed"', f'url = "{server.url_for(path)}"']
    (tmp_path / "hub.toml").write_text("\n".join(lines) + "\n")
    with make_hub(load_config(tmp_path / "hub.toml", env={})) as hub:
        result = hub.crawl()
        errors = dict(hub.store.fetchall("SELECT source, error FROM fetches WHERE error IS NOT NULL"))
    fetched = [r.full_path.rstrip("?") for r, _ in server.log]
    assert "/blog/feed.xml" in fetched and "/private" not in fetched and "/feed.xml?sort=new" not in fetched
    assert {s["source"]: s["items"] for s in result.sources}["blog"] > 0
    assert "robots" in errors["sorted"] and "robots" in errors["anchored"]
