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
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import quote, urlsplit

from hub.digest.chart import topic_volume_svg
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
    """One line, no control characters (YAML front matter rejects some of them)."""
    s = "".join(ch for ch in s if unicodedata.category(ch) not in ("Cc", "Cs", "Co"))
    return " ".join(s.split())


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


def source_links(items: Sequence[DigestItem]) -> str:
    """Every item of a story as a labelled link; arXiv papers also get their PDF."""
    out: list[str] = []
    for it in items:
        out.append(link(item_label(it), it.url))
        if it.id.startswith("arxiv:"):
            out.append(link("PDF", f"https://arxiv.org/pdf/{quote(it.id.removeprefix('arxiv:'))}"))
    return " · ".join(dict.fromkeys(out))


def why(story: DigestStory) -> str:
    """The collapsible score breakdown: nonzero contributions, largest first."""
    parts = sorted(story.breakdown.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
    rows = [f"    - {_SIGNAL_NAMES.get(k) or text(k)}: {v:+.2f}" for k, v in parts if v]
    body = "\n".join(rows) or "    - no signals recorded"
    return f'??? note "Why this is here"\n\n    Score {story.score:.2f}:\n\n{body}\n'


def _title(story: DigestStory) -> str:
    first = next((it.url for it in story.items if safe_href(it.url)), "")
    return link(story.title, first) if first else text(story.title)


def story_block(story: DigestStory, *, base: str = "") -> str:
    """One story: ranked heading (anchor #story-N), topic badge, summary, sources, why."""
    topic = f"[{text(story.topic_name)}]({_topic_href(story.topic, base)}){{ .hub-topic }}"
    lines = [f"### {story.rank}. {_title(story)} {{ #story-{story.rank} }}", "", topic, ""]
    if story.summary.strip():
        lines += [text(story.summary), ""]
    if links := source_links(story.items):
        lines += [links, "{ .hub-sources }", ""]
    lines.append(why(story))
    return "\n".join(lines)


# --- one digest -----------------------------------------------------------------------


def by_topic(stories: Sequence[DigestStory]) -> list[list[DigestStory]]:
    """Stories grouped by topic; groups ordered by their best (lowest) rank."""
    groups: dict[str, list[DigestStory]] = defaultdict(list)
    for s in sorted(stories, key=lambda s: s.rank):
        groups[s.topic].append(s)
    return sorted(groups.values(), key=lambda g: g[0].rank)


def lead(d: Digest) -> str:
    """Digest.lead, or one composed from the digest's own numbers."""
    if d.lead.strip():
        return text(d.lead)
    if not d.stories:
        return "No stories this week."
    items = d.stats.get("items", sum(len(s.items) for s in d.stories))
    top = [g[0].topic_name for g in sorted(by_topic(d.stories), key=lambda g: -len(g))[:3]]
    return (
        f"{_plural(len(d.stories), 'story')} from {_plural(items, 'item')} this week. "
        f"Top topics: {', '.join(text(t) for t in top)}."
    )


def numbers_table(stats: Mapping[str, int]) -> str:
    """'This week in numbers': known counters first, bookkeeping (last_week_*) left out."""
    keys = [k for k in _STATS if k in stats]
    keys += sorted(k for k in stats if k not in _STATS and not k.startswith("last_week"))
    if not keys:
        return ""
    head = " | ".join(_STATS.get(k) or text(k.replace("_", " ")) for k in keys)
    values = " | ".join(str(stats[k]) for k in keys)
    return f"| {head} |\n|{'---:|' * len(keys)}\n| {values} |\n"


def _compared(d: Digest) -> bool:
    """Was last week covered well enough to call a topic new or rising?"""
    return d.stats.get("last_week_stories", sum(c.last_week for c in d.topic_counts)) > 0


def _trend(c: TopicCount, compared: bool) -> str:
    if not compared:
        return "—"
    if c.last_week == 0:
        return "new"
    if c.this_week == c.last_week:
        return "steady"
    return "rising" if c.this_week > c.last_week else "falling"


def _shown(counts: Iterable[TopicCount]) -> list[TopicCount]:
    return [c for c in counts if c.topic != "other" and c.this_week > 0]


def movers_line(d: Digest, *, base: str = "") -> str:
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
        parts.append("**New topics:** " + ", ".join(_topic_link(c, base) for c in new))
    if rising:
        parts.append(
            "**Rising:** "
            + ", ".join(f"{_topic_link(c, base)} ({c.last_week} → {c.this_week})" for c in rising)
        )
    return " · ".join(parts)


def _topic_link(c: TopicCount, base: str) -> str:
    return f"[{text(c.name)}]({_topic_href(c.topic, base)})"


def movers(d: Digest, *, base: str = "") -> str:
    """The topic table: stories this week and last week, and the trend."""
    compared = _compared(d)
    rows = [
        f"| {_topic_link(c, base)} | {c.this_week} | {c.last_week if compared else '—'} "
        f"| {_trend(c, compared)} |"
        for c in _shown(d.topic_counts)
    ]
    if not rows:
        return ""
    return "| topic | stories | last week | trend |\n|---|---:|---:|---|\n" + "\n".join(rows) + "\n"


def digest_body(d: Digest, *, base: str = "") -> str:
    """Lead, numbers, topic movers, then the stories grouped by topic."""
    out = [lead(d), ""]
    if table := numbers_table(d.stats):
        out += ["## This week in numbers", "", table]
    if line := movers_line(d, base=base):
        out += [line, ""]
    if table := movers(d, base=base):
        out += ["## Topics this week", "", table]
        compared = d.stats.get("last_week_stories", 1) > 0
        if svg := topic_volume_svg(d.topic_counts, compared=compared):
            out += [f'<div class="hub-chart">{svg}</div>', ""]
    for group in by_topic(d.stories):
        out += [f"## {text(group[0].topic_name)}", ""]
        if intro := d.topic_intros.get(group[0].topic):
            out += [f"*{text(intro)}*", ""]
        out += [story_block(s, base=base) for s in group]
    return "\n".join(out)


def _tags(d: Digest) -> list[str]:
    return list(dict.fromkeys(meta(s.topic_name) for s in d.stories if s.topic_name.strip()))


def digest_markdown(digest: Digest, *, site_title: str) -> str:
    """The page for one week: docs_dir/digests/<week>.md."""
    head = _front_matter(
        title=meta(f"Week {digest.week}"),
        description=meta(f"{site_title}: week {digest.week}, {_range(digest)}"),
        date=digest.end.isoformat(),
        tags=_tags(digest),
    )
    return f"{head}\n# Week {text(digest.week)} ({_range(digest)})\n\n{digest_body(digest, base='../')}"


def index_markdown(latest: Digest | None, *, site_title: str) -> str:
    """The home page: the latest digest, or a friendly page before the first one."""
    if latest is None:
        return (
            f"{_front_matter(title='Home')}\n# {text(site_title)}\n\n"
            "No digest yet. Collect a week of papers, repositories and posts, then publish it:\n\n"
            "```bash\nhub crawl && hub digest && hub build\n```\n\n"
            "Or try it on a bundled real week with `hub demo`.\n"
        )
    head = _front_matter(title=meta(f"Latest: week {latest.week}"), tags=_tags(latest))
    return (
        f"{head}\n# {text(site_title)}\n\n**Week {text(latest.week)}** ({_range(latest)}) · "
        f"[permalink]({_digest_href(latest.week, '')}) · [archive](archive.md)\n\n{digest_body(latest)}"
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


def topic_markdown(topic_id: str, topic_name: str, entries: Sequence[tuple[str, DigestStory]]) -> str:
    """One topic across weeks, newest week first, each week linking back to its digest."""
    head = _front_matter(title=meta(topic_name), tags=[meta(topic_name)] if topic_name.strip() else [])
    lines = [head, f"# {text(topic_name)}", ""]
    by_week: dict[str, list[DigestStory]] = defaultdict(list)
    for week, story in entries:
        by_week[week].append(story)
    if not entries:
        lines.append("No story of this topic has made a digest yet.")
    for week in sorted(by_week, reverse=True):
        lines += [f"## [Week {text(week)}]({_digest_href(week, '../')})", ""]
        for s in sorted(by_week[week], key=lambda s: s.rank):
            anchor = f"{_digest_href(week, '../')}#story-{s.rank}"
            parts = [f"**{_title(s)}** ([#{s.rank}]({anchor}))"]
            parts += [text(s.summary)] if s.summary.strip() else []
            parts += [links] if (links := source_links(s.items)) else []
            lines.append("- " + "  \n  ".join(parts))  # hard line breaks inside one list item
        lines.append("")
    return "\n".join(lines)


def topics_index_markdown(topics: Sequence[tuple[str, str, int, str]]) -> str:
    """topics/index.md from (topic id, name, stories, latest week), most stories first."""
    lines = [_front_matter(title="Topics"), "# Topics", ""]
    if not topics:
        return "\n".join([*lines, "No topics yet.", ""])
    lines += ["| topic | stories in digests | latest week |", "|---|---:|---|"]
    for tid, name, count, week in sorted(topics, key=lambda t: (-t[2], t[1].lower())):
        latest = f"[{text(week)}]({_digest_href(week, '../')})" if week else "—"
        lines.append(f"| [{text(name)}]({slug(tid)}.md) | {count} | {latest} |")
    return "\n".join([*lines, "", "Every story is also tagged with its topic: see [tags](../tags.md).", ""])
