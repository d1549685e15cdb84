"""`hub demo` end to end on the bundled real week: digest quality floor and the built site."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from hub.demo import DemoResult, extract_snapshot, run_demo

# An independent, deliberately plain notion of "about AI" for choosing the story to look for.
AI_TITLE = re.compile(
    r"\b(AI|LLMs?|GPT[-\w.]*|Gemini|Claude|DeepSeek|OpenAI|Anthropic|o3|o4-mini|Gemma|Llama|"
    r"Qwen|agents?|models?)\b",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    return run_demo(tmp_path_factory.mktemp("demo") / "hub-demo")


def _hn_records(workdir: Path) -> list[dict]:  # type: ignore[type-arg]
    rows: list[dict] = []  # type: ignore[type-arg]
    for f in sorted((workdir / "snapshot" / "hackernews").glob("*.json")):
        rows += json.loads(f.read_text(encoding="utf-8"))
    return rows


def test_digest_covers_the_bundled_week(demo: DemoResult) -> None:
    d = demo.digest
    assert d.week == "2025-W16"
    assert len(d.stories) == 30
    start = dt.datetime(2025, 4, 14, tzinfo=dt.UTC)
    for s in d.stories:
        assert s.items, s.title
        assert all(i.url.startswith(("https://", "http://")) for i in s.items)
        assert s.published_at is not None and start <= s.published_at < start + dt.timedelta(days=7)
        assert s.summary or not any(i.kind == "paper" for i in s.items)  # a bare link: no text


def test_top_ai_hacker_news_story_ranks_in_top_10(demo: DemoResult) -> None:
    start, end = dt.datetime(2025, 4, 14, tzinfo=dt.UTC), dt.datetime(2025, 4, 21, tzinfo=dt.UTC)
    in_week = [
        r
        for r in _hn_records(demo.workdir)
        if start.timestamp() <= r["time"] < end.timestamp() and AI_TITLE.search(r["title"])
    ]
    top = max(in_week, key=lambda r: r["score"])
    top10 = {i.id for s in demo.digest.stories[:10] for i in s.items}
    assert f"hn:{top['id']}" in top10, top["title"]


def test_digest_mixes_papers_with_discussion_and_code(demo: DemoResult) -> None:
    # one scale for every kind: no quota, the week's evidence brings each kind in
    kinds = [s.items[0].kind for s in demo.digest.stories]  # papers sort first among a story's items
    assert {"paper", "thread", "repo"} <= set(kinds), kinds
    top_paper = next(s for s in demo.digest.stories if s.items[0].kind == "paper")
    assert "paper" in top_paper.breakdown  # the content prior papers get in place of social signals


def test_non_ai_hits_do_not_lead(demo: DemoResult) -> None:
    # The week's highest-scored HN story overall (1,424 points) is not about AI.
    top_overall = max(_hn_records(demo.workdir), key=lambda r: r["score"])
    assert not AI_TITLE.search(top_overall["title"])
    top5 = {i.id for s in demo.digest.stories[:5] for i in s.items}
    assert f"hn:{top_overall['id']}" not in top5


def test_site_is_built_with_search_index(demo: DemoResult) -> None:
    index = demo.index_html
    assert index.is_file()
    search = demo.build_dir / "search" / "search_index.json"
    docs = json.loads(search.read_text(encoding="utf-8"))["docs"]
    assert any(demo.digest.stories[0].title[:30] in (d["title"] + d["text"]) for d in docs)
    page = (demo.build_dir / "digests" / "2025-W16.html").read_text(encoding="utf-8")
    assert demo.digest.stories[0].items[0].url.replace("&", "&amp;") in page


def test_demo_uses_only_the_bundled_snapshot(demo: DemoResult, tmp_path: Path) -> None:
    files = extract_snapshot(tmp_path)
    assert {p.parent.name for p in files} == {"arxiv", "hackernews", "github_trending"}
    assert sum(r.records for r in demo.imports) == sum(
        len(f.read_text(encoding="utf-8").splitlines()) if f.suffix == ".jsonl" else 0 for f in files
    ) + sum(len(json.loads(f.read_text())) for f in files if f.suffix == ".json") + sum(
        f.read_text(encoding="utf-8").count("\n* [") for f in files if f.suffix == ".md"
    )


def test_the_commands_the_demo_prints_next_work_from_where_the_user_is(
    demo: DemoResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shlex

    from typer.testing import CliRunner

    from hub.cli import app
    from hub.demo import next_commands

    monkeypatch.chdir(demo.workdir.parent)  # where `hub demo` was run
    steps = [cmd for cmd, _ in next_commands(demo.workdir, demo.digest, demo.workdir.parent)]
    assert steps[0] == "cd hub-demo" and steps[-1] == "hub serve"
    monkeypatch.chdir(shlex.split(steps[0])[1])
    runner = CliRunner()
    outputs = {}
    for cmd in steps[1:-1]:  # serve runs until stopped (tests/test_serve.py)
        result = runner.invoke(app, shlex.split(cmd)[1:])
        assert result.exit_code == 0, (cmd, result.output)
        outputs[cmd.split()[1]] = result.output
    assert "preview: not saved" in outputs["digest"]
    assert "reasoning" in outputs["search"].lower()
    assert demo.digest.stories[0].title[:40] in " ".join(outputs["explain"].split())
    assert "2025-W16" in outputs["status"]


def test_explain_shows_the_digest_story_an_item_was_joined_into(
    demo: DemoResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same-event joins are made when the week is read: explain finds them in the digest."""
    from typer.testing import CliRunner

    from hub.cli import app

    joined = [s for s in demo.digest.stories if len({i.id for i in s.items if i.kind == "thread"}) > 1]
    assert joined, "the bundled week has threads of one event joined in its digest"
    story = joined[0]
    first, second = [i.id for i in story.items if i.kind == "thread"][:2]
    monkeypatch.chdir(demo.workdir)
    result = CliRunner().invoke(app, ["explain", second, "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)["digests"]
    assert {"week": "2025-W16", "rank": story.rank, "story_id": story.story_id}.items() <= shown[0].items()
    assert first in shown[0]["with"] and second not in shown[0]["with"]
    text = CliRunner().invoke(app, ["explain", second]).output
    assert f"in the 2025-W16 digest: #{story.rank} ({story.story_id}), one event with" in text
