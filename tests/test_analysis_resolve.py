"""Resolve invariants on the real recorded week: exact title blocking, at most one paper
and one repo per story, strongest evidence first, roundups and shared libraries only mentioned."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import pytest

from hub import sources
from hub.analysis import resolve
from hub.demo import extract_snapshot
from hub.types import Item, Link


class RealWeek:
    """Items of the bundled snapshot (arXiv, HN, GitHub trending of 2025-04-14..20)."""

    def __init__(self, root: Path) -> None:
        self.items: dict[str, Item] = {}
        self.raw_hn: dict[str, dict] = {}  # type: ignore[type-arg]
        for f in extract_snapshot(root):
            for it in sources.parse(f.read_bytes(), f.name).items:
                self.items.setdefault(it.id, it)
            if f.suffix == ".json":
                self.raw_hn |= {f"hn:{r['id']}": r for r in json.loads(f.read_text(encoding="utf-8"))}

    def by_title(self, start: str) -> Item:
        return next(it for it in self.items.values() if it.title.startswith(start))


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> RealWeek:
    return RealWeek(tmp_path_factory.mktemp("real"))


def _brute_force_titles(items: list[Item]) -> set[tuple[str, str]]:
    toks = {it.id: resolve.title_tokens(it.title) for it in items}
    return {
        (min(a.id, b.id), max(a.id, b.id))
        for a, b in itertools.combinations(items, 2)
        if a.source != b.source
        and len(toks[a.id]) >= 3
        and len(toks[b.id]) >= 3
        and len(toks[a.id] & toks[b.id]) >= resolve.TITLE_JACCARD * len(toks[a.id] | toks[b.id]) - 1e-9
    }


@pytest.mark.parametrize("threshold", [0.75, 0.5])
def test_title_blocking_finds_every_pair_all_pairs_would(
    real: RealWeek, threshold: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Prefix filtering is exact: same pairs as comparing every title with every other."""
    monkeypatch.setattr(resolve, "TITLE_JACCARD", threshold)
    papers = sorted(i for i in real.items if i.startswith("arxiv:"))[::3] + ["arxiv:2504.12285"]
    subset = [real.items[i] for i in papers] + [
        it for it in real.items.values() if it.source in ("hn", "github")
    ]
    found = {(ln.src, ln.dst) for ln in resolve.find_links(subset) if ln.method == "title"}
    expected = _brute_force_titles(subset)
    assert found == expected
    assert ("arxiv:2504.12285", "hn:43714004") in found  # BitNet b1.58 2B4T Technical Report
    if threshold == 0.5:  # "Hands-On Large Language Models" blocks on its rarest word alone
        assert any("hn:43733553" in pair for pair in found)


def test_hn_title_markers_do_not_count_as_words(real: RealWeek) -> None:
    teuken = real.items["hn:43690955"]
    assert teuken.title.endswith("(2024)")
    assert "2024" not in resolve.title_tokens(teuken.title)
    assert resolve.title_tokens("Show HN: Europe map (2024) [pdf]") == {"europe", "map"}


def test_a_story_never_holds_two_papers(real: RealWeek) -> None:
    """A title match to a second paper cannot pull the HN post (and its paper) along."""
    bitnet, other = real.items["arxiv:2504.12285"], real.items["arxiv:2504.12626"]
    hn = real.items["hn:43714004"]
    links = [
        Link(hn.id, bitnet.id, "same", "arxiv-id", "https://arxiv.org/abs/2504.12285"),
        Link(hn.id, other.id, "same", "title", "constructed weaker evidence"),
    ]
    for order in (links, links[::-1]):
        stories = resolve.build_stories([other, hn, bitnet], order)
        assert sorted(s.item_ids for s in stories) == [
            ("arxiv:2504.12285", "hn:43714004"),
            ("arxiv:2504.12626",),
        ]


def test_a_story_never_holds_two_repos(real: RealWeek) -> None:
    plandex, hn = real.items["gh:plandex-ai/plandex"], real.items["hn:43710576"]
    vanna = real.items["gh:vanna-ai/vanna"]
    links = [
        Link(hn.id, plandex.id, "same", "github-link", "https://github.com/plandex-ai/plandex"),
        Link(hn.id, vanna.id, "same", "url", "constructed"),
    ]
    stories = resolve.build_stories([vanna, hn, plandex], links)
    assert sorted(s.item_ids for s in stories) == [
        ("gh:plandex-ai/plandex", "hn:43710576"),
        ("gh:vanna-ai/vanna",),
    ]


def _with_links(item: Item, *urls: str) -> Item:
    return replace(item, links=(*item.links, *urls))


def test_a_repo_linked_by_one_paper_joins_it_but_a_shared_library_does_not(real: RealWeek) -> None:
    """Constructed from real records: LLaVA papers whose abstracts (here) link the trending LLaVA repo."""
    repo = real.items["gh:haotian-liu/llava"]
    url = "https://github.com/haotian-liu/LLaVA"
    tiny, reid = real.items["arxiv:2504.09641"], real.items["arxiv:2504.10174"]
    alone = [_with_links(tiny, url), repo]
    links = resolve.find_links(alone)
    assert [(ln.src, ln.dst, ln.relation, ln.method) for ln in links] == [
        (tiny.id, repo.id, "same", "github-link")
    ]
    assert [s.item_ids for s in resolve.build_stories(alone, links)] == [(tiny.id, repo.id)]
    shared = [*alone, _with_links(reid, url)]
    links = resolve.find_links(shared)
    assert {(ln.src, ln.relation) for ln in links} == {(tiny.id, "mentions"), (reid.id, "mentions")}
    assert len(resolve.build_stories(shared, links)) == 3


def test_a_newsletter_mentions_the_few_items_it_links(real: RealWeek) -> None:
    """Roundups are judged by every page they link, not only by the ones that are items."""
    known = ["https://arxiv.org/abs/2504.12285", "https://github.com/plandex-ai/plandex"]
    elsewhere = [r["url"] for r in real.raw_hn.values() if r.get("url")][:4]
    issue = Item(
        id="url:https://example.org/issue-1",
        kind="post",
        source="feed:newsletter",
        title="This week in AI",
        url="https://example.org/issue-1",
        links=(*known, *elsewhere),
    )
    items = [issue, real.items["arxiv:2504.12285"], real.items["gh:plandex-ai/plandex"]]
    links = resolve.find_links(items)
    assert {(ln.dst, ln.relation) for ln in links} == {
        ("arxiv:2504.12285", "mentions"),
        ("gh:plandex-ai/plandex", "mentions"),
    }
    assert len(resolve.build_stories(items, links)) == 3
    # The same two links from a plain post (two targets, no roundup) are joins.
    post = replace(issue, links=tuple(known[:1]))
    assert resolve.find_links([post, items[1]])[0].relation == "same"


def test_real_week_stories_hold_at_most_one_paper_and_one_repo(real: RealWeek) -> None:
    items = list(real.items.values())
    stories = resolve.build_stories(items, resolve.find_links(items))
    for s in stories:
        kinds = [k[0] for i in s.item_ids if (k := resolve.identity(i))]
        assert kinds.count("paper") <= 1 and kinds.count("repo") <= 1, s
    joined = {s.item_ids for s in stories if len(s.item_ids) > 1}
    assert ("gh:plandex-ai/plandex", "hn:43710576") in joined
    assert ("arxiv:2504.12285", "hn:43714004") in joined
    reversed_links = resolve.find_links(items)[::-1]
    assert resolve.build_stories(items[::-1], reversed_links) == stories
