"""Resolve: items -> stories. One real-world thing (a paper, its repo, its HF page,
the HN thread about it) becomes one story.

Evidence, strongest first, each recorded on the Link as `method`:
  arxiv-id     hf:X and arxiv:X; any item linking arxiv.org/abs|pdf|html/X
  github-link  an item (a paper's abstract, an HN post) linking github.com/owner/repo
  url          an item linking a page that is itself an item, or two posts linking one page
  title        near-identical titles from different sources, published within
               TITLE_WINDOW_DAYS of each other (a repost a year later is a new story;
               it also keeps title matching local in time, so it scales)
An item that links to many pages is a roundup: its links are `mentions` (a signal),
never joins; so are a paper's links to other papers, and papers' links to a repo that
several papers link (a library they use, not their own code). A story holds at most one
paper and one repository: a join that would merge two is refused, strongest evidence
first. Pure functions: values in, values out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence

from hub.sources.ids import canonical_id_for_url, normalize_url
from hub.types import Item, Link, Story

ROUNDUP_MIN_LINKS = 5
TITLE_JACCARD = 0.75
TITLE_WINDOW_DAYS = 30
MAX_TITLE_CANDIDATES = 64  # later items of other sources one item is compared with, per block
_KIND_PRIORITY = {"paper": 0, "repo": 1, "release": 2, "post": 3, "thread": 4}
_TOKEN = re.compile(r"[a-z0-9][a-z0-9.+-]*[a-z0-9]|[a-z0-9]")
_PREFIX = re.compile(r"^(show|ask|launch|tell) hn:\s*", re.IGNORECASE)
_SUFFIX = re.compile(r"(\s*[\[(](pdf|video|audio|\d{4})[\])])+\s*$", re.IGNORECASE)  # HN's "(2024) [pdf]"
_METHOD_STRENGTH = {"arxiv-id": 0, "github-link": 1, "url": 2, "title": 3}
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "how",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "the",
        "this",
        "to",
        "via",
        "we",
        "what",
        "when",
        "why",
        "with",
        "you",
        "your",
        "new",
        "using",
        "use",
    ]
)


def _method_for(target_id: str) -> str:
    if target_id.startswith("arxiv:"):
        return "arxiv-id"
    if target_id.startswith("gh:"):
        return "github-link"
    return "url"


def _outbound(item: Item) -> list[tuple[str, str]]:
    """(canonical id, url) of everything the item points at, excluding itself."""
    out: dict[str, str] = {}
    for url in item.links:
        cid = canonical_id_for_url(url)
        if cid != item.id and not cid.startswith(f"{item.id}@"):
            out.setdefault(cid, url)
    return list(out.items())


def _relation(item: Item, target: str, roundup: bool, shared_repos: set[str]) -> str:
    """A roundup's links, a paper citing a paper, or papers sharing a repo are mentions."""
    if roundup:
        return "mentions"
    if item.kind == "paper" and (target.startswith("arxiv:") or target in shared_repos):
        return "mentions"
    return "same"


def targets(item: Item) -> list[str]:
    """Every canonical id the item points at or belongs to (its outbound links, an HF
    page's paper, a release's repo): what incremental analysis looks neighbours up by."""
    out = [cid for cid, _ in _outbound(item)]
    if item.id.startswith("hf:"):
        out.append("arxiv:" + item.id[3:])
    if item.kind == "release":
        out.append(item.id.split("@", 1)[0])
    return list(dict.fromkeys(out))


def counts_for_sharing(item: Item) -> bool:
    """A paper (not its HF page) whose repo links count towards a repo being shared."""
    return item.kind == "paper" and not item.id.startswith("hf:")


def _shared_repos(
    items: Sequence[Item], known: Collection[str], outside: Mapping[str, int] | None = None
) -> set[str]:
    """Repos linked by two or more papers: a library they use, not one paper's own code.

    `outside` counts papers not among `items` that link each repo (incremental analysis)."""
    counts = Counter(
        cid
        for it in items
        if counts_for_sharing(it)
        for cid, _ in _outbound(it)
        if cid.startswith("gh:") and cid in known
    )
    for cid, n in (outside or {}).items():
        if cid in counts:
            counts[cid] += n
    return {cid for cid, n in counts.items() if n > 1}


def _id_links(
    items: Sequence[Item], known: Collection[str], outside: Mapping[str, int] | None = None
) -> list[Link]:
    links: list[Link] = []
    shared = _shared_repos(items, known, outside)
    for it in items:
        if it.id.startswith("hf:") and (paper := "arxiv:" + it.id[3:]) in known:
            links.append(Link(it.id, paper, "same", "arxiv-id", it.id[3:]))
        if it.kind == "release" and (repo := it.id.split("@", 1)[0]) in known:
            links.append(Link(it.id, repo, "same", "github-link", repo))
        outbound = _outbound(it)
        # A roundup by how many pages it links, known or not: a newsletter linking 40
        # pages of which 3 are items must not merge those 3 into one story.
        roundup = len(outbound) >= ROUNDUP_MIN_LINKS
        links += [
            Link(it.id, cid, _relation(it, cid, roundup, shared), _method_for(cid), url)
            for cid, url in outbound
            if cid in known
        ]
    return links


def _shared_target_links(items: Sequence[Item], known: Collection[str]) -> list[Link]:
    """Posts that point at the same page (not itself an item) are about the same thing."""
    by_target: dict[str, list[str]] = defaultdict(list)
    for it in items:
        if it.kind not in ("post", "thread") or len(it.links) >= ROUNDUP_MIN_LINKS:
            continue
        for cid, url in _outbound(it):
            if cid not in known:
                by_target[normalize_url(url)].append(it.id)
    return [
        Link(ids[0], other, "same", "url", target)
        for target, ids in by_target.items()
        if len(ids) > 1
        for other in ids[1:]
    ]


def title_tokens(title: str) -> frozenset[str]:
    words = _TOKEN.findall(_SUFFIX.sub("", _PREFIX.sub("", title.lower())))
    return frozenset(w for w in words if w not in _STOP)


def _prefixes(toks: Mapping[str, frozenset[str]]) -> dict[str, list[str]]:
    """Prefix filtering: rarest-first token order; two titles with Jaccard >= TITLE_JACCARD
    always share a token among each one's first |t| - ceil(TITLE_JACCARD * |t|) + 1 tokens,
    so comparing only within those blocks finds every such pair (exact, and fast)."""
    df = Counter(t for ts in toks.values() for t in ts)
    blocks: dict[str, list[str]] = defaultdict(list)
    for iid, ts in toks.items():
        ordered = sorted(ts, key=lambda t: (df[t], t))
        for t in ordered[: len(ts) - math.ceil(TITLE_JACCARD * len(ts) - 1e-9) + 1]:
            blocks[t].append(iid)
    return blocks


def _close_pairs(group: Sequence[str], by_id: Mapping[str, Item]) -> Iterable[tuple[str, str]]:
    """The candidate pairs of a block: items of different sources published within
    TITLE_WINDOW_DAYS (an undated item pairs with all), each item with at most
    MAX_TITLE_CANDIDATES later ones in date order.

    Bound: per item and block (a title is in about a quarter of its tokens' blocks), at
    most MAX_TITLE_CANDIDATES pairs and 2 * MAX_TITLE_CANDIDATES + 1 steps (a run of one
    source's items is skipped in one step), so a block costs O(n log n) (the sort) whatever
    its items share: a 100,000-entry feed (one source, one day) builds no pair, and a title
    copied by two sources thousands of times pairs each copy with its nearest ones in time
    instead of all. Real weeks never reach the cap (W16-W18: at most 5 candidates per item),
    so there the pairs are exactly those of a full comparison."""
    dated = sorted((i for i in group if by_id[i].published_at), key=lambda i: (by_id[i].published_at, i))
    order = [i for i in group if not by_id[i].published_at] + dated  # undated first: they pair with all
    undated = len(order) - len(dated)
    source = [by_id[i].source for i in order]
    run_end = list(range(1, len(order) + 1))  # run_end[n]: first index after n of another source
    for n in range(len(order) - 2, -1, -1):
        if source[n + 1] == source[n]:
            run_end[n] = run_end[n + 1]
    window = dt.timedelta(days=TITLE_WINDOW_DAYS)
    for n, a in enumerate(order):
        found, m = 0, run_end[n]
        while m < len(order) and found < MAX_TITLE_CANDIDATES:
            if n >= undated and by_id[order[m]].published_at - by_id[a].published_at > window:  # type: ignore[operator]
                break
            if source[m] == source[n]:
                m = run_end[m]  # the next item of another source
                continue
            yield a, order[m]
            found, m = found + 1, m + 1


def _title_links(items: Sequence[Item]) -> list[Link]:
    """Near-duplicate titles across sources (token Jaccard >= TITLE_JACCARD), close in time."""
    by_id = {it.id: it for it in items}
    toks = {it.id: ts for it in items if len(ts := title_tokens(it.title)) >= 3}
    pairs = {
        (a, b) if a < b else (b, a)
        for group in _prefixes(toks).values()
        for a, b in _close_pairs(group, by_id)
    }
    links = []
    for a, b in sorted(pairs):
        ta, tb = toks[a], toks[b]
        if len(ta & tb) >= TITLE_JACCARD * len(ta | tb) - 1e-9:
            links.append(Link(a, b, "same", "title", f"{by_id[a].title} ≈ {by_id[b].title}"))
    return links


def title_matches(new: Sequence[Item], pool: Sequence[Item]) -> set[str]:
    """Ids of the `pool` items whose titles match one of `new` (the title rule of find_links)."""
    fresh = {it.id for it in new}
    merged = list({it.id: it for it in [*pool, *new]}.values())
    return {
        other
        for ln in _title_links(merged)
        for this, other in ((ln.src, ln.dst), (ln.dst, ln.src))
        if this in fresh and other not in fresh
    }


def find_links(
    items: Sequence[Item],
    *,
    known: Collection[str] | None = None,
    outside_repo_papers: Mapping[str, int] | None = None,
) -> list[Link]:
    """All evidence from the given items (links to unknown ids are ignored).

    By default the items are all there is. Incremental analysis passes `known` (every
    existing id the items point at) and `outside_repo_papers` (per repo, papers not among
    `items` that link it), so a subset's links equal those a run over everything finds.
    """
    if known is None:
        known = {it.id for it in items}
    links = (
        _id_links(items, known, outside_repo_papers)
        + _shared_target_links(items, known)
        + _title_links(items)
    )
    unique = {(ln.src, ln.dst, ln.relation): ln for ln in links}
    return sorted(unique.values(), key=lambda ln: (ln.src, ln.dst, ln.relation))


def identity(item_id: str) -> tuple[str, str] | None:
    """What a story may hold only one of: ("paper", arXiv id) or ("repo", owner/repo)."""
    if item_id.startswith(("arxiv:", "hf:")):
        return ("paper", item_id.split(":", 1)[1])
    if item_id.startswith("gh:"):
        return ("repo", item_id[3:].split("@", 1)[0])
    return None


class _UnionFind:
    """Union-find whose components never hold two different papers or two different repos."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.parent = {i: i for i in ids}
        self.holds: dict[str, dict[str, str]] = {
            i: dict([k]) if (k := identity(i)) else {} for i in self.parent
        }

    def find(self, x: str) -> str:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> bool:
        """Join a's and b's components; False (and nothing joined) when they would conflict."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        ha, hb = self.holds[ra], self.holds[rb]
        if any(ha[k] != v for k, v in hb.items() if k in ha):
            return False
        root, child = min(ra, rb), max(ra, rb)
        self.parent[child] = root
        self.holds[root] = ha | hb
        return True


def _lead(members: Sequence[Item]) -> Item:
    far = 10**12
    return min(
        members,
        key=lambda it: (
            _KIND_PRIORITY.get(it.kind, 9),
            it.published_at.timestamp() if it.published_at else far,
            it.id,
        ),
    )


def story_title(members: Sequence[Item], lead: Item) -> str:
    """A paper's own title; else what people called it (a post); else `owner/repo — description`."""
    if lead.kind == "paper":
        return lead.title
    posts = sorted((m for m in members if m.kind in ("post", "thread")), key=lambda m: m.id)
    if posts:
        return _PREFIX.sub("", posts[0].title) if lead.kind == "repo" else posts[0].title
    if lead.kind == "repo" and lead.text:
        desc = lead.text if len(lead.text) <= 90 else lead.text[:89].rsplit(" ", 1)[0] + "…"
        return f"{lead.title} — {desc}"
    return lead.title


def story_id(lead_item: str) -> str:
    return "s-" + hashlib.sha1(lead_item.encode()).hexdigest()[:12]


def build_stories(items: Sequence[Item], links: Sequence[Link]) -> list[Story]:
    """Connected components over `same` links; ids are stable (derived from the lead item)."""
    by_id = {it.id: it for it in items}
    uf = _UnionFind(by_id)
    same = [ln for ln in links if ln.relation == "same" and ln.src in by_id and ln.dst in by_id]
    # Strongest evidence first, so a title match never takes a post from the paper it links.
    for ln in sorted(same, key=lambda ln: (_METHOD_STRENGTH.get(ln.method, 9), ln.src, ln.dst)):
        uf.union(ln.src, ln.dst)
    groups: dict[str, list[Item]] = defaultdict(list)
    for it in items:
        groups[uf.find(it.id)].append(it)
    stories = []
    for members in groups.values():
        lead = _lead(members)
        dates = [m.published_at for m in members if m.published_at]
        stories.append(
            Story(
                id=story_id(lead.id),
                title=story_title(members, lead),
                item_ids=tuple(sorted(m.id for m in members)),
                lead_item=lead.id,
                first_seen=min(dates) if dates else None,
            )
        )
    return sorted(stories, key=lambda s: s.id)
