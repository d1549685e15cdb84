"""Incremental analyze: after new items arrive, only their neighbourhood is re-resolved and
only the weeks they touch get topics again, and the result equals a full analyze of the
same items on a fresh database (real recorded data: the bundled week, replayed one week
later with new ids, plus the recorded HF daily papers that join the week's arXiv papers)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import pytest

from hub import sources
from hub.analysis import incremental
from hub.config import load_config
from hub.core import Hub, make_hub
from hub.demo import extract_snapshot
from hub.types import Item, Observation

DATA = Path(__file__).parent / "data" / "sources"
WEEK_B = (dt.datetime(2025, 4, 21, tzinfo=dt.UTC), dt.datetime(2025, 4, 28, tzinfo=dt.UTC))
_ARXIV = re.compile(r"(?<![\d.])(\d{4})\.(\d{4,5})(?!\d)")


def _parse(paths: list[Path]) -> tuple[list[Item], list[Observation]]:
    items: list[Item] = []
    obs: list[Observation] = []
    for f in paths:
        doc = sources.parse(f.read_bytes(), f.name)
        items += doc.items
        obs += doc.observations
    return items, obs


def _later(s: str) -> str:
    """The same string one week later in a new id space (arXiv +50000, HN +10^7, repos -w1)."""
    s = _ARXIV.sub(lambda m: f"{m[1]}.{int(m[2]) + 50000}", s)
    s = re.sub(r"(hn:|item\?id=)(\d+)", lambda m: f"{m[1]}{int(m[2]) + 10**7}", s)
    s = re.sub(r"(github\.com/|gh:)([\w.-]+)/([\w.-]+)", r"\1\2/\3-w1", s)
    return s


def _replay(items: list[Item], obs: list[Observation]) -> tuple[list[Item], list[Observation]]:
    week = dt.timedelta(days=7)
    moved = [
        replace(
            it,
            id=_later(it.id),
            url=_later(it.url),
            title=_later(it.title) if it.kind == "repo" else it.title,
            links=tuple(_later(u) for u in it.links),
            published_at=it.published_at + week if it.published_at else None,
        )
        for it in items
    ]
    return moved, [replace(o, item_id=_later(o.item_id), observed_at=o.observed_at + week) for o in obs]


@pytest.fixture(scope="module")
def batches(tmp_path_factory: pytest.TempPathFactory) -> tuple[tuple, tuple]:  # type: ignore[type-arg]
    first = _parse(extract_snapshot(tmp_path_factory.mktemp("snapshot")))
    later = _replay(*first)
    hf, hf_obs = _parse([DATA / "hf_daily_2025-04-15.json"])
    return first, (later[0] + hf, later[1] + hf_obs)


def _hub(root: Path) -> Hub:
    return make_hub(load_config(None, env={}, workspace=root))


def _state(hub: Hub) -> tuple:  # type: ignore[type-arg]
    start, end = WEEK_B
    week_b = hub.store.story_ids_in_window(start, end)
    every = [s.id for s in hub.store.stories()]
    return (
        hub.store.stories(),
        hub.store.links(),
        hub.store.story_topics(week_b),
        hub.store.story_topics(every),
        {t.id for t in hub.store.topics()},
    )


def test_incremental_analyze_equals_a_full_run(tmp_path: Path, batches: tuple) -> None:  # type: ignore[type-arg]
    (items_a, obs_a), (items_b, obs_b) = batches
    with _hub(tmp_path / "incremental") as hub:
        hub.store.upsert(items_a, obs_a)
        first = hub.analyze()
        hub.store.upsert(items_b, obs_b)
        second = hub.analyze()
        incremental = _state(hub)
        assert hub.analyze().items == 0  # nothing new: nothing redone
    with _hub(tmp_path / "full") as hub:
        hub.store.upsert(items_a + items_b, obs_a + obs_b)
        full = hub.analyze()
        expected = _state(hub)
    assert second.items < full.items  # only the neighbourhood of the new items
    assert first.items + len({it.id for it in items_b}) == full.items
    stories, links, topics_b, _, _ = incremental
    assert len(topics_b) > 1000
    assert any(ln.src.startswith("hf:") and ln.method == "arxiv-id" for ln in links)
    assert stories == expected[0]
    assert links == expected[1]
    assert topics_b == expected[2]


def test_updated_item_moves_between_stories(tmp_path: Path, batches: tuple) -> None:  # type: ignore[type-arg]
    """An HN post edited to link a different paper leaves the first paper's story."""
    (items_a, obs_a), _ = batches
    by_id = {it.id: it for it in items_a}
    post = next(it for it in items_a if it.source == "hn" and any("arxiv.org/abs/" in u for u in it.links))
    other = next(i for i in sorted(by_id) if i.startswith("arxiv:2504.") and i not in post.links[0])
    edited = replace(post, links=(f"https://arxiv.org/abs/{other[6:]}",))
    with _hub(tmp_path / "incremental") as hub:
        hub.store.upsert(items_a, obs_a)
        hub.analyze()
        hub.store.upsert([edited])
        hub.analyze()
        incremental = _state(hub)
    with _hub(tmp_path / "full") as hub:
        hub.store.upsert([it if it.id != post.id else edited for it in items_a], obs_a)
        hub.analyze()
        expected = _state(hub)
    assert incremental[0] == expected[0] and incremental[1] == expected[1]
    story = next(s for s in incremental[0] if post.id in s.item_ids)
    assert other in story.item_ids


def test_weeks_fitted_in_batches_equal_one_week_at_a_time(
    tmp_path: Path,
    batches: tuple,  # type: ignore[type-arg]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Topic fitting reads several weeks' stories at once; the result is the per-week one."""
    (items_a, obs_a), (items_b, obs_b) = batches
    states = []
    for n in (1, incremental.WEEK_BATCH):
        monkeypatch.setattr(incremental, "WEEK_BATCH", n)
        with _hub(tmp_path / f"batch{n}") as hub:
            hub.store.upsert(items_a + items_b, obs_a + obs_b)
            hub.analyze()
            states.append(_state(hub))
            weeks = {s.first_seen.isocalendar()[:2] for s in hub.store.stories() if s.first_seen}
    assert len(weeks) > 2  # several weeks, so batching them changes what is read together
    assert states[0] == states[1]


def test_a_first_analyze_in_batches_equals_one_pass(
    tmp_path: Path,
    batches: tuple,  # type: ignore[type-arg]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A large store's first analyze resolves a batch of items at a time (bounded memory):
    the stories, links and topics are those of resolving everything at once."""
    (items_a, obs_a), (items_b, obs_b) = batches
    states, counts = [], []
    for n in (10**9, 700):  # one pass; then batches of 700 items (about 5 of them)
        monkeypatch.setattr(incremental, "FIRST_RUN_BATCH", n)
        with _hub(tmp_path / f"first{n}") as hub:
            hub.store.upsert(items_a + items_b, obs_a + obs_b)
            counts.append(hub.analyze().items)
            states.append(_state(hub))
            targets = hub.store.scalar("SELECT count(*) FROM item_targets")
            states[-1] += (targets,)
    assert counts[0] == counts[1] == len({it.id for it in items_a + items_b}) > 5 * 700 - 700
    assert states[1] == states[0]
