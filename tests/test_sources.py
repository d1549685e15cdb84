"""Every parser on its recorded input; expected values are read from the files themselves."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from hub import sources
from hub.exceptions import ParseError
from hub.sources.ids import canonical_id_for_url, normalize_url

DATA = Path(__file__).parent / "data" / "sources"


def load(name: str) -> bytes:
    return (DATA / name).read_bytes()


def parse(name: str, fmt: str | None = None) -> sources.Parsed:
    return sources.parse(load(name), name, fmt)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("2025-04-14.jsonl", "arxiv-jsonl"),
        ("arxiv_api_2016.xml", "arxiv-atom"),
        ("arxiv_api_recorded.json", "arxiv-atom"),
        ("hn_2025-04-15.json", "hn-firebase"),
        ("minimal_hn_algolia.json", "hn-algolia"),
        ("trending_2025-04-17.md", "github-trending-md"),
        ("gh_get_repository.json", "github-rest"),
        ("gh_release_assets.json", "github-rest"),
        ("feed_ollama.xml", "feed"),
        ("minimal_hf_daily.json", "hf-daily"),
        ("minimal_reddit_listing.json", "reddit-listing"),
    ],
)
def test_format_is_detected_from_content(name: str, fmt: str) -> None:
    assert parse(name).format == fmt
    # the file name plays no part in detection
    assert sources.parse(load(name), "renamed.bin").format == fmt


def test_arxiv_jsonl_dedupes_rows_and_dates_from_the_file_name() -> None:
    rows = [json.loads(line) for line in load("2025-04-14.jsonl").splitlines()]
    doc = parse("2025-04-14.jsonl")
    assert doc.records == len(rows)
    assert len(doc.items) == len({r["id"] for r in rows}) < len(rows)
    first = rows[0]
    item = next(i for i in doc.items if i.id == f"arxiv:{first['id']}")
    assert item.title == " ".join(first["title"].split())
    assert item.authors == tuple(first["authors"])
    assert item.url == f"https://arxiv.org/abs/{first['id']}"
    assert item.published_at == dt.datetime(2025, 4, 14, tzinfo=dt.UTC)
    assert "\n" not in item.text and item.text.startswith(first["summary"].split()[0])
    assert all(re.match(r"^[a-z-]+(\.[A-Za-z-]+)?$", t) for i in doc.items for t in i.tags)


def test_arxiv_atom_old_and_current_responses() -> None:
    ns = {"a": "http://www.w3.org/2005/Atom"}
    for name, body in [
        ("arxiv_api_2016.xml", load("arxiv_api_2016.xml")),
        ("arxiv_api_recorded.json", json.loads(load("arxiv_api_recorded.json"))["body"].encode()),
    ]:
        entries = ET.fromstring(body).findall("a:entry", ns)
        doc = parse(name)
        assert len(doc.items) == len(entries)
        raw_id = entries[0].find("a:id", ns).text  # type: ignore[union-attr]
        want = re.sub(r"v\d+$", "", raw_id.split("/abs/", 1)[1])  # type: ignore[union-attr]
        assert doc.items[0].id == f"arxiv:{want}"
        assert doc.items[0].published_at is not None


def test_hn_firebase_items_and_observations() -> None:
    records = json.loads(load("hn_2025-04-15.json"))
    doc = parse("hn_2025-04-15.json")
    stories = [r for r in records if r["type"] == "story"]
    assert len(doc.items) == len(stories)
    top = max(stories, key=lambda r: r["score"])
    item = next(i for i in doc.items if i.id == f"hn:{top['id']}")
    assert item.url == f"https://news.ycombinator.com/item?id={top['id']}"
    assert item.published_at == dt.datetime.fromtimestamp(top["time"], dt.UTC)
    if top.get("url"):
        assert item.links == (top["url"],)
    points = {o.item_id: o.value for o in doc.observations if o.metric == "points"}
    assert points[item.id] == top["score"]
    # observed at the end of the archive's day: re-importing adds nothing new
    assert {o.observed_at for o in doc.observations} == {dt.datetime(2025, 4, 15, 23, 59, 59, tzinfo=dt.UTC)}


def test_hn_text_posts_become_plain_text() -> None:
    records = json.loads(load("hn_2025-04-15.json"))
    with_text = [r for r in records if r.get("text")]
    doc = parse("hn_2025-04-15.json")
    for r in with_text:
        item = next(i for i in doc.items if i.id == f"hn:{r['id']}")
        assert "<p>" not in item.text and "&#x27;" not in item.text and item.text


def test_github_trending_keeps_best_rank_per_repo() -> None:
    text = load("trending_2025-04-17.md").decode()
    entries = re.findall(r"^\* \[([^\]]+?) / ([^\]]+?)\]", text, re.M)
    doc = parse("trending_2025-04-17.md")
    assert doc.records == len(entries)
    assert {i.id for i in doc.items} == {f"gh:{o.lower()}/{r.lower()}" for o, r in entries}
    sections = re.split(r"^#### ", text, flags=re.M)[1:]
    lang, body = sections[0].split("\n", 1)
    first_repo = re.search(r"\[([^\]]+?) / ([^\]]+?)\]", body)
    assert first_repo is not None
    key = f"gh:{first_repo[1].lower()}/{first_repo[2].lower()}"
    ranks = {o.item_id: o.value for o in doc.observations}
    assert ranks[key] == 1
    item = next(i for i in doc.items if i.id == key)
    assert item.tags[0] == lang.strip()


def test_github_rest_repo_and_release() -> None:
    fixture = json.loads(load("gh_get_repository.json"))
    repo = next(x["response"] for x in fixture if "full_name" in (x.get("response") or {}))
    doc = parse("gh_get_repository.json")
    (item,) = doc.items
    assert item.id == f"gh:{repo['full_name'].lower()}" and item.kind == "repo"
    stars = next(o for o in doc.observations if o.metric == "stars")
    assert stars.value == repo["stargazers_count"]
    release = parse("gh_release_assets.json")
    assert [i.kind for i in release.items] == ["release"]
    assert release.items[0].id.startswith("gh:octokit-fixture-org/release-assets@")


def test_feed_entries() -> None:
    import feedparser

    expected = feedparser.parse(load("feed_ollama.xml"))
    doc = parse("feed_ollama.xml")
    assert doc.records == len(expected.entries)
    assert len(doc.items) == len({normalize_url(e.link) for e in expected.entries})
    first = doc.items[0]
    assert first.id == canonical_id_for_url(expected.entries[0].link)
    assert first.source == "feed:ollama-blog" and first.kind == "post"
    assert first.published_at is not None and first.published_at.tzinfo is not None


def test_hf_daily_joins_arxiv_ids_and_cleans_html() -> None:
    doc = parse("minimal_hf_daily.json")
    ids = [i.id for i in doc.items]
    assert ids == ["hf:2504.10458", "hf:2504.12285"]
    assert "https://arxiv.org/abs/2504.10458" in doc.items[0].links
    assert "https://github.com/ritzz-ai/GUI-R1" in doc.items[0].links
    assert "<script" not in doc.items[1].title
    assert {o.metric for o in doc.observations} == {"upvotes", "comments"}


def test_reddit_and_algolia_drop_unsafe_urls() -> None:
    reddit = parse("minimal_reddit_listing.json")
    assert [i.id for i in reddit.items] == ["reddit:t3_shape01", "reddit:t3_shape02"]
    assert reddit.items[0].links == ("https://arxiv.org/abs/2504.12285",)
    assert reddit.items[1].links == ()  # self post
    algolia = parse("minimal_hn_algolia.json")
    assert algolia.items[0].links == ("https://openai.com/index/gpt-4-1/",)
    assert algolia.items[1].links == ()  # javascript: dropped
    assert algolia.items[1].text == "SHAPE-ONLY FIXTURE"


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty file"),
        (b"   \n\n", "empty file"),
        (bytes(range(256)), "binary"),
        (b'[{"id": 1, "type": "story", "by": "x", "title": "t"', "truncated JSON"),
        (b'{"some": "json"}', "unknown format"),
        (b"just some text\nwith lines\n", "unknown format"),
        (b"<html><body>not a feed</body></html>", "unknown format"),
        (b'{"id": "1", "title": "x", "summary": "y"}\n{"id": "2"\n', "line 2"),
        (
            b'{"id": "1", "title": "x", "summary": "y"}\n{"id": "2", "summary": "z"}\n',
            "line 2: missing field 'title'",
        ),
        ('["not utf-8 \xe9"]'.encode("latin-1"), "UTF-8"),
    ],
)
def test_bad_input_is_one_clear_line(content: bytes, needle: str) -> None:
    with pytest.raises(ParseError, match=needle) as info:
        sources.parse(content, "input.dat")
    message = str(info.value)
    assert message.startswith("input.dat: ") and "\n" not in message


def test_forcing_the_wrong_format_fails_cleanly() -> None:
    with pytest.raises(ParseError, match="hn_2025-04-15.json"):
        sources.parse(load("hn_2025-04-15.json"), "hn_2025-04-15.json", "arxiv-jsonl")
    with pytest.raises(ParseError, match="unknown format 'nope'"):
        sources.parse(load("hn_2025-04-15.json"), "x.json", "nope")
    assert sources.parse(load("hn_2025-04-15.json"), "x.json", "hn-firebase").format == "hn-firebase"


def test_hostile_text_and_urls_are_neutralized() -> None:
    record = [
        {
            "id": 1,
            "type": "story",
            "by": "<b>x</b>",
            "time": 1744675200,
            "score": 5,
            "descendants": 0,
            "title": "<img src=x onerror=alert(1)>Hi <script>alert(1)</script>",
            "url": "javascript:alert(1)",
            "text": "<p>a</p><p>b &amp; <a href='data:x'>c</a></p>",
        }
    ]
    doc = sources.parse(json.dumps(record).encode(), "x.json")
    (item,) = doc.items
    assert "<" not in item.title and "onerror" not in item.title
    assert item.links == () and item.extra["target_url"] is None
    assert item.text == "a b & c" and item.authors == ("x",)


def test_absurd_dates_are_dropped() -> None:
    record = [
        {
            "id": 1,
            "type": "story",
            "by": "x",
            "time": -2208988800,
            "score": 5,
            "descendants": 0,
            "title": "From 1900",
            "url": "https://example.org/",
        }
    ]
    (item,) = sources.parse(json.dumps(record).encode(), "x.json").items
    assert item.published_at is None


def test_parsing_is_deterministic() -> None:
    for name in ("2025-04-14.jsonl", "hn_2025-04-15.json", "trending_2025-04-17.md", "feed_ollama.xml"):
        assert parse(name) == parse(name)


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
