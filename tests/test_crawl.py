"""Crawling against loopback servers that replay recorded responses (no network).

One crawl covers every source kind and every failure mode at once (each crawl is a
Scrapy child process), then a second crawl checks conditional GET and Retry-After.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from hub.config import load_config
from hub.core import Hub, make_hub
from hub.crawler import plan_requests
from hub.types import Item

DATA = Path(__file__).parent / "data" / "sources"
FEED = (DATA / "feed_ollama.xml").read_bytes()
ETAG = '"ollama-v1"'


def _config_text(srv: HTTPServer, sources: list[dict[str, Any]], **crawl: Any) -> str:
    settings = {
        "delay_s": 0.0,
        "obey_robots": True,
        "timeout_s": 1.5,
        "retries": 1,
        "backoff_s": 0.0,
        "retry_after_cap_s": 2.0,
        "arxiv_delay_s": 0.0,
        "max_bytes": 300_000,
        "max_redirects": 3,
        **crawl,
    }
    lines = ["[crawl]"] + [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    for s in sources:
        lines += ["", "[[sources]]"] + [f"{k} = {json.dumps(v)}" for k, v in s.items() if k != "params"]
        if "params" in s:
            lines.append(
                "params = { " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in s["params"].items()) + " }"
            )
    return "\n".join(lines) + "\n"


def _hub(tmp_path: Path, srv: HTTPServer, sources: list[dict[str, Any]], **crawl: Any) -> Hub:
    path = tmp_path / "hub.toml"
    path.write_text(_config_text(srv, sources, **crawl))
    return make_hub(load_config(path, env={}))


def _feed_with_etag(request: Request) -> Response:
    if request.headers.get("If-None-Match") == ETAG:
        return Response(status=304, headers={"ETag": ETAG})
    return Response(FEED, content_type="application/rss+xml", headers={"ETag": ETAG})


class Flaky:
    """429 with Retry-After: 0 first, then the real body."""

    def __init__(self, body: bytes, content_type: str) -> None:
        self.calls = 0
        self.body, self.content_type = body, content_type

    def __call__(self, request: Request) -> Response:
        self.calls += 1
        if self.calls == 1:
            return Response("slow down", status=429, headers={"Retry-After": "0"})
        return Response(self.body, content_type=self.content_type)


def _slow(request: Request) -> Response:
    time.sleep(4)  # longer than timeout_s: the crawler gives up, the server thread finishes later
    return Response(FEED, content_type="application/rss+xml")


def _setup(srv: HTTPServer) -> dict[str, Any]:
    srv.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private/\n")
    srv.expect_request("/feed.xml").respond_with_handler(_feed_with_etag)
    arxiv_body = json.loads((DATA / "arxiv_api_recorded.json").read_text())["body"]
    srv.expect_request("/api/query").respond_with_data(arxiv_body, content_type="application/atom+xml")
    flaky = Flaky((DATA / "minimal_hn_algolia.json").read_bytes(), "application/json")
    srv.expect_request("/algolia").respond_with_handler(flaky)
    srv.expect_request("/r/LocalLLaMA/top.json").respond_with_data(
        (DATA / "minimal_reddit_listing.json").read_bytes(), content_type="application/json"
    )
    srv.expect_request("/hf").respond_with_data(
        (DATA / "minimal_hf_daily.json").read_bytes(), content_type="application/json"
    )
    srv.expect_request("/trending").respond_with_data(
        (DATA / "minimal_trending.html").read_bytes(), content_type="text/html"
    )
    repo = next(
        x["response"]
        for x in json.loads((DATA / "gh_get_repository.json").read_text())
        if "full_name" in (x.get("response") or {})
    )
    srv.expect_request(f"/repos/{repo['full_name']}").respond_with_json(
        repo, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000000"}
    )
    srv.expect_request("/limited.xml").respond_with_data("no", status=429, headers={"Retry-After": "3600"})
    srv.expect_request("/down.xml").respond_with_data("boom", status=500)
    srv.expect_request("/slow.xml").respond_with_handler(_slow)
    srv.expect_request("/malformed.xml").respond_with_data(
        FEED[: len(FEED) // 2], content_type="application/rss+xml"
    )
    srv.expect_request("/html.xml").respond_with_data(
        "<html><body>not a feed</body></html>", content_type="text/html"
    )
    # declared UTF-8, sent as Latin-1: invalid UTF-8 bytes where the feed has accents/dashes
    latin = FEED.decode("utf-8").replace("Ollama", "Ollamä").encode("latin-1", errors="replace")
    srv.expect_request("/charset.xml").respond_with_data(
        latin, headers={"Content-Type": "application/rss+xml; charset=UTF-8"}
    )
    srv.expect_request("/huge.xml").respond_with_data(FEED * 20, content_type="application/rss+xml")
    srv.expect_request("/loop").respond_with_data("", status=302, headers={"Location": "/loop"})
    srv.expect_request("/private/feed.xml").respond_with_data(FEED, content_type="application/rss+xml")
    return {"flaky": flaky, "repo": repo, "arxiv_entries": len(feedparser.parse(arxiv_body).entries)}


def _sources(srv: HTTPServer, repo: str) -> list[dict[str, Any]]:
    u = srv.url_for
    feeds = {
        "good": "/feed.xml",
        "limited": "/limited.xml",
        "down": "/down.xml",
        "slow": "/slow.xml",
        "malformed": "/malformed.xml",
        "html": "/html.xml",
        "charset": "/charset.xml",
        "huge": "/huge.xml",
        "loop": "/loop",
        "robots": "/private/feed.xml",
    }
    out: list[dict[str, Any]] = [{"name": n, "kind": "feed", "url": u(p)} for n, p in feeds.items()]
    return out + [
        {
            "name": "arxiv",
            "kind": "arxiv",
            "url": u("/api/query"),
            "params": {"categories": ["cs.LG"], "max_results": 10},
        },
        {"name": "hn", "kind": "hn", "url": u("/algolia"), "params": {"queries": ["llm"]}},
        {
            "name": "reddit",
            "kind": "reddit",
            "url": u("/").rstrip("/"),
            "params": {"subreddit": "LocalLLaMA"},
        },
        {"name": "hf", "kind": "hf", "url": u("/hf")},
        {
            "name": "github",
            "kind": "github",
            "url": u("/trending"),
            "params": {"languages": [""], "api_url": u("/").rstrip("/"), "api_repos": 5},
        },
    ]


@pytest.fixture
def crawled(tmp_path: Path, server: HTTPServer) -> Iterator[tuple[Hub, dict[str, Any], Any]]:
    info = _setup(server)
    hub = _hub(tmp_path, server, _sources(server, info["repo"]["full_name"]))
    # a post linking the recorded repo: the GitHub spider asks the REST API about it
    repo = info["repo"]["full_name"]
    hub.store.upsert(
        [
            Item(
                id="url:https://example.org/post",
                kind="post",
                source="feed:x",
                title="A post",
                url="https://example.org/post",
                published_at=dt.datetime.now(dt.UTC),
                links=(f"https://github.com/{repo}",),
            )
        ]
    )
    result = hub.crawl()
    yield hub, info, result
    hub.close()


def _errors(hub: Hub) -> dict[str, str]:
    rows = hub.store.fetchall("SELECT source, error FROM fetches WHERE error IS NOT NULL")
    return {r[0]: r[1] for r in rows}


def test_every_kind_parses_its_recorded_response(crawled) -> None:  # type: ignore[no-untyped-def]
    hub, info, result = crawled
    by = {r["source"]: r for r in result.sources}
    assert by["good"]["items"] == len({e.link for e in feedparser.parse(FEED).entries})
    assert by["arxiv"]["new"] == info["arxiv_entries"]
    assert by["hn"]["new"] == 2 and info["flaky"].calls == 2  # 429 + Retry-After: 0, then 200
    assert by["reddit"]["new"] == 2 and by["hf"]["new"] == 2
    assert by["github"]["new"] >= 2  # trending page repos
    kinds = {r[0] for r in hub.store.fetchall("SELECT kind FROM items")}
    assert kinds == {"post", "paper", "thread", "repo"}
    repo = info["repo"]
    stars = hub.store.fetchall(
        "SELECT value FROM observations WHERE metric = 'stars' AND item_id = ?",
        [f"gh:{repo['full_name'].lower()}"],
    )
    assert stars == [(repo["stargazers_count"],)], "REST stars recorded as observations for velocity"
    observed = hub.store.fetchall("SELECT DISTINCT observed_at FROM observations WHERE item_id LIKE 'hn:%'")
    assert len(observed) == 1 and observed[0][0].year >= 2026  # crawled signals are observed at fetch time


def test_each_failure_is_recorded_for_its_source_only(crawled) -> None:  # type: ignore[no-untyped-def]
    hub, _, result = crawled
    errors = _errors(hub)
    assert "Retry-After 3600" in errors["limited"]
    assert errors["down"] == "HTTP 500"
    assert "Timeout" in errors["slow"] or "timeout" in errors["slow"].lower()
    assert errors["html"].startswith("parse error")
    assert errors["malformed"].startswith("warning:")  # entries before the cut are kept
    assert errors["charset"].startswith("warning:")
    assert (
        "max size" in errors["huge"].lower()
        or "maxsize" in errors["huge"].lower()
        or "larger" in errors["huge"]
    )
    assert "redirect" in errors["loop"].lower()
    assert "robots" in errors["robots"].lower() or "Forbidden" in errors["robots"]
    by = {r["source"]: r for r in result.sources}
    assert by["charset"]["items"] > 0 and by["malformed"]["items"] > 0
    health = {h["name"]: h for h in hub.store.source_health()}
    assert health["good"]["healthy"] is True and health["down"]["healthy"] is False


def test_recrawl_is_conditional_and_respects_retry_after(crawled, server: HTTPServer) -> None:  # type: ignore[no-untyped-def]
    hub, _, _ = crawled
    items_before = hub.store.counts()["items"]
    second = hub.crawl()
    by = {r["source"]: r for r in second.sources}
    assert by["good"]["not_modified"] == 1 and by["good"]["new"] == 0
    sent = [req for req, _ in server.log if req.path == "/feed.xml"]
    assert sent[-1].headers.get("If-None-Match") == ETAG
    assert any(s.startswith("limited") for s in second.skipped)  # Retry-After: 3600 honoured
    assert "limited" not in by
    assert hub.store.counts()["items"] == items_before  # nothing duplicated


def test_api_budget_drops_requests_once_the_limit_is_spent() -> None:
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import Request as ScrapyRequest
    from scrapy.http import Response as ScrapyResponse

    from spiders.middlewares import ApiBudgetMiddleware, retry_after_seconds

    mw = ApiBudgetMiddleware()
    req = ScrapyRequest("https://api.github.com/repos/a/b", meta={"api_host": "api.github.com"})
    mw.process_request(req)  # budget unknown: goes out
    spent = ScrapyResponse(req.url, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "17"})
    mw.process_response(req, spent)
    with pytest.raises(IgnoreRequest, match="rate limit"):
        mw.process_request(
            ScrapyRequest("https://api.github.com/repos/c/d", meta={"api_host": "api.github.com"})
        )
    assert retry_after_seconds(ScrapyResponse("http://x", headers={"Retry-After": "120"})) == 120
    dated = ScrapyResponse("http://x", headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert retry_after_seconds(dated, now=dt.datetime(2015, 10, 21, 7, 27, tzinfo=dt.UTC).timestamp()) == 60


def test_plans_are_built_from_config() -> None:
    now = dt.datetime(2025, 4, 20, tzinfo=dt.UTC)
    since = now - dt.timedelta(days=2)
    hf = plan_requests({"name": "hf", "kind": "hf", "url": "", "params": {}}, since=since, now=now)
    assert [r.url.rsplit("=", 1)[1] for r in hf] == ["2025-04-18", "2025-04-19", "2025-04-20"]
    (arxiv,) = plan_requests(
        {"name": "a", "kind": "arxiv", "url": "", "params": {"categories": ["cs.CL"]}}, since=since, now=now
    )
    assert arxiv.url.startswith("http://export.arxiv.org/api/query?search_query=cat%3Acs.CL")
    gh = plan_requests(
        {"name": "g", "kind": "github", "url": "", "params": {"languages": ["", "python"]}},
        since=since,
        now=now,
        repos=["a/b"],
    )
    assert [r.url for r in gh] == [
        "https://github.com/trending?since=daily",
        "https://github.com/trending/python?since=daily",
        "https://api.github.com/repos/a/b",
        "https://api.github.com/repos/a/b/releases/latest",
    ]
    (q,) = plan_requests(
        {"name": "a", "kind": "arxiv", "url": "", "params": {"categories": ["cs.CL"], "queries": ["agent"]}},
        since=since,
        now=now,
    )
    assert "search_query=%28cat%3Acs.CL%29+AND+%28all%3A%22agent%22%29" in q.url


def _feeds_server(srv: HTTPServer, n: int, served: list[str]) -> list[dict[str, Any]]:
    def handler(request: Request) -> Response:
        served.append(f"{time.monotonic():.3f} {request.path}")
        time.sleep(0.3)
        return Response(FEED, content_type="application/rss+xml")

    srv.expect_request("/robots.txt").respond_with_data("", status=404)
    for i in range(n):
        srv.expect_request(f"/f{i}.xml").respond_with_handler(handler)
    return [{"name": f"feed{i}", "kind": "feed", "url": srv.url_for(f"/f{i}.xml")} for i in range(n)]


def test_a_killed_crawl_resumes_without_duplicates(tmp_path: Path, server: HTTPServer) -> None:
    served: list[str] = []
    sources = _feeds_server(server, 12, served)
    cfg = tmp_path / "hub.toml"
    cfg.write_text(_config_text(server, sources, per_host=1, delay_s=0.1))
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub", "--config", str(cfg), "crawl", "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = threading.Event()
    while len(served) < 4 and proc.poll() is None and not deadline.wait(0.02):
        pass
    os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its crawler child, mid-crawl
    proc.wait()
    assert len(served) < 12, f"the crawl was killed before it finished: {served}"
    with make_hub(load_config(cfg, env={})) as hub:
        partial = hub.store.counts()["items"]
        result = hub.crawl()
        entries = len({e.link for e in feedparser.parse(FEED).entries})
        assert hub.store.counts()["items"] == entries  # the same posts from 12 feeds: one row each
        assert partial <= entries
        assert sum(r["errors"] for r in result.sources) == 0
        # every fetch of the resumed crawl is stored and recorded (DuckDB's replayed WAL once
        # made each upsert fail, unseen while the pipeline's failures were swallowed)
        assert [r["fetched"] for r in result.sources] == [1] * 12
        dupes = hub.store.scalar("SELECT count(*) - count(DISTINCT id) FROM items")
        assert dupes == 0
