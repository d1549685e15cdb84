"""OPML: tags leave as folders (and categories) and come back as the same tags."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from typer.testing import CliRunner

from hub.cli import app
from hub.sources.opml import FeedRef, read_opml, write_opml

SOURCES = [
    {"name": "lab-blog", "url": "https://example.org/lab/feed.xml", "tags": ("labs", "research")},
    {"name": "news", "url": "https://example.org/news.rss?a=1&b=2", "tags": ("labs",)},
    {"name": "solo", "url": "https://example.org/solo.atom", "tags": ()},
    {"name": "writer", "url": "https://example.org/w/feed", "tags": ("newsletters", "hourly")},
]


def test_tags_are_folders_and_come_back_as_tags(tmp_path: Path) -> None:
    text = write_opml(SOURCES, title="a & b")
    body = ET.fromstring(text).find("body")
    assert body is not None
    folders = {o.get("text"): [c.get("text") for c in o] for o in body if o.get("xmlUrl") is None}
    assert folders == {"labs": ["lab-blog", "news"], "newsletters": ["writer"]}
    assert [o.get("text") for o in body if o.get("xmlUrl")] == ["solo"]  # untagged at the top
    path = tmp_path / "out.opml"
    path.write_text(text, encoding="utf-8")
    assert read_opml(path) == [
        FeedRef("solo", "https://example.org/solo.atom", ()),
        FeedRef("lab-blog", "https://example.org/lab/feed.xml", ("labs", "research")),
        FeedRef("news", "https://example.org/news.rss?a=1&b=2", ("labs",)),
        FeedRef("writer", "https://example.org/w/feed", ("newsletters", "hourly")),
    ]


def test_categories_from_other_readers_become_tags(tmp_path: Path) -> None:
    path = tmp_path / "x.opml"
    path.write_text(
        '<opml version="2.0"><body><outline text="Tech">'
        '<outline text="A" xmlUrl="https://a.example/feed" category="/AI/Labs,/news"/>'
        '<outline text="B" xmlUrl="https://b.example/feed" category=""/>'
        "</outline></body></opml>"
    )
    refs = read_opml(path)
    assert [r.tags for r in refs] == [("tech", "ai", "labs", "news"), ("tech",)]


def test_sources_export_import_round_trip_keeps_tags(tmp_path: Path) -> None:
    runner = CliRunner()
    a, b = ["--db", str(tmp_path / "a.duckdb")], ["--db", str(tmp_path / "b.duckdb")]
    for name, url, tags in [
        ("lab-x", "https://x.example/feed", ["labs", "research"]),
        ("y", "https://y.example/rss", []),
    ]:
        args = [*a, "sources", "add", name, url, *(f"--tag={t}" for t in tags)]
        assert runner.invoke(app, args).exit_code == 0
    exported = runner.invoke(app, [*a, "sources", "export"]).stdout
    opml = tmp_path / "feeds.opml"
    opml.write_text(exported, encoding="utf-8")
    before = {
        s["url"]: s["tags"] for s in json.loads(runner.invoke(app, [*a, "sources", "list", "--json"]).stdout)
    }
    imported = runner.invoke(app, [*b, "sources", "import", str(opml), "--json"])
    assert json.loads(imported.stdout) == {"added": 2, "already_present": exported.count("xmlUrl=") - 2}
    after = {
        s["url"]: s["tags"] for s in json.loads(runner.invoke(app, [*b, "sources", "list", "--json"]).stdout)
    }
    assert after["https://x.example/feed"] == ["labs", "research"] and after["https://y.example/rss"] == []
    assert {u: after[u] for u in before} == before  # every exported feed, with the tags it had
