"""What a reader sees: the built demo site in headless Chromium (Debian's, driven by Playwright).

Needs /usr/bin/chromium (`.ci/run` installs it). Not skipped when missing: it fails.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.config import load_config
from hub.core import make_hub
from hub.demo import DemoResult, run_demo

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PAYLOAD = '<img src=x onerror="window.__xss=1"> Totally real HN title'
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    result = run_demo(tmp_path_factory.mktemp("browser") / "hub-demo")
    # A recorded HN story whose title is replaced by a script payload, imported like any file.
    hn_file = sorted((result.workdir / "snapshot" / "hackernews").glob("*.json"))[-1]
    records = json.loads(hn_file.read_text(encoding="utf-8"))
    top = max(records, key=lambda r: r["score"])
    evil = tmp_path_factory.mktemp("evil") / hn_file.name
    evil.write_text(json.dumps([{**top, "title": PAYLOAD, "score": 5000}]), encoding="utf-8")
    with make_hub(load_config(result.workdir / "hub.toml", env={})) as hub:
        hub.import_paths([evil])
        hub.digest("2025-W16")
        hub.build_site()
    return result


@pytest.fixture(scope="module")
def site_url(demo: DemoResult) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return

    handler = functools.partial(Quiet, directory=str(demo.build_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def page(site_url: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is required (apt-get install chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = browser.new_page(viewport={"width": 1280, "height": 900})
        yield pg
        browser.close()


def test_home_shows_stories_with_working_source_links(page, site_url: str, demo: DemoResult) -> None:  # type: ignore[no-untyped-def]
    page.goto(site_url + "index.html")
    headings = page.locator("article h3").all_inner_texts()
    assert len(headings) >= 10
    top = demo.digest.stories[0]
    links = page.locator("article a[href^='http']").evaluate_all("els => els.map(e => e.href)")
    assert any(i.url in links for i in top.items)
    assert all(href.startswith(("http://", "https://")) for href in links)


def test_search_finds_a_paper_from_the_data(page, site_url: str, demo: DemoResult) -> None:  # type: ignore[no-untyped-def]
    paper = next(s for s in demo.digest.stories if any(i.kind == "paper" for i in s.items))
    word = max(paper.title.split(), key=len).strip(":,.")
    page.goto(site_url + "index.html")
    page.locator("label.md-search__icon, .md-search__input").first.click()
    page.locator("input.md-search__input").press_sequentially(word, delay=30)
    result = page.locator(".md-search-result__item").first
    result.wait_for(timeout=15_000)
    assert word.lower() in page.locator(".md-search-result").inner_text().lower()


def test_topic_page_and_screenshot(page, site_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto(site_url + "index.html")
    page.locator("article a[href*='topics/']").first.click()
    page.wait_for_load_state()
    assert "/topics/" in page.url
    assert page.locator("article h1").inner_text()
    shot = tmp_path / "topic.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000


def test_script_in_a_recorded_title_does_not_run(page, site_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(site_url + "digests/2025-W16.html")
    assert page.evaluate("window.__xss") is None
    assert "Totally real HN title" in page.locator("article").inner_text()
    assert page.locator("article img[src='x']").count() == 0
