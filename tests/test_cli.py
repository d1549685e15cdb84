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


def _commands() -> list[list[str]]:
    """Every command as its argv: top-level ones and each group's subcommands."""
    import click
    import typer.main

    group = typer.main.get_command(app)
    out: list[list[str]] = []
    for name, cmd in sorted(group.commands.items()):  # type: ignore[attr-defined]
        if isinstance(cmd, click.Group):
            out += [[name, sub] for sub in sorted(cmd.commands)]
        else:
            out.append([name])
    return out


def _help_source(argv: list[str]) -> str:
    """The docstring and option help a command is written with (before any rendering)."""
    import typer.main

    cmd = typer.main.get_command(app)
    for name in argv:
        cmd = cmd.commands[name]  # type: ignore[attr-defined]
    return " ".join([cmd.help or "", *(getattr(p, "help", "") or "" for p in cmd.params)])


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    rows = [ln for ln in readme.splitlines() if ln.startswith("| `hub ")]
    for argv in _commands():
        result = runner.invoke(app, [*argv, "--help"])
        assert result.exit_code == 0, argv
        assert len(result.output.strip()) > 40, argv
        assert "<bool>" not in result.output, argv  # flags are shown as flags
        for section in re.findall(r"\[[a-z_]+\]", _help_source(argv)):
            assert section in result.output, f"{argv}: {section} lost from the help"
        name, *sub = argv
        documented = [r for r in rows if re.match(rf"\| `hub {name}\b", r)]
        assert documented, f"`hub {name}` missing from README's CLI reference"
        if sub:
            assert any(re.search(rf"\b{sub[0]}\b", r) for r in documented), f"{argv} not in README"


def test_help_names_config_sections_flags_and_where_config_is_found() -> None:
    top = runner.invoke(app, ["--help"]).output
    assert "-v, --verbose" in top and "<bool>" not in top
    assert "$HUB_CONFIG" in top and "./hub.toml" in top and "hub init --user" in top
    assert "[llm] max_tokens_per_run" in " ".join(runner.invoke(app, ["digest", "--help"]).output.split())
    assert "outbox/ in the hub's folder" in " ".join(runner.invoke(app, ["send", "--help"]).output.split())
    # -v is a flag: it takes no value, and `-v true` is not how to use it
    assert runner.invoke(app, ["-v", "init", "x.toml"]).exit_code == 0
    assert runner.invoke(app, ["-v", "true", "init"]).exit_code == 2


def test_cli_module_imports_nothing_heavy() -> None:
    """`hub --help` answers without loading the stages, DuckDB, pydantic or Rich."""
    import subprocess
    import sys

    code = (
        "import sys, hub.cli; heavy = ('hub.core', 'duckdb', 'sklearn', 'numpy', 'pydantic', 'rich', "
        "'scrapy', 'mkdocs', 'openai', 'feedgen', 'apscheduler'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


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
    assert result.exit_code == 1 and f"no database at {b}" in result.output


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


READ_COMMANDS = [
    ["digest"],
    ["digest", "--preview", "--limit", "3"],
    ["digest", "--llm-dry-run"],
    ["search", "reasoning"],
    ["explain", "s-123"],
    ["status"],
    ["status", "--json"],
    ["build"],
    ["send", "--dry-run"],
    ["subscribers", "list"],
]


@pytest.mark.parametrize("argv", READ_COMMANDS, ids=" ".join)
def test_read_commands_never_create_a_database(tmp_path: Path, argv: list[str]) -> None:
    result = runner.invoke(app, argv)
    assert result.exit_code == 1, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: no database at "), result.output
    expected = Path.cwd() / "data" / "hub.duckdb"
    assert str(expected) in lines[0] and "`hub demo`" in lines[0] and "`hub import" in lines[0]
    assert not expected.exists() and not expected.parent.exists()


def test_missing_database_points_at_the_demo_folder(tmp_path: Path) -> None:
    (Path.cwd() / "hub-demo").mkdir()
    (Path.cwd() / "hub-demo" / "hub.toml").write_text("")
    result = runner.invoke(app, ["search", "reasoning"])
    assert result.exit_code == 1 and "`cd hub-demo`" in result.output
    assert "--config hub-demo/hub.toml" in result.output
    explicit = runner.invoke(app, ["--config", str(tmp_path / "other.toml"), "status"])
    assert explicit.exit_code == 1 and "other.toml: no such config file" in explicit.output


def test_digest_preview_keeps_what_is_published(tmp_path: Path, snapshot: list[Path]) -> None:
    from hub.config import load_config
    from hub.core import make_hub

    (tmp_path / "hub.toml").write_text("")
    cfg = ["--config", str(tmp_path / "hub.toml")]
    files = [str(p) for p in snapshot if p.name.startswith("2025-04-1")]
    assert runner.invoke(app, [*cfg, "import", *files]).exit_code == 0
    first = runner.invoke(app, [*cfg, "digest", "--week", "2025-W16", "--limit", "8", "--save"])
    assert first.exit_code == 0 and "saved the 2025-W16 digest" in first.output
    page = tmp_path / "site" / "digests" / "2025-W16.md"
    published = page.read_text(encoding="utf-8")

    preview = runner.invoke(app, [*cfg, "digest", "--week", "2025-W16", "--limit", "3"])
    assert preview.exit_code == 0 and "preview: not saved" in preview.output and " 3. " in preview.output
    explicit = runner.invoke(app, [*cfg, "digest", "--week", "2025-W16", "--preview", "--json"])
    assert explicit.exit_code == 0 and len(json.loads(explicit.stdout)["stories"]) == 30
    with make_hub(load_config(tmp_path / "hub.toml", env={}), read_only=True) as hub:
        stored = hub.store.digest("2025-W16")
    assert stored is not None and len(stored.stories) == 8  # neither preview replaced it
    assert page.read_text(encoding="utf-8") == published

    default = runner.invoke(app, [*cfg, "digest", "--week", "2025-W16"])  # configured limit: saved
    assert default.exit_code == 0 and "saved the 2025-W16 digest" in default.output
    with make_hub(load_config(tmp_path / "hub.toml", env={}), read_only=True) as hub:
        assert len(hub.store.digest("2025-W16").stories) == 30  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("save", "limit", "use_llm", "llm_on", "saved"),
    [
        (None, None, None, False, True),  # the configured digest
        (None, 30, None, False, True),  # the configured limit, spelled out
        (None, 3, None, False, False),  # another limit: a preview
        (True, 3, None, False, True),  # ... unless --save
        (False, None, None, False, False),  # --preview
        (None, None, False, True, False),  # --no-llm while the LLM is on
        (None, None, False, False, True),  # --no-llm changes nothing without one
    ],
)
def test_digest_saves_only_the_configured_digest_unless_told(
    save: bool | None, limit: int | None, use_llm: bool | None, llm_on: bool, saved: bool
) -> None:
    from hub.cli import digest_saves

    assert digest_saves(save, limit, 30, use_llm, llm_on) is saved


def test_plurals() -> None:
    from hub.cli import plural

    assert [plural(n, "subscriber") for n in (0, 1, 2)] == ["0 subscribers", "1 subscriber", "2 subscribers"]
    assert plural(1, "story", "stories") == "1 story" and plural(5, "story", "stories") == "5 stories"
    runner.invoke(app, ["subscribers", "add", "a@example.org"])
    assert "1 subscriber\n" in runner.invoke(app, ["subscribers", "list"]).output


def test_subscribers_add_is_all_or_nothing() -> None:
    bad = runner.invoke(app, ["subscribers", "add", "a@example.org", "not an address", "b@example.org"])
    assert bad.exit_code == 1 and "not an address" in bad.output
    assert "0 subscribers" in runner.invoke(app, ["subscribers", "list"]).output  # a@ was not kept
    good = runner.invoke(app, ["subscribers", "add", "a@example.org", "B@Example.org", "a@example.org"])
    assert good.exit_code == 0, good.output
    assert good.output.splitlines() == [
        "added: a@example.org",
        "added: b@example.org",
        "already subscribed: a@example.org",
    ]
    assert "2 subscribers" in runner.invoke(app, ["subscribers", "list"]).output


def test_config_is_found_in_the_user_folder_from_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub.config import user_config_path

    user = user_config_path()
    assert user == Path.home() / ".config" / "hub" / "hub.toml"  # isolated by conftest
    result = runner.invoke(app, ["init", "--user"])
    assert result.exit_code == 0 and user.is_file()
    elsewhere = tmp_path / "somewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    runner.invoke(app, ["subscribers", "add", "a@example.org"])
    assert (user.parent / "data" / "hub.duckdb").is_file()  # relative to the user's hub.toml
    assert not (elsewhere / "data").exists()
    status = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert status["db"] == str(user.parent / "data" / "hub.duckdb")
    (elsewhere / "hub.toml").write_text('[store]\ndb = "local.duckdb"\n')  # ./hub.toml comes first
    runner.invoke(app, ["subscribers", "add", "b@example.org"])
    assert (elsewhere / "local.duckdb").is_file()
    both = runner.invoke(app, ["init", "x.toml", "--user"])
    assert both.exit_code == 1 and "not both" in both.output


def test_status_shows_runs_failures_next_runs_and_sources(tmp_path: Path) -> None:
    import shutil

    from hub.config import load_config
    from hub.core import make_hub

    (tmp_path / "hub.toml").write_text(
        '[[sources]]\nname = "blog"\nkind = "feed"\nurl = "https://example.org/feed.xml"\n'
    )
    (tmp_path / "schedules").mkdir()
    shutil.copy(README.parent / "schedules" / "default.yml", tmp_path / "schedules")
    with make_hub(load_config(tmp_path / "hub.toml", env={})) as hub:
        ok = hub.store.start_run("crawl")
        hub.store.finish_run(ok, "ok", {"new": 3})
        bad = hub.store.start_run("schedule:weekly")
        hub.store.finish_run(bad, "error", {}, "mkdocs build failed: boom")
    cfg = ["--config", str(tmp_path / "hub.toml")]
    info = json.loads(runner.invoke(app, [*cfg, "status", "--json"]).stdout)
    assert [r["status"] for r in info["runs"]] == ["error", "ok"]
    assert info["failures"] == [
        {
            "what": f"run {bad} (schedule:weekly)",
            "at": info["runs"][0]["started_at"],
            "error": "mkdocs build failed: boom",
        }
    ]
    assert [r["job"] for r in info["next_runs"]][:1] == ["crawl-hourly"]  # soonest first
    assert {r["job"] for r in info["next_runs"]} == {"crawl-hourly", "crawl-daily", "weekly"}
    assert all(r["next_run"] for r in info["next_runs"])
    assert info["sources"] == [
        {
            "name": "blog",
            "kind": "feed",
            "enabled": True,
            "items": 0,
            "last_success": None,
            "last_error": None,
            "last_error_at": None,
            "median_ms": None,
            "healthy": None,
        }
    ]
    text = runner.invoke(app, [*cfg, "status"]).output
    assert "failures: 1" in text and "mkdocs build failed: boom" in text
    assert "next runs, UTC" in text and "crawl-daily" in text and "never crawled (1): blog" in text


def test_status_without_a_schedule_says_where_it_looked(tmp_path: Path) -> None:
    (tmp_path / "hub.toml").write_text("")
    cfg = ["--config", str(tmp_path / "hub.toml")]
    runner.invoke(app, [*cfg, "subscribers", "add", "a@example.org"])  # makes the database
    text = runner.invoke(app, [*cfg, "status"]).output
    assert "next runs: no schedules/ folder beside hub.toml" in text
    assert "recent runs: none recorded yet" in text and "failures: none" in text
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "bad.yml").write_text("jobs:\n  x:\n    cron: '* * *'\n    job: crawl\n")
    bad = runner.invoke(app, [*cfg, "status"])
    assert bad.exit_code == 1 and "bad.yml: line 3" in bad.output and "cron" in bad.output


def test_schedule_init_writes_the_shipped_schedule_beside_hub_toml(tmp_path: Path) -> None:
    (tmp_path / "hub.toml").write_text("")
    cfg = ["--config", str(tmp_path / "hub.toml")]
    missing = runner.invoke(app, [*cfg, "schedule", "list"])
    assert missing.exit_code == 1 and "`hub schedule init` writes the default one" in missing.output
    made = runner.invoke(app, [*cfg, "schedule", "init"])
    written = tmp_path / "schedules" / "default.yml"
    assert made.exit_code == 0 and written.is_file() and "default.yml" in made.output
    assert written.read_text() == (README.parent / "schedules" / "default.yml").read_text()
    listed = runner.invoke(app, [*cfg, "schedule", "list"])
    assert listed.exit_code == 0 and "weekly" in listed.output
    written.write_text("jobs: {}\n")  # the user's edits are kept unless --force
    again = runner.invoke(app, [*cfg, "schedule", "init"])
    assert again.exit_code == 1 and "already exists (use --force" in again.output
    assert written.read_text() == "jobs: {}\n"
    assert runner.invoke(app, [*cfg, "schedule", "init", "--force"]).exit_code == 0
    assert "crawl-hourly" in written.read_text()


def test_failures_and_never_crawled_sources_are_derived_from_health() -> None:
    import datetime as dt

    from hub.status import failures, with_configured

    at = dt.datetime(2025, 4, 14, tzinfo=dt.UTC)
    health = [
        {"name": "b", "kind": "feed", "enabled": True, "items": 4, "last_success": None,
         "last_error": "HTTP 503", "last_error_at": at, "median_ms": 12.0, "healthy": False},
    ]  # fmt: skip
    rows = with_configured(
        health,
        [{"name": "a", "kind": "hn", "enabled": False}, {"name": "b", "kind": "feed", "enabled": True}],
    )
    assert [(r["name"], r["healthy"], r["enabled"]) for r in rows] == [("a", None, False), ("b", False, True)]
    assert failures([], rows) == [{"what": "source b", "at": at, "error": "HTTP 503"}]


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory, snapshot: list[Path]) -> list[str]:
    """A hub (hub.toml + database) with a few days of the bundled week and its digest: the
    global options that point a command at it."""
    root = tmp_path_factory.mktemp("stored")
    (root / "hub.toml").write_text("")
    cfg = ["--config", str(root / "hub.toml")]
    files = [str(p) for p in snapshot if p.name.startswith("2025-04-1")]
    assert runner.invoke(app, [*cfg, "import", *files]).exit_code == 0
    assert runner.invoke(app, [*cfg, "digest", "--week", "2025-W16"]).exit_code == 0
    return cfg


def _count(cfg: list[str], source: str) -> int:
    result = runner.invoke(app, [*cfg, "sql", f"SELECT count(*) AS n FROM {source}", "--json"])
    assert result.exit_code == 0, result.output
    return int(json.loads(result.stdout)[0]["n"])


def test_sql_prints_a_table_or_json(stored: list[str]) -> None:
    query = "SELECT kind, count(*) AS n FROM items GROUP BY kind ORDER BY kind"
    rows = json.loads(runner.invoke(app, [*stored, "sql", query, "--json"]).stdout)
    assert rows and set(rows[0]) == {"kind", "n"} and {r["kind"] for r in rows} <= {"paper", "repo", "thread"}
    assert sum(r["n"] for r in rows) == _count(stored, "items")
    text = runner.invoke(app, [*stored, "sql", query]).output
    assert "kind" in text and "paper" in text and f"{len(rows)} rows" in text
    limited = runner.invoke(app, [*stored, "sql", "SELECT id FROM items", "--limit", "2"])
    assert "first 2 rows shown" in limited.output
    assert len(json.loads(runner.invoke(app, [*stored, "sql", "SHOW TABLES", "--json"]).stdout)) > 5


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ("DELETE FROM items", "DELETE is refused"),
        ("UPDATE items SET title = 'x'", "UPDATE is refused"),
        ("DROP TABLE items", "DROP is refused"),
        ("COPY items TO 'stolen.csv'", "COPY is refused"),
        ("ATTACH 'other.duckdb' AS o", "ATTACH is refused"),
        ("SET threads = 1", "SET is refused"),
        ("SELECT 1; DELETE FROM items", "one statement at a time"),
        ("SELEC 1", "not valid SQL"),
        ("SELECT * FROM no_such_table", "no_such_table"),
        ("", "one statement at a time"),
    ],
)
def test_sql_refuses_writes_and_bad_sql_in_one_line(stored: list[str], query: str, needle: str) -> None:
    before = _count(stored, "items")
    result = runner.invoke(app, [*stored, "sql", query])
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], result.output
    assert _count(stored, "items") == before
    assert not Path("stolen.csv").exists()


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_export_writes_every_row_of_a_table(stored: list[str], tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"out.{fmt}"
    result = runner.invoke(
        app, [*stored, "export", "--format", fmt, "--table", "stories", "--out", str(target), "--json"]
    )
    assert result.exit_code == 0, result.output
    written = json.loads(result.stdout)
    assert written == {
        "table": "stories",
        "format": fmt,
        "path": str(target),
        "rows": _count(stored, "stories"),
    }
    reader = {"parquet": "read_parquet", "csv": "read_csv", "jsonl": "read_json"}[fmt]
    assert _count(stored, f"{reader}('{target}')") == written["rows"] > 0
    if fmt == "jsonl":
        lines = target.read_text(encoding="utf-8").splitlines()
        assert len(lines) == written["rows"] and "id" in json.loads(lines[0])
    if fmt == "csv":
        assert target.read_text(encoding="utf-8").startswith("id,")


def test_export_defaults_and_bad_input(stored: list[str]) -> None:
    result = runner.invoke(app, [*stored, "export"])
    assert result.exit_code == 0 and Path("items.parquet").is_file()
    assert f"wrote {_count(stored, 'items')} rows of items to items.parquet" in result.output
    bad_table = runner.invoke(app, [*stored, "export", "--table", 'items" ; DROP TABLE items; --'])
    assert bad_table.exit_code == 1 and "no table" in bad_table.output and "one of: " in bad_table.output
    bad_format = runner.invoke(app, [*stored, "export", "--format", "xlsx"])
    assert bad_format.exit_code == 1 and "parquet, csv, jsonl" in bad_format.output
    assert _count(stored, "items") > 0


def test_send_and_build_print_json(stored: list[str], tmp_path: Path) -> None:
    assert runner.invoke(app, [*stored, "subscribers", "add", "a@example.org"]).exit_code == 0
    sent = runner.invoke(app, [*stored, "send", "--dry-run", "--json"])
    assert sent.exit_code == 0, sent.output
    report = json.loads(sent.stdout)
    assert report["week"] == "2025-W16" and len(report["written"]) == 1 and report["failed"] == {}
    built = runner.invoke(app, [*stored, "build", "--json"])
    assert built.exit_code == 0, built.output
    result = json.loads(built.stdout)
    assert result["pages"] > 3 and Path(result["site_dir"], "index.html").is_file()


@pytest.mark.parametrize("args", [["status"], ["status", "--json"]])
def test_status_loads_no_stage(stored: list[str], args: list[str]) -> None:
    """`hub status` answers from the store and the schedule alone, printed without Rich
    (fast: benchmarks/cli_startup.py): no stage, no value types (hub.types), no search
    index (tantivy), and with no schedules/ folder no schedule parser (YAML, APScheduler)."""
    import subprocess
    import sys

    code = (
        "import sys; from typer.testing import CliRunner; from hub.cli import app; "
        f"r = CliRunner().invoke(app, {[*stored, *args]!r}); "
        "assert r.exit_code == 0, r.output; "
        "heavy = ('hub.core', 'hub.analysis', 'hub.digest', 'hub.publishers', 'sklearn', 'scrapy', "
        "'mkdocs', 'openai', 'feedgen', 'sqlalchemy', 'trafilatura', 'numpy', 'rich', 'hub.types', "
        "'tantivy', 'hub.scheduler', 'yaml', 'apscheduler'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
