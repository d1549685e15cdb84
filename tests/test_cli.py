"""The `hub` command as a user runs it: exit codes, messages, JSON shape, documented help."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli import app
from hub.demo import extract_snapshot

README = Path(__file__).resolve().parents[1] / "README.md"
runner = CliRunner()


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return extract_snapshot(tmp_path_factory.mktemp("snap"))


def _commands() -> list[str]:
    import typer.main

    group = typer.main.get_command(app)
    return sorted(group.commands)  # type: ignore[attr-defined]


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    for name in _commands():
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, name
        assert len(result.output.strip()) > 40, name
        assert re.search(rf"hub {name}\b", readme), f"`hub {name}` missing from README"


def test_import_then_digest_json_has_stable_keys(tmp_path: Path, snapshot: list[Path]) -> None:
    db = tmp_path / "a.duckdb"
    files = [str(p) for p in snapshot if p.name.startswith("2025-04-1")]
    result = runner.invoke(app, ["--db", str(db), "import", *files])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["--db", str(db), "digest", "--week", "2025-W16", "--limit", "5", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["week"] == "2025-W16"
    assert [s["rank"] for s in data["stories"]] == [1, 2, 3, 4, 5]
    for story in data["stories"]:
        assert set(story) == {"rank", "title", "topic", "score", "summary", "items"}
        for item in story["items"]:
            assert set(item) == {"id", "kind", "url", "source"}


def test_two_databases_live_side_by_side(tmp_path: Path, snapshot: list[Path]) -> None:
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    hn = [str(p) for p in snapshot if p.suffix == ".json"][:1]
    assert runner.invoke(app, ["--db", str(a), "import", *hn]).exit_code == 0
    assert runner.invoke(app, ["--db", str(b), "init", str(tmp_path / "hub.toml")]).exit_code == 0
    status_a = json.loads(runner.invoke(app, ["--db", str(a), "status", "--json"]).stdout)
    assert status_a["counts"]["items"] > 0
    result = runner.invoke(app, ["status"], env={"HUB_DB": str(b)})
    assert result.exit_code == 1 and "no database here yet" in result.output


def test_bad_file_gives_one_line_error_and_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{"hits": [')
    result = runner.invoke(app, ["--db", str(tmp_path / "x.duckdb"), "import", str(bad)])
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "broken.json" in lines[0]
    assert "Traceback" not in result.output


def test_unknown_week_is_a_clear_error(tmp_path: Path, snapshot: list[Path]) -> None:
    db = tmp_path / "a.duckdb"
    runner.invoke(app, ["--db", str(db), "import", str(snapshot[0])])
    result = runner.invoke(app, ["--db", str(db), "digest", "--week", "1999-W01"])
    assert result.exit_code == 1 and "no items published in 1999-W01" in result.output
    result = runner.invoke(app, ["--db", str(db), "digest", "--week", "last-week"])
    assert result.exit_code == 1 and "not an ISO week" in result.output


OPML = """<?xml version="1.0"?>
<opml version="2.0"><head><title>my feeds</title></head><body>
  <outline text="AI">
    <outline type="rss" text="Example AI" xmlUrl="https://example.org/ai/feed.xml"/>
    <outline type="rss" text="Simon Willison" xmlUrl="https://simonwillison.net/atom/everything/"/>
    <outline type="rss" text="Bad" xmlUrl="javascript:alert(1)"/>
  </outline>
  <outline type="rss" text="Ollama" title="Ollama" xmlUrl="https://ollama.com/blog/rss"/>
</body></opml>
"""


def test_sources_add_remove_import_export(tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "s.duckdb")]
    listed = json.loads(runner.invoke(app, [*db, "sources", "list", "--json"]).stdout)
    defaults = {s["name"] for s in listed}
    assert {"arxiv", "hackernews", "github-trending", "r-localllama", "hf-daily-papers"} <= defaults
    assert sum(s["kind"] == "feed" for s in listed) >= 15
    opml = tmp_path / "feeds.opml"
    opml.write_text(OPML)
    result = runner.invoke(app, [*db, "sources", "import", str(opml)])
    # javascript: URL dropped; Simon Willison is already a default source
    assert (
        result.exit_code == 0 and "imported 2 feeds" in result.output and "1 already present" in result.output
    )
    rows = {s["name"]: s for s in json.loads(runner.invoke(app, [*db, "sources", "list", "--json"]).stdout)}
    assert rows["example-ai"]["tags"] == ["ai"] and rows["example-ai"]["origin"] == "user"
    exported = runner.invoke(app, [*db, "sources", "export"]).stdout
    assert 'xmlUrl="https://ollama.com/blog/rss"' in exported
    assert runner.invoke(app, [*db, "sources", "remove", "ollama"]).exit_code == 0
    assert runner.invoke(app, [*db, "sources", "remove", "arxiv"]).exit_code == 0  # config: disabled
    rows = {s["name"]: s for s in json.loads(runner.invoke(app, [*db, "sources", "list", "--json"]).stdout)}
    assert "ollama" not in rows and rows["arxiv"]["enabled"] is False
    bad = runner.invoke(app, [*db, "sources", "add", "x", "ftp://nope", "--kind", "feed"])
    assert bad.exit_code == 1 and "http:// or https://" in bad.output
    assert len(bad.output.strip().splitlines()) == 1, bad.output  # one line, no pydantic dump
    missing = runner.invoke(app, [*db, "sources", "remove", "nope"])
    assert missing.exit_code == 1 and "no source named 'nope'" in missing.output
