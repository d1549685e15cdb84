"""Hostile inputs: each is rejected with a clear error or cleaned — never a crash, never
stored script, never a lost good item from another file. Counted in a printed summary.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gzip
import json
import os
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest

from hub import sources
from hub.config import load_config
from hub.core import Hub, make_hub
from hub.exceptions import HubError, ParseError, StoreError

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


HOSTILE_TITLE = '<script>alert(1)</script> "AT&T" \uffff weekly'


def test_a_stored_noncharacter_never_stops_the_site_its_feeds_or_the_email(tmp_path: Path) -> None:
    from lxml import etree

    from hub.publishers import email as mail

    env = {"HUB_SITE__TITLE": json.dumps(HOSTILE_TITLE)}  # the site's title is hostile too
    with make_hub(load_config(None, env=env, workspace=tmp_path)) as hub:
        _build_everything(hub, etree, mail)
    SUMMARY["cleaned: noncharacters in stored titles (site, feeds, email built)"] += 1
    SUMMARY["escaped: a site.title holding markup (theme pages, feeds, email)"] += 1


def _build_everything(hub: Hub, etree: Any, mail: Any) -> None:
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
    home = (hub.config.site_dir / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in home and "&lt;script&gt;alert(1)&lt;/script&gt;" in home
    assert 'aria-label="&lt;script&gt;' in home  # an attribute the theme prints raw stays closed
    message = mail.build_message(digest, "reader@example.org", "token", hub.config)
    assert "\n" not in message["Subject"] and len(message["Subject"]) <= 80
    for part in message.walk():
        if part.get_content_maintype() == "text":
            _no_unsafe_in(part.get_content(), part.get_content_type())
            if part.get_content_subtype() == "html":
                assert "<script>alert(1)" not in part.get_content()


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
    from hub.store.enrich import EnrichmentRecord
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
    # the enrich step's writes alike: an article text the database cannot hold
    page = {**fetch, "source": "enrich:article", "url": "https://example.org/a"}
    text = EnrichmentRecord(good[1].id, "article", page["url"], "ok", text="Body \udfff")
    pipe.process_item({**page, "enrichments": [text]})
    (error,) = [r[0] for r in hub.store.fetchall("SELECT error FROM fetches WHERE source = 'enrich:article'")]
    assert (
        error.startswith("not stored: cannot store rows for enrichments") and not hub.store.enrichment_rows()
    )
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["error"] == error
    SUMMARY["recorded: a failed write in the crawl or enrich (fetch error on its source)"] += 1


# --- one big feed: no step is quadratic in the items of one source or one day (item 2) ----


def _big_feed(n: int) -> list[Any]:
    """The recorded Ollama feed's first entry copied n times as "Entry <i> about LLM agents",
    all published at one moment (a 100,000-entry feed is under the default size limit)."""
    first = sources.parse((SOURCES / "feed_ollama.xml").read_bytes(), "feed_ollama.xml").items[0]
    return [
        dataclasses.replace(
            first, id=f"{first.id}/{i}", url=f"{first.url}/{i}", title=f"Entry {i} about LLM agents"
        )
        for i in range(n)
    ]


def _candidate_pairs(items: list[Any]) -> int:
    from hub.analysis import resolve

    by_id = {it.id: it for it in items}
    toks = {it.id: resolve.title_tokens(it.title) for it in items}
    return sum(1 for group in resolve._prefixes(toks).values() for _ in resolve._close_pairs(group, by_id))


def test_a_20k_entry_feed_of_one_day_builds_no_title_pairs() -> None:
    from hub.analysis import resolve

    feed = _big_feed(20_000)
    assert _candidate_pairs(feed) == 0  # one source: no pair at all (it was 20,000² / 2 ...)
    hn = dataclasses.replace(  # ...and one HN post titled like entry 7 still finds it
        sources.parse(ALGOLIA.read_bytes(), ALGOLIA.name).items[0],
        title="Entry 7 about LLM agents",
        published_at=feed[0].published_at,
    )
    assert _candidate_pairs([*feed, hn]) <= 2 * resolve.MAX_TITLE_CANDIDATES
    links = resolve.find_links([*feed, hn])
    assert [(ln.method, {ln.src, ln.dst}) for ln in links] == [("title", {hn.id, feed[7].id})]
    SUMMARY["bounded: 20k-entry feed of one day (0 title pairs, linear)"] += 1


def test_two_sources_repeating_one_title_pair_each_copy_with_a_bounded_few() -> None:
    from hub.analysis import resolve

    a = _big_feed(3_000)
    b = [
        dataclasses.replace(it, id=it.id + "/b", source="feed:other", title="Entry about LLM agents")
        for it in a
    ]
    a = [dataclasses.replace(it, title="Entry about LLM agents") for it in a]
    pairs = _candidate_pairs([*a, *b])
    # each title is in 2 blocks (its 2 rarest tokens): a bounded few pairs per copy and
    # block, not 3,000 x 3,000 per block
    assert 0 < pairs <= resolve.MAX_TITLE_CANDIDATES * 6_000 * 2
    stories = resolve.build_stories([*a, *b], resolve.find_links([*a, *b]))
    assert len(stories) < 6_000  # copies still join across the two sources
    SUMMARY["bounded: one title repeated by two sources (capped pairs per item)"] += 1


# --- one odd week name: a week is one key, however it is spelled (item 3) -----------------


@pytest.mark.parametrize(
    "spelling",
    [" 2025-W16", "2025-W16\n", "2025-w16", "2025W16", "２０２５－Ｗ１６", "2025–W16", "\t2025-W16 "],
)
def test_every_spelling_of_a_week_is_one_key(spelling: str) -> None:
    from hub.weeks import canonical_week, parse_week

    assert canonical_week(spelling) == "2025-W16"
    assert parse_week(spelling) == parse_week("2025-W16")
    SUMMARY["canonical: week spellings (space, newline, case, no hyphen, full-width, dash)"] += 1


@pytest.mark.parametrize(
    "bad", ["9999-W52", "0001-W01", "2025-W54", "2025-W00", "W16", "2025-16", "", "2025-W16x"]
)
def test_a_week_that_is_not_one_is_a_one_line_error(bad: str) -> None:
    from hub.exceptions import UsageError
    from hub.weeks import canonical_week

    with pytest.raises(UsageError) as e:
        canonical_week(bad)
    assert "\n" not in str(e.value) and repr(bad) in str(e.value)
    SUMMARY["rejected: impossible weeks (9999-W52, W54, W00, ...)"] += 1


@contextlib.contextmanager
def _smtp_server(handler: Any) -> Iterator[dict[str, str]]:
    """An aiosmtpd server on a free loopback port running `handler`; yields the HUB_* env
    that points hub's [email] at it."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield {
            "HUB_EMAIL__SMTP_HOST": '"127.0.0.1"',
            "HUB_EMAIL__SMTP_PORT": str(port),
            "HUB_EMAIL__SECURITY": '"none"',
        }
    finally:
        controller.stop()


class _Inbox:
    def __init__(self) -> None:
        self.rcpts: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.rcpts += envelope.rcpt_tos
        return "250 OK"


def test_a_week_spelled_twice_is_one_digest_and_one_email(tmp_path: Path) -> None:
    inbox = _Inbox()
    with _smtp_server(inbox) as env, make_hub(load_config(None, env=env, workspace=tmp_path)) as h:
        h.import_paths([GOOD])
        assert h.digest(" 2025-W16", index=False).week == "2025-W16"
        assert h.digest("２０２５－Ｗ１６", index=False).week == "2025-W16"
        assert h.store.digest_weeks() == ["2025-W16"]
        assert sorted(p.name for p in (h.config.docs_dir / "digests").iterdir()) == ["2025-W16.md"]
        h.add_subscriber("reader@example.org")
        assert h.send(" 2025-W16").sent == ["reader@example.org"]
        again = h.send("2025w16\n")
        assert again.week == "2025-W16" and again.sent == [] and again.skipped == ["reader@example.org"]
    assert inbox.rcpts == ["reader@example.org"]  # sent once
    SUMMARY["canonical: one week spelled twice (one digest, one page, one email)"] += 1


def test_a_scheduled_run_that_fails_is_never_left_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub import scheduler
    from hub.exceptions import ConfigError

    config = tmp_path / "hub.toml"
    config.write_text("")
    with pytest.raises(HubError, match="9999-W52"):
        scheduler.run_job(str(config), "digest", "digest", {"week": "9999-W52"})

    def boom(hub: Hub, args: dict[str, Any]) -> dict[str, Any]:
        raise OverflowError("date value out of range")  # any failure, not only hub's own

    monkeypatch.setitem(scheduler.JOBS, "build", boom)
    with pytest.raises(OverflowError):
        scheduler.run_job(str(config), "build", "build", {})
    with make_hub(load_config(config, env={})) as h:
        runs = {r["job"]: (r["status"], r["error"]) for r in h.store.recent_runs()}
    assert runs["schedule:digest"][0] == "error" and "9999-W52" in runs["schedule:digest"][1]
    assert runs["schedule:build"] == ("error", "OverflowError: date value out of range")
    schedule = tmp_path / "weekly.yml"
    schedule.write_text(
        "jobs:\n  weekly:\n    cron: '0 7 * * 1'\n    job: digest\n    args: {week: ' 2025-w16'}\n"
    )
    assert scheduler.load_file(schedule)[0].args == {"week": "2025-W16"}
    schedule.write_text(
        "jobs:\n  weekly:\n    cron: '0 7 * * 1'\n    job: digest\n    args: {week: '9999-W52'}\n"
    )
    with pytest.raises(ConfigError, match="line 5"):
        scheduler.load_file(schedule)
    SUMMARY["recorded: failed scheduled runs (bad week, any exception) end as error"] += 1


# --- the LLM key never reaches the database, a log or the terminal (item 5) ----------------


@pytest.mark.parametrize("mode", ["401-echo", "echo-key"])
def test_an_echoed_api_key_is_redacted_before_it_is_stored_or_logged(
    tmp_path: Path,
    httpserver: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    mode: str,
) -> None:
    from test_llm import SECRET, FakeOpenAI, _hub

    from hub.safetext import REDACTED

    server = FakeOpenAI()
    server.mode = mode
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(server)
    with _hub(tmp_path, httpserver, monkeypatch, HUB_LLM__RETRIES="0") as h:
        digest = h.digest("2025-W16", limit=2, index=False)
        outcomes = [r[0] for r in h.store.fetchall("SELECT outcome FROM llm_calls")]
        texts = [r[0] for r in h.store.fetchall("SELECT text FROM summaries")]
        db = h.store.path
    assert server.requests and server.requests[0]["auth"] == f"Bearer {SECRET}"  # it was sent...
    if mode == "401-echo":
        assert outcomes and all(o.startswith("fallback:") and f"Bearer {REDACTED}" in o for o in outcomes)
    else:
        assert any(f"The key is {REDACTED} today." in t for t in texts)
    shown = [digest.lead, *(s.summary for s in digest.stories), caplog.text, *outcomes, *texts]
    assert not any(SECRET in t for t in shown)  # ...and is nowhere it is stored, logged or shown
    assert SECRET.encode() not in db.read_bytes()
    SUMMARY[f"redacted: LLM key echoed by the endpoint ({mode})"] += 1


class _EchoingSMTP:
    """An SMTP server whose refusal quotes a configured secret back."""

    def __init__(self, secret: str) -> None:
        self.secret = secret

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        return f"554 5.7.1 rejected for {self.secret}"


def test_a_secret_echoed_by_the_smtp_server_is_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "smtp-password-0123456789"
    monkeypatch.setenv("HUB_SMTP_PASSWORD", secret)
    with (
        _smtp_server(_EchoingSMTP(secret)) as env,
        make_hub(load_config(None, env=env, workspace=tmp_path)) as h,
    ):
        h.import_paths([GOOD])
        h.digest(index=False, write_page=False)
        h.add_subscriber("reader@example.org")
        report = h.send()
        stored = [d["error"] for d in h.store.deliveries(report.week)]
    assert report.failed and all("[redacted]" in e and secret not in e for e in report.failed.values())
    assert stored and all(e and "[redacted]" in e and secret not in e for e in stored)
    SUMMARY["redacted: SMTP password echoed by the server"] += 1


# --- config and arguments: a clear one-line error before anything runs (item 10) ----------


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[[topics]]\nid = "agents"\nname = "A"\n\n[[topics]]\nid = "agents"\nname = "B"\n',
            "topics: duplicate topic id 'agents'",
        ),
        (
            '[[sources]]\nname = "HN"\nkind = "hn"\n\n[[sources]]\nname = "hn"\nkind = "hn"\n',
            "sources: duplicate source name 'hn'",
        ),
        (
            "[digest]\nmin_papers = 20\nmax_papers = 5\n",
            "digest: min_papers (20) is more than max_papers (5)",
        ),
        ("[digest]\nlimit = 100000\n", "digest.limit: Input should be less than or equal to 500"),
    ],
)
def test_a_config_that_cannot_work_is_refused_in_one_line(tmp_path: Path, toml: str, message: str) -> None:
    from hub.exceptions import ConfigError

    path = tmp_path / "hub.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as e:
        load_config(path, env={})
    assert message in str(e.value) and "\n" not in str(e.value)
    SUMMARY["rejected: config that cannot work (duplicate ids/names, min > max papers)"] += 1


@pytest.mark.parametrize("limit", [0, 501, 1_000_000, -3])
def test_a_digest_limit_out_of_range_is_refused(hub: Hub, limit: int) -> None:
    from hub.exceptions import UsageError

    hub.import_paths([GOOD])
    with pytest.raises(UsageError, match=f"1 to 500 stories \\(limit {limit} asked\\)"):
        hub.digest(limit=limit, index=False)
    with pytest.raises(UsageError):
        hub.plan_llm_calls(limit=limit)
    assert hub.store.digest_weeks() == []  # nothing half-written
    SUMMARY["rejected: digest --limit out of 1..500"] += 1


def test_the_cli_refuses_a_huge_limit_and_a_bad_week_in_one_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from hub.cli import app

    runner = CliRunner()
    db = str(tmp_path / "hub.duckdb")
    assert runner.invoke(app, ["--db", db, "import", str(GOOD)]).exit_code == 0
    too_many = runner.invoke(app, ["--db", db, "digest", "--limit", "100000"])
    assert too_many.exit_code == 2 and "--limit" in too_many.output and "500" in too_many.output
    odd = runner.invoke(app, ["--db", db, "digest", "--week", "9999-W52"])
    assert odd.exit_code == 1 and "Traceback" not in odd.output and "9999-W52" in odd.output
    assert len([ln for ln in odd.output.splitlines() if ln.strip()]) == 1, odd.output
    SUMMARY["rejected: CLI --limit 100000 and --week 9999-W52 (one line)"] += 1


# -- round two (issue 17 B): addresses, sources lists, devices, YAML, encodings ---------------

SOURCES = Path(__file__).parent / "data" / "sources"


def _one_line(e: BaseException | str) -> str:
    text = str(e)
    assert text and "\n" not in text and "Traceback" not in text, text
    return text


@pytest.mark.parametrize(
    "address",
    [
        "a/b@example.org",  # a folder separator
        "../../../etc/x@example.org",  # climbing out of the outbox
        "x" * 64 + "@example.org",  # the longest local part RFC 5321 allows
        ".hidden@example.org",  # a hidden-file name
        "a_b@example.org",  # cleans up like a/b: must not share its file
        "üser@exämple.org",  # non-ASCII
        "~!$&'*+=?^`{|}%@example.org",  # every odd atext character
    ],
)
def test_any_valid_address_gets_its_own_safe_eml_file(hub: Hub, tmp_path: Path, address: str) -> None:
    from hub.publishers import email as mail

    hub.import_paths([GOOD])
    hub.digest()
    out = tmp_path / "outbox"
    try:
        hub.add_subscriber(address)
    except HubError as e:  # refused up front is an outcome too, as long as it is one line
        _one_line(e)
        SUMMARY["rejected: odd email address (validator)"] += 1
        return
    hub.add_subscriber("a-b@example.org")
    report = hub.send(dry_run=True, out_dir=out)
    files = sorted(out.iterdir())
    assert len(files) == len(report.written) == 2  # one file each, none overwritten
    for f in files:
        assert f.parent == out and f.name.isascii() and len(f.name.encode()) <= 255
        assert not f.name.startswith(".") and "/" not in f.name and f.stat().st_size > 0
    stored = {s["email"] for s in hub.store.subscribers()}
    assert {mail.outbox_name(report.week, a) for a in stored} == {f.name for f in files}
    SUMMARY["cleaned: odd email address -> safe unique .eml name"] += 1


def test_an_overlong_or_stored_odd_address_never_breaks_the_outbox(hub: Hub, tmp_path: Path) -> None:
    long = "x" * 300 + "@example.org"
    with pytest.raises(HubError, match="at most 64 bytes") as e:
        hub.add_subscriber(long)
    assert len(_one_line(e.value)) < 250
    hub.import_paths([GOOD])
    hub.digest()
    # A database from before the length limit may already hold such addresses.
    for odd in (long, "a/b@example.org", "a_b@example.org", "y." * 120 + "y@example.org"):
        hub.store.add_subscriber(odd)
    report = hub.send(dry_run=True, out_dir=tmp_path / "outbox")
    names = [Path(p).name for p in report.written]
    assert len(set(names)) == 4 and all(len(n.encode()) <= 255 and n.isascii() for n in names)
    SUMMARY["cleaned: 300-character and stored odd addresses (bounded .eml names)"] += 1


def _user_sources(hub: Hub) -> list[dict[str, object]]:
    return [s for s in hub.store.sources() if s["origin"] == "user"]


def _opml(*outlines: str) -> str:
    return f'<?xml version="1.0"?><opml version="2.0"><body>{"".join(outlines)}</body></opml>'


def _feed(url: str, name: str = "f") -> str:
    return f'<outline text="{name}" xmlUrl="{url}"/>'


METADATA_URLS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.170.2/v2/credentials",  # ECS task credentials
    "http://[fe80::1]/feed",
    "http://[::ffff:169.254.169.254]/",
    "http://0xa9fea9fe/",
    "http://2852039166/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://METADATA.google.internal./x",
    "http://100.100.100.200/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/",
    "http://168.63.129.16/machine",
]


@pytest.mark.parametrize("url", METADATA_URLS)
def test_link_local_and_metadata_sources_are_refused_everywhere(hub: Hub, tmp_path: Path, url: str) -> None:
    from hub.sources.opml import read_opml
    from hub.sources.urls import fetch_refusal
    from spiders.middlewares import RefusedURL, SafeUrlMiddleware

    with pytest.raises(HubError, match="allow_link_local") as e:
        hub.sources().add("meta", "feed", url)
    _one_line(e.value)
    opml = tmp_path / "list.opml"
    opml.write_text(_opml(_feed("https://example.org/a.xml", "a"), _feed(url, "meta")), encoding="utf-8")
    with pytest.raises(HubError, match="allow_link_local"):
        hub.sources().import_feeds(read_opml(opml))
    assert _user_sources(hub) == []  # all or nothing: "a" is not kept
    from scrapy import Request

    with pytest.raises(RefusedURL, match="not fetched"):  # the crawler's fetch path
        SafeUrlMiddleware(allow_link_local=False).process_request(Request(url))
    assert SafeUrlMiddleware(allow_link_local=True).process_request(Request(url)) is None
    assert fetch_refusal(url, allow_link_local=True) is None
    SUMMARY["refused: link-local/metadata source (sources add, OPML, crawler)"] += 1


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/feed", "http://localhost/feed", "http://10.0.0.1/f", "http://[::1]/f"]
)
def test_loopback_and_lan_sources_stay_allowed(hub: Hub, url: str) -> None:
    assert hub.sources().add("local", "feed", url)["url"] == url


def test_link_local_is_allowed_when_hub_toml_says_so(tmp_path: Path) -> None:
    env = {"HUB_CRAWL__ALLOW_LINK_LOCAL": "true"}
    with make_hub(load_config(None, env=env, workspace=tmp_path)) as h:
        assert h.sources().add("meta", "feed", METADATA_URLS[0])["url"] == METADATA_URLS[0]


def test_opml_import_is_all_or_nothing_canonical_and_iterative(hub: Hub, tmp_path: Path) -> None:
    from hub.sources.opml import read_opml

    opml = tmp_path / "list.opml"
    opml.write_text(
        _opml(
            _feed("HTTP://Example.ORG/A.xml", "a"),
            _feed("Https://example.org/b", "b"),
            _feed("ftp://x/", "c"),
        ),
        encoding="utf-8",
    )
    assert hub.sources().import_feeds(read_opml(opml)) == (2, 0)
    urls = sorted(s["url"] for s in _user_sources(hub))
    assert urls == ["http://example.org/A.xml", "https://example.org/b"]  # scheme and host canonical
    assert hub.sources().import_feeds(read_opml(opml)) == (0, 2)  # compared canonical: no duplicates
    bad = tmp_path / "bad.opml"
    bad.write_text(_opml(_feed("https://example.org/c", "c"), _feed("http://169.254.169.254/", "m")))
    with pytest.raises(HubError):
        hub.sources().import_feeds(read_opml(bad))
    assert len(_user_sources(hub)) == 2
    deep = tmp_path / "deep.opml"
    n = 100_000
    deep.write_text(_opml('<outline text="d">' * n + _feed("https://e.org/f") + "</outline>" * n))
    with pytest.raises(ParseError, match="nested deeper than") as e:
        read_opml(deep)
    _one_line(e.value)
    SUMMARY["cleaned: OPML with HTTP:// and Https:// schemes (canonical)"] += 1
    SUMMARY["rejected: OPML with a refused feed (nothing added)"] += 1
    SUMMARY["rejected: OPML nested 100,000 deep (no RecursionError)"] += 1


def _fifo_with_writer(path: Path, data: bytes) -> threading.Thread:
    """A FIFO at `path` whose writer (a thread) writes `data` once a reader opens it."""
    os.mkfifo(path)

    def write() -> None:
        with contextlib.suppress(OSError), open(path, "wb") as f:
            f.write(data)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    return writer


def _release(path: Path, writer: threading.Thread) -> None:
    """Let a writer still waiting for a reader go (opening the read end never blocks)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    writer.join(timeout=10)
    os.close(fd)
    assert not writer.is_alive()


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_devices_are_refused_not_read_forever(hub: Hub, device: str) -> None:
    if not Path(device).exists():
        pytest.skip(f"no {device}")
    with pytest.raises(ParseError, match="character device, not a regular file") as e:
        hub.import_paths([Path(device)])
    _one_line(e.value)
    SUMMARY[f"rejected: import {device} (not a regular file)"] += 1


def test_fifos_and_lying_sizes_are_read_bounded(
    hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub import importer
    from hub.sources.opml import read_opml

    fifo = tmp_path / "feed.xml"
    writer = _fifo_with_writer(fifo, (SOURCES / "feed_ollama.xml").read_bytes())
    with pytest.raises(ParseError, match="FIFO"):
        hub.import_paths([fifo])
    with pytest.raises(ParseError, match="FIFO"):
        read_opml(fifo)
    _release(fifo, writer)
    link = tmp_path / "zero.jsonl"
    link.symlink_to("/dev/zero")
    with pytest.raises(ParseError, match="character device"):
        hub.import_paths([link])
    proc = Path("/proc/self/status")  # a regular file whose st_size is 0
    if proc.exists():
        assert proc.stat().st_size == 0
        monkeypatch.setattr(importer, "MAX_IMPORT_BYTES", 64)
        with pytest.raises(ParseError, match="more than 64 bytes"):
            hub.import_paths([proc])
    assert hub.store.counts()["items"] == 0
    SUMMARY["rejected: import of a FIFO (no hang)"] += 1
    SUMMARY["rejected: st_size 0 file over the limit (read limit+1 bytes)"] += 1


def _bomb(levels: int, width: int = 10) -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return (
        "\n".join(lines) + f"\njobs:\n  x: {{cron: '0 6 * * 1', job: crawl, args: {{k: *a{levels - 1}}}}}\n"
    )


@pytest.mark.parametrize(
    ("name", "text", "why"),
    [
        ("list alias bomb", _bomb(9), "alias bomb"),
        (
            "mapping alias bomb",
            "a: &a {x: 1, y: 2, z: 3, w: 4}\n"
            + "".join(
                f"b{i}: &b{i} {{"
                + ", ".join(f"k{j}: *{'a' if i == 0 else f'b{i - 1}'}" for j in range(10))
                + "}\n"
                for i in range(7)
            )
            + "jobs:\n  x: {cron: '0 6 * * 1', job: crawl, args: {k: *b6}}\n",
            "alias bomb",
        ),
        (
            "recursive alias",
            "jobs: &j\n  x: {cron: '0 6 * * 1', job: crawl, args: {self: *j}}\n",
            "alias bomb",
        ),
        ("deep nesting", "jobs: " + "[" * 50_000 + "]" * 50_000 + "\n", "nested too deeply|invalid YAML"),
        ("latin-1 bytes", "jobs:\n  caf\xe9: {cron: '0 6 * * 1', job: crawl}\n", "not UTF-8"),
    ],
)
def test_schedule_yaml_is_bounded_and_one_line(tmp_path: Path, name: str, text: str, why: str) -> None:
    from hub.exceptions import ConfigError
    from hub.scheduler import load_file

    path = tmp_path / "x.yml"
    path.write_bytes(text.encode("latin-1") if name == "latin-1 bytes" else text.encode())
    with pytest.raises(ConfigError, match=why) as e:
        load_file(path)
    _one_line(e.value)
    SUMMARY[f"rejected: schedule YAML, {name}"] += 1


def test_schedule_files_that_are_not_files_or_huge_are_refused(tmp_path: Path) -> None:
    from hub.exceptions import ConfigError
    from hub.scheduler import MAX_SCHEDULE_BYTES, load_file

    fifo = tmp_path / "pipe.yml"
    writer = _fifo_with_writer(fifo, b"jobs: {}\n")
    with pytest.raises(ConfigError, match="FIFO"):
        load_file(fifo)
    _release(fifo, writer)
    big = tmp_path / "big.yml"
    big.write_bytes(b"# " + b"x" * MAX_SCHEDULE_BYTES + b"\njobs: {}\n")
    with pytest.raises(ConfigError, match="too large"):
        load_file(big)
    SUMMARY["rejected: schedule from a FIFO or over 1 MB"] += 1


def _encodings(raw: bytes) -> dict[str, bytes]:
    text = raw.decode("utf-8")
    return {
        "UTF-8 BOM": b"\xef\xbb\xbf" + raw,
        "UTF-16 LE BOM": b"\xff\xfe" + text.encode("utf-16-le"),
        "UTF-16 BE BOM": b"\xfe\xff" + text.encode("utf-16-be"),
        "UTF-32 LE BOM": b"\xff\xfe\x00\x00" + text.encode("utf-32-le"),
        "UTF-16 LE, no BOM": text.encode("utf-16-le"),
        "UTF-16 BE, no BOM": text.encode("utf-16-be"),
        "UTF-32 BE, no BOM": text.encode("utf-32-be"),
    }


@pytest.mark.parametrize(
    "name",
    [
        "feed_ollama.xml",
        "hn_2025-04-15.json",
        "2025-04-14.jsonl",
        "arxiv_api_2016.xml",
        "trending_2025-04-17.md",
    ],
)
def test_byte_order_marks_are_read_like_utf8(name: str) -> None:
    raw = (SOURCES / name).read_bytes()
    plain = sources.parse(raw, name)
    for encoding, data in _encodings(raw).items():
        got = sources.parse(data, name)
        assert got.format == plain.format, encoding
        assert [(i.id, i.title) for i in got.items] == [(i.id, i.title) for i in plain.items], encoding
    SUMMARY[f"cleaned: {plain.format} in UTF-8 BOM, UTF-16 LE/BE and UTF-32, marked or not (same items)"] += 1


def test_byte_order_marks_in_opml_and_schedules_and_broken_utf16(tmp_path: Path) -> None:
    from hub.scheduler import load_file
    from hub.sources.opml import read_opml, write_opml

    opml = write_opml([{"name": "n", "url": "https://example.org/f", "tags": ("ai",)}])
    schedule = "jobs:\n  weekly: {cron: '0 6 * * 1', job: weekly}\n"
    for encoding, data in _encodings(opml.replace("UTF-8", "UTF-16").encode()).items():
        (tmp_path / "l.opml").write_bytes(data)
        assert [r.url for r in read_opml(tmp_path / "l.opml")] == ["https://example.org/f"], encoding
    for encoding, data in _encodings(schedule.encode()).items():
        (tmp_path / "s.yml").write_bytes(data)
        assert [j.name for j in load_file(tmp_path / "s.yml")] == ["weekly"], encoding
    with pytest.raises(ParseError, match="not valid UTF-16-LE") as e:
        sources.parse(b"\xff\xfe" + "[1]".encode("utf-16-le") + b"\x00", "odd.json")
    _one_line(e.value)
    SUMMARY["cleaned: OPML and schedule files with byte-order marks"] += 1
    SUMMARY["rejected: truncated UTF-16"] += 1


def test_a_feed_with_an_internal_dtd_subset_is_a_feed() -> None:
    raw = (SOURCES / "feed_ollama.xml").read_bytes()
    decl, _, rest = raw.partition(b"?>")
    subset = b'\n<!DOCTYPE rss [\n  <!ENTITY copy "&#169;">\n  <!-- a comment > with a bracket ] -->\n]>'
    plain, with_dtd = sources.parse(raw, "f.xml"), sources.parse(decl + b"?>" + subset + rest, "f.xml")
    assert with_dtd.format == "feed" and len(with_dtd.items) == len(plain.items) > 0
    nested = decl + b'?>\n<!DOCTYPE rss [\n <!ENTITY a "x">\n <!ENTITY b "&a;&a;">\n]>' + rest
    external = decl + b'?>\n<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + rest
    for doc in (nested, external):
        with pytest.raises(ParseError, match="XML entities"):
            sources.parse(doc, "f.xml")
    SUMMARY["cleaned: feed with an internal DTD subset (detected)"] += 1
    SUMMARY["rejected: feed declaring nested or external entities"] += 1
