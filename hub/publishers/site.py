"""The MkDocs-material site: generated pages under docs_dir, the scaffold, the build.

Generated (rewritten by every `write_site`): index.md, archive.md, digests/*.md and
topics/*.md; a stale page is removed only inside digests/ and topics/.
Hand-written (copied from hub/publishers/templates only when missing, never
overwritten): mkdocs.yml, about.md, subscribe.md, tags.md, assets/extra.css.
The build runs `python -m mkdocs` in a child process: MkDocs keeps global state
(plugins, logging) that a long-lived process should not inherit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from hub.config import Config
from hub.digest import render
from hub.exceptions import PublishError
from hub.types import BuildResult, Digest, DigestStory

GENERATED_DIRS = ("digests", "topics")
SCAFFOLD = ("about.md", "subscribe.md", "tags.md", "assets/extra.css")
BUILD_TIMEOUT_S = 600.0

TopicEntries = dict[str, tuple[str, list[tuple[str, DigestStory]]]]


# --- scaffold -------------------------------------------------------------------------


def _template(name: str) -> bytes:
    return resources.files("hub.publishers").joinpath("templates", name).read_bytes()


def mkdocs_yml_text(config: Config) -> str:
    """templates/mkdocs.yml with this config's title, URL and paths (relative to the yml)."""
    base = config.mkdocs_yml.parent
    values = {
        "site_name": config.site.title,
        "site_url": config.site.url,
        "site_description": config.site.description,
        "docs_dir": Path(os.path.relpath(config.docs_dir, base)).as_posix(),
        "site_dir": Path(os.path.relpath(config.site_dir, base)).as_posix(),
        "rss_url": f"{config.site.url}feeds/digest.rss.xml",
        "atom_url": f"{config.site.url}feeds/digest.atom.xml",
        "subscribe_url": f"{config.site.url}subscribe.html",
    }
    # JSON strings are valid YAML scalars, whatever the title contains.
    quoted = {k: json.dumps(v, ensure_ascii=False) for k, v in values.items()}
    return Template(_template("mkdocs.yml").decode("utf-8")).substitute(quoted)


def _placeholders(config: Config) -> dict[str, str]:
    """Generated pages the nav needs before the first digest, so a fresh build passes."""
    return {
        "index.md": render.index_markdown(None, site_title=config.site.title),
        "archive.md": render.archive_markdown([]),
        "topics/index.md": render.topics_index_markdown([]),
    }


def ensure_scaffold(config: Config) -> None:
    """mkdocs.yml, the hand-written pages and placeholder home/archive/topics, when missing."""
    if not config.mkdocs_yml.exists():
        config.mkdocs_yml.parent.mkdir(parents=True, exist_ok=True)
        config.mkdocs_yml.write_text(mkdocs_yml_text(config), encoding="utf-8")
    for name in SCAFFOLD:
        target = config.docs_dir / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_template(name))
    for name, content in _placeholders(config).items():
        if not (config.docs_dir / name).exists():
            _write(config.docs_dir / name, content)


# --- generated pages ------------------------------------------------------------------


def _write(path: Path, content: str) -> Path:
    """Write atomically, and not at all when unchanged (keeps `mkdocs serve` quiet)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file() and path.read_text(encoding="utf-8") == content:
        return path
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(content, encoding="utf-8")
    tmp.replace(path)  # a reader never sees half a page
    return path


def write_digest_page(config: Config, digest: Digest) -> Path:
    """docs_dir/digests/<week>.md for one digest (what `hub digest` writes)."""
    ensure_scaffold(config)
    page = render.digest_markdown(digest, site_title=config.site.title)
    return _write(config.docs_dir / "digests" / f"{render.slug(digest.week)}.md", page)


def topic_entries(digests: Sequence[Digest]) -> TopicEntries:
    """topic slug -> (name, [(week, story)]); newest digests first wins the name.

    Every topic a digest links to (its stories and its topic table) gets a page.
    """
    topics: TopicEntries = {}
    for d in digests:
        for c in d.topic_counts:
            topics.setdefault(render.slug(c.topic), (c.name, []))
        for s in d.stories:
            name, entries = topics.setdefault(render.slug(s.topic), (s.topic_name, []))
            entries.append((d.week, s))
    return topics


def _topics_index(topics: TopicEntries) -> str:
    rows = [
        (tid, name, len(entries), max((w for w, _ in entries), default=""))
        for tid, (name, entries) in topics.items()
        if tid != "index"
    ]
    return render.topics_index_markdown(rows)


def site_pages(title: str, digests: Sequence[Digest]) -> dict[str, str]:
    """Every generated page, docs_dir-relative path -> Markdown, from all digests."""
    unique = {render.slug(d.week): d for d in sorted(digests, key=lambda d: d.week)}
    ordered = sorted(unique.values(), key=lambda d: d.week, reverse=True)
    pages = {
        "index.md": render.index_markdown(ordered[0] if ordered else None, site_title=title),
        "archive.md": render.archive_markdown(ordered),
    }
    for week, d in unique.items():
        pages[f"digests/{week}.md"] = render.digest_markdown(d, site_title=title)
    topics = topic_entries(ordered)
    for tid, (name, entries) in topics.items():
        if tid != "index":  # topics/index.md is the list of topics
            pages[f"topics/{tid}.md"] = render.topic_markdown(tid, name, entries)
    pages["topics/index.md"] = _topics_index(topics)
    return pages


def _remove_stale(docs: Path, keep: set[Path]) -> None:
    for sub in GENERATED_DIRS:
        for path in (docs / sub).glob("*.md"):
            if path not in keep:
                path.unlink()


def write_site(config: Config, digests: Sequence[Digest]) -> list[Path]:
    """Rewrite every generated page from the digests; returns the pages written."""
    ensure_scaffold(config)
    docs = config.docs_dir
    written = [_write(docs / rel, content) for rel, content in site_pages(config.site.title, digests).items()]
    _remove_stale(docs, set(written))
    return written


# --- mkdocs ---------------------------------------------------------------------------


def _mkdocs(args: list[str], config: Config, **kw: Any) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    cmd = [sys.executable, "-m", "mkdocs", *args, "-f", str(config.mkdocs_yml)]
    return subprocess.run(cmd, cwd=config.mkdocs_yml.parent, env=env, text=True, **kw)


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
        proc = _mkdocs(args, config, capture_output=True, timeout=BUILD_TIMEOUT_S)
    except subprocess.TimeoutExpired as e:
        raise PublishError(f"mkdocs build timed out after {BUILD_TIMEOUT_S:.0f} s") from e
    if proc.returncode != 0:
        detail = failure_detail(f"{proc.stderr}\n{proc.stdout}", proc.returncode)
        raise PublishError(f"mkdocs build failed: {detail}")
    pages = sum(1 for _ in config.site_dir.rglob("*.html"))
    return BuildResult(str(config.site_dir), pages, time.perf_counter() - start)


def serve_site(config: Config, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """The MkDocs dev server (rebuilds on edits) until interrupted."""
    ensure_scaffold(config)
    try:
        # Not captured: the reader sees "Serving on http://..." and the rebuild log.
        proc = _mkdocs(["serve", "-a", f"{host}:{port}"], config)
    except KeyboardInterrupt:
        return
    if proc.returncode not in (0, -2, 130):  # -2/130: stopped with Ctrl-C
        raise PublishError(f"mkdocs serve exited with code {proc.returncode} (its output is above)")
