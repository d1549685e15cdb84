"""`hub demo`: the whole pipeline on a bundled real week, offline, with no API key.

The snapshot (w16-2025.tar.xz) holds real recorded files, unchanged: arXiv daily
listings, the Hacker News top stories and GitHub trending pages of 2025-04-14 ..
2025-04-20. See PROVENANCE.md inside it and build_snapshot.py for how it is made.
"""

from __future__ import annotations

import os
import shlex
import shutil
import tarfile
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from hub.config import CONFIG_NAME, default_toml, load_config
from hub.core import Progress, make_hub
from hub.exceptions import HubError
from hub.types import BuildResult, Digest, ImportResult

SNAPSHOT = "w16-2025.tar.xz"


@dataclass(frozen=True)
class DemoResult:
    workdir: Path
    imports: list[ImportResult]
    digest: Digest
    build: BuildResult
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def index_html(self) -> Path:
        return self.build_dir / "index.html"

    @property
    def build_dir(self) -> Path:
        return Path(self.build.site_dir)


def extract_snapshot(dest: Path) -> list[Path]:
    """Unpack the bundled snapshot into dest; return the data files (sorted)."""
    dest.mkdir(parents=True, exist_ok=True)
    with resources.as_file(resources.files("hub.demo").joinpath(SNAPSHOT)) as archive:
        if not archive.is_file():
            raise HubError(f"the demo snapshot {SNAPSHOT} is missing from the installed package")
        with tarfile.open(archive, "r:xz") as tar:
            tar.extractall(dest, filter="data")
    return sorted(
        p
        for p in dest.rglob("*")
        if p.is_file() and p.suffix in (".json", ".jsonl", ".md") and p.name != "PROVENANCE.md"
    )


def prepare_workdir(workdir: Path) -> Path:
    """A fresh workspace: hub.toml (if absent), an empty database and no stale pages."""
    workdir.mkdir(parents=True, exist_ok=True)
    cfg = workdir / CONFIG_NAME
    if not cfg.exists():
        cfg.write_text(default_toml(), encoding="utf-8")
    for stale in ("data", "public", "site/digests", "site/topics", "snapshot"):
        shutil.rmtree(workdir / stale, ignore_errors=True)
    return cfg


def run_demo(workdir: Path, *, progress: Progress | None = None) -> DemoResult:
    """extract -> import -> resolve/topics -> rank/summarize/digest -> site build."""
    timings: dict[str, float] = {}
    t = time.perf_counter()
    cfg_path = prepare_workdir(workdir)
    config = load_config(cfg_path, env={}, workspace=workdir.resolve())
    files = extract_snapshot(workdir / "snapshot")
    timings["extract"] = time.perf_counter() - t
    with make_hub(config) as hub:
        t = time.perf_counter()
        imports = hub.import_paths(files, progress=progress)
        timings["import"] = time.perf_counter() - t
        t = time.perf_counter()
        digest = hub.digest(progress=progress)
        timings["analyze+digest"] = time.perf_counter() - t
        t = time.perf_counter()
        build = hub.build_site()
        timings["site"] = time.perf_counter() - t
    return DemoResult(workdir.resolve(), imports, digest, build, timings)


def shown_path(path: Path, cwd: Path) -> str:
    """path as the user would type it from cwd: relative below cwd, else absolute."""
    target, here = path.resolve(), cwd.resolve()
    return os.path.relpath(target, here) if target.is_relative_to(here) else str(target)


def next_commands(workdir: Path, digest: Digest, cwd: Path) -> list[tuple[str, str]]:
    """What to run after the demo, in order, from `cwd`: (command, what it shows).

    The first is `cd` into the demo's folder, where its hub.toml (and so its database)
    is found; the folder is named relative to cwd when it lies below it.
    """
    shown = shown_path(workdir, cwd)
    top = digest.stories[0].story_id if digest.stories else "ID"
    return [
        (f"cd {shlex.quote(shown)}", "its hub.toml points every command at the demo's database"),
        ("hub digest --limit 10", "a shorter digest, printed only (the stored one stays)"),
        ("hub search reasoning", "full-text search over everything loaded"),
        (f"hub explain {top}", "why the top story is what it is: its items, joins and score"),
        ("hub status", "what the database holds"),
        ("hub serve", "the site on http://127.0.0.1:8000/ (search works there)"),
    ]
