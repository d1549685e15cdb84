"""`hub search`: offline BM25 over the bundled real week, filters, staleness, fallback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli import app
from hub.config import load_config
from hub.core import make_hub
from hub.demo import DemoResult, run_demo
from hub.store import search as search_mod


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    return run_demo(tmp_path_factory.mktemp("search") / "hub-demo")


def _hub(demo: DemoResult):  # type: ignore[no-untyped-def]
    return make_hub(load_config(demo.workdir / "hub.toml", env={}))


def test_finds_a_paper_by_its_title_words(demo: DemoResult) -> None:
    snapshot = sorted((demo.workdir / "snapshot" / "arxiv").glob("*.jsonl"))[0]
    paper = json.loads(snapshot.read_text(encoding="utf-8").splitlines()[0])
    words = " ".join(w for w in paper["title"].split() if len(w) > 4)[:80]
    with _hub(demo) as hub:
        assert hub.store.fts_available()
        hits = hub.search(words, limit=5)
    assert f"arxiv:{paper['id']}" in [h["id"] for h in hits]
    assert all(h["url"].startswith("https://") for h in hits)


def test_filters_by_kind_topic_and_date(demo: DemoResult) -> None:
    import datetime as dt

    with _hub(demo) as hub:
        repos = hub.search("agent", kind="repo", limit=10)
        agents = hub.search("agent", topic="agents", limit=10)
        late = hub.search("model", since=dt.datetime(2025, 4, 18, tzinfo=dt.UTC), limit=50)
    assert repos and {h["kind"] for h in repos} == {"repo"}
    assert agents and {h["topic"] for h in agents} == {"agents"}
    assert late and all(h["published_at"] >= dt.datetime(2025, 4, 18, tzinfo=dt.UTC) for h in late)


def test_index_follows_new_items(demo: DemoResult, tmp_path: Path) -> None:
    record = [
        {
            "id": 1,
            "type": "story",
            "by": "x",
            "time": 1744675200,
            "score": 5,
            "descendants": 0,
            "title": "Zyxwvutsrq: a word nobody else uses",
            "url": "https://example.org/z",
        }
    ]
    path = tmp_path / "hn.json"
    path.write_text(json.dumps(record))
    with _hub(demo) as hub:
        assert hub.search("zyxwvutsrq") == []
        hub.import_paths([path])
        assert [h["id"] for h in hub.search("zyxwvutsrq")] == ["hn:1"]


def test_falls_back_to_plain_matching_without_the_extension(
    demo: DemoResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_mod, "_fts_extension_path", lambda: None)
    with _hub(demo) as hub:
        hits = hub.search("Gemini", limit=5)
        assert not hub.store.fts_available()
    assert hits and all("gemini" in h["title"].lower() for h in hits[:2])


def test_cli_json_and_errors(demo: DemoResult) -> None:
    runner = CliRunner()
    cfg = ["--config", str(demo.workdir / "hub.toml")]
    result = runner.invoke(app, [*cfg, "search", "quantization", "--json", "--limit", "3"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert 0 < len(rows) <= 3 and {"title", "published_at", "source", "topic", "url"} <= set(rows[0])
    empty = runner.invoke(app, [*cfg, "search", "   "])
    assert empty.exit_code == 1 and "empty query" in empty.output
