"""The crawl run's own decisions (which sources, which OPML feeds) and its hand-over of the
store to the crawler child; the crawls themselves are in test_crawl.py and test_enrich.py."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

from hub import crawler
from hub.config import load_config
from hub.core import make_hub
from hub.crawl_run import crawl_targets
from hub.exceptions import CrawlError, HubError, NotFoundError
from hub.sources.opml import FeedRef
from hub.sources.registry import feeds_to_add, source_record

NOW = dt.datetime(2025, 4, 20, 12, tzinfo=dt.UTC)


def _source(name: str, kind: str = "feed", **kw: Any) -> dict[str, Any]:
    return {"name": name, "kind": kind, "url": "", "enabled": True, "tags": [], "not_before": None, **kw}


def test_crawl_targets_choose_by_name_tag_or_kind_and_skip_rate_limited() -> None:
    later = NOW + dt.timedelta(hours=2)
    sources = [
        _source("a", tags=["ai"]),
        _source("b", "hn", not_before=later),
        _source("c", "hn", not_before=NOW - dt.timedelta(hours=1)),
        _source("off", enabled=False, tags=["ai"]),
    ]
    chosen, skipped = crawl_targets(sources, None, None, NOW)
    assert [s["name"] for s in chosen] == ["a", "c"]
    assert skipped == ["b (rate limited until 2025-04-20 14:00 UTC)"]
    assert [s["name"] for s in crawl_targets(sources, None, "ai", NOW)[0]] == ["a"]
    assert [s["name"] for s in crawl_targets(sources, None, "hn", NOW)[0]] == ["c"]
    assert [s["name"] for s in crawl_targets(sources, "c", None, NOW)[0]] == ["c"]
    with pytest.raises(NotFoundError, match="no source 'off' to crawl"):
        crawl_targets(sources, "off", None, NOW)


def test_feeds_to_add_skip_known_urls_and_find_free_names() -> None:
    existing = [_source("blog", url="https://example.org/feed"), _source("arxiv", "arxiv")]
    feeds = [
        FeedRef("old", "https://EXAMPLE.org/feed"),  # already a source (normalized URL)
        FeedRef("blog", "https://example.org/other.xml"),  # name taken: blog-2
        FeedRef("blog", "https://example.org/third.xml"),  # and again: blog-3
        FeedRef("dup", "https://example.org/other.xml"),  # an earlier feed of the list
    ]
    new = feeds_to_add(existing, feeds)
    assert [(name, f.url) for name, f in new] == [
        ("blog-2", "https://example.org/other.xml"),
        ("blog-3", "https://example.org/third.xml"),
    ]


@pytest.mark.parametrize(
    ("kind", "url", "why"),
    [("gopher", "https://x.org", "unknown source kind 'gopher'"), ("feed", "", "needs an http")],
)
def test_source_record_says_what_is_wrong(kind: str, url: str, why: str) -> None:
    with pytest.raises(HubError, match=why):
        source_record("x", kind, url, (), None)


def test_a_failed_crawler_child_leaves_the_hub_an_open_store(tmp_path: Path, monkeypatch: Any) -> None:
    """The child holds the database while it runs: when it fails, the hub has the store back,
    open, with the run recorded as an error."""
    config = tmp_path / "hub.toml"
    config.write_text('[[sources]]\nname = "blog"\nkind = "feed"\nurl = "http://127.0.0.1:9/feed"\n')
    false = shutil.which("false")
    assert false is not None
    monkeypatch.setattr(crawler.sys, "executable", false)  # a child that exits 1 at once
    with make_hub(load_config(config, env={})) as hub:
        before = hub.store
        with pytest.raises(CrawlError, match="exited with code 1"):
            hub.crawl(source="blog")
        assert hub.store is not before
        run = hub.store.recent_runs(1)[0]
        assert (run["job"], run["status"]) == ("crawl", "error")
