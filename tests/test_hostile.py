"""Hostile inputs: each is rejected with a clear error or cleaned — never a crash, never
stored script, never a lost good item from another file. Counted in a printed summary.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import threading
from collections import Counter
from pathlib import Path

import pytest

from hub import sources
from hub.config import load_config
from hub.core import Hub, make_hub
from hub.exceptions import HubError, ParseError

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
    stored = {s["email"] for s in hub.subscribers()}
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
        hub.add_source("meta", "feed", url)
    _one_line(e.value)
    opml = tmp_path / "list.opml"
    opml.write_text(_opml(_feed("https://example.org/a.xml", "a"), _feed(url, "meta")), encoding="utf-8")
    with pytest.raises(HubError, match="allow_link_local"):
        hub.import_feeds(read_opml(opml))
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
    assert hub.add_source("local", "feed", url)["url"] == url


def test_link_local_is_allowed_when_hub_toml_says_so(tmp_path: Path) -> None:
    env = {"HUB_CRAWL__ALLOW_LINK_LOCAL": "true"}
    with make_hub(load_config(None, env=env, workspace=tmp_path)) as h:
        assert h.add_source("meta", "feed", METADATA_URLS[0])["url"] == METADATA_URLS[0]


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
    assert hub.import_feeds(read_opml(opml)) == (2, 0)
    urls = sorted(s["url"] for s in _user_sources(hub))
    assert urls == ["http://example.org/A.xml", "https://example.org/b"]  # scheme and host canonical
    assert hub.import_feeds(read_opml(opml)) == (0, 2)  # compared canonical: no duplicates
    bad = tmp_path / "bad.opml"
    bad.write_text(_opml(_feed("https://example.org/c", "c"), _feed("http://169.254.169.254/", "m")))
    with pytest.raises(HubError):
        hub.import_feeds(read_opml(bad))
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
    SUMMARY[f"cleaned: {plain.format} in UTF-8 BOM, UTF-16 LE/BE and UTF-32 (same items)"] += 1


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
