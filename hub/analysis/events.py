"""Events: one story per real-world event, and the curated posts that cover each.

A week's stories are grouped when their posts are the same event seen twice — two HN
threads about one acquisition, a launch post and a how-to of the model a day later: items
published within EVENT_DAYS of each other that share a distinctive name (see `names`) and
whose names agree (every name of one title is a name of the other, so "o3 plays chess" and
"o3 plays GeoGuessr" stay apart). Conservative by design: a wrong join hides a story.

Curated sources — newsletters, blogs that mostly link elsewhere, roundups — are not
stories: their issues *mention* the stories they link or name, which ranking counts as
curation evidence. Pure functions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from hub.analysis import names
from hub.analysis.rank import Mention
from hub.analysis.resolve import ROUNDUP_MIN_LINKS, identity
from hub.types import Item, Link, Story

EVENT_DAYS = 3
PHRASE_MAX_DF = 3  # a name phrase in at most this many titles of the window is distinctive
CURATED_SHARE = 0.5  # a source whose posts are mostly roundups is a curated source


def is_roundup(item: Item) -> bool:
    return item.kind == "post" and len(item.links) >= ROUNDUP_MIN_LINKS


def curated_sources(items: Iterable[Item]) -> dict[str, float]:
    """Per feed source, the share of its posts that are roundups (how curated it is)."""
    posts: dict[str, list[bool]] = defaultdict(list)
    for it in items:
        if it.kind == "post":
            posts[it.source].append(is_roundup(it))
    return {src: sum(flags) / len(flags) for src, flags in posts.items() if flags}


def curated_items(items: Iterable[Item], shares: Mapping[str, float]) -> list[Item]:
    """The issues of curated sources: they raise stories and are never ranked themselves."""
    return [it for it in items if it.kind == "post" and shares.get(it.source, 0.0) >= CURATED_SHARE]


class NameIndex:
    """Name phrases of the week's story titles, by how many stories' titles hold each."""

    def __init__(self, titles_per_story: Iterable[Iterable[str]]) -> None:
        self.df: dict[str, int] = defaultdict(int)
        n = 0
        for titles in titles_per_story:
            n += 1
            for g in set().union(*(names.ngrams(t) for t in titles)):
                self.df[g] += 1
        # a name-shaped word in more titles than this is a common term ("LLM", "AI"), not a name
        self.common = max(names.RARE_MIN_DF, names.RARE_MAX_SHARE * n)

    def phrases(self, title: str, max_df: int = PHRASE_MAX_DF, *, subject: bool = False) -> list[str]:
        """Sub-phrases of the title's name runs (whole words: "o3-mini" never yields "o3")
        holding a name-shaped word and held by at most `max_df` stories' titles, longest
        first. `subject`: only the title's first name (what it is about)."""
        strong = {w for w in names.strong_words(title) if self.df.get(names.norm(w), 0) <= self.common}
        out = set()
        runs = names.name_runs(title)
        for run in runs[:1] if subject else runs:
            words = [names.norm(w) for w in run]
            for n in range(len(words), 0, -1):
                for i in range(len(words) - n + 1):
                    phrase = " ".join(words[i : i + n])
                    if n < len(words) and (run[i] in names._COMMON or run[i + n - 1] in names._COMMON):
                        continue  # "a general", "to desktop": a piece of a phrase, not a name
                    if strong.intersection(run[i : i + n]) and self._distinctive(phrase, max_df):
                        out.add(phrase)
        return sorted(out, key=lambda p: (-len(p), p))

    def _distinctive(self, phrase: str, max_df: int) -> bool:
        words = phrase.split()
        if all(w in names._COMMON or names._NUMBER.match(w) for w in words):
            return False
        if len(words) == 1 and len(phrase) < 3:
            return False
        return 0 < self.df.get(phrase, 0) <= max_df


class NewsletterWords:
    """What the curated posts say week in, week out: a name in most of the week's issues, or
    already in issues before the week (a Discord channel's name, a standing section), says
    nothing about a story, however rare it is in titles."""

    def __init__(self, week: Sequence[Item], earlier: Sequence[Item] = ()) -> None:
        self.body = {c.id: names.ngrams(c.text) for c in week}
        self.summary = {c.id: names.ngrams(str(c.extra.get("summary") or "")) for c in week}
        self.earlier = [names.ngrams(c.text) for c in earlier]

    def common(self, phrase: str) -> bool:
        if any(phrase in g for g in self.earlier):
            return True
        n = sum(phrase in g or phrase in self.summary[c] for c, g in self.body.items())
        return n >= 3 and n > len(self.body) / 2


def _specific(phrase: str, shaped: Collection[str]) -> bool:
    """Specific enough to recognize a story in a long text: two words, or one name-shaped word."""
    return " " in phrase or phrase in shaped


CONTEXT_SPAN = 25  # words around a plain name in a newsletter, where the story's own words must be
CONTEXT_WORDS = 3  # ... this many of them: "Mercury" alone could be anything
SUMMARY_WORDS = 2  # ... in an issue's short summary, where a plain word is a highlight


def _plain_head(title: str, index: NameIndex) -> str | None:
    """A title's leading name when it is one plain word ("Mercury, the first …"): too common
    a word to find alone in a long text, distinctive among the week's titles."""
    lead = names.head(title)
    if len(lead) != 1:
        return None
    word = names.norm(lead[0])
    if " " in word or len(word) < 4 or word in names._COMMON or index.df.get(word, 0) != 1:
        return None
    return word


def _context_words(title: str, head: str) -> frozenset[str]:
    return frozenset(
        w for w in names.norm(title).split() if len(w) >= 4 and w not in names._COMMON and w != head
    )


def _named_in_context(text: str, head: str, words: frozenset[str], need: int = CONTEXT_WORDS) -> bool:
    """Does the text name `head` with at least `need` of the story title's other words close
    by ("Mercury Coder … the first diffusion language model")? Compared as `names.norm`
    words, so "MiMo-7B" names "mimo"."""
    if len(words) < need:
        return False
    target = head.split()
    flat = names.norm(text).split()
    for i in range(len(flat) - len(target) + 1):
        if flat[i : i + len(target)] == target:
            near = flat[max(0, i - CONTEXT_SPAN) : i + len(target) + CONTEXT_SPAN]
            if len(words.intersection(near)) >= need:
                return True
    return False


def _sure(phrase: str, heads: Collection[str], shaped: Collection[str]) -> bool:
    """A name that says which story it is by itself: versioned ("Gemini 2.5 Flash"), or the
    name the title leads with when that is more than one plain word ("DRAGON: …", "Describe
    Anything: …"). A company or product line ("JetBrains", "Google Gemini") may be any of
    its news, and one plain word ("Inception") anything."""
    if any(c.isdigit() for c in phrase):
        return True
    return (" " in phrase or phrase in shaped) and any(f" {phrase} " in h for h in heads)


def _own_phrases(title: str, kind: str, index: NameIndex, max_df: int = PHRASE_MAX_DF) -> list[str]:
    """The name phrases a newsletter would call the item by. A paper is called by the name it
    leads with ("DRAGON: …"), never by the systems it uses or compares with ("… with
    ChatGPT"): a paper without a leading name is recognized by its links only."""
    found = index.phrases(title, max_df)
    if kind != "paper":
        return found
    lead = names.norm(" ".join(names.head(title)))
    if not lead:
        return []
    marks = {
        names.norm(part)
        for w in names._WORD.findall(title)
        for part in w.split("-")
        if names.shaped(part) or any(c.isdigit() for c in part)
    }
    marks = {m for m in marks if f" {m} " in f" {lead} "}
    # the whole name ("Describe Anything", "Values in the Wild"), or a part holding its
    # product-like word ("Eagle 2.5", "Uni3C"): never "a general" of "Learning a General Model"
    return [
        p
        for p in found
        if f" {p} " in f" {lead} " and (p == lead or any(f" {m} " in f" {p} " for m in marks))
    ]


def name_mentions(
    stories: Sequence[Story],
    items: Mapping[str, Item],
    curated: Sequence[Item],
    index: NameIndex,
    shares: Mapping[str, float],
    link_mentions: Mapping[str, Collection[str]],
    usual: NewsletterWords | None = None,
) -> dict[str, list[Mention]]:
    """Per story, the curated posts that link it (`link_mentions`: story -> item ids) or name
    it. A name of the story (held by at most three stories) that is a whole name of a post's
    title marks the story as that issue's headline, one in the post's summary as one of its
    highlights ("Veo 2" in "Veo 2 and Kling 2 are GA",
    not "DeepSeek R1" in "DeepSeek R1-671B"); in its body a name must be the story's alone
    and specific, and not words the newsletters use every week (`usual`)."""
    words = usual or NewsletterWords(curated)
    grams = {
        c.id: (
            names.run_phrases(c.title),
            words.summary.get(c.id) or names.ngrams(str(c.extra.get("summary") or "")),
            words.body.get(c.id) or names.ngrams(c.text),
        )
        for c in curated
    }
    by_id = {c.id: c for c in curated}
    flats: dict[str, list[str]] = {}  # a post's normalized words, made when first needed
    summaries = {c.id: str(c.extra.get("summary") or "") for c in curated}
    out: dict[str, list[Mention]] = {}
    for s in stories:
        own = set(s.item_ids)
        titles = {items[i].title: items[i].kind for i in s.item_ids if i in items}
        loose = {p for t, kind in titles.items() for p in _own_phrases(t, kind, index)}
        shaped = {names.norm(w) for t in titles for w in names._WORD.findall(t) if names.shaped(w)}
        lettered = {  # one name-shaped word of letters only ("BRIDGE", "DUMP"), as written
            names.norm(w): w
            for t in titles
            for w in names._WORD.findall(t)
            if names.shaped(w) and not any(c.isdigit() for c in w)
        }
        strict = {
            p for t, kind in titles.items() for p in _own_phrases(t, kind, index, 1) if _specific(p, shaped)
        }
        if usual is not None:
            strict = {p for p in strict if not usual.common(p)}
        fresh = {p for p in loose if usual is None or not usual.common(p)}
        plain = {
            (h, words)
            for t in titles
            if (h := _plain_head(t, index)) and (usual is None or not usual.common(h))
            for words in [_context_words(t, h)]
        }
        context = frozenset().union(*(_context_words(t, "") for t in titles))
        heads = {f" {names.norm(' '.join(names.head(t)))} " for t in titles}
        found = []
        for cid, (title_runs, summary_grams, body_grams) in grams.items():
            if cid in own:
                continue
            in_title = any(p in title_runs for p in loose)
            highlight = not in_title and any(
                p in summary_grams
                and (
                    _sure(p, heads, shaped)
                    or _named_in_context(summaries[cid], p, context.difference(p.split()), SUMMARY_WORDS)
                )
                for p in fresh
            )
            in_body = [
                (p, context.difference(p.split()), 1)
                for p in strict
                if p in body_grams and (p not in lettered or _as_written(lettered[p], by_id[cid].text))
            ]
            in_body += [
                (h, words, CONTEXT_WORDS)
                for h, words in plain
                if h in body_grams and _named_in_context(by_id[cid].text, h, words)
            ]
            if in_title or highlight or in_body or cid in link_mentions.get(s.id, ()):
                c = by_id[cid]
                if in_body and cid not in flats:
                    flats[cid] = names.norm(c.text).split()
                times = max((_times(flats[cid], *named) for named in in_body), default=1)
                found.append(
                    Mention(cid, c.source, in_title, shares.get(c.source, 1.0), highlight, max(times, 1))
                )
        if found:
            out[s.id] = found
    return out


def _as_written(word: str, text: str) -> bool:
    """Is a letters-only name in the text written as the title writes it? A paper named
    "BRIDGE" or "DUMP" is not named by "bridge the community" or "a core dump"."""
    parts = [re.escape(p) for p in re.split(r"[-_/]+", word) if p]  # "Kimi Audio" is "Kimi-Audio"
    return re.search(rf"(?<![\w-]){'[-_/ ]?'.join(parts)}(?![\w-])", text) is not None


def _times(flat: list[str], phrase: str, words: frozenset[str], need: int) -> int:
    """How many places of a post's words name `phrase` with `need` of the story title's other
    words close by: a story an issue tells in several sections (its news, then the threads
    about it) is a bigger part of that issue; a passing "like GPT-2" is not told again."""
    target = phrase.split()
    return sum(
        flat[i : i + len(target)] == target
        and len(words.intersection(flat[max(0, i - CONTEXT_SPAN) : i + len(target) + CONTEXT_SPAN])) >= need
        for i in range(len(flat) - len(target) + 1)
    )


def _close(a: Item, b: Item) -> bool:
    if a.published_at is None or b.published_at is None:
        return False
    return abs(a.published_at - b.published_at) <= dt.timedelta(days=EVENT_DAYS)


def same_event_links(items: Sequence[Item], index: NameIndex) -> list[Link]:
    """Pairs of posts/repos that are one event: close in time, and a shared distinctive name
    with every name of one title among the other's, or pages of the same name ("…/claude-
    code-best-practices" on two sites) whose titles share one of its words."""
    cands = [it for it in items if it.kind in ("post", "thread", "repo", "release") and not is_roundup(it)]
    info = {it.id: (set(index.phrases(it.title)), names.name_words(it.title)) for it in cands}
    # (a phrase held by at most PHRASE_MAX_DF stories' titles, shared by both items)
    runs = {it.id: names.run_phrases(it.title) for it in cands}
    by_phrase: dict[str, list[Item]] = defaultdict(list)
    for it in cands:
        for p in info[it.id][0]:
            by_phrase[p].append(it)
    links: dict[tuple[str, str], Link] = {}
    for phrase, group in by_phrase.items():
        for n, a in enumerate(group):
            for b in group[n + 1 :]:
                wa, wb = info[a.id][1], info[b.id][1]
                if a.source == b.source == "github" or not _close(a, b) or not (wa <= wb or wb <= wa):
                    continue
                if not (_shaped_phrase(phrase, a, b) or len(runs[a.id] & runs[b.id]) >= 2):
                    continue  # one plain name in common ("North Korean") is a topic, not an event
                key = (min(a.id, b.id), max(a.id, b.id))
                links.setdefault(key, Link(key[0], key[1], "same", "name", phrase))
    for slug, group in _by_slug(cands).items():
        for n, a in enumerate(group):
            for b in group[n + 1 :]:
                if a.source == b.source == "github" or not _close(a, b) or not _slug_in_titles(slug, a, b):
                    continue
                key = (min(a.id, b.id), max(a.id, b.id))
                links.setdefault(key, Link(key[0], key[1], "same", "slug", slug))
    return sorted(links.values(), key=lambda ln: (ln.src, ln.dst))


SLUG_WORDS = 3  # a page name of at least this many words says what the page is about
_PAGE_SUFFIX = re.compile(r"\.(?:html?|php|aspx?)$")


def _slug(it: Item) -> str | None:
    """The last path segment of the page a post is about ("claude-code-best-practices"), when
    it is a name of words: a blogger who writes about a post often keeps its page name."""
    url = str(it.extra.get("target_url") or it.url)
    last = _PAGE_SUFFIX.sub("", urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1].lower())
    words = [w for w in re.split(r"[-_]+", last) if w]
    if len(words) < SLUG_WORDS or sum(len(w) >= 4 and w.isalpha() for w in words) < 2:
        return None
    return "-".join(words)


def _by_slug(items: Sequence[Item]) -> dict[str, list[Item]]:
    groups: dict[str, list[Item]] = defaultdict(list)
    for it in items:
        if slug := _slug(it):
            groups[slug].append(it)
    return {slug: group for slug, group in groups.items() if len(group) > 1}


def _slug_in_titles(slug: str, a: Item, b: Item) -> bool:
    """Both titles hold a word of the page name (not a short or common one)."""
    words = {w for w in slug.split("-") if len(w) >= 4 and w not in names._COMMON}
    return all(words & set(names.norm(it.title).split()) for it in (a, b))


def paper_post_links(items: Sequence[Item], index: NameIndex) -> list[Link]:
    """A paper and the posts or repo that announce or discuss it by its name: a post within
    EVENT_DAYS whose title holds the paper's leading name ("DeepSeek-Prover-V2: …" and the
    thread "DeepSeek-Prover-V2") in a name run, or a repo of that name ("mem0ai/mem0" for
    "Mem0: …"), when the name is distinctive (at most PHRASE_MAX_DF stories' titles),
    written like a product name, and written alike in both (see `_written_alike`)."""
    by_name: dict[str, list[Item]] = defaultdict(list)
    for it in items:
        if it.kind != "paper" or not (lead := names.head(it.title)):
            continue
        phrase = names.norm(" ".join(lead))
        if 0 < index.df.get(phrase, 0) <= PHRASE_MAX_DF and _shaped_phrase(phrase, it):
            by_name[phrase].append(it)
    links: dict[tuple[str, str], Link] = {}
    for post in items:
        if post.kind == "repo":  # "mem0ai/mem0 — …": the repo's own name, whole
            subs = {names.norm(post.title.split(" ", 1)[0].rpartition("/")[2])}
        elif post.kind in ("post", "thread") and not is_roundup(post):
            subs = set()
            for run in names.run_phrases(post.title):
                words = run.split()
                subs |= {
                    " ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)
                }
        else:
            continue
        for phrase in subs & by_name.keys():
            for paper in by_name[phrase]:
                if _close(paper, post) and _written_alike(phrase, paper.title, post.title):
                    key = (min(paper.id, post.id), max(paper.id, post.id))
                    links.setdefault(key, Link(key[0], key[1], "same", "name", phrase))
    return sorted(links.values(), key=lambda ln: (ln.src, ln.dst))


def _written_alike(phrase: str, paper_title: str, other: str) -> bool:
    """A versioned name ("Mem0", "Phi-4-reasoning") matches however it is written; a name of
    letters only must be written the same way ("DICE: …" is not the repo DiceDB/dice, nor
    "MAGIC: …" the startup Magic Patterns)."""
    if any(c.isdigit() for c in phrase):
        return True
    surface = " ".join(names._WORD.findall(paper_title)[: len(names.head(paper_title))])
    return re.search(rf"(?<![\w-]){re.escape(surface)}(?![\w-])", other) is not None


def _shaped_phrase(phrase: str, *items: Item) -> bool:
    """Does the phrase hold a word written like a product or model name in the titles
    ("Qwen3", "K2-18b", "OpenAI"), not only capitalized words?"""
    words = set(phrase.split())
    return any(
        names.shaped(w) and names.norm(w) in words for it in items for w in names._WORD.findall(it.title)
    ) or any(any(c.isdigit() for c in w) for w in words)


def group_events(stories: Sequence[Story], links: Sequence[Link]) -> list[Story]:
    """Stories joined by same-event links, never two papers or two repos in one story; the
    group keeps the id and title of its earliest-created story's lead (stable ids)."""
    story_of = {i: s.id for s in stories for i in s.item_ids}
    by_id = {s.id: s for s in stories}
    parent = {s.id: s.id for s in stories}
    holds = {s.id: {k for i in s.item_ids if (k := identity(i))} for s in stories}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for ln in links:
        if ln.src not in story_of or ln.dst not in story_of:
            continue
        a, b = find(story_of[ln.src]), find(story_of[ln.dst])
        clash = any(k == k2 and v != v2 for k, v in holds[a] for k2, v2 in holds[b])
        if a == b or clash:
            continue
        root, child = sorted((a, b), key=lambda sid: _order(by_id[sid]))
        parent[child] = root
        holds[root] |= holds[child]
    groups: dict[str, list[Story]] = defaultdict(list)
    for s in stories:
        groups[find(s.id)].append(s)
    return [_merge(by_id[root], members) for root, members in groups.items()]


def _order(s: Story) -> tuple[int, float, str]:
    """The story that names a group: the one holding a paper or repo, else the earliest."""
    has_identity = any(identity(i) for i in s.item_ids)
    return (0 if has_identity else 1, s.first_seen.timestamp() if s.first_seen else 1e12, s.id)


def _merge(root: Story, members: Sequence[Story]) -> Story:
    if len(members) == 1:
        return root
    dates = [m.first_seen for m in members if m.first_seen]
    return Story(
        id=root.id,
        title=root.title,
        item_ids=tuple(sorted({i for m in members for i in m.item_ids})),
        lead_item=root.lead_item,
        first_seen=min(dates) if dates else None,
    )
