"""`hub import` on the real recorded week bundled in hub/demo (counts computed from the files)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hub.config import load_config
from hub.core import make_hub
from hub.demo import extract_snapshot
from hub.exceptions import ParseError

TRENDING_RE = re.compile(r"^\* \[([^\]/]+?) / ([^\]]+?)\]\(https://github\.com/", re.M)


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return extract_snapshot(tmp_path_factory.mktemp("snap"))


@pytest.fixture
def hub(tmp_path: Path):  # type: ignore[no-untyped-def]
    with make_hub(load_config(None, env={}, workspace=tmp_path)) as h:
        yield h


def expected_ids(path: Path) -> tuple[int, set[str]]:
    """(records, distinct canonical ids) read straight from a recorded file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        return len(rows), {f"arxiv:{r['id']}" for r in rows}
    if path.suffix == ".json":
        rows = json.loads(text)
        return len(rows), {f"hn:{r['id']}" for r in rows if r.get("type") == "story"}
    repos = TRENDING_RE.findall(text)
    return len(repos), {f"gh:{o.strip().lower()}/{r.strip().lower()}" for o, r in repos}


def test_each_file_loads_what_it_holds(hub, snapshot: list[Path]) -> None:  # type: ignore[no-untyped-def]
    assert len(snapshot) == 21
    for path in snapshot:
        records, ids = expected_ids(path)
        (result,) = hub.import_paths([path])
        assert result.items == len(ids), path.name
        assert result.records == records, path.name
    union = set().union(*(expected_ids(p)[1] for p in snapshot))
    assert hub.store.counts()["items"] == len(union)
    stored = {it.id for it in hub.store.items()}
    assert stored == union


def test_formats_are_detected(hub, snapshot: list[Path]) -> None:  # type: ignore[no-untyped-def]
    results = hub.import_paths(snapshot)
    by_folder = {Path(r.path).parent.name: r.format for r in results}
    assert by_folder == {
        "arxiv": "arxiv-jsonl",
        "hackernews": "hn-firebase",
        "github_trending": "github-trending-md",
    }


def test_importing_twice_changes_no_counts(hub, snapshot: list[Path]) -> None:  # type: ignore[no-untyped-def]
    hub.import_paths(snapshot)
    first = {k: v for k, v in hub.store.counts().items() if k != "fetches"}
    again = hub.import_paths(snapshot)
    assert sum(r.new for r in again) == 0
    assert {k: v for k, v in hub.store.counts().items() if k != "fetches"} == first


def test_weekend_relisting_keeps_the_first_listing_date(hub, snapshot: list[Path]) -> None:  # type: ignore[no-untyped-def]
    hub.import_paths(snapshot)
    friday = next(p for p in snapshot if p.name == "2025-04-18.jsonl")
    first_id = f"arxiv:{json.loads(friday.read_text().splitlines()[0])['id']}"
    (item,) = hub.store.items([first_id])
    assert item.published_at is not None and item.published_at.date().isoformat() <= "2025-04-18"


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("truncated.json", b'[{"id": 1, "type": "story", "title": "x"', "JSON"),
        ("empty.jsonl", b"", "empty"),
        ("binary.bin", bytes(range(256)) * 4, "binary"),
    ],
)
def test_broken_input_is_rejected_and_writes_nothing(
    hub,
    snapshot: list[Path],
    tmp_path: Path,
    name: str,
    content: bytes,
    needle: str,  # type: ignore[no-untyped-def]
) -> None:
    hub.import_paths(snapshot[:2])
    before = hub.store.counts()
    bad = tmp_path / name
    bad.write_bytes(content)
    with pytest.raises(ParseError, match=needle) as info:
        hub.import_paths([snapshot[3], bad])  # a good file first: it must not land either
    assert name in str(info.value)
    assert "\n" not in str(info.value)
    assert hub.store.counts() == before
