"""The enrich step: linked articles' main text, READMEs, and arXiv papers the store lacks.

Everything is served from loopback. Article pages are built from real recorded text (HN
self-post texts as bodies and comments, Ollama feed titles as navigation) in a hand-made
page skeleton; READMEs and arXiv answers are real recordings (tests/data/enrich).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner
from werkzeug import Request, Response

from hub.cli import app
from hub.config import load_config
from hub.core import Hub, make_hub
from hub.enrich import (
    article_text,
    detect_lang,
    fetch_arxiv,
    plan_enrichment,
    readme_text,
    worth_fetching,
)
from hub.sources import parse
from hub.sources._text import plain
from hub.store import Store
from hub.store.enrich import EnrichmentRecord
from hub.types import Item, Story

DATA = Path(__file__).parent / "data"
HN = json.loads((DATA / "sources" / "hn_2025-04-15.json").read_text())
TEXTS = {r["title"]: r["text"] for r in HN if r.get("text")}
NEWS_BODY = TEXTS["Cursor IDE support hallucinates lockout policy, causes user cancellations"]
BLOG_BODY = TEXTS["Show HN: MCP-Shield – Detect security issues in MCP servers"]
COMMENTS = [
    TEXTS["Is it possible to write plain C iOS app in 2025?"],
    TEXTS["Ask HN: Why is there no P2P streaming protocol like BitTorrent?"],
]
PAYWALL_LEAD = TEXTS["Launch HN: mrge.io (YC X25) – Cursor for code review"].split("<p>")[0]
NAV = [e.title for e in feedparser.parse((DATA / "sources" / "feed_ollama.xml").read_bytes()).entries[:8]]
README = (DATA / "enrich" / "readme_arxiv.py.md").read_bytes()
ARXIV_RECORDED = json.loads((DATA / "sources" / "arxiv_api_recorded.json").read_text())["body"]
ARXIV_ID_LIST = (DATA / "enrich" / "arxiv_api_id_list_1111.2011v2.xml").read_text()


def _sentences(body: str) -> list[str]:
    """The first sentence of each paragraph of a recorded HN text, as plain text."""
    return [plain(p).split(". ")[0] for p in body.split("<p>") if plain(p)]


# -- pages (a hand-written skeleton around real text) ----------------------------------------


def _nav() -> str:
    links = "".join(f'<li><a href="/{n}">{html.escape(t)}</a></li>' for n, t in enumerate(NAV))
    return f'<nav class="site-nav"><ul>{links}</ul></nav>'


def _related() -> str:
    return "".join(f"<li>{html.escape(t)}</li>" for t in NAV)


def news_page(title: str, body: str) -> str:
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)}</title><meta property="og:type" content="article"></head>
<body><header class="masthead"><a class="logo" href="/">The Daily</a>{_nav()}</header>
<main><article class="story"><h1>{html.escape(title)}</h1>
<p class="byline">By <span class="author">staff</span>, <time datetime="2025-04-15">April 15, 2025</time></p>
<div class="story-body"><p>{body}</p></div></article>
<aside class="related"><h2>More stories</h2><ul>{_related()}</ul></aside>
</main><footer>{_nav()}<p>Terms · Privacy · Contact</p></footer></body></html>"""


def blog_page(title: str, body: str, comments: list[str]) -> str:
    items = "".join(
        f'<li class="comment" id="c{n}"><div class="comment-author">reader{n}</div>'
        f'<div class="comment-content"><p>{c}</p></div><a class="reply" href="#c{n}">Reply</a></li>'
        for n, c in enumerate(comments)
    )
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)}</title></head><body><header>{_nav()}</header><div class="wrap"><main>
<article class="post"><h1 class="entry-title">{html.escape(title)}</h1>
<div class="entry-meta">Posted on <time datetime="2025-04-15">2025-04-15</time></div>
<div class="entry-content"><p>{body}</p></div></article>
<section id="comments" class="comments-area"><h2 class="comments-title">{len(comments)} comments</h2>
<ol class="comment-list">{items}</ol></section></main>
<aside class="sidebar"><h3>Recent posts</h3>{_nav()}</aside></div>
<footer class="site-footer">{_nav()}</footer></body></html>"""


def paywall_page(title: str, lead: str) -> str:
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": title,
            "isAccessibleForFree": False,
            "hasPart": {"@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": ".paywall"},
        }
    )
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<script type="application/ld+json">{ld}</script></head><body>{_nav()}
<article><h1>{html.escape(title)}</h1><p>{lead}</p>
<div class="paywall"><p>Subscribe to continue reading.</p><a href="/subscribe">Subscribe</a></div>
</article></body></html>"""


# -- extraction (no network) ---------------------------------------------------------------


def test_news_page_main_text_without_navigation() -> None:
    got = article_text(news_page("Cursor lockout", NEWS_BODY), "https://example.org/news")
    assert got.status == "ok" and got.lang == "en"
    assert got.text is not None
    for sentence in _sentences(NEWS_BODY)[:3]:
        assert sentence in got.text
    assert not any(t in got.text for t in NAV)
    assert "Terms · Privacy" not in got.text


def test_blog_post_main_text_without_comments_or_nav() -> None:
    got = article_text(blog_page("MCP-Shield", BLOG_BODY, COMMENTS), "https://example.org/blog/mcp")
    assert got.status == "ok" and got.text is not None
    assert "MCP-Shield scans your installed servers" in got.text
    for comment in COMMENTS:
        assert _sentences(comment)[0] not in got.text
    assert "reader0" not in got.text and not any(t in got.text for t in NAV)


def test_paywall_stub_gives_no_text() -> None:
    got = article_text(paywall_page("mrge", PAYWALL_LEAD), "https://example.org/p")
    assert got.status == "paywall" and got.text is None
    assert "isAccessibleForFree" in (got.error or "")


def test_teaser_without_paywall_markup_is_thin() -> None:
    """A page whose main text is one short paragraph: too little to summarize from."""
    page = news_page("teaser", TEXTS["Is it possible to write plain C iOS app in 2025?"])
    got = article_text(page, "https://example.org/t")
    assert got.status == "thin" and got.text is None and "characters" in (got.error or "")


@pytest.mark.parametrize("page", ["", "<html></html>", "\x00\x01 not html", "<p>" * 5000])
def test_bad_pages_give_a_clean_outcome(page: str) -> None:
    got = article_text(page, "https://example.org/x")
    assert got.status == "thin" and got.text is None


def test_language_detected_from_text() -> None:
    assert detect_lang(plain(NEWS_BODY)) == "en"
    hf = json.loads((DATA / "sources" / "hf_daily_2025-04-15.json").read_text())
    assert detect_lang(hf[0]["paper"]["summary"]) == "en"
    assert detect_lang("ok") is None


def test_readme_opening_paragraphs_without_badges_or_code() -> None:
    text = readme_text(README.decode())
    assert text.split("\n\n") == [
        "Python wrapper for the arXiv API.",
        "arXiv is a project by the Cornell University Library that provides open access to "
        "1,000,000+ articles in Physics, Mathematics, Computer Science, Quantitative Biology, "
        "Quantitative Finance, and Statistics.",
    ]


def test_readme_skips_logo_badges_code_and_headings_to_first_prose() -> None:
    text = readme_text((DATA / "enrich" / "readme_trafilatura.md").read_text())
    first = text.split("\n\n")[0]
    assert first.startswith("Trafilatura is a comprehensive Python package and command-line tool")
    assert not re.search(r"img\.shields|\]\(|<|```|>>>|#", text)
    assert 1 <= len(text.split("\n\n")) <= 3


@pytest.mark.parametrize(
    "readme", ["", "# Title only\n", "[![b](https://x/y.svg)](https://x)\n", "```\ncode\n```"]
)
def test_readme_without_prose_is_empty(readme: str) -> None:
    assert readme_text(readme) == ""


@pytest.mark.parametrize(
    ("url", "fetch"),
    [
        ("https://openai.com/index/gpt-4-1/", True),
        ("https://example.org/paper.PDF", False),
        ("https://example.org/chart.png?w=2", False),
        ("https://www.youtube.com/watch?v=pglEoiv0BgY", False),
        ("https://x.com/someone/status/1", False),
    ],
)
def test_worth_fetching(url: str, fetch: bool) -> None:
    assert worth_fetching(url) is fetch


# -- planning (pure) -------------------------------------------------------------------------


def _thread(rec: dict[str, Any], url: str | None = None) -> Item:
    """A real HN record as hub parses it (its link replaced by `url` if given)."""
    parsed = parse(json.dumps([{**rec, "url": url or rec["url"]}]).encode(), "hn.json")
    return parsed.items[0]


def test_plan_targets_posts_links_repos_and_missing_papers() -> None:
    gpt = next(r for r in HN if r["id"] == 43683410)  # links openai.com/index/gpt-4-1/
    paper = next(r for r in HN if r["id"] == 43690955)  # links arxiv.org/abs/2410.03730
    repo_post = next(r for r in HN if r["id"] == 43692089)  # links github.com/ubisoft/Chroma
    pdf = _thread(HN[0], "https://example.org/report.pdf")
    items = [_thread(gpt), _thread(paper), _thread(repo_post), pdf]
    repo = Item(
        "gh:lukasschwab/arxiv.py", "repo", "github", "arxiv.py", "https://github.com/lukasschwab/arxiv.py"
    )
    by_id = {it.id: it for it in [*items, repo]}
    stories = [Story(f"s{n}", it.title, (it.id,), it.id) for n, it in enumerate(by_id.values())]
    plan = plan_enrichment(stories, by_id, known=set(), github_api="https://api.github.com")
    got = {(t.kind, t.url, t.item_ids) for t in plan.targets}
    assert got == {
        ("article", "https://openai.com/index/gpt-4-1/", ("hn:43683410",)),
        ("readme", "https://api.github.com/repos/ubisoft/chroma/readme", ("hn:43692089",)),
        ("readme", "https://api.github.com/repos/lukasschwab/arxiv.py/readme", ("gh:lukasschwab/arxiv.py",)),
    }
    assert plan.arxiv_ids == ("2410.03730",) and plan.skipped == 1
    known = plan_enrichment(stories, by_id, known={"arxiv:2410.03730"}, github_api="https://api.github.com")
    assert known.arxiv_ids == ()


def test_plan_skips_a_roundups_pages_but_not_its_papers() -> None:
    links = tuple(f"https://example.org/{n}" for n in range(5)) + ("https://arxiv.org/abs/2410.03730v2",)
    roundup = Item(
        "url:https://example.org/issue",
        "post",
        "feed:x",
        "This week",
        "https://example.org/issue",
        links=links,
    )
    plan = plan_enrichment(
        [Story("s", "t", (roundup.id,), roundup.id)], {roundup.id: roundup}, set(), github_api="https://api"
    )
    assert plan.targets == () and plan.arxiv_ids == ("2410.03730",)


# -- store -----------------------------------------------------------------------------------


def test_store_remembers_outcomes_and_retries_only_transient_failures() -> None:
    store = Store(":memory:")
    store.save_enrichments(
        [
            EnrichmentRecord("hn:1", "article", "http://a/1", "ok", text="main text", lang="en"),
            EnrichmentRecord("hn:2", "article", "http://a/2", "paywall", error="not free"),
            EnrichmentRecord("hn:3", "article", "http://a/3", "error", error="TimeoutError: took too long"),
            EnrichmentRecord("hn:4", "article", "http://a/4", "http-error", http_status=503),
            EnrichmentRecord("hn:5", "article", "http://a/5", "http-error", http_status=404),
        ]
    )
    urls = [f"http://a/{n}" for n in range(1, 7)]
    assert store.done_urls(urls) == set(urls[:5])
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    assert store.done_urls(urls, now=later) == {"http://a/1", "http://a/2", "http://a/5"}
    assert store.enrichments(["hn:1", "hn:2", "hn:3", "hn:9"]) == {"hn:1": "main text"}
    assert (
        store.share_enrichments([("hn:7", "http://a/1"), ("hn:1", "http://a/1"), ("hn:8", "http://x")]) == 1
    )
    assert store.enrichments(["hn:7"]) == {"hn:7": "main text"}


# -- arXiv through arxiv.Client (loopback) ---------------------------------------------------

_ENTRY = re.compile(r"<entry>.*?</entry>", re.S)
_ENTRY_ID = re.compile(r"<id>https?://arxiv\.org/abs/([^<]+?)(?:v\d+)?</id>")


class ArxivReplay:
    """Answers `id_list` queries with the recorded entries of those ids (the recorded feed's
    header, its totals set to what is returned), like the API does; logs every id list."""

    def __init__(self) -> None:
        entries = _ENTRY.findall(ARXIV_RECORDED) + _ENTRY.findall(ARXIV_ID_LIST)
        self.entries = {m.group(1): e for e in entries if (m := _ENTRY_ID.search(e))}
        self.head = ARXIV_RECORDED[: ARXIV_RECORDED.index("<entry>")]
        self.asked: list[list[str]] = []

    def __call__(self, request: Request) -> Response:
        ids = [i for i in parse_qs(urlsplit(request.url).query).get("id_list", [""])[0].split(",") if i]
        self.asked.append(ids)
        found = [self.entries[i] for i in ids if i in self.entries]
        head = re.sub(r"<opensearch:totalResults>\d+", f"<opensearch:totalResults>{len(found)}", self.head)
        body = head + "\n".join(found) + "\n</feed>\n"
        return Response(body, content_type="application/atom+xml; charset=utf-8")


def test_fetch_arxiv_batches_ids_and_builds_the_parsers_items(server: HTTPServer) -> None:
    replay = ArxivReplay()
    server.expect_request("/api/query").respond_with_handler(replay)
    ids = ["2202.12139", "2405.13786", "2005.14124", "1111.2011", "2410.03730"]
    got = fetch_arxiv(
        ids, query_url=server.url_for("/api/query") + "?{}", delay_s=0, retries=0, timeout_s=5, batch=2
    )
    assert replay.asked == [ids[0:2], ids[2:4], ids[4:]] and got.requests == 3
    assert [it.id for it in got.items] == [f"arxiv:{i}" for i in ids[:4]]
    assert got.missing == ("2410.03730",) and got.failed == ()
    # the same Item the Atom parser makes from the recorded answer
    parsed = {it.id: it for it in parse(ARXIV_RECORDED.encode(), "arxiv.xml").items}
    parsed |= {it.id: it for it in parse(ARXIV_ID_LIST.encode(), "arxiv.xml").items}
    for item in got.items:
        want = parsed[item.id]
        assert (item.title, item.text, item.authors, item.tags, item.links, item.url) == (
            want.title,
            want.text,
            want.authors,
            want.tags,
            want.links,
            want.url,
        )
        assert item.published_at == want.published_at and item.kind == "paper" and item.source == "arxiv"


def test_fetch_arxiv_server_error_is_reported_not_raised(server: HTTPServer) -> None:
    server.expect_request("/api/query").respond_with_data("down", status=503)
    got = fetch_arxiv(
        ["2202.12139"], query_url=server.url_for("/api/query") + "?{}", delay_s=0, retries=1, timeout_s=5
    )
    assert got.items == () and got.failed == ("2202.12139",) and got.missing == ()
    assert "HTTPError" in got.errors[0] and len(server.log) == 2  # one try + one retry


# -- the whole step through the crawler child (loopback) -------------------------------------

WEEK = "2025-W16"
PAPERS = ["2202.12139", "2405.13786", "1111.2011"]


def _posts(srv: HTTPServer) -> dict[str, dict[str, Any]]:
    """Real HN records, their links pointed at the cases served from loopback."""
    u = srv.url_for
    links = {
        "news": u("/news/lockout"),
        "blog": u("/blog/mcp-shield"),
        "paywall": u("/paywalled"),
        "gone": u("/gone"),
        "huge": u("/huge"),
        "redirect": u("/moved"),
        "metadata": "http://169.254.169.254/latest/meta-data/",  # a post linking it outright
        "robots": u("/private/page"),
        "binary": u("/download"),
        "pdf": u("/slides.pdf"),
        "video": "https://www.youtube.com/watch?v=pglEoiv0BgY",
        "repo": "https://github.com/lukasschwab/arxiv.py",
        "unknown-paper": "https://arxiv.org/abs/2410.03730",
        "same-news": u("/news/lockout"),
        **{f"paper{n}": f"https://arxiv.org/abs/{a}" for n, a in enumerate(PAPERS)},
    }
    with_url = [r for r in HN if r.get("url")]
    return {case: {**rec, "url": url} for (case, url), rec in zip(links.items(), with_url, strict=False)}


def _serve(srv: HTTPServer) -> ArxivReplay:
    blog = blog_page("MCP-Shield", BLOG_BODY, COMMENTS)
    srv.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private/\n")
    srv.expect_request("/news/lockout").respond_with_data(
        news_page("Lockout", NEWS_BODY), content_type="text/html"
    )
    srv.expect_request("/blog/mcp-shield").respond_with_data(blog, content_type="text/html; charset=utf-8")
    srv.expect_request("/paywalled").respond_with_data(
        paywall_page("mrge", PAYWALL_LEAD), content_type="text/html"
    )
    srv.expect_request("/gone").respond_with_data("not found", status=404, content_type="text/html")
    srv.expect_request("/huge").respond_with_data(blog * 40, content_type="text/html")
    srv.expect_request("/moved").respond_with_data(
        "", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )
    srv.expect_request("/download").respond_with_data(README, content_type="application/pdf")
    srv.expect_request("/repos/lukasschwab/arxiv.py/readme").respond_with_handler(_raw_readme)
    replay = ArxivReplay()
    srv.expect_request("/api/query").respond_with_handler(replay)
    return replay


def _raw_readme(request: Request) -> Response:
    if request.headers.get("Accept") != "application/vnd.github.raw":
        return Response("wrong media type", status=415)
    return Response(README, content_type="application/vnd.github.raw; charset=utf-8")


def _hub(tmp_path: Path, srv: HTTPServer) -> Hub:
    crawl = {
        "delay_s": 0.0,
        "obey_robots": True,
        "timeout_s": 3.0,
        "retries": 0,
        "backoff_s": 0.0,
        "arxiv_delay_s": 0.0,
        "max_bytes": 100_000,
        "max_redirects": 3,
    }
    lines = ["[crawl]", *(f"{k} = {json.dumps(v)}" for k, v in crawl.items())]
    lines += ["", "[[sources]]", 'name = "arxiv"', 'kind = "arxiv"', f'url = "{srv.url_for("/api/query")}"']
    lines += ["", "[[sources]]", 'name = "github"', 'kind = "github"', f'url = "{srv.url_for("/trending")}"']
    lines.append(f'params = {{ api_url = "{srv.url_for("")}" }}')
    path = tmp_path / "hub.toml"
    path.write_text("\n".join(lines) + "\n")
    return make_hub(load_config(path, env={}))


@pytest.fixture(scope="module")
def enriched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One enrich run over every case, shared by the tests below (each run is a crawler child)."""
    tmp_path = tmp_path_factory.mktemp("enrich")
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    posts = _posts(server)
    replay = _serve(server)
    (tmp_path / "hn_2025-04-15.json").write_text(json.dumps(list(posts.values())))
    hub = _hub(tmp_path, server)
    hub.import_paths([tmp_path / "hn_2025-04-15.json"])
    result = hub.enrich(WEEK, limit=100)
    rows = {r["item_id"]: r for r in hub.store.enrichment_rows()}
    case = {name: rows.get(f"hn:{rec['id']}") for name, rec in posts.items()}
    yield {"hub": hub, "result": result, "case": case, "posts": posts, "replay": replay, "server": server}
    hub.close()
    server.clear()
    server.stop()


def test_enrich_stores_main_text_or_a_clean_fallback(enriched: dict[str, Any]) -> None:
    case, result = enriched["case"], enriched["result"]
    news, blog = case["news"], case["blog"]
    assert news["status"] == "ok" and news["lang"] == "en" and news["http_status"] == 200
    assert _sentences(NEWS_BODY)[0] in news["text"] and not any(t in news["text"] for t in NAV)
    assert blog["status"] == "ok" and "MCP-Shield scans your installed servers" in blog["text"]
    assert not any(_sentences(c)[0] in blog["text"] for c in COMMENTS)
    expected = {
        "paywall": ("paywall", 200),
        "gone": ("http-error", 404),
        "huge": ("too-large", None),
        "redirect": ("refused", None),
        "metadata": ("refused", None),
        "robots": ("refused", None),
        "binary": ("not-html", 200),
    }
    for name, (status, http) in expected.items():
        row = case[name]
        assert (row["status"], row["http_status"], row["text"]) == (status, http, None), name
        assert row["error"], name
    assert "link-local" in case["redirect"]["error"] and "robots" in case["robots"]["error"]
    assert "link-local" in case["metadata"]["error"] and "allow_link_local" in case["metadata"]["error"]
    assert case["pdf"] is None and case["video"] is None and result.skipped == 2
    assert result.week == WEEK and result.interrupted is False
    assert result.texts == 3 and result.outcomes["ok"] == 3  # news, blog, README


def test_enrich_reads_the_readme_through_the_rest_endpoint(enriched: dict[str, Any]) -> None:
    row = enriched["case"]["repo"]
    assert row["status"] == "ok" and row["kind"] == "readme"
    assert row["text"] == readme_text(README.decode()) and row["text"].startswith(
        "Python wrapper for the arXiv API."
    )


def test_enrich_adds_linked_papers_the_store_lacks(enriched: dict[str, Any]) -> None:
    hub, replay = enriched["hub"], enriched["replay"]
    assert len(replay.asked) == 1 and sorted(replay.asked[0]) == sorted([*PAPERS, "2410.03730"])
    papers = {it.id: it for it in hub.store.items([f"arxiv:{a}" for a in PAPERS])}
    assert set(papers) == {f"arxiv:{a}" for a in PAPERS} and enriched["result"].papers == 3
    assert papers["arxiv:1111.2011"].title.startswith("Quantum Criticality for Extended Nodes")
    assert all(p.kind == "paper" and p.source == "arxiv" for p in papers.values())
    missing = hub.store.enrichment_rows(["arxiv:2410.03730"])
    assert [r["status"] for r in missing] == ["not-found"]


def test_enrich_fetches_a_page_once_for_every_post_linking_it(enriched: dict[str, Any]) -> None:
    case, server = enriched["case"], enriched["server"]
    assert case["same-news"]["text"] == case["news"]["text"]
    assert sum(1 for req, _ in server.log if req.path == "/news/lockout") == 1
    texts = enriched["hub"].store.enrichments([f"hn:{r['id']}" for r in enriched["posts"].values()])
    assert len(texts) == 4  # news (two posts), blog, README; never a failure's empty text


def test_enrich_bad_week_is_a_clean_error(tmp_path: Path, server: HTTPServer) -> None:
    hub = _hub(tmp_path, server)
    (tmp_path / "hn.json").write_text(json.dumps(HN[:3]))
    hub.import_paths([tmp_path / "hn.json"])
    from hub.exceptions import HubError

    with pytest.raises(HubError, match="week"):
        hub.enrich("2025-W99")
    assert len(server.log) == 0


def test_second_run_fetches_nothing(enriched: dict[str, Any]) -> None:
    """Last of the shared run's tests: it closes the hub and re-runs the step from the CLI."""
    hub, server = enriched["hub"], enriched["server"]
    before = len(server.log)
    hub.close()
    res = CliRunner().invoke(
        app,
        [
            "--config",
            str(hub.config.workspace / "hub.toml"),
            "enrich",
            "--week",
            WEEK,
            "--limit",
            "100",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert len(server.log) == before  # zero requests: nothing fetched twice
    assert doc["fetched"] == 0 and doc["papers"] == 0 and doc["cached"] == enriched["result"].fetched


@pytest.mark.parametrize(
    ("error", "status"),
    [
        ("Forbidden by robots.txt", "refused"),
        ("robots.txt asks 60 s between requests, more than 30 s: host skipped this crawl", "error"),
        ("rate limit of api.github.com spent (resets at unix time 1700000000)", "error"),
    ],
)
def test_refusals_that_hold_for_this_crawl_only_are_retried_later(error: str, status: str) -> None:
    from scrapy.exceptions import IgnoreRequest
    from twisted.python.failure import Failure

    from spiders.kinds import _failure_status

    assert _failure_status(Failure(IgnoreRequest(error))) == (status, None)


def test_the_digest_summarizes_a_link_post_from_its_fetched_article(tmp_path: Path) -> None:
    """A bare HN link post has no text of its own; once enrich stored the article it
    links, the digest's summary comes from that article (real text: Ollama's blog feed)."""
    entries = feedparser.parse((DATA / "sources" / "feed_ollama.xml").read_bytes()).entries
    article = next(
        plain(e.get("description", "")) for e in entries if len(plain(e.get("description", ""))) > 300
    )
    with make_hub(load_config(None, env={}, workspace=tmp_path)) as hub:
        hub.import_paths([DATA / "sources" / "hn_2025-04-15.json"])
        before = hub.digest("2025-W16", limit=40, save=False, write_page=False)
        post = next(s for s in before.stories if s.title == "GPT-4.1 in the API")
        assert post.summary == ""  # a bare link: no placeholder sentence
        hn_id = post.items[0].id
        hub.store.save_enrichment(
            EnrichmentRecord(hn_id, "article", "https://openai.com/index/gpt-4-1/", "ok", text=article)
        )
        after = hub.digest("2025-W16", limit=40, save=False, write_page=False)
    summary = next(s for s in after.stories if s.story_id == post.story_id).summary
    assert summary and all(sentence.rstrip(".") in article for sentence in summary.split(". ") if sentence)
