"""The MkDocs-material site: generated pages under docs_dir, the scaffold, the build.

Generated (rewritten by every `write_site`): index.md, archive.md, subscribe.md,
digests/*.md, topics/*.md and papers/<week>.md; a stale page is removed only inside
digests/, topics/ and papers/ (a papers page stays while its week has a digest: it is
written while that week is the latest, from every paper of the week).
Hand-written (copied from hub/publishers/templates only when missing, never
overwritten): mkdocs.yml, overrides/ (beside mkdocs.yml), about.md,
assets/extra.css.
The build runs `python -m mkdocs` in a child process: MkDocs keeps global state
(plugins, logging) that a long-lived process should not inherit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

from hub.config import Config
from hub.digest import render, select
from hub.exceptions import PublishError
from hub.files import write_atomic
from hub.publishers import child
from hub.types import BuildResult, Digest, DigestStory, Item, Score, Story, Summary, Topic
from hub.weeks import parse_week

if TYPE_CHECKING:
    from hub.store import Store

GENERATED_DIRS = ("digests", "topics", "papers")
# No tags page: a tag on topic pages outweighed every other match in the site search.
SCAFFOLD = ("about.md", "assets/extra.css")
OVERRIDES = ("overrides/main.html", "overrides/partials/social.html")
BUILD_TIMEOUT_S = 600.0

TopicEntries = dict[str, tuple[str, list[tuple[str, DigestStory]]]]


@dataclass(frozen=True)
class WeekPages:
    """Every story of one week (ranked, best first, as DigestStory values with rank =
    place in the week), for the topic pages' full lists and the week's papers page."""

    week: str
    stories: tuple[DigestStory, ...] = ()
    in_digest: Mapping[str, int] = field(default_factory=dict)  # story id -> digest rank


def week_pages(
    digest: Digest,
    stories: Sequence[Story],
    items: Mapping[str, Item],
    assigned: Mapping[str, tuple[str, float, float]],
    topics: Mapping[str, Topic],
    scores: Mapping[str, float],
    summaries: Mapping[str, str],
) -> WeekPages:
    """Every story of the digest's week, ranked: by its stored score, then (stories the
    store holds no score for) by how many items and how much measured attention it has."""
    start, end = parse_week(digest.week)
    ranked = sorted(stories, key=lambda st: _order(st, items, scores))
    out = []
    for n, st in enumerate(ranked, 1):
        tid = assigned.get(st.id, ("other", 0.0, 0.0))[0]
        topic = topics.get(tid, Topic(tid, tid, seed=False))
        lead = items.get(st.lead_item)
        text = summaries.get(st.id) or (lead.text if lead else "")
        score = Score(st.id, scores.get(st.id, 0.0))
        story = select.make_story(n, score, st, items, topic, Summary(st.id, text), start, end)
        out.append(DigestStory(**{**_fields(story), "breakdown": {}}))
    return WeekPages(digest.week, tuple(out), {s.story_id: s.rank for s in digest.stories})


def stored_week_pages(store: Store, digest: Digest) -> WeekPages:
    """`week_pages` for the digest's week, from what the store holds of that week."""
    start, end = parse_week(digest.week)
    stories = store.stories(store.story_ids_in_window(start, end))
    items = {it.id: it for it in store.items([i for s in stories for i in s.item_ids])}
    ids = [s.id for s in stories]
    topics = {t.id: t for t in store.topics()}
    assigned, summaries = store.story_topics(ids), store.story_summaries(ids)
    return week_pages(digest, stories, items, assigned, topics, store.week_scores(digest.week), summaries)


def _fields(story: DigestStory) -> dict[str, Any]:
    return {f: getattr(story, f) for f in DigestStory.__slots__}


def _order(st: Story, items: Mapping[str, Item], scores: Mapping[str, float]) -> tuple[Any, ...]:
    if st.id in scores:
        return (0, -scores[st.id], st.id)
    attention = 0.0
    for i in st.item_ids:
        extra = items[i].extra if i in items else {}
        attention += sum(
            float(v) for k in ("points", "upvotes", "score") if isinstance(v := extra.get(k), int | float)
        )
    return (1, -len(st.item_ids), -attention, st.id)


# --- scaffold -------------------------------------------------------------------------


def _template(name: str) -> bytes:
    return resources.files("hub.publishers").joinpath("templates", name).read_bytes()


def _feed_href(site_url: str, path: str) -> str:
    """Absolute from site.url when it is set, else relative (overrides/partials/social.html
    makes it relative to each page)."""
    return f"{site_url}{path}"


def theme_text(value: str) -> str:
    """A title for the theme: Material prints `site_name` and `site_description` unescaped
    in most places (`<title>`, the header, `aria-label="…"`), so the characters that would
    open a tag or close an attribute become entities. `&` stays as it is: the few places
    that escape the name again would show `&amp;` for it."""
    return value.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def mkdocs_yml_text(config: Config) -> str:
    """templates/mkdocs.yml with this config's title, URL and paths (relative to the yml)."""
    base = config.mkdocs_yml.parent
    url = config.site.url
    values = {
        "site_name": theme_text(config.site.title),
        "site_url": url,
        "site_description": theme_text(config.site.description),
        "docs_dir": Path(os.path.relpath(config.docs_dir, base)).as_posix(),
        "site_dir": Path(os.path.relpath(config.site_dir, base)).as_posix(),
        "custom_dir": "overrides",
        "rss_url": _feed_href(url, "feeds/digest.rss.xml"),
        "atom_url": _feed_href(url, "feeds/digest.atom.xml"),
        "subscribe_url": _feed_href(url, "subscribe.html"),
    }
    # JSON strings are valid YAML scalars, whatever the title contains.
    quoted = {k: json.dumps(v, ensure_ascii=False) for k, v in values.items()}
    return Template(_template("mkdocs.yml").decode("utf-8")).substitute(quoted)


def _placeholders(config: Config) -> dict[str, str]:
    """Generated pages the nav needs before the first digest, so a fresh build passes."""
    return {
        "index.md": render.index_markdown(None, site_title=config.site.title),
        "archive.md": render.archive_markdown([]),
        "subscribe.md": render.subscribe_markdown([]),
        "topics/index.md": render.topics_index_markdown([]),
    }


def ensure_scaffold(config: Config) -> None:
    """mkdocs.yml, overrides/, the hand-written pages and placeholder pages, when missing."""
    if not config.mkdocs_yml.exists():
        write_atomic(config.mkdocs_yml, mkdocs_yml_text(config))
    copies = [(config.docs_dir / n, n) for n in SCAFFOLD]
    copies += [(config.mkdocs_yml.parent / n, n) for n in OVERRIDES]
    for target, name in copies:
        if not target.exists():
            write_atomic(target, _template(name))
    for name, content in _placeholders(config).items():
        if not (config.docs_dir / name).exists():
            _write(config.docs_dir / name, content)


# --- generated pages ------------------------------------------------------------------


def _write(path: Path, content: str) -> Path:
    """Write atomically, and not at all when unchanged (keeps `mkdocs serve` quiet)."""
    if path.is_file() and path.read_bytes() == content.encode("utf-8"):
        return path
    return write_atomic(path, content)  # a reader never sees half a page; WriteError if full


def write_digest_page(config: Config, digest: Digest) -> Path:
    """docs_dir/digests/<week>.md for one digest (what `hub digest` writes)."""
    ensure_scaffold(config)
    page = render.digest_markdown(digest, site_title=config.site.title)
    return _write(config.docs_dir / "digests" / f"{render.slug(digest.week)}.md", page)


def topic_entries(digests: Sequence[Digest]) -> TopicEntries:
    """topic slug -> (name, [(week, story)]) of the digest stories of every shown topic;
    newest digests first wins the name."""
    topics: TopicEntries = {}
    for d in digests:
        for s in d.stories:
            if render.shown_topic(s.topic):
                name, entries = topics.setdefault(render.slug(s.topic), (s.topic_name, []))
                entries.append((d.week, s))
    return topics


def _week_topics(week: WeekPages | None) -> dict[str, tuple[str, list[DigestStory]]]:
    out: dict[str, tuple[str, list[DigestStory]]] = {}
    for s in week.stories if week else ():
        if render.shown_topic(s.topic):
            out.setdefault(render.slug(s.topic), (s.topic_name, []))[1].append(s)
    return out


def feed_topics(digests: Sequence[Digest]) -> list[tuple[str, str]]:
    """(topic slug, name) of every topic with a feed: those with a digest story."""
    return sorted(((t, name) for t, (name, _) in topic_entries(digests).items()), key=lambda t: t[1].lower())


def _topic_pages(digests: Sequence[Digest], week: WeekPages | None) -> dict[str, str]:
    """topics/<id>.md for every shown topic with a story this week or in a digest."""
    entries, this = topic_entries(digests), _week_topics(week)
    wk = week.week if week else ""
    pages, rows = {}, []
    for tid in sorted((set(entries) | set(this)) - {"index"}):
        name, past = entries.get(tid, ("", []))
        name, listed = this.get(tid, (name, []))
        pages[f"topics/{tid}.md"] = render.topic_markdown(
            tid,
            name,
            past,
            week=wk,
            this_week=listed,
            in_digest=week.in_digest if week else {},
            feeds=tid in entries,
        )
        earlier = [w for w, _ in past if not (listed and w == wk)]
        rows.append((tid, name, len(listed) + len(earlier), max([*earlier, *([wk] if listed else [])])))
    pages["topics/index.md"] = render.topics_index_markdown(rows)
    return pages


def site_pages(title: str, digests: Sequence[Digest], week: WeekPages | None = None) -> dict[str, str]:
    """Every generated page, docs_dir-relative path -> Markdown, from all digests (and
    every story of the latest week, when given)."""
    unique = {render.slug(d.week): d for d in sorted(digests, key=lambda d: d.week)}
    ordered = sorted(unique.values(), key=lambda d: d.week, reverse=True)
    pages = _topic_pages(ordered, week)
    linked = {p.removeprefix("topics/").removesuffix(".md") for p in pages}
    papers = {week.week} if week and week.stories else set()
    if week and week.stories:
        pages[f"papers/{render.slug(week.week)}.md"] = render.papers_markdown(
            week.week, week.stories, week.in_digest
        )
    latest = ordered[0] if ordered else None
    pages["index.md"] = render.index_markdown(
        latest, site_title=title, linked=linked, papers=bool(latest and latest.week in papers)
    )
    pages["archive.md"] = render.archive_markdown(ordered)
    pages["subscribe.md"] = render.subscribe_markdown(feed_topics(ordered))
    for slug, d in unique.items():
        pages[f"digests/{slug}.md"] = render.digest_markdown(
            d, site_title=title, linked=linked, papers=d.week in papers
        )
    return pages


def _remove_stale(docs: Path, keep: set[Path], weeks: set[str]) -> None:
    for sub in GENERATED_DIRS:
        for path in (docs / sub).glob("*.md"):
            if path in keep or (sub == "papers" and path.stem in weeks):
                continue  # an earlier week's papers page stays while its digest does
            path.unlink()


def write_site(config: Config, digests: Sequence[Digest], week: WeekPages | None = None) -> list[Path]:
    """Rewrite every generated page from the digests; returns the pages written."""
    ensure_scaffold(config)
    docs = config.docs_dir
    pages = site_pages(config.site.title, digests, week)
    weeks = {render.slug(d.week) for d in digests}
    # Earlier weeks' papers pages that are kept are linked from their digest pages.
    kept = {p.stem for p in (docs / "papers").glob("*.md")} & weeks
    for d in digests:
        if render.slug(d.week) in kept and f"papers/{render.slug(d.week)}.md" not in pages:
            pages[f"digests/{render.slug(d.week)}.md"] = render.digest_markdown(
                d, site_title=config.site.title, linked=_linked(pages), papers=True
            )
    written = [_write(docs / rel, content) for rel, content in pages.items()]
    _remove_stale(docs, set(written), weeks)
    return written


def _linked(pages: Mapping[str, str]) -> set[str]:
    return {p.removeprefix("topics/").removesuffix(".md") for p in pages if p.startswith("topics/")}


# --- mkdocs ---------------------------------------------------------------------------


def _mkdocs(
    args: list[str], config: Config, *, capture: bool = False, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m mkdocs ...` as a child that is stopped whenever this call ends (child.run)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    cmd = [sys.executable, "-m", "mkdocs", *args, "-f", str(config.mkdocs_yml)]
    return child.run(cmd, cwd=config.mkdocs_yml.parent, env=env, capture=capture, timeout=timeout)


def failure_detail(output: str, returncode: int) -> str:
    """The lines of mkdocs output that say what went wrong (warnings, errors, the abort)."""
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith("INFO")]
    important = [ln for ln in lines if ln.startswith(("WARNING", "ERROR", "Error", "Aborted"))]
    return " | ".join((important or lines)[-5:]) or f"exit code {returncode}"


def build_site(config: Config, *, strict: bool = True) -> BuildResult:
    """`mkdocs build` (strict: any warning fails the build) into site_dir."""
    ensure_scaffold(config)
    start = time.perf_counter()
    args = ["build", "--clean", *(["--strict"] if strict else [])]
    try:
        proc = _mkdocs(args, config, capture=True, timeout=BUILD_TIMEOUT_S)
    except subprocess.TimeoutExpired as e:
        raise PublishError(f"mkdocs build timed out after {BUILD_TIMEOUT_S:.0f} s") from e
    except child.Stopped as e:  # mkdocs is stopped too: nothing goes on writing site_dir
        raise PublishError(f"site build {e}; {config.site_dir} may be incomplete: build again") from e
    if proc.returncode != 0:
        detail = failure_detail(f"{proc.stderr}\n{proc.stdout}", proc.returncode)
        raise PublishError(f"mkdocs build failed: {detail}")
    pages = sum(1 for _ in config.site_dir.rglob("*.html"))
    return BuildResult(str(config.site_dir), pages, time.perf_counter() - start)


def serve_site(config: Config, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """The MkDocs dev server (rebuilds on edits) until Ctrl-C or SIGTERM, which stop it too."""
    ensure_scaffold(config)
    try:
        # Not captured: the reader sees "Serving on http://..." and the rebuild log.
        proc = _mkdocs(["serve", "-a", f"{host}:{port}"], config)
    except (KeyboardInterrupt, child.Stopped):
        return
    if proc.returncode not in (0, -2, 130):  # -2/130: stopped with Ctrl-C
        raise PublishError(f"mkdocs serve exited with code {proc.returncode} (its output is above)")
