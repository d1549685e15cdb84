"""Every parser on its recorded input; expected values are read from the files themselves.

Fixtures and their origins: tests/data/sources/PROVENANCE.md. Files named `minimal_*`
are shape-only (no real recording was found); every other fixture is a real response.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import feedparser
import pytest

from hub import sources
from hub.exceptions import ParseError
from hub.sources.ids import canonical_id_for_url, is_arxiv_id, normalize_url

DATA = Path(__file__).parent / "data" / "sources"
ATOM = {"a": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom"}
UTC = dt.UTC

FIXTURES = {
    "2025-04-14.jsonl": "arxiv-jsonl",
    "arxiv_api_2016.xml": "arxiv-atom",
    "arxiv_api_recorded.json": "arxiv-atom",
    "hn_2025-04-15.json": "hn-firebase",
    "minimal_hn_algolia.json": "hn-algolia",
    "trending_2025-04-17.md": "github-trending-md",
    "minimal_trending.html": "github-trending-html",
    "gh_get_repository.json": "github-rest",
    "gh_release_assets.json": "github-rest",
    "feed_ollama.xml": "feed",
    "hf_daily_2025-04-15.json": "hf-daily",
    "minimal_hf_daily.json": "hf-daily",
    "reddit_all_new_2016-12-22.json": "reddit-listing",
    "minimal_reddit_listing.json": "reddit-listing",
}


def load(name: str) -> bytes:
    return (DATA / name).read_bytes()


def parse(name: str, fmt: str | None = None) -> sources.Parsed:
    return sources.parse(load(name), name, fmt)


def by_id(doc: sources.Parsed, item_id: str) -> sources.Item:
    return next(i for i in doc.items if i.id == item_id)


def observed(doc: sources.Parsed, metric: str) -> dict[str, float]:
    return {o.item_id: o.value for o in doc.observations if o.metric == metric}


# -- registry and detection -----------------------------------------------------------


def test_builtin_formats_are_registered() -> None:
    assert set(FIXTURES.values()) <= set(sources.FORMATS)
    assert all(f.description and "\n" not in f.description for f in sources.FORMATS.values())


@pytest.mark.parametrize(("name", "fmt"), sorted(FIXTURES.items()))
def test_format_is_detected_from_content(name: str, fmt: str) -> None:
    assert sources.detect_format(load(name), name) == fmt or name.endswith(".recorded.json")
    assert parse(name).format == fmt
    assert sources.parse(load(name), "renamed.bin").format == fmt  # the name plays no part


@pytest.mark.parametrize(("name", "fmt"), sorted(FIXTURES.items()))
def test_forcing_the_right_format_gives_the_same_result(name: str, fmt: str) -> None:
    assert parse(name, fmt) == parse(name)


# An arXiv API response is also a valid Atom feed: forcing `feed` on it is legitimate.
COMPATIBLE = {("arxiv-atom", "feed")}


@pytest.mark.parametrize(("name", "fmt"), sorted(FIXTURES.items()))
def test_forcing_a_wrong_format_is_a_parse_error(name: str, fmt: str) -> None:
    for other in sorted(set(FIXTURES.values()) - {fmt}):
        if (fmt, other) in COMPATIBLE:
            continue
        try:
            doc = sources.parse(load(name), name, other)
        except ParseError as e:
            assert str(e).startswith(f"{name}: ") and "\n" not in str(e)
        else:  # lenient formats may accept a document, but never invent items from it
            assert doc.items == (), (name, other)


def test_an_unknown_forced_format_names_the_known_ones() -> None:
    with pytest.raises(ParseError, match="unknown format 'nope': expected one of .*arxiv-jsonl"):
        parse("hn_2025-04-15.json", "nope")


def test_a_registered_format_takes_part_in_detection() -> None:
    fmt = sources.SourceFormat(
        "test-csv",
        "comma separated test rows",
        lambda data, name: data.startswith(b"a,b\n"),
        lambda data, name: sources.Parsed("test-csv", (), (), data.count(b"\n") - 1),
    )
    try:
        assert sources.register(fmt) is fmt
        assert sources.parse(b"a,b\n1,2\n", "x.csv").records == 1
    finally:
        del sources.FORMATS["test-csv"]


# -- arXiv ----------------------------------------------------------------------------


def test_arxiv_jsonl_dedupes_rows_and_dates_from_the_file_name() -> None:
    rows = [json.loads(line) for line in load("2025-04-14.jsonl").splitlines()]
    doc = parse("2025-04-14.jsonl")
    assert doc.records == len(rows)
    assert len(doc.items) == len({r["id"] for r in rows}) < len(rows)
    first = rows[0]
    item = by_id(doc, f"arxiv:{first['id']}")
    assert (item.kind, item.source) == ("paper", "arxiv")
    assert item.title == " ".join(first["title"].split())
    assert item.authors == tuple(first["authors"])
    assert item.url == first["abs"].replace("http://", "https://")
    assert item.links[:2] == (item.url, first["pdf"])
    assert item.extra["pdf"] == first["pdf"] and item.extra["comment"] == first["comment"]
    assert item.published_at == dt.datetime(2025, 4, 14, tzinfo=UTC)
    assert item.text == " ".join(first["summary"].split())


def test_arxiv_categories_keep_arxiv_codes_only() -> None:
    rows = [json.loads(line) for line in load("2025-04-14.jsonl").splitlines()]
    doc = parse("2025-04-14.jsonl")
    with_codes = next(r for r in rows if any(" " in c or c[:1].isupper() for c in r["categories"]))
    item = by_id(doc, f"arxiv:{with_codes['id']}")
    assert item.tags == tuple(c for c in with_codes["categories"] if re.fullmatch(r"[a-z-]+\.[A-Za-z-]+", c))
    assert item.extra["primary_category"] == with_codes["categories"][0]
    assert all(re.fullmatch(r"[a-z-]+(\.[A-Za-z-]+)?", t) for i in doc.items for t in i.tags)


def test_arxiv_links_include_repos_named_in_the_abstract() -> None:
    rows = [json.loads(line) for line in load("2025-04-14.jsonl").splitlines()]
    row = next(r for r in rows if "github.com/" in r["summary"])
    repo = re.search(r"github\.com/([\w.-]+/[\w.-]+?)(?:[\s.,)]|$)", row["summary"])
    assert repo is not None
    item = by_id(parse("2025-04-14.jsonl"), f"arxiv:{row['id']}")
    assert f"https://github.com/{repo[1].lower()}" in item.links


def test_arxiv_jsonl_links_other_arxiv_papers_it_names() -> None:
    row = {
        "id": "2504.00001",
        "title": "T",
        "summary": "Extends https://arxiv.org/abs/2401.00002v3.",
        "comment": None,
    }
    (item,) = sources.parse(json.dumps(row).encode(), "x.jsonl", "arxiv-jsonl").items
    assert item.links[2:] == ("https://arxiv.org/abs/2401.00002",)
    assert item.published_at is None  # no date in the file name


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("arxiv_api_2016.xml", lambda: load("arxiv_api_2016.xml")),
        ("arxiv_api_recorded.json", lambda: json.loads(load("arxiv_api_recorded.json"))["body"].encode()),
    ],
)
def test_arxiv_atom_old_and_current_responses(name: str, body: Any) -> None:
    entries = ET.fromstring(body()).findall("a:entry", ATOM)
    doc = parse(name)
    assert len(doc.items) == doc.records == len(entries)
    for entry, item in zip(entries, doc.items, strict=True):
        raw_id = entry.findtext("a:id", "", ATOM).split("/abs/", 1)[1]
        assert item.id == f"arxiv:{re.sub(r'v[0-9]+$', '', raw_id)}" and not re.search(r"v\d+$", item.id)
        assert item.extra["pdf"] == f"https://arxiv.org/pdf/{item.id[6:]}" and item.extra["pdf"] in item.links
        primary = entry.find("arxiv:primary_category", ATOM)
        assert primary is not None and item.extra["primary_category"] == primary.get("term")
        published = dt.datetime.fromisoformat(entry.findtext("a:published", "", ATOM).replace("Z", "+00:00"))
        assert item.published_at == published
        assert item.extra["updated"] == entry.findtext("a:updated", "", ATOM).replace("Z", "+00:00")
        assert item.title == " ".join(entry.findtext("a:title", "", ATOM).split())


def test_arxiv_api_error_entry_is_reported() -> None:
    """The API answers a bad query with one entry whose id is .../api/errors#...: not a paper."""
    body = load("arxiv_api_2016.xml").decode()
    body = re.sub(r"<id>http://arxiv.org/abs/[^<]+</id>", "<id>http://arxiv.org/api/errors#bad_id</id>", body)
    body = re.sub(
        r"<summary>.*?</summary>", "<summary>incorrect id format for 1234</summary>", body, flags=re.S
    )
    with pytest.raises(ParseError, match="arXiv API error: incorrect id format for 1234"):
        sources.parse(body.encode(), "q.xml")


# -- Hacker News ----------------------------------------------------------------------


def test_hn_firebase_items_and_observations() -> None:
    records = json.loads(load("hn_2025-04-15.json"))
    doc = parse("hn_2025-04-15.json")
    stories = [r for r in records if r["type"] == "story"]
    assert doc.records == len(records) and len(doc.items) == len(stories)
    top = max(stories, key=lambda r: r["score"])
    item = by_id(doc, f"hn:{top['id']}")
    assert (item.kind, item.source, item.title) == ("thread", "hn", top["title"])
    assert item.url == f"https://news.ycombinator.com/item?id={top['id']}"
    assert item.published_at == dt.datetime.fromtimestamp(top["time"], UTC)
    assert item.authors == (top["by"],)
    assert item.links == ((top["url"],) if top.get("url") else ())
    assert item.extra == {
        "target_url": top.get("url"),
        "points": top["score"],
        "comments": top["descendants"],
    }
    assert observed(doc, "points")[item.id] == top["score"]
    assert observed(doc, "comments")[item.id] == top["descendants"]
    # observed at the end of the archive's day: re-importing adds nothing new
    assert {o.observed_at for o in doc.observations} == {dt.datetime(2025, 4, 15, 23, 59, 59, tzinfo=UTC)}


def test_hn_text_posts_become_plain_text() -> None:
    records = json.loads(load("hn_2025-04-15.json"))
    doc = parse("hn_2025-04-15.json")
    with_text = [r for r in records if r.get("text")]
    assert with_text
    for r in with_text:
        text = by_id(doc, f"hn:{r['id']}").text
        assert text and "<p>" not in text and "&#x27;" not in text and "\n" not in text


def test_hn_archive_summary_is_text_unless_it_is_the_url() -> None:
    records = json.loads(load("hn_2025-04-15.json"))
    doc = parse("hn_2025-04-15.json")
    for r in records:
        if r.get("text"):
            continue
        text = by_id(doc, f"hn:{r['id']}").text
        summary = r.get("summary") or ""
        assert text == ("" if summary.startswith("http") else " ".join(html.unescape(summary).split()))


def test_hn_observations_fall_back_to_the_story_time_without_a_dated_name() -> None:
    records = json.loads(load("hn_2025-04-15.json"))
    doc = sources.parse(load("hn_2025-04-15.json"), "topstories.json")
    times = {f"hn:{r['id']}": dt.datetime.fromtimestamp(r["time"], UTC) for r in records}
    assert all(o.observed_at == times[o.item_id] for o in doc.observations)


def test_hn_algolia_shape() -> None:
    """Shape-only fixture (no real recording found); the first hit mirrors HN item 43683410."""
    raw = json.loads(load("minimal_hn_algolia.json"))["hits"]
    doc = parse("minimal_hn_algolia.json")
    first = by_id(doc, f"hn:{raw[0]['objectID']}")
    assert first.links == (raw[0]["url"],) and first.authors == (raw[0]["author"],)
    assert first.published_at == dt.datetime.fromtimestamp(raw[0]["created_at_i"], UTC)
    assert observed(doc, "points")[first.id] == raw[0]["points"]
    second = by_id(doc, f"hn:{raw[1]['objectID']}")
    assert second.links == () and second.text == "SHAPE-ONLY FIXTURE"  # javascript: dropped, HTML stripped


def test_hn_algolia_skips_comment_hits() -> None:
    doc = json.loads(load("minimal_hn_algolia.json"))
    doc["hits"].append({"objectID": "43683500", "comment_text": "<p>a reply</p>", "_tags": ["comment"]})
    parsed = sources.parse(json.dumps(doc).encode(), "search.json")
    assert parsed.records == 3 and len(parsed.items) == 2


# -- GitHub ---------------------------------------------------------------------------


def test_github_trending_keeps_best_rank_per_repo() -> None:
    text = load("trending_2025-04-17.md").decode()
    entries = re.findall(r"^\* \[([^\]]+?) / ([^\]]+?)\]", text, re.M)
    doc = parse("trending_2025-04-17.md")
    assert doc.records == len(entries)
    assert {i.id for i in doc.items} == {f"gh:{o.lower()}/{r.lower()}" for o, r in entries}
    assert len(doc.observations) == len(doc.items)  # one rank per repo for the day
    sections = re.split(r"^#### ", text, flags=re.M)[1:]
    lang, body = sections[0].split("\n", 1)
    owner, repo = re.findall(r"\[([^\]]+?) / ([^\]]+?)\]", body)[1]
    item = by_id(doc, f"gh:{owner.lower()}/{repo.lower()}")
    assert observed(doc, "trending_rank")[item.id] == 2
    assert (item.title, item.url) == (f"{owner}/{repo}", f"https://github.com/{owner}/{repo}")
    assert item.tags == (lang.strip(),) and item.kind == "repo"
    assert item.published_at == dt.datetime(2025, 4, 17, tzinfo=UTC)
    assert {o.observed_at for o in doc.observations} == {item.published_at}


def test_github_rest_repo() -> None:
    fixture = json.loads(load("gh_get_repository.json"))
    repo = next(x["response"] for x in fixture if "full_name" in (x.get("response") or {}))
    doc = parse("gh_get_repository.json")
    (item,) = doc.items
    assert item.id == f"gh:{repo['full_name'].lower()}" and item.title == repo["full_name"]
    assert item.kind == "repo" and item.url == repo["html_url"]
    assert observed(doc, "stars")[item.id] == repo["stargazers_count"]
    assert observed(doc, "forks")[item.id] == repo["forks_count"]
    pushed = dt.datetime.fromisoformat(repo["pushed_at"].replace("Z", "+00:00"))
    assert {o.observed_at for o in doc.observations} == {pushed}


def test_github_rest_releases() -> None:
    fixture = json.loads(load("gh_release_assets.json"))
    release = next(x["response"] for x in fixture if "tag_name" in (x.get("response") or {}))
    doc = parse("gh_release_assets.json")
    (item,) = doc.items
    repo = re.sub(r"/releases/.*", "", release["html_url"])
    assert item.id == f"gh:{repo.split('github.com/')[1].lower()}@{release['tag_name']}"
    assert (item.kind, item.url, item.title) == ("release", release["html_url"], release["name"])
    assert item.links == (repo,)
    # the bare response (GET /repos/{o}/{r}/releases/{id}) parses the same way
    assert sources.parse(json.dumps(release).encode(), "release.json").items == doc.items


# -- feeds ----------------------------------------------------------------------------


def test_feed_entries() -> None:
    expected = feedparser.parse(load("feed_ollama.xml"))
    doc = parse("feed_ollama.xml")
    assert doc.records == len(expected.entries)
    assert len(doc.items) == len({normalize_url(e.link) for e in expected.entries})
    first, raw = doc.items[0], expected.entries[0]
    assert first.id == canonical_id_for_url(raw.link) == "url:" + normalize_url(raw.link)
    assert first.source == "feed:" + re.sub(r"[^a-z0-9]+", "-", expected.feed.title.lower()).strip("-")
    assert (first.kind, first.title, first.url) == ("post", raw.title, raw.link)
    assert first.published_at is not None and first.published_at.tzinfo is not None
    assert all("<" not in i.text for i in doc.items)


def test_feed_content_links_resolve_against_the_entry() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://blog.example/</link>
    <item><title>A &lt;b&gt;post&lt;/b&gt;</title><link>https://blog.example/p/1</link>
    <description>&lt;p&gt;See &lt;a href="../code"&gt;code&lt;/a&gt; and
    &lt;a href="javascript:alert(1)"&gt;x&lt;/a&gt; &lt;a href="https://arxiv.org/abs/2504.1"&gt;p&lt;/a&gt;&lt;/p&gt;</description>
    </item></channel></rss>"""
    (item,) = sources.parse(rss, "feed.xml").items
    assert item.links == ("https://blog.example/code", "https://arxiv.org/abs/2504.1")
    assert item.title == "A post" and item.text == "See code and x p" and item.source == "feed:t"


def test_feed_entry_linking_a_paper_is_that_paper() -> None:
    rss = b"""<rss version="2.0"><channel><title>Papers</title>
    <item><title>X</title><link>https://arxiv.org/abs/2504.12285v1</link></item>
    <item><title>no link</title><link>javascript:alert(1)</link></item></channel></rss>"""
    doc = sources.parse(rss, "papers.xml")
    assert [i.id for i in doc.items] == ["arxiv:2504.12285"] and doc.records == 2


def test_json_feed() -> None:
    """Constructed input (no real JSON Feed recording in shared data): JSON Feed 1.1 fields."""
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Example Blog",
        "home_page_url": "https://blog.example/",
        "authors": [{"name": "Ann"}],
        "items": [
            {
                "id": "1",
                "url": "/posts/1",
                "title": "Hello",
                "content_html": "<p>Read <a href='https://github.com/o/r'>this</a></p>",
                "date_published": "2025-04-15T10:00:00+02:00",
                "tags": ["llm"],
            },
            {"id": "2", "content_text": "no url: skipped"},
        ],
    }
    doc = sources.parse(json.dumps(feed).encode(), "feed.json")
    assert doc.format == "feed" and doc.records == 2
    (item,) = doc.items
    assert (item.id, item.url, item.source) == (
        "url:https://blog.example/posts/1",
        "https://blog.example/posts/1",
        "feed:example-blog",
    )
    assert item.published_at == dt.datetime(2025, 4, 15, 8, tzinfo=UTC)
    assert (item.authors, item.tags, item.links, item.text) == (
        ("Ann",),
        ("llm",),
        ("https://github.com/o/r",),
        "Read this",
    )


def test_html_page_is_not_a_feed() -> None:
    with pytest.raises(ParseError, match="not a feed"):
        sources.parse(b"<!doctype html><html><body>hi</body></html>", "page.html", "feed")


def test_malformed_feed_with_recovered_entries_parses_with_a_warning() -> None:
    broken = load("feed_ollama.xml").replace(b"</channel>", b"<oops></channel>")
    doc = sources.parse(broken, "feed_ollama.xml")
    assert doc.items and doc.warnings and "\n" not in doc.warnings[0]


# -- Hugging Face, Reddit -------------------------------------------------------------


def test_hf_daily_real_day() -> None:
    raw = json.loads(load("hf_daily_2025-04-15.json"))
    doc = parse("hf_daily_2025-04-15.json")
    assert doc.records == len(raw) and len(doc.items) == len({e["paper"]["id"] for e in raw})
    for entry in raw:
        paper = entry["paper"]
        item = by_id(doc, f"hf:{paper['id']}")
        assert (item.kind, item.source) == ("paper", "hf")
        assert item.url == f"https://huggingface.co/papers/{paper['id']}"
        assert item.title == " ".join(paper["title"].split())
        assert item.authors == tuple(a["name"] for a in paper["authors"])
        assert item.links[0] == f"https://arxiv.org/abs/{paper['id']}"
        assert (paper.get("githubRepo") in item.links) == bool(paper.get("githubRepo"))
        assert observed(doc, "upvotes")[item.id] == paper["upvotes"]
        assert observed(doc, "comments")[item.id] == entry["numComments"]
    assert {o.observed_at for o in doc.observations} == {dt.datetime(2025, 4, 15, 23, 59, 59, tzinfo=UTC)}


def test_hf_daily_papers_are_dated_by_the_day_they_were_on_the_page() -> None:
    raw = json.loads(load("hf_daily_2025-04-15.json"))
    doc = parse("hf_daily_2025-04-15.json")
    for entry in raw:
        item = by_id(doc, f"hf:{entry['paper']['id']}")
        assert item.published_at == dt.datetime.fromisoformat(entry["paper"]["submittedOnDailyAt"])
        assert item.published_at.date() == dt.date(2025, 4, 15)  # not the arXiv time of publishedAt
    assert any(
        dt.datetime.fromisoformat(e["paper"]["publishedAt"]).date() != dt.date(2025, 4, 15) for e in raw
    ), "the recording has papers published on arXiv before the day they were listed"


def test_hf_daily_shape_fixture_cleans_html() -> None:
    doc = parse("minimal_hf_daily.json")
    assert [i.id for i in doc.items] == ["hf:2504.10458", "hf:2504.12285"]
    assert "<script" not in doc.items[1].title and doc.items[1].text.startswith("SHAPE-ONLY")


def test_reddit_real_listing() -> None:
    raw = [c["data"] for c in json.loads(load("reddit_all_new_2016-12-22.json"))["data"]["children"]]
    doc = parse("reddit_all_new_2016-12-22.json")
    assert doc.records == len(raw) == len(doc.items)
    for post in raw:
        item = by_id(doc, f"reddit:{post['name']}")
        assert item.id == f"reddit:t3_{post['id']}" and (item.kind, item.source) == ("thread", "reddit")
        assert item.url == "https://www.reddit.com" + post["permalink"]
        assert item.published_at == dt.datetime.fromtimestamp(post["created_utc"], UTC)
        assert item.tags == (post["subreddit"],) and item.authors == (post["author"],)
        assert item.links == (() if post["is_self"] else (post["url"],))
        assert observed(doc, "score")[item.id] == post["score"]
        assert observed(doc, "comments")[item.id] == post["num_comments"]


def test_reddit_media_and_self_posts_link_nowhere_else() -> None:
    reddit = parse("minimal_reddit_listing.json")
    assert [i.id for i in reddit.items] == ["reddit:t3_shape01", "reddit:t3_shape02"]
    assert reddit.items[0].links == ("https://arxiv.org/abs/2504.12285",)
    assert reddit.items[1].links == ()  # self post
    listing = json.loads(load("minimal_reddit_listing.json"))
    listing["data"]["children"][0]["data"]["url"] = "https://i.redd.it/abc.png"
    assert sources.parse(json.dumps(listing).encode(), "r.json").items[0].links == ()


# -- bad input ------------------------------------------------------------------------

ROW = '{"id": "2504.00001", "title": "x", "summary": "y"}'


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty file"),
        (b"   \n\n", "empty file"),
        (bytes(range(256)), "binary"),
        (b'[{"id": 1, "type": "story", "by": "x", "title": "t"', "truncated JSON: .* at line 1 column"),
        (b'{"some": "json"}', "unknown format: a JSON object with keys 'some' is none of"),
        (b"[1, 2]", "unknown format: a JSON array of int"),
        (b"just some text\nwith lines\n", "unknown format: expected one of"),
        (b"<html><body>not a feed</body></html>", "unknown format"),
        (f'{ROW}\n{{"id": "2"\n'.encode(), "line 2: invalid JSON"),
        (f'{ROW}\n{{"id": "2504.00002", "summary": "z"}}\n'.encode(), "line 2: missing field 'title'"),
        (
            f'{ROW}\n{{"id": "banana", "title": "t", "summary": "z"}}\n'.encode(),
            "line 2: field 'id' is not an arXiv id",
        ),
        (f"{ROW}\n[1]\n".encode(), "line 2: expected a JSON object"),
        ('["not utf-8 \xe9"]'.encode("latin-1"), "not UTF-8"),
        (b"[" * 100_000, "JSON"),
    ],
)
def test_bad_input_is_one_clear_line(content: bytes, needle: str) -> None:
    with pytest.raises(ParseError, match=needle) as info:
        sources.parse(content, "input.dat")
    message = str(info.value)
    assert message.startswith("input.dat: ") and "\n" not in message and len(message) < 300


@pytest.mark.parametrize(
    ("fmt", "doc", "needle"),
    [
        ("hn-firebase", [{"id": 1, "type": "story", "by": "x"}], "record 1: missing field 'title'"),
        (
            "hn-firebase",
            [{"id": "x1", "type": "story", "title": "t"}],
            "record 1: field 'id' is not a numeric id",
        ),
        (
            "hn-firebase",
            [{"id": 1, "type": "story", "title": "t", "score": "lots"}],
            "field 'score' is not a number",
        ),
        ("hn-firebase", [{"title": "t"}], "record 1: missing field 'id'"),
        (
            "hn-firebase",
            [{"id": 1, "type": "story", "title": "t", "descendants": "nan"}],
            "not a finite number",
        ),
        ("hn-algolia", {"hits": [{"objectID": "1"}]}, "hit 1: missing field 'title'"),
        ("hn-algolia", {"results": []}, "no 'hits' list"),
        ("hf-daily", [{"paper": {"title": "t"}}], "entry 1: missing field 'paper.id'"),
        ("hf-daily", {"paper": {}}, "expected a JSON array"),
        (
            "reddit-listing",
            {"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {"id": "a"}}]}},
            "post 1: missing field 'title'",
        ),
        ("reddit-listing", {"kind": "t3"}, "not a Reddit Listing"),
        ("github-rest", {"message": "Not Found"}, "no GitHub repository or release objects"),
        ("github-rest", {"full_name": "a/b", "stargazers_count": {}}, "'stargazers_count' is not a number"),
        ("feed", {"version": "https://jsonfeed.org/version/1.1"}, "without an 'items' list"),
    ],
)
def test_bad_records_fail_the_whole_document(fmt: str, doc: Any, needle: str) -> None:
    with pytest.raises(ParseError, match=needle):
        sources.parse(json.dumps(doc).encode(), "bad.json", fmt)


def test_a_bad_record_in_the_middle_fails_everything() -> None:
    records = json.loads(load("hn_2025-04-15.json"))
    records[len(records) // 2].pop("title")
    with pytest.raises(ParseError, match=f"record {len(records) // 2 + 1}: missing field 'title'"):
        sources.parse(json.dumps(records).encode(), "hn.json")


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_truncated_fixtures_fail_cleanly_or_parse_a_prefix(name: str) -> None:
    """Cut every document short at a few points: a ParseError or a (lenient) parse, nothing else."""
    data = load(name)
    for cut in (1, len(data) // 3, len(data) // 2, len(data) - 2):
        try:
            sources.parse(data[:cut], name, FIXTURES[name])
        except ParseError as e:
            assert "\n" not in str(e)


# -- sanitizing -----------------------------------------------------------------------


def test_hostile_text_and_urls_are_neutralized() -> None:
    record = [
        {
            "id": 1,
            "type": "story",
            "by": "<b>x</b>",
            "time": 1744675200,
            "score": 5,
            "descendants": 0,
            "title": "<img src=x onerror=alert(1)>Hi <script>alert(1)</script>\x07",
            "url": "javascript:alert(1)",
            "text": "<p>a</p><p>b &amp; <a href='data:x'>c</a></p>",
        }
    ]
    (item,) = sources.parse(json.dumps(record).encode(), "x.json").items
    assert item.title == "Hi" and "onerror" not in item.title
    assert item.links == () and item.extra["target_url"] is None
    assert item.text == "a b & c" and item.authors == ("x",)


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "data:text/html,x", "vbscript:x", "http://[::1", "https://a.b/c d", "//evil"],
)
def test_only_http_urls_are_kept(url: str) -> None:
    listing = json.loads(load("minimal_reddit_listing.json"))
    listing["data"]["children"][0]["data"]["url"] = url
    (item, _) = sources.parse(json.dumps(listing).encode(), "r.json").items
    assert item.links == () and item.url.startswith("https://www.reddit.com/")


@pytest.mark.parametrize(
    ("stamp", "ok"), [(-2208988800, False), (4102444800 + 86400 * 400, False), (1744675200, True)]
)
def test_absurd_dates_are_dropped(stamp: int, ok: bool) -> None:
    record = [{"id": 1, "type": "story", "by": "x", "time": stamp, "title": "t", "url": "https://e.org/"}]
    (item,) = sources.parse(json.dumps(record).encode(), "x.json").items
    assert (item.published_at is not None) is ok


# -- determinism and ids --------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_parsing_is_deterministic(name: str) -> None:
    first, second = parse(name), parse(name)
    assert first == second
    assert [i.extra for i in first.items] == [i.extra for i in second.items]


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_items_are_well_formed(name: str) -> None:
    for item in parse(name).items:
        assert item.url.startswith(("http://", "https://")) and item.title
        assert all(u.startswith(("http://", "https://")) for u in item.links)
        assert item.published_at is None or item.published_at.tzinfo == UTC
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", item.title + item.text)
        assert "<script" not in item.title + item.text


@pytest.mark.parametrize(
    ("url", "cid"),
    [
        ("https://arxiv.org/pdf/2504.12285v2", "arxiv:2504.12285"),
        ("http://www.arxiv.org/abs/hep-th/9901001v1", "arxiv:hep-th/9901001"),
        ("https://huggingface.co/papers/2504.10458", "arxiv:2504.10458"),
        ("https://github.com/deepseek-ai/open-infra-index/tree/main/x", "gh:deepseek-ai/open-infra-index"),
        ("https://gist.github.com/a/b", "url:https://gist.github.com/a/b"),
        ("https://www.Example.com/a/?utm_source=x&b=2#frag", "url:https://example.com/a?b=2"),
        ("http://example.com:80/a/", "url:https://example.com/a"),
    ],
)
def test_canonical_ids(url: str, cid: str) -> None:
    assert canonical_id_for_url(url) == cid


@pytest.mark.parametrize(
    ("value", "ok"),
    [("2504.07981", True), ("2504.07981v3", True), ("hep-th/9901001", True), ("1", False), ("2504.1", False)],
)
def test_is_arxiv_id(value: str, ok: bool) -> None:
    assert is_arxiv_id(value) is ok
