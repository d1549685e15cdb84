"""Hostile inputs: each is rejected with a clear error or cleaned — never a crash, never
stored script, never a lost good item from another file. Counted in a printed summary.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Any

import feedparser
import pytest

from hub import sources
from hub.config import load_config
from hub.core import Hub, make_hub
from hub.exceptions import ParseError, StoreError

HOSTILE = Path(__file__).parent / "data" / "hostile"
GOOD = Path(__file__).parent / "data" / "sources" / "hn_2025-04-15.json"
SUMMARY: Counter[str] = Counter()  # printed by conftest's terminal summary hook


@pytest.fixture
def hub(tmp_path: Path):  # type: ignore[no-untyped-def]
    with make_hub(load_config(None, env={}, workspace=tmp_path)) as h:
        yield h


def _no_script_stored(hub: Hub) -> None:
    for it in hub.store.items():
        for value in (it.title, it.text, *it.authors, *it.tags):
            assert "<script" not in value.lower() and "onerror=" not in value.lower(), value
        for url in (it.url, *it.links):
            assert url.startswith(("http://", "https://")), url


def _outcome(hub: Hub, path: Path) -> str:
    before = hub.store.counts()["items"]
    try:
        hub.import_paths([path])
    except ParseError as e:
        assert "\n" not in str(e) and path.name in str(e)
        assert hub.store.counts()["items"] == before
        return "rejected"
    _no_script_stored(hub)
    return "cleaned"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("billion_laughs.xml", "rejected"),
        ("script_everywhere.xml", "cleaned"),
        ("empty_feed.xml", "cleaned"),
        ("hn_missing_keys.json", "rejected"),
        ("invalid_utf8.jsonl", "rejected"),
    ],
)
def test_recorded_hostile_files(hub: Hub, name: str, expected: str) -> None:
    assert _outcome(hub, HOSTILE / name) == expected
    SUMMARY[f"{expected}: {name}"] += 1


def test_script_everywhere_is_cleaned_field_by_field(hub: Hub) -> None:
    hub.import_paths([HOSTILE / "script_everywhere.xml"])
    items = {it.url: it for it in hub.store.items()}
    first = items["https://example.org/post-1"]
    assert first.title == "Title" or "img" not in first.title.lower()
    assert "alert(4)" not in first.text and "Body" in first.text
    assert "https://example.org/relative" in first.links  # relative links resolved
    assert not any(u.startswith(("javascript:", "data:")) for u in first.links)
    assert "javascript link item" not in {it.title for it in items.values()}  # unsafe link: dropped
    assert sum(1 for u in items if u == "https://example.org/dup") == 1  # duplicate GUIDs: one item
    dates = {it.title: it.published_at for it in items.values()}
    assert dates["Year 1900"] is None and dates["Year 2100"] is None
    assert dates["No date"] is None and dates["Non-ISO date"] is None
    SUMMARY["cleaned: html/js in every field, unsafe urls, duplicate guids, absurd dates"] += 1


def test_a_50mb_feed_is_refused_without_reading_it_all(
    hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub import importer

    big = tmp_path / "huge.xml"
    with big.open("wb") as f:
        f.write(b'<?xml version="1.0"?><rss version="2.0"><channel><title>big</title>')
        chunk = b"<item><title>x</title><link>https://example.org/x</link></item>" * 10_000
        while f.tell() < 50 * 1024 * 1024:
            f.write(chunk)
        f.write(b"</channel></rss>")
    monkeypatch.setattr(importer, "MAX_IMPORT_BYTES", 20 * 1024 * 1024)
    with pytest.raises(ParseError, match="file too large"):
        hub.import_paths([big])
    assert hub.store.counts()["items"] == 0
    SUMMARY["rejected: 50 MB feed (size limit)"] += 1


def test_a_gzip_bomb_is_not_inflated(hub: Hub, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml.gz"
    bomb.write_bytes(gzip.compress(b"\0" * (100 * 1024 * 1024)))
    assert bomb.stat().st_size < 200_000
    with pytest.raises(ParseError, match="binary"):
        hub.import_paths([bomb])
    SUMMARY["rejected: gzip bomb (never decompressed)"] += 1


def test_a_bad_file_never_costs_the_good_ones(hub: Hub) -> None:
    with pytest.raises(ParseError):
        hub.import_paths([GOOD, HOSTILE / "invalid_utf8.jsonl"])
    assert hub.store.counts()["items"] == 0  # the batch is all-or-nothing...
    hub.import_paths([GOOD])  # ...and the good file imports on its own
    assert hub.store.counts()["items"] == len(
        [r for r in json.loads(GOOD.read_text()) if r["type"] == "story"]
    )
    SUMMARY["kept: good file beside a bad one"] += 1


@pytest.mark.parametrize(
    "payload",
    [
        b"{}",
        b"[]",
        b'{"hits": "nope"}',
        b'{"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {}}]}}',
        b'[{"paper": {"id": "2504.00001"}}]',
        b'{"full_name": null, "stargazers_count": "many"}',
    ],
)
def test_json_with_missing_or_wrong_keys(payload: bytes) -> None:
    try:
        doc = sources.parse(payload, "x.json")
    except ParseError:
        SUMMARY["rejected: json with missing/wrong keys"] += 1
        return
    assert all(i.url.startswith("https://") for i in doc.items)
    SUMMARY["cleaned: json with missing/wrong keys"] += 1


# --- one character: what no output can carry never stops a build (issue 17, 1 and 4) ----

SOURCES = Path(__file__).parent / "data" / "sources"
ALGOLIA = SOURCES / "minimal_hn_algolia.json"
# Characters XML 1.0, UTF-8 or a reader cannot take: U+FFFF/U+FFFE (lxml refuses the whole
# feed), the other noncharacters, C0/C1 controls and DEL.
UNSAFE = ("\uffff", "\ufffe", "\ufdd0", "\ufdef", "\U0001fffe", "\U0010ffff", "\x0b", "\x1f", "\x85", "\x7f")
LONE = ("\ud800", "\udfff", "\udbff")  # lone surrogates: JSON can spell them, UTF-8 cannot hold them


def _json_feed() -> dict[str, Any]:
    """The recorded Ollama RSS feed as a JSON Feed 1.1 (its entries, titles and dates)."""
    doc = feedparser.parse((SOURCES / "feed_ollama.xml").read_bytes())
    items = [
        {
            "id": e.id,
            "url": e.link,
            "title": e.title,
            "content_text": e.summary,
            "date_published": dt.datetime(*e.published_parsed[:6], tzinfo=dt.UTC).isoformat(),
            "authors": [{"name": "Ollama"}],
            "tags": ["models"],
        }
        for e in doc.entries
    ]
    return {"version": "https://jsonfeed.org/version/1.1", "title": doc.feed.title, "items": items}


def _write_json(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc), encoding="ascii")  # \uXXXX escapes, as a server sends them
    return path


def _clean_titles(hub: Hub) -> list[str]:
    titles = [it.title for it in hub.store.items()]
    for t in titles:
        assert not any(ch in t for ch in (*UNSAFE, *LONE)), ascii(t)
    return titles


@pytest.mark.parametrize("ch", UNSAFE + LONE, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("fmt", ["hn-algolia", "json-feed"])
def test_a_character_no_output_can_carry_is_dropped_on_import(
    hub: Hub, tmp_path: Path, fmt: str, ch: str
) -> None:
    if fmt == "hn-algolia":
        doc: Any = json.loads(ALGOLIA.read_text())
        doc["hits"][0]["title"] = f"GPT-4.1 {ch}in the API{ch}"
        want = "GPT-4.1 in the API"
    else:
        doc = _json_feed()
        doc["items"][0]["title"] = f"{ch}Nemotron{ch} Lightning"
        want = "Nemotron Lightning"
    hub.import_paths([_write_json(tmp_path / "in.json", doc)])
    assert want in _clean_titles(hub)
    kind = "lone surrogates" if ch in LONE else "noncharacters and controls"
    SUMMARY[f"cleaned: {kind} in a title ({fmt}, one per character)"] += 1


@pytest.mark.parametrize(
    ("where", "setter"),
    [
        ("json-feed id", lambda d: d["items"][0].update(id=d["items"][0]["id"] + "\ud800")),
        ("json-feed url", lambda d: d["items"][0].update(url=d["items"][0]["url"] + "\udfff")),
        ("json-feed author", lambda d: d["items"][0].update(authors=[{"name": "Oll\ud800ama"}])),
        ("json-feed tag", lambda d: d["items"][0].update(tags=["mod\udbffels"])),
        ("json-feed body", lambda d: d["items"][0].update(content_html="<p>\ud800text</p>")),
        ("json-feed key", lambda d: d["items"][0].update({"_x\ud800": "y"})),
        ("json-feed feed title", lambda d: d.update(title="Oll\ud800ama")),
    ],
)
def test_lone_surrogates_in_any_field_lose_no_entry(
    hub: Hub, tmp_path: Path, where: str, setter: Any
) -> None:
    doc = _json_feed()
    setter(doc)
    hub.import_paths([_write_json(tmp_path / "feed.json", doc)])
    assert len(_clean_titles(hub)) == len(doc["items"])  # every valid entry kept
    for it in hub.store.items():  # every field is text UTF-8 can hold
        "".join((it.id, it.url, it.source, it.text, *it.authors, *it.tags)).encode("utf-8")
    SUMMARY["cleaned: lone surrogate in other fields (id, url, author, tag, body, key)"] += 1


def test_text_that_cannot_be_stored_is_one_line_error_and_writes_nothing(hub: Hub) -> None:
    good = sources.parse(ALGOLIA.read_bytes(), ALGOLIA.name).items
    bad = dataclasses.replace(good[0], title="GPT-4.1 \ud800")  # as a parser bypassing plain() would
    with pytest.raises(StoreError) as e:
        hub.store.upsert([good[1], bad])
    assert "\n" not in str(e.value) and "not valid Unicode" in str(e.value) and "hn:43683410" in str(e.value)
    assert hub.store.counts()["items"] == 0
    SUMMARY["rejected: unstorable text at the store (one line, nothing written)"] += 1


def _stored_with_titles(hub: Hub, title: Any) -> None:
    """The recorded HN day stored with hostile titles, as a database written before the
    parsers dropped such characters holds them (the parsers are bypassed)."""
    parsed = sources.parse(GOOD.read_bytes(), GOOD.name)
    hub.store.upsert([dataclasses.replace(it, title=title(n, it.title)) for n, it in enumerate(parsed.items)])
    hub.store.upsert((), parsed.observations)


def _no_unsafe_in(text: str, where: str) -> None:
    assert not any(ch in text for ch in UNSAFE), where


def test_a_stored_noncharacter_never_stops_the_site_its_feeds_or_the_email(hub: Hub) -> None:
    from lxml import etree

    from hub.publishers import email as mail

    _stored_with_titles(hub, lambda n, t: f"{t} {UNSAFE[n % len(UNSAFE)]}LLM agents")
    digest = hub.digest(index=False)
    assert len(digest.stories) >= len(UNSAFE)  # every character is in some digest title
    assert hub.build_site().pages > 0
    assert (hub.config.site_dir / "index.html").is_file()
    for path in (hub.config.site_dir / "feeds").rglob("*.xml"):
        etree.parse(str(path), etree.XMLParser(recover=False))  # well-formed, strictly
    for path in hub.config.site_dir.rglob("*"):
        if path.suffix in (".html", ".xml", ".json", ".md"):
            _no_unsafe_in(path.read_text(encoding="utf-8"), str(path))
    message = mail.build_message(digest, "reader@example.org", "token", hub.config)
    for part in message.walk():
        if part.get_content_maintype() == "text":
            _no_unsafe_in(part.get_content(), part.get_content_type())
    SUMMARY["cleaned: noncharacters in stored titles (site, feeds, email built)"] += 1


def test_a_1mb_title_is_shown_as_one_short_line(hub: Hub) -> None:
    from hub.publishers import email as mail
    from hub.safetext import TITLE_MAX

    _stored_with_titles(hub, lambda n, t: ("LLM agents " + "word " * 200_000) if n == 0 else t)
    digest = hub.digest(index=False)
    long = [s for s in digest.stories if s.title.startswith("LLM agents word")]
    assert long and all(len(s.title) <= TITLE_MAX and s.title.endswith("…") for s in long)
    raw = mail.build_message(digest, "reader@example.org", "token", hub.config).as_bytes()
    assert len(raw) < 200_000, len(raw)  # the title's 1 MB would be 2 MB (HTML + text parts)
    page = (hub.config.docs_dir / "digests" / f"{digest.week}.md").read_text(encoding="utf-8")
    assert len(page) < 200_000
    SUMMARY["cleaned: 1 MB title (one line of 300 characters in pages, feeds, email)"] += 1


def test_a_crawled_json_feed_with_a_lone_surrogate_keeps_every_entry(tmp_path: Path, server: Any) -> None:
    doc = _json_feed()
    doc["items"][0]["title"] = "Nemotron \ud800Lightning"
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/feed.json").respond_with_data(
        json.dumps(doc), content_type="application/feed+json"
    )
    config = tmp_path / "hub.toml"
    url = server.url_for("/feed.json")
    config.write_text(f'[crawl]\ndelay_s = 0.0\n\n[[sources]]\nname = "j"\nkind = "feed"\nurl = "{url}"\n')
    with make_hub(load_config(config, env={})) as h:
        result = h.crawl()
        assert [(r["source"], r["fetched"], r["errors"], r["new"]) for r in result.sources] == [
            ("j", 1, 0, len(doc["items"]))
        ]
        assert "Nemotron Lightning" in _clean_titles(h)
        assert h.store.recent_runs(1)[0]["status"] == "ok"
    SUMMARY["cleaned: lone surrogate in a crawled JSON Feed (every entry stored)"] += 1


def test_a_failed_write_in_the_crawl_is_recorded_against_its_source(
    hub: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    from hub.types import Parsed
    from spiders.pipelines import StorePipeline

    good = sources.parse(ALGOLIA.read_bytes(), ALGOLIA.name).items
    unstorable = dataclasses.replace(good[0], title="GPT-4.1 \ud800")  # the store refuses it
    pipe = StorePipeline()
    pipe.store, pipe.run_id = hub.store, hub.store.start_run("crawl")
    fetch = {"source": "hn", "url": "https://hn.algolia.com/api/v1/x", "status": 200, "bytes": 10}
    pipe.process_item({**fetch, "parsed": Parsed("hn", (good[1], unstorable))})
    (error,) = [r[0] for r in hub.store.fetchall("SELECT error FROM fetches WHERE source = 'hn'")]
    assert error.startswith("not stored: item 'hn:43683410'") and "\n" not in error
    assert hub.store.counts()["items"] == 0  # the fetch's batch is all-or-nothing
    assert hub.store.crawl_summary(pipe.run_id)[0]["errors"] == 1  # reported by `hub crawl`
    event = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert event["error"] == error  # and shown while the crawl runs
    SUMMARY["recorded: a failed write in the crawl (fetch error on its source)"] += 1
