"""Render digests to Markdown pages for the MkDocs site. Pure: values in, strings out.

Everything that came from the web (titles, summaries, source and topic names, URLs)
passes through `text()`, `link()` or `meta()` first:

- `text()`: HTML is escaped (& < > " '), Markdown syntax is neutralized, one line;
- `link()`: only http(s) URLs become links, with spaces/parens/quotes percent-encoded;
- `meta()`: front-matter strings. MkDocs renders its templates without autoescaping,
  so Material prints `page.meta.title` and tag names as raw HTML: they must be escaped.

Pages link to each other by relative `.md` paths, so the site also works from file://.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from urllib.parse import quote, urlsplit

from hub.digest.chart import topic_volume_svg
from hub.safetext import one_line
from hub.types import Digest, DigestItem, DigestStory, TopicCount

# Python-Markdown's backslash-escapable characters (`|` with the tables extension).
_MD_ESCAPABLE = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")
# Not backslash-escapable, but active at the start of a block (fences, details, setext).
_LEADING_ACTIVE = frozenset("?~=:")
_SLUG_BAD = re.compile(r"[^A-Za-z0-9-]+")
_URL_SAFE = ":/?#@!$&*+,;=%~-._"
_SIGNAL_NAMES = {
    "hn_points": "Hacker News points",
    "hn_comments": "Hacker News comments",
    "hf_upvotes": "Hugging Face upvotes",
    "reddit_score": "Reddit score",
    "github_trending": "GitHub trending",
    "github_stars": "GitHub stars gained",
    "sources": "independent sources",
    "recency": "recency in the week",
    "relevance": "relevance to AI engineering",
    "interests": "your interests",
    "novelty": "novelty against earlier weeks",
    "topic": "your priority for its topic",
    "paper_focus": "paper about LLMs, agents, reasoning",
    "paper_team": "paper's author team",
    "off_topic_penalty": "off-topic penalty",
}
FEEDS_DIR = "feeds"
# (label, file suffix, MIME type) of each feed format written for the digest and every topic.
FEED_FORMATS = (
    ("RSS", ".rss.xml", "application/rss+xml"),
    ("Atom", ".atom.xml", "application/atom+xml"),
    ("JSON Feed", ".json", "application/feed+json"),
)
# The name `hub` on the package index is another project: install from the clone.
_INSTALL = "git clone <repository URL> hub\ncd hub && pip install -e ."
_EMAIL_AND_INSTALL = """## Email

Ask the maintainer of this site to add your address (`hub subscribers add`); each
digest arrives as an HTML email with a plain-text part.

## Unsubscribe

Every email carries a `List-Unsubscribe` header (your mail client shows an
"Unsubscribe" button) that writes an email to the maintainer, and an unsubscribe line;
replying with "unsubscribe" works too. The maintainer removes you by hand with
`hub subscribers remove` (there is no one-click web endpoint).

## Run your own

```bash
{install}
hub init && hub crawl
hub digest && hub build
```
"""
_STATS = {
    "items": "items",
    "papers": "papers",
    "repos": "repositories",
    "posts": "posts",
    "stories": "stories",
    "joined": "joined stories",
    "sources": "sources",
}


# --- escaping -------------------------------------------------------------------------


def _clean(s: str) -> str:
    """One line without the characters YAML front matter, XML or UTF-8 reject (see
    `hub.safetext`), nor private-use ones."""
    if not s.isascii():
        s = "".join(ch for ch in s if unicodedata.category(ch) != "Co")
    return one_line(s)


def text(s: str) -> str:
    """Web text -> inert inline Markdown: Markdown escaped, then HTML escaped."""
    s = _MD_ESCAPABLE.sub(r"\\\1", _clean(s))
    s = html.escape(s, quote=True)  # '&' '<' '>' '"' "'" become entities Markdown keeps
    if s[:1] in _LEADING_ACTIVE:
        s = f"&#{ord(s[0])};{s[1:]}"
    return s


def meta(s: str) -> str:
    """A front-matter string: printed raw by the theme's templates, so HTML-escaped."""
    return html.escape(_clean(s), quote=True)


def safe_href(url: str) -> str | None:
    """An http(s) URL with the characters that could break out of a Markdown link encoded."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe=_URL_SAFE)


def link(label: str, url: str) -> str:
    """`[label](url)` when the URL is http(s), else the label as plain text."""
    href = safe_href(url)
    return f"[{text(label)}]({href})" if href else text(label)


def slug(value: str) -> str:
    """A safe file/anchor name for a topic id or week (no '/', '..' or markup)."""
    return _SLUG_BAD.sub("-", value).strip("-") or "untitled"


def _front_matter(**fields: object) -> str:
    # JSON values are valid YAML and quote everything that needs it.
    lines = [f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n"


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") else f"{n} {word}s"


def _range(d: Digest) -> str:
    return f"{d.start:%b %d} – {d.end:%b %d, %Y}"


def _digest_href(week: str, base: str) -> str:
    return f"{base}digests/{slug(week)}.md"


def _topic_href(topic: str, base: str) -> str:
    return f"{base}topics/{slug(topic)}.md"


def _papers_href(week: str, base: str) -> str:
    return f"{base}papers/{slug(week)}.md"


# --- topics that get shown and linked ------------------------------------------------


def shown_topic(topic: str) -> bool:
    """Seed topics are shown; "other" and emerging clusters (labelled by terms) are not."""
    return bool(topic) and topic != "other" and not topic.startswith("emerging-")


def _badge(story: DigestStory, base: str, linked: Collection[str] | None) -> str:
    if not shown_topic(story.topic):
        return ""
    name = text(story.topic_name)
    if linked is not None and story.topic not in linked:
        return f"[{name}]{{ .hub-topic }}"
    return f"[{name}]({_topic_href(story.topic, base)}){{ .hub-topic }}"


# --- one story ------------------------------------------------------------------------


def item_label(item: DigestItem) -> str:
    """How a source link reads: Paper, Code, HN thread, Reddit, HF, Blog, ..."""
    if item.id.startswith("arxiv:"):
        return "Paper"
    if item.id.startswith("gh:") or item.source == "github":
        return "Release" if item.kind == "release" else "Code"
    if item.id.startswith("hf:") or item.source == "hf":
        return "HF"
    if item.source.startswith("feed:"):
        return "Blog"
    named = {"hn": "HN thread", "reddit": "Reddit"}
    return named.get(item.source) or item.source or item.kind or "Link"


def _k(n: int) -> str:
    return f"{n / 1000:.1f}k" if n >= 10_000 else f"{n:,}"


def evidence(item: DigestItem) -> str:
    """What was measured about an item: '462 points, 371 comments', '103 upvotes', '12.3k stars'."""
    counts = (
        ("point", item.points),
        ("upvote", item.upvotes),
        ("star", item.stars),
        ("comment", item.comments),
    )
    return ", ".join(
        f"{_k(n)} {word if n == 1 else word + 's'}"
        for word, n in counts
        if n is not None and (n or word != "comment")  # "0 points" is a measure, "0 comments" is not
    )


def article_url(story: DigestStory) -> str:
    """Where the title leads: the paper's abstract page, else the article a post points
    at (an HN link post keeps it as target_url), else the first linkable item."""
    papers = [_abstract_url(it) for it in story.items if it.kind == "paper"]
    papers.sort(key=lambda u: not u.startswith("https://arxiv.org/"))
    targets = [it.target_url for it in story.items if it.target_url]
    own = [it.url for it in story.items]
    return next((u for u in (*papers, *targets, *own) if safe_href(u)), "")


def _arxiv_id(item: DigestItem) -> str | None:
    """The arXiv id of a paper on arXiv or on Hugging Face's daily papers (an arXiv id too)."""
    for prefix in ("arxiv:", "hf:"):
        if item.id.startswith(prefix) and item.kind == "paper":
            return item.id.removeprefix(prefix)
    return None


def _abstract_url(item: DigestItem) -> str:
    """A paper's abstract page: arXiv's, also for a paper known only from Hugging Face."""
    ident = _arxiv_id(item)
    return f"https://arxiv.org/abs/{quote(ident)}" if ident and item.id.startswith("hf:") else item.url


def story_links(story: DigestStory) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """(secondary links, also discussed) as (label, url, evidence): the first item of each
    label beside the title (also when the title links to it, if it has a measure to show:
    an Ask HN thread's points), the rest (a second HN thread, ...) as "also discussed"."""
    main: list[tuple[str, str, str]] = []
    more: list[tuple[str, str, str]] = []
    title_url = article_url(story)
    seen = {title_url}
    labels: set[str] = set()
    for it in story.items:
        if (ident := _arxiv_id(it)) and "PDF" not in labels:
            labels.add("PDF")
            main.append(("PDF", f"https://arxiv.org/pdf/{quote(ident)}", ""))
        label = item_label(it)
        entry = (label, it.url, evidence(it))
        if it.url not in seen:
            (more if label in labels else main).append(entry)
            seen.add(it.url)
        elif it.url == title_url and entry[2] and label not in labels:
            main.append(entry)
        labels.add(label)
        if it.code_url and it.code_url not in seen and "Code" not in labels:
            labels.add("Code")
            seen.add(it.code_url)
            main.append(("Code", it.code_url, ""))
    return main, more


def _linked(entries: Sequence[tuple[str, str, str]]) -> str:
    out = [link(label, url) + (f" ({ev})" if ev else "") for label, url, ev in entries]
    return " · ".join(dict.fromkeys(out))


def source_links(items: Sequence[DigestItem]) -> str:
    """Every item as a labelled link with its evidence; arXiv papers also get their PDF."""
    out: list[str] = []
    for it in items:
        ev = evidence(it)
        out.append(link(item_label(it), it.url) + (f" ({ev})" if ev else ""))
        if ident := _arxiv_id(it):
            out.append(link("PDF", f"https://arxiv.org/pdf/{quote(ident)}"))
    return " · ".join(dict.fromkeys(out))


def why(story: DigestStory) -> str:
    """The collapsible score breakdown: nonzero contributions, largest first."""
    parts = sorted(story.breakdown.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
    rows = [f"    - {_SIGNAL_NAMES.get(k) or text(k)}: {v:+.2f}" for k, v in parts if v]
    body = "\n".join(rows) or "    - no signals recorded"
    return f'??? note "Why this is here"\n\n    Score {story.score:.2f}:\n\n{body}\n'


def _title(story: DigestStory) -> str:
    first = article_url(story)
    return link(story.title, first) if first else text(story.title)


def story_block(story: DigestStory, *, base: str = "", linked: Collection[str] | None = None) -> str:
    """One story card: ranked title -> the article (anchor #story-N); topic badge and the
    other sources with their evidence; summary; also discussed; why this is here (folded)."""
    lines = [f"### {story.rank}. {_title(story)} {{ #story-{story.rank} }}", ""]
    main, more = story_links(story)
    meta_line = " · ".join(p for p in (_badge(story, base, linked), _linked(main)) if p)
    if meta_line:
        lines += [meta_line, "{ .hub-sources }", ""]
    if story.summary.strip():
        lines += [text(story.summary), ""]
    if more:
        lines += [f"Also discussed: {_linked(more)}", "{ .hub-also }", ""]
    if story.breakdown:
        lines.append(why(story))
    return "\n".join(lines)


# --- one digest -----------------------------------------------------------------------


def by_topic(stories: Sequence[DigestStory]) -> list[list[DigestStory]]:
    """Stories grouped by topic (unshown topics together); groups ordered by their best rank."""
    groups: dict[str, list[DigestStory]] = defaultdict(list)
    for s in sorted(stories, key=lambda s: s.rank):
        groups[s.topic if shown_topic(s.topic) else "other"].append(s)
    return sorted(groups.values(), key=lambda g: g[0].rank)


def _group_name(group: Sequence[DigestStory]) -> str:
    return group[0].topic_name if shown_topic(group[0].topic) else "More stories"


_CITE = re.compile(r"\\\[(\d{1,3})\\\]")


def cited(d: Digest, s: str) -> str:
    """Escaped text whose "[n]" citations of the digest's story ranks link that story's card."""
    ranks = {st.rank for st in d.stories}
    return _CITE.sub(lambda m: f"[\\[{m[1]}\\]](#story-{m[1]})" if int(m[1]) in ranks else m[0], text(s))


def lead(d: Digest) -> str:
    """Digest.lead (its [n] citations linking the stories), or one from the digest's numbers."""
    if d.lead.strip():
        return cited(d, d.lead)
    if not d.stories:
        return "No stories this week."
    items = d.stats.get("items", sum(len(s.items) for s in d.stories))
    top = [_group_name(g) for g in sorted(by_topic(d.stories), key=lambda g: -len(g))[:3]]
    return (
        f"{_plural(len(d.stories), 'story')} from {_plural(items, 'item')} this week. "
        f"Top topics: {', '.join(text(t) for t in top)}."
    )


def numbers_line(stats: Mapping[str, int]) -> str:
    """'This week in numbers' as one wrapping line (a wide table overflowed phones)."""
    keys = [k for k in _STATS if k in stats]
    keys += sorted(k for k in stats if k not in _STATS and not k.startswith("last_week"))
    return " · ".join(f"**{stats[k]:,}** {_STATS.get(k) or text(k.replace('_', ' '))}" for k in keys)


def _compared(d: Digest) -> bool:
    """Was last week covered well enough to call a topic new or rising?"""
    return d.stats.get("last_week_stories", sum(c.last_week for c in d.topic_counts)) > 0


def _trend(c: TopicCount) -> str:
    if c.last_week == 0:
        return "new"
    if c.this_week == c.last_week:
        return "steady"
    return "rising" if c.this_week > c.last_week else "falling"


def _shown(counts: Iterable[TopicCount]) -> list[TopicCount]:
    return [c for c in counts if shown_topic(c.topic) and c.this_week > 0]


def _topic_link(c: TopicCount, base: str, linked: Collection[str] | None = None) -> str:
    if linked is not None and c.topic not in linked:
        return text(c.name)
    return f"[{text(c.name)}]({_topic_href(c.topic, base)})"


def movers_line(d: Digest, *, base: str = "", linked: Collection[str] | None = None) -> str:
    """'New: A · Rising: B (2 → 5)' from the topic counts; empty when nothing moved."""
    if not _compared(d):
        return ""
    shown = _shown(d.topic_counts)
    new = [c for c in shown if c.last_week == 0]
    rising = sorted(
        (c for c in shown if c.this_week > c.last_week > 0), key=lambda c: -c.this_week / c.last_week
    )
    parts = []
    if new:
        parts.append("**New topics:** " + ", ".join(_topic_link(c, base, linked) for c in new))
    if rising:
        parts.append(
            "**Rising:** "
            + ", ".join(f"{_topic_link(c, base, linked)} ({c.last_week} → {c.this_week})" for c in rising)
        )
    return " · ".join(parts)


def movers(d: Digest, *, base: str = "", linked: Collection[str] | None = None) -> str:
    """The topic table: stories this week, and last week and the trend only when last
    week was covered (columns of dashes said nothing)."""
    shown = _shown(d.topic_counts)
    if not shown:
        return ""
    if not _compared(d):
        rows = [f"| {_topic_link(c, base, linked)} | {c.this_week} |" for c in shown]
        return "| topic | stories |\n|---|---:|\n" + "\n".join(rows) + "\n"
    rows = [
        f"| {_topic_link(c, base, linked)} | {c.this_week} | {c.last_week} | {_trend(c)} |" for c in shown
    ]
    return "| topic | stories | last week | trend |\n|---|---:|---:|---|\n" + "\n".join(rows) + "\n"


def _stories(d: Digest, base: str, linked: Collection[str] | None) -> list[str]:
    out: list[str] = []
    for group in by_topic(d.stories):
        out += [f"## {text(_group_name(group))}", ""]
        if intro := d.topic_intros.get(group[0].topic):
            out += [f"*{cited(d, intro)}*", ""]
        out += [story_block(s, base=base, linked=linked) for s in group]
    return out


def _week_numbers(d: Digest, base: str, linked: Collection[str] | None) -> list[str]:
    out = ["## The week in numbers", ""]
    if line := numbers_line(d.stats):
        out += [line, ""]
    if line := movers_line(d, base=base, linked=linked):
        out += [line, ""]
    if table := movers(d, base=base, linked=linked):
        out += [table]
        if _compared(d) and (svg := topic_volume_svg(_shown(d.topic_counts), compared=True)):
            out += [f'<div class="hub-chart">{svg}</div>', ""]
    return out if len(out) > 2 else []


def digest_body(d: Digest, *, base: str = "", linked: Collection[str] | None = None) -> str:
    """The lead, then the stories grouped by topic; numbers and topic table below them.

    linked: topic ids whose page lists at least one story (None: every shown topic)."""
    out = [lead(d), "", *_stories(d, base, linked), *_week_numbers(d, base, linked)]
    return "\n".join(out)


def _week_links(week: str, base: str, *, papers: bool, permalink: bool) -> str:
    parts = [f"[permalink]({_digest_href(week, base)})"] if permalink else []
    if papers:
        parts.append(f"[every paper of the week]({_papers_href(week, base)})")
    parts += [f"[archive]({base}archive.md)", f"[subscribe]({base}subscribe.md)"]
    return " · ".join(parts)


def digest_markdown(
    digest: Digest, *, site_title: str, linked: Collection[str] | None = None, papers: bool = False
) -> str:
    """The page for one week: docs_dir/digests/<week>.md."""
    head = _front_matter(
        title=meta(f"Week {digest.week}"),
        description=meta(f"{site_title}: week {digest.week}, {_range(digest)}"),
        date=digest.end.isoformat(),
    )
    nav = _week_links(digest.week, "../", papers=papers, permalink=False)
    body = digest_body(digest, base="../", linked=linked)
    return f"{head}\n# Week {text(digest.week)} ({_range(digest)})\n\n{nav}\n{{ .hub-nav }}\n\n{body}"


def index_markdown(
    latest: Digest | None, *, site_title: str, linked: Collection[str] | None = None, papers: bool = False
) -> str:
    """The home page: the latest digest, or a friendly page before the first one."""
    if latest is None:
        return (
            f"{_front_matter(title='Home')}\n# {text(site_title)}\n\n"
            "No digest yet. Collect a week of papers, repositories and posts, then publish it:\n\n"
            "```bash\nhub crawl && hub digest && hub build\n```\n\n"
            "Or try it on a bundled real week with `hub demo`.\n"
        )
    head = _front_matter(
        title=meta(f"Week {latest.week}"), description=meta(f"{site_title}: week {latest.week}")
    )
    nav = _week_links(latest.week, "", papers=papers, permalink=True)
    return (
        f"{head}\n# Week {text(latest.week)} ({_range(latest)})\n\n{nav}\n{{ .hub-nav }}\n\n"
        f"{digest_body(latest, linked=linked)}"
    )


# --- across weeks ---------------------------------------------------------------------


def archive_markdown(digests: Sequence[Digest]) -> str:
    """Every week, newest first, with its story count and top titles."""
    lines = [_front_matter(title="Archive"), "# Archive", ""]
    if not digests:
        lines.append("No digests yet.")
    for d in sorted(digests, key=lambda d: d.week, reverse=True):
        top = "; ".join(text(s.title) for s in sorted(d.stories, key=lambda s: s.rank)[:3])
        lines.append(
            f"- **[Week {text(d.week)}]({_digest_href(d.week, '')})** · {_range(d)} · "
            f"{_plural(len(d.stories), 'story')}" + (f"  \n  {top}" if top else "")
        )
    return "\n".join(lines) + "\n"


def _feed_links(stem: str, base: str) -> str:
    return " · ".join(
        f'<a href="{base}{FEEDS_DIR}/{stem}{ext}" type="{mime}">{label}</a>'
        for label, ext, mime in FEED_FORMATS
    )


def _week_entry(n: int, s: DigestStory, week: str, in_digest: Mapping[str, int], base: str) -> list[str]:
    """The topic's n-th story of the week: a heading (its own search result), sources, summary."""
    # h4: a search result of its own, but not in the table of contents (toc_depth 3).
    # Papers are found on the papers page: not twice.
    hide = " data-search-exclude" if is_paper(s) else ""
    lines = [f"#### {n}. {_title(s)} {{ #s-{slug(s.story_id)}{hide} }}", ""]
    extra = []
    if (rank := in_digest.get(s.story_id)) is not None:
        extra.append(f"[#{rank} in the digest]({_digest_href(week, base)}#story-{rank})")
    main, more = story_links(s)
    if links := " · ".join(p for p in (*extra, _linked(main + more)) if p):
        lines += [links, "{ .hub-sources }", ""]
    if s.summary.strip():  # shown, not indexed: it would double the search index
        lines += [text(_short(s.summary)), "{ .hub-summary data-search-exclude }", ""]
    return lines


def _short(s: str, limit: int = 240) -> str:
    s = " ".join(s.split())
    return s if len(s) <= limit else s[: limit - 1].rsplit(" ", 1)[0] + "…"


def topic_markdown(
    topic_id: str,
    topic_name: str,
    entries: Sequence[tuple[str, DigestStory]],
    *,
    week: str = "",
    this_week: Sequence[DigestStory] = (),
    in_digest: Mapping[str, int] | None = None,
    feeds: bool = True,
) -> str:
    """One topic: every story of `week` in it (ranked, with summary), then the digest
    stories of earlier weeks, newest week first, each linking back to its digest."""
    fields: dict[str, object] = {"title": meta(topic_name)}
    if feeds:
        fields["feed"] = f"topics/{slug(topic_id)}"
    lines = [_front_matter(**fields), f"# {text(topic_name)}", ""]
    if feeds:
        lines += [f"Follow this topic: {_feed_links('topics/' + slug(topic_id), '../')}", ""]
    if this_week:
        lines += [f"## Week {text(week)}: {_plural(len(this_week), 'story')}", ""]
        for n, s in enumerate(sorted(this_week, key=lambda s: s.rank), 1):
            lines += _week_entry(n, s, week, in_digest or {}, "../")
    earlier = [(w, s) for w, s in entries if not (this_week and w == week)]
    if not earlier and not this_week:
        lines.append("No story of this topic has made a digest yet.")
    lines += _earlier(earlier, titled=bool(this_week))
    return "\n".join(lines)


def _earlier(entries: Sequence[tuple[str, DigestStory]], *, titled: bool) -> list[str]:
    by_week: dict[str, list[DigestStory]] = defaultdict(list)
    for week, story in entries:
        by_week[week].append(story)
    lines = ["## Earlier digests", ""] if titled and by_week else []
    level = "###" if titled else "##"
    for week in sorted(by_week, reverse=True):
        lines += [f"{level} [Week {text(week)}]({_digest_href(week, '../')})", ""]
        for s in sorted(by_week[week], key=lambda s: s.rank):
            anchor = f"{_digest_href(week, '../')}#story-{s.rank}"
            parts = [f"**{_title(s)}** ([#{s.rank}]({anchor}))"]
            parts += [text(s.summary)] if s.summary.strip() else []
            parts += [links] if (links := source_links(s.items)) else []
            lines.append("- " + "  \n  ".join(parts))  # hard line breaks inside one list item
        lines.append("")
    return lines


def topics_index_markdown(topics: Sequence[tuple[str, str, int, str]]) -> str:
    """topics/index.md from (topic id, name, stories, latest week), most stories first.

    Only topics whose page lists a story get a row (and a link)."""
    lines = [_front_matter(title="Topics"), "# Topics", ""]
    rows = [t for t in topics if t[2] > 0 and shown_topic(t[0])]
    if not rows:
        return "\n".join([*lines, "No topics yet.", ""])
    lines += ["| topic | stories | latest week |", "|---|---:|---|"]
    for tid, name, count, week in sorted(rows, key=lambda t: (-t[2], t[1].lower())):
        latest = f"[{text(week)}]({_digest_href(week, '../')})" if week else "—"
        lines.append(f"| [{text(name)}]({slug(tid)}.md) | {count} | {latest} |")
    return "\n".join([*lines, "", "Topics with no story this week or in a digest have no page.", ""])


# --- the week's papers ----------------------------------------------------------------


def is_paper(story: DigestStory) -> bool:
    return any(it.kind == "paper" for it in story.items)


def _paper_line(s: DigestStory, week: str, in_digest: Mapping[str, int]) -> list[str]:
    """One paper: its title (a heading: one search result each) -> abstract page; then
    PDF, HF page with upvotes, code, the digest rank."""
    ident = next((it.id for it in s.items if it.kind == "paper"), s.story_id)
    parts = []
    if (rank := in_digest.get(s.story_id)) is not None:
        parts.append(f"**[#{rank} in the digest]({_digest_href(week, '../')}#story-{rank})**")
    main, _ = story_links(s)
    parts += [_linked([e for e in main if e[0] in ("PDF", "HF", "Code", "HN thread", "Reddit")])]
    lines = [f"#### {_title(s)} {{ #{slug(ident.replace(':', '-').replace('.', '-'))} }}", ""]
    if line := " · ".join(p for p in parts if p):
        lines += [line, ""]
    return lines


def papers_markdown(week: str, stories: Sequence[DigestStory], in_digest: Mapping[str, int]) -> str:
    """Every paper of the week, grouped by topic (best-ranked group first), one entry each."""
    papers = sorted((s for s in stories if is_paper(s)), key=lambda s: s.rank)
    head = _front_matter(title=meta(f"Papers of week {week}"), hide=["toc"])
    lines = [head, f"# Papers of week {text(week)}", ""]
    if not papers:
        return "\n".join([*lines, "No papers this week.", ""])
    lines += [
        f"{_plural(len(papers), 'paper')} that hub kept this week, grouped by topic, "
        f"best-ranked first. [Back to the digest]({_digest_href(week, '../')}).",
        "",
    ]
    for group in by_topic(papers):
        lines += [f"## {text(_group_name(group))} ({len(group)})", ""]
        for s in group:
            lines += _paper_line(s, week, in_digest)
    return "\n".join(lines)


# --- subscribe ------------------------------------------------------------------------


def subscribe_markdown(topics: Sequence[tuple[str, str]], *, install: str = _INSTALL) -> str:
    """The Subscribe page: the digest's feeds, one line of feeds per topic that has them,
    email, and how to run your own hub."""
    lines = [
        _front_matter(title="Subscribe"),
        "# Subscribe",
        "",
        "## Feeds",
        "",
        f"The weekly digest, each week one entry with its full content: {_feed_links('digest', '')}.",
        "",
    ]
    if topics:
        lines += ["One topic only (an entry per story that made a digest):", ""]
        lines += [
            f"- [{text(n)}]({_topic_href(t, '')}): {_feed_links('topics/' + slug(t), '')}" for t, n in topics
        ]
        lines.append("")
    return "\n".join([*lines, _EMAIL_AND_INSTALL.format(install=install)])
