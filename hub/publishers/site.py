"""The MkDocs-material site: generated pages under docs_dir, the scaffold, the build.

Generated (rewritten on every `hub build`): index.md, archive.md, digests/, topics/.
Hand-written (copied from templates only when missing, never overwritten):
about.md, subscribe.md, tags.md, assets/extra.css, and mkdocs.yml.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from hub.config import Config
from hub.digest import render
from hub.exceptions import PublishError
from hub.types import BuildResult, Digest, DigestStory

GENERATED_DIRS = ("digests", "topics")
SCAFFOLD = ("about.md", "subscribe.md", "tags.md", "assets/extra.css")


def mkdocs_config(config: Config) -> dict[str, Any]:
    """The mkdocs.yml content for a config: offline (system fonts, no CDN), strict-clean."""
    base = config.mkdocs_yml.parent
    return {
        "site_name": config.site.title,
        "site_url": config.site.url,
        "site_description": config.site.description,
        "docs_dir": os.path.relpath(config.docs_dir, base),
        "site_dir": os.path.relpath(config.site_dir, base),
        "use_directory_urls": False,
        "theme": {
            "name": "material",
            "font": False,
            "palette": [
                {
                    "media": "(prefers-color-scheme: light)",
                    "scheme": "default",
                    "toggle": {"icon": "material/weather-night", "name": "Switch to dark mode"},
                },
                {
                    "media": "(prefers-color-scheme: dark)",
                    "scheme": "slate",
                    "toggle": {"icon": "material/weather-sunny", "name": "Switch to light mode"},
                },
            ],
            "features": [
                "navigation.tabs",
                "navigation.top",
                "navigation.indexes",
                "search.suggest",
                "search.highlight",
                "toc.follow",
            ],
        },
        "plugins": ["search", "tags"],
        "markdown_extensions": [
            "admonition",
            "pymdownx.details",
            "pymdownx.superfences",
            "attr_list",
            "tables",
            {"toc": {"permalink": True}},
        ],
        "extra_css": ["assets/extra.css"],
    }


def mkdocs_yml_text(config: Config) -> str:
    head = "# MkDocs site of this hub (written by hub; edit freely — hub never overwrites it).\n"
    body: str = yaml.safe_dump(mkdocs_config(config), sort_keys=False, allow_unicode=True)
    return head + body


def _template(name: str) -> bytes:
    return resources.files("hub.publishers").joinpath("templates", name).read_bytes()


def ensure_scaffold(config: Config) -> None:
    """mkdocs.yml and the hand-written pages, created only when missing."""
    if not config.mkdocs_yml.exists():
        config.mkdocs_yml.parent.mkdir(parents=True, exist_ok=True)
        config.mkdocs_yml.write_text(mkdocs_yml_text(config), encoding="utf-8")
    for name in SCAFFOLD:
        target = config.docs_dir / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_template(name))


def _write(path: Path, content: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(content, encoding="utf-8")
    tmp.replace(path)  # a reader never sees half a page
    return path


def write_digest_page(config: Config, digest: Digest) -> Path:
    ensure_scaffold(config)
    page = render.digest_markdown(digest, site_title=config.site.title)
    return _write(config.docs_dir / "digests" / f"{digest.week}.md", page)


def _topic_entries(digests: Sequence[Digest]) -> dict[str, tuple[str, list[tuple[str, DigestStory]]]]:
    topics: dict[str, tuple[str, list[tuple[str, DigestStory]]]] = defaultdict(lambda: ("", []))
    for d in digests:  # every topic a digest links to gets a page, even without stories yet
        for c in d.topic_counts:
            if c.topic not in topics:
                topics[c.topic] = (c.name, [])
        for s in d.stories:
            name, entries = topics[s.topic]
            topics[s.topic] = (s.topic_name, [*entries, (d.week, s)])
    return dict(topics)


def write_site(config: Config, digests: Sequence[Digest]) -> list[Path]:
    """Rewrite every generated page from the digests (newest first is not required)."""
    ensure_scaffold(config)
    docs = config.docs_dir
    for sub in GENERATED_DIRS:
        shutil.rmtree(docs / sub, ignore_errors=True)
    ordered = sorted(digests, key=lambda d: d.week, reverse=True)
    title = config.site.title
    written = [
        _write(docs / "index.md", render.index_markdown(ordered[0] if ordered else None, site_title=title)),
        _write(docs / "archive.md", render.archive_markdown(ordered)),
    ]
    written += [write_digest_page(config, d) for d in ordered]
    for topic, (name, entries) in sorted(_topic_entries(ordered).items()):
        written.append(_write(docs / "topics" / f"{topic}.md", render.topic_markdown(topic, name, entries)))
    return written


def _mkdocs(args: list[str], config: Config, **kw: Any) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    cmd = [sys.executable, "-m", "mkdocs", *args, "-f", str(config.mkdocs_yml)]
    return subprocess.run(cmd, cwd=config.mkdocs_yml.parent, env=env, text=True, **kw)


def build_site(config: Config, *, strict: bool = True) -> BuildResult:
    """`mkdocs build` (strict: any warning fails the build) into site_dir."""
    ensure_scaffold(config)
    start = time.perf_counter()
    proc = _mkdocs(["build", *(["--strict"] if strict else [])], config, capture_output=True)
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr + proc.stdout).splitlines() if ln.strip()]
        detail = " | ".join(lines[-4:]) or f"exit code {proc.returncode}"
        raise PublishError(f"mkdocs build failed: {detail}")
    pages = sum(1 for _ in config.site_dir.rglob("*.html"))
    return BuildResult(str(config.site_dir), pages, time.perf_counter() - start)


def serve_site(config: Config, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """The MkDocs dev server (live reload) until interrupted."""
    ensure_scaffold(config)
    try:
        _mkdocs(["serve", "-a", f"{host}:{port}"], config, check=False)
    except KeyboardInterrupt:
        return
