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
from typing import Any
from urllib.parse import urljoin

import feedparser
import pytest

from hub.config import load_config
from hub.core import make_hub
from hub.demo import DemoResult, run_demo
from hub.digest import render
from hub.publishers import email as mail

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
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is required (apt-get install chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser: Any) -> Iterator[Any]:
    pg = browser.new_page(viewport={"width": 1280, "height": 900})
    yield pg
    pg.close()


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


# --- reader first (issue 15) ---------------------------------------------------------

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
# Every element of the page's content that reaches past the right edge of the viewport.
TOO_WIDE = """() => [...document.querySelectorAll('article *, .md-content *')]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 1 && e.getClientRects().length)
  .map(e => e.tagName + '.' + e.className)"""


@pytest.mark.parametrize("size", SIZES)
def test_story_one_is_inside_the_first_screen(browser: Any, site_url: str, size: str, tmp_path: Path) -> None:
    width, height = SIZES[size]
    pg = browser.new_page(viewport={"width": width, "height": height})
    try:
        for path in ("index.html", "digests/2025-W16.html"):
            pg.goto(site_url + path)
            box = pg.locator("#story-1").bounding_box()
            assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, (path, box)
        shot = tmp_path / f"home-{size}.png"
        pg.goto(site_url + "index.html")
        pg.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
    finally:
        pg.close()


def test_nothing_is_wider_than_a_phone(browser: Any, site_url: str) -> None:
    pg = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        for path in (
            "index.html",
            "digests/2025-W16.html",
            "topics/index.html",
            "topics/agents.html",
            "papers/2025-W16.html",
            "subscribe.html",
            "archive.html",
        ):
            pg.goto(site_url + path)
            assert pg.evaluate("document.documentElement.scrollWidth") <= 390, path
            assert pg.evaluate(TOO_WIDE) == [], path
    finally:
        pg.close()


def _topic_links(pg: Any, site_url: str) -> set[str]:
    found: set[str] = set()
    for path in ("index.html", "digests/2025-W16.html", "topics/index.html", "papers/2025-W16.html"):
        pg.goto(site_url + path)
        hrefs = pg.locator("a[href*='topics/']").evaluate_all("els => els.map(e => e.href)")
        found |= {h.split("#")[0] for h in hrefs if "/feeds/" not in h}
    return found


def test_every_topic_link_leads_to_a_page_with_stories(page: Any, site_url: str) -> None:
    links = _topic_links(page, site_url)
    pages = {u for u in links if not u.endswith("topics/index.html")}
    assert len(pages) >= 5
    for url in sorted(pages):
        page.goto(url)
        stories = page.locator("article h4, article li strong").count()
        assert stories >= 1, url
        assert "No story of this topic" not in page.locator("article").inner_text()
    assert not any("emerging-" in u or u.endswith("/other.html") for u in links)


def test_link_post_titles_open_the_article(page: Any, site_url: str, demo: DemoResult) -> None:
    with make_hub(load_config(demo.workdir / "hub.toml", env={})) as hub:
        digest = hub.store.digest("2025-W16")  # as published: re-made with the hostile title
    assert digest is not None
    page.goto(site_url + "index.html")
    posts = [
        s
        for s in digest.stories
        if not render.is_paper(s) and any(it.target_url for it in s.items) and s.title != PAYLOAD
    ]
    assert posts, "the demo week has HN link posts"
    for s in posts:
        href = page.locator(f"#story-{s.rank} a").first.get_attribute("href")
        assert href == render.article_url(s) and "news.ycombinator.com" not in href, (s.title, href)


def test_feeds_are_autodiscovered_from_the_home_page(site_url: str, demo: DemoResult) -> None:
    home = feedparser.parse(site_url + "index.html")
    alternates = {ln["type"]: ln["href"] for ln in home.feed.links if ln.get("rel") == "alternate"}
    assert set(alternates) == {"application/rss+xml", "application/atom+xml", "application/feed+json"}
    for mime in ("application/rss+xml", "application/atom+xml"):
        url = urljoin(site_url + "index.html", alternates[mime])
        feed = feedparser.parse(url)
        assert feed.bozo == 0 and feed.get("version"), url
        (entry,) = feed.entries
        assert entry.link == f"{site_url}digests/{demo.digest.week}.html"  # relative link, resolved


def _luminance(rgb: tuple[float, ...]) -> float:
    c = [v / 255 for v in rgb[:3]]
    c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]


def contrast(fg: tuple[float, ...], bg: tuple[float, ...]) -> float:
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


# Each text element's computed color and the first opaque background behind it.
COLORS = """sel => [...document.querySelectorAll(sel)].map(e => {
  const rgb = s => s.match(/[\\d.]+/g).map(Number);
  let b = e; let bg = null;
  while (b) { const c = getComputedStyle(b).backgroundColor;
    if (c && !c.endsWith(', 0)') && c !== 'transparent') { bg = c; break; } b = b.parentElement; }
  return [e.textContent.trim().slice(0, 30), rgb(getComputedStyle(e).color), rgb(bg || 'rgb(255,255,255)')];
})"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_email_renders_in_both_schemes_with_readable_links(
    browser: Any, demo: DemoResult, scheme: str, tmp_path: Path
) -> None:
    config = load_config(demo.workdir / "hub.toml", env={})
    msg = mail.build_message(demo.digest, "reader@example.org", "tok", config)
    html = msg.get_body(("html",)).get_content()
    pg = browser.new_page(viewport={"width": 640, "height": 900})
    try:
        pg.emulate_media(color_scheme=scheme)
        pg.set_content(html)
        links = pg.evaluate(COLORS, "a")
        texts = pg.evaluate(COLORS, ".hub-muted, h2, div[style*='font-size:15px']")
        assert len(links) > 30 and texts
        worst = min(contrast(tuple(fg), tuple(bg)) for _, fg, bg in links + texts)
        print(f"\nemail {scheme}: lowest contrast {worst:.2f}:1 over {len(links) + len(texts)} elements")
        assert worst >= 4.5
        bg = pg.evaluate(COLORS, ".hub-mail")[0][2]
        assert (_luminance(tuple(bg)) > 0.5) == (scheme == "light")  # the scheme really changed
        shot = tmp_path / f"email-{scheme}.png"
        pg.screenshot(path=str(shot), full_page=False)
        assert shot.stat().st_size > 10_000
    finally:
        pg.close()


def test_search_finds_a_paper_that_is_not_in_the_digest(page: Any, site_url: str, demo: DemoResult) -> None:
    page.goto(site_url + "papers/2025-W16.html")
    in_digest = {it.url for s in demo.digest.stories for it in s.items}
    titles = page.locator("article h4 a:not(.headerlink)").evaluate_all(
        "els => els.map(e => [e.textContent, e.href])"
    )
    assert len(titles) > 500  # every paper of the week, not the digest's 30
    title = next(t for t, href in titles if href not in in_digest and len(t.split()) > 4)
    query = " ".join(w.strip(":,.()") for w in title.split()[:4])
    page.locator("label.md-search__icon, .md-search__input").first.click()
    page.locator("input.md-search__input").press_sequentially(query, delay=20)
    # The results settle after the last key: wait for the paper's own entry on the papers page.
    hit = page.locator(".md-search-result a[href*='papers/2025-W16.html'][href*='#']").first
    hit.wait_for(timeout=15_000)
    assert title.split()[0].strip(":,.()").lower() in hit.inner_text().lower()
