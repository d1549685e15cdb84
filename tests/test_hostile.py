"""Hostile inputs: each is rejected with a clear error or cleaned — never a crash, never
stored script, never a lost good item from another file. Counted in a printed summary.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from hub import sources
from hub.config import load_config
from hub.core import Hub, make_hub
from hub.exceptions import ParseError

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
