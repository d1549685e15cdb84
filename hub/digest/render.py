"""Render digests to Markdown pages for the MkDocs site. Pure: values in, strings out.

Everything that came from the web (titles, summaries, sources, URLs) passes
through `text()` or `link()` first: HTML is escaped, Markdown syntax is
neutralized, and only http(s) URLs become links.
"""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from urllib.parse import quote, urlsplit

from hub.types import Digest, DigestItem, DigestStory, TopicCount

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")
_LABELS = {"hn": "HN thread", "reddit": "Reddit", "hf": "Hugging Face", "github": "Code"}
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
    "off_topic_penalty": "off-topic penalty",
}


def text(s: str) -> str:
    """Web text -> inert Markdown: HTML escaped, Markdown syntax backslash-escaped, one line."""
    s = " ".join(s.split())
    # Markdown first (backslashes), then HTML: '<' '>' '&' become entities Markdown leaves alone.
    return html.escape(_MD_SPECIAL.sub(r"\\\1", s), quote=False)


def safe_href(url: str) -> str | None:
    """An http(s) URL with the characters that could break out of a Markdown link encoded."""
    url = url.strip()
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        return None
    return quote(url, safe=":/?#@!$&*+,;=%~-._[]")


def link(label: str, url: str) -> str:
    href = safe_href(url)
    return f"[{text(label)}]({href})" if href else text(label)


def _front_matter(**fields: object) -> str:
    # JSON values are valid YAML and escape everything that needs it.
    lines = [f"{k}: {json.dumps(v, ensure_ascii=False, default=str)}" for k, v in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n"


def item_label(item: DigestItem) -> str:
    if item.kind == "paper" and item.source == "arxiv":
        return "Paper"
    if item.kind == "release":
        return "Release"
    if item.source.startswith("feed:"):
        return "Blog"
    return _LABELS.get(item.source, item.source or item.kind)


def source_links(items: Sequence[DigestItem]) -> str:
    out = []
    for it in items:
        out.append(link(item_label(it), it.url))
        if it.id.startswith("arxiv:"):
            out.append(link("PDF", f"https://arxiv.org/pdf/{it.id.removeprefix('arxiv:')}"))
    return " · ".join(dict.fromkeys(out))


def why(story: DigestStory) -> str:
    parts = sorted(story.breakdown.items(), key=lambda kv: -abs(kv[1]))
    rows = [f"    - {_SIGNAL_NAMES.get(k, text(k))}: {v:+.2f}" for k, v in parts if v]
    body = "\n".join(rows) or "    - no signals"
    return f'??? note "Why this is here (score {story.score:.2f})"\n\n{body}\n'


def story_block(story: DigestStory, *, base: str = "") -> str:
    first = story.items[0].url if story.items else ""
    title = link(story.title, first) if first else text(story.title)
    topic = f"[{text(story.topic_name)}]({base}topics/{story.topic}.md)"
    lines = [f"### {story.rank}. {title}", "", f"*{topic}*", ""]
    if story.summary:
        lines += [text(story.summary), ""]
    lines += [source_links(story.items), "", why(story)]
    return "\n".join(lines)


def _by_topic(stories: Sequence[DigestStory]) -> list[tuple[str, str, list[DigestStory]]]:
    groups: dict[str, list[DigestStory]] = defaultdict(list)
    for s in stories:
        groups[s.topic].append(s)
    ordered = sorted(groups.values(), key=lambda g: min(s.rank for s in g))
    return [(g[0].topic, g[0].topic_name, g) for g in ordered]


def numbers_table(stats: dict[str, int]) -> str:
    keys = [k for k in ("items", "papers", "repos", "posts", "stories", "joined", "sources") if k in stats]
    # (last_week_stories is bookkeeping for the topic table, not a number for readers)
    if not keys:
        return ""
    return (
        "| "
        + " | ".join(keys)
        + " |\n|"
        + "---:|" * len(keys)
        + "\n| "
        + " | ".join(str(stats[k]) for k in keys)
        + " |\n"
    )


def _trend(c: TopicCount, compared: bool) -> str:
    if not compared:
        return "—"
    if c.last_week == 0:
        return "new"
    if c.this_week == c.last_week:
        return "steady"
    return "rising" if c.this_week > c.last_week else "falling"


def movers(counts: Iterable[TopicCount], *, base: str = "", compared: bool = True) -> str:
    rows = []
    for c in counts:
        if c.topic == "other" or c.this_week == 0:
            continue
        last = str(c.last_week) if compared else "—"
        name = f"[{text(c.name)}]({base}topics/{c.topic}.md)"
        rows.append(f"| {name} | {c.this_week} | {last} | {_trend(c, compared)} |")
    if not rows:
        return ""
    return "| topic | stories | last week | trend |\n|---|---:|---:|---|\n" + "\n".join(rows) + "\n"


def digest_body(d: Digest, *, base: str = "") -> str:
    out = [text(d.lead), "", "## This week in numbers", "", numbers_table(d.stats)]
    compared = d.stats.get("last_week_stories", 1) > 0
    if mv := movers(d.topic_counts, base=base, compared=compared):
        out += ["## Topics this week", "", mv]
    for _, name, stories in _by_topic(d.stories):
        out += [f"## {text(name)}", ""]
        out += [story_block(s, base=base) for s in stories]
    return "\n".join(out)


def _range(d: Digest) -> str:
    return f"{d.start:%b %d} – {d.end:%b %d, %Y}"


def digest_markdown(d: Digest, *, site_title: str) -> str:
    tags = list(dict.fromkeys(s.topic_name for s in d.stories))
    head = _front_matter(title=f"{d.week}: {site_title}", date=d.end.isoformat(), tags=tags)
    return f"{head}\n# Week {d.week} ({_range(d)})\n\n{digest_body(d, base='../')}"


def index_markdown(latest: Digest | None, *, site_title: str) -> str:
    head = _front_matter(title=site_title)
    if latest is None:
        return f"{head}\n# {text(site_title)}\n\nNo digest yet: run `hub digest`, then `hub build`.\n"
    return (
        f"{head}\n# {text(site_title)}\n\n**Latest: week {latest.week}** ({_range(latest)}) · "
        f"[permalink](digests/{latest.week}.md) · [archive](archive.md)\n\n{digest_body(latest)}"
    )


def archive_markdown(digests: Sequence[Digest]) -> str:
    lines = [_front_matter(title="Archive"), "# Archive", ""]
    for d in sorted(digests, key=lambda d: d.week, reverse=True):
        top = "; ".join(text(s.title) for s in d.stories[:3])
        lines.append(f"- [{d.week}](digests/{d.week}.md) · {_range(d)} · {len(d.stories)} stories — {top}")
    if not digests:
        lines.append("No digests yet.")
    return "\n".join(lines) + "\n"


def topic_markdown(topic_id: str, topic_name: str, entries: Sequence[tuple[str, DigestStory]]) -> str:
    lines = [_front_matter(title=topic_name, tags=[topic_name]), f"# {text(topic_name)}", ""]
    by_week: dict[str, list[DigestStory]] = defaultdict(list)
    for week, story in entries:
        by_week[week].append(story)
    if not entries:
        lines.append("No story of this topic has made a digest yet.")
    for week in sorted(by_week, reverse=True):
        lines += [f"## [{week}](../digests/{week}.md)", ""]
        for s in sorted(by_week[week], key=lambda s: s.rank):
            first = s.items[0].url if s.items else ""
            title = link(s.title, first) if first else text(s.title)
            lines += [f"- **{title}** — {text(s.summary)}", f"  {source_links(s.items)}"]
        lines.append("")
    return "\n".join(lines)
