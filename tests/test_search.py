"""`hub search` over the bundled real week: words, phrases, typographic punctuation,
filters applied in the index, highlighted snippets, bad queries, the CLI."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from hub.cli import app
from hub.config import load_config
from hub.core import make_hub
from hub.demo import DemoResult, run_demo


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
        assert hub.store.search_index_fresh()  # the demo's digest wrote the index
        hits = hub.search(words, limit=5)
    assert f"arxiv:{paper['id']}" in [h["id"] for h in hits]
    assert all(h["url"].startswith("https://") for h in hits)


def test_words_glued_to_typographic_punctuation_are_found(demo: DemoResult) -> None:
    # a real title: "Oda Ujiharu: Why the ‘weakest Samurai warlord’ is admired"
    with _hub(demo) as hub:
        hits = hub.search("warlord weakest", limit=3)
        phrase = hub.search('"weakest samurai warlord"', limit=3)
    assert hits and "‘weakest Samurai warlord’" in hits[0]["title"]
    assert [h["id"] for h in phrase] == [hits[0]["id"]]


def test_phrases_match_adjacent_words_only(demo: DemoResult) -> None:
    with _hub(demo) as hub:
        words = {h["id"]: h for h in hub.search("reward model", limit=500)}
        phrase = hub.search('"reward model"', limit=500)
        curly = hub.search("“reward model”", limit=500)
        texts = {it.id: f"{it.title} {it.text}" for it in hub.store.items([h["id"] for h in phrase])}
    assert phrase and len(phrase) < len(words) and {h["id"] for h in phrase} <= set(words)
    assert all(re.search(r"reward\W+model", texts[h["id"]], re.IGNORECASE) for h in phrase)
    assert [h["id"] for h in curly] == [h["id"] for h in phrase]


def test_filters_by_kind_topic_and_date_in_the_index(demo: DemoResult) -> None:
    since = dt.datetime(2025, 4, 18, tzinfo=dt.UTC)
    with _hub(demo) as hub:
        top = hub.search("agent", limit=5)
        repos = hub.search("agent", kind="repo", limit=5)
        agents = hub.search("agent", topic="agents", limit=10)
        late = hub.search("model", since=since, limit=50)
    assert {h["kind"] for h in top} != {"repo"}
    # a post-filter of the top 5 would leave fewer: the index itself returns 5 repos
    assert len(repos) == 5 and {h["kind"] for h in repos} == {"repo"}
    assert agents and {h["topic"] for h in agents} == {"agents"}
    assert len(late) == 50 and all(h["published_at"] >= since for h in late)


def test_every_hit_has_a_snippet_highlighting_the_query(demo: DemoResult) -> None:
    with _hub(demo) as hub:
        hits = hub.search("reasoning benchmarks", limit=20)
    assert len(hits) == 20
    for h in hits:
        marked = [h["snippet"][a:b].lower() for a, b in h["highlights"]]
        assert marked and all(m.startswith(("reason", "benchmark")) for m in marked), h


@pytest.mark.parametrize(
    "query", ['"unbalanced', "AND", "*", "(((", "arxiv:2504.1", "NOT", ":", "+-", "a OR"]
)
def test_bad_queries_do_not_crash(demo: DemoResult, query: str) -> None:
    with _hub(demo) as hub:
        hits = hub.search(query, limit=5)
    assert isinstance(hits, list) and len(hits) <= 5


def test_unbalanced_quotes_search_the_words(demo: DemoResult) -> None:
    with _hub(demo) as hub:
        loose = hub.search('"weakest samurai', limit=3)
    assert loose and "weakest Samurai" in loose[0]["title"]


def test_cli_json_has_snippets_and_errors(demo: DemoResult) -> None:
    runner = CliRunner()
    cfg = ["--config", str(demo.workdir / "hub.toml")]
    result = runner.invoke(app, [*cfg, "search", "quantization", "--json", "--limit", "3"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert 0 < len(rows) <= 3
    assert {"title", "published_at", "source", "topic", "url", "snippet", "highlights"} <= set(rows[0])
    a, b = rows[0]["highlights"][0]
    assert rows[0]["snippet"][a:b].lower().startswith("quantiz")
    table = runner.invoke(app, [*cfg, "search", "warlord"])
    assert table.exit_code == 0 and "weakest" in table.output
    empty = runner.invoke(app, [*cfg, "search", "   "])
    assert empty.exit_code == 1 and "empty query" in empty.output


def test_snippet_window_and_offsets() -> None:
    from hub.store import fulltext

    long = "x " * 400 + "the reasoning part " + "y " * 400
    window = fulltext._window(long, ["reas"])
    assert len(window) == fulltext.WINDOW and "reasoning" in window
    assert fulltext._window(long, ["zzzz"]) == long  # no place found: the whole text
    assert fulltext._window("short text", ["text"]) == "short text"
    text = "Über café naïve—models… «quoted»"
    start = len("Über café naïve—".encode())  # tantivy's offsets are UTF-8 bytes
    a, b = fulltext._chars(text, start, start + len(b"models"))
    assert text[a:b] == "models"
    snippet, marks = fulltext.plain_snippet("A title about Zyxwvutsrq things", "zyxwvutsrq")
    assert [snippet[a:b] for a, b in marks] == ["Zyxwvutsrq"]


def test_a_search_that_cannot_write_says_its_index_is_stale(demo: DemoResult, tmp_path: Path) -> None:
    """While another process reads the database, `hub search` searches read-only without waiting;
    an index older than the store (or none) is said in one line on stderr, never in --json's
    stdout; once the database is free, the search updates the index and says nothing."""
    import shutil
    import subprocess
    import sys

    shutil.copy(demo.workdir / "hub.toml", tmp_path)
    shutil.copytree(demo.workdir / "data", tmp_path / "data")
    db, cfg, runner = tmp_path / "data" / "hub.duckdb", ["--config", str(tmp_path / "hub.toml")], CliRunner()
    record = {"id": 1, "type": "story", "by": "x", "time": 1744675200, "score": 5, "descendants": 0,
              "title": "Zyxwvutsrq agents", "url": "https://example.org/1"}  # fmt: skip
    (tmp_path / "hn-1.json").write_text(json.dumps([record]))
    assert runner.invoke(app, [*cfg, "import", str(tmp_path / "hn-1.json")]).exit_code == 0

    def search_while_read() -> tuple[Result, Result]:
        code = "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); print(flush=True); "
        code += "input()"  # holds its read lock until told
        reader = subprocess.Popen(
            [sys.executable, "-c", code, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        try:
            assert reader.stdout is not None and reader.stdout.readline() == b"\n"
            return (
                runner.invoke(app, [*cfg, "search", "zyxwvutsrq", "--json"]),
                runner.invoke(app, [*cfg, "search", "zyxwvutsrq"]),
            )
        finally:
            reader.communicate(b"\n", timeout=30)

    as_json, text = search_while_read()
    assert as_json.exit_code == 0 and json.loads(as_json.stdout) == []  # the index as it was
    assert as_json.stderr.count("\n") == 1 and "search index is older than the database" in as_json.stderr
    assert "`hub search` updates the index" in as_json.stderr
    assert "no results" in text.stdout and "older than the database" in text.stderr
    shutil.rmtree(tmp_path / "data" / "hub.duckdb.search")
    as_json, _ = search_while_read()
    assert [r["id"] for r in json.loads(as_json.stdout)] == ["hn:1"]  # plain matching
    assert "no search index yet" in as_json.stderr and "`hub search` builds the index" in as_json.stderr
    free = runner.invoke(app, [*cfg, "search", "zyxwvutsrq", "--json"])
    assert [r["id"] for r in json.loads(free.stdout)] == ["hn:1"] and "note:" not in free.stderr
    assert (tmp_path / "data" / "hub.duckdb.search").is_dir()
