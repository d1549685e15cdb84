"""Crawl planning and the crawler process.

`plan_requests()` turns a configured source into the URLs to fetch (pure). `run_crawl()`
starts the Scrapy project in `spiders/` in a child process (Twisted's reactor runs once
per process, and a child can be killed without harming the caller), streams its
progress events, and returns when it exits. The child is the database's only writer
while it runs; every fetch and its items are committed together.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from hub.config import Config
from hub.exceptions import CrawlError

DEFAULT_BASES = {
    "arxiv": "http://export.arxiv.org/api/query",
    "hf": "https://huggingface.co/api/daily_papers",
    "hn": "https://hn.algolia.com/api/v1/search_by_date",
    "github": "https://github.com/trending",
    "github-api": "https://api.github.com",
    "reddit": "https://www.reddit.com",
}
FORMAT_OF_KIND = {
    "arxiv": "arxiv-atom",
    "hf": "hf-daily",
    "hn": "hn-algolia",
    "github": "github-trending-html",
    "reddit": "reddit-listing",
    "feed": "feed",
}
KINDS = tuple(FORMAT_OF_KIND)


@dataclass(frozen=True)
class PlannedRequest:
    url: str
    format: str
    etag: str | None = None
    last_modified: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SourcePlan:
    name: str
    kind: str
    requests: tuple[PlannedRequest, ...]
    params: dict[str, Any] = field(default_factory=dict)


def _base(source: Mapping[str, Any], key: str | None = None) -> str:
    return (source.get("url") or DEFAULT_BASES[key or source["kind"]]).rstrip("/")


def _arxiv(source: Mapping[str, Any], since: dt.datetime) -> list[PlannedRequest]:
    cats = source["params"].get("categories") or ["cs.CL", "cs.LG", "cs.AI"]
    total = int(source["params"].get("max_results", 200))
    query = " OR ".join(f"cat:{c}" for c in cats)
    if terms := source["params"].get("queries"):  # e.g. ["retrieval augmented", "agent"]
        words = " OR ".join(f'all:"{t}"' for t in terms)
        query = f"({query}) AND ({words})"
    page = min(100, total)
    qs = urlencode(
        {
            "search_query": query,
            "sortBy": "submittedDate",
            "sortOrder": "descending",
            "start": 0,
            "max_results": page,
        }
    )
    meta = {"page_size": page, "max_results": total, "since": since.isoformat()}
    return [PlannedRequest(f"{_base(source)}?{qs}", "arxiv-atom", meta=meta)]


def _hf(source: Mapping[str, Any], since: dt.datetime, now: dt.datetime) -> list[PlannedRequest]:
    days = (now.date() - since.date()).days
    dates = [since.date() + dt.timedelta(days=n) for n in range(days + 1)]
    return [PlannedRequest(f"{_base(source)}?date={d.isoformat()}", "hf-daily") for d in dates]


def _hn(source: Mapping[str, Any], since: dt.datetime) -> list[PlannedRequest]:
    params = source["params"]
    floor = int(params.get("min_points", 50))
    out = []
    for q in params.get("queries") or ["AI"]:
        qs = urlencode(
            {
                "query": q,
                "tags": "story",
                "hitsPerPage": 100,
                "numericFilters": f"points>={floor},created_at_i>={int(since.timestamp())}",
            }
        )
        out.append(PlannedRequest(f"{_base(source)}?{qs}", "hn-algolia", meta={"paginate": True}))
    return out


def _github(source: Mapping[str, Any], repos: Sequence[str]) -> list[PlannedRequest]:
    params = source["params"]
    base = _base(source)
    out = [
        PlannedRequest(
            f"{base}/{quote(lang)}?since=daily" if lang else f"{base}?since=daily", "github-trending-html"
        )
        for lang in params.get("languages", [""])
    ]
    api = (params.get("api_url") or DEFAULT_BASES["github-api"]).rstrip("/")
    limit = int(params.get("api_repos", 50))
    for r in repos[:limit]:  # stars/forks/topics, then the latest release
        out.append(PlannedRequest(f"{api}/repos/{r}", "github-rest", meta={"api": True}))
        out.append(PlannedRequest(f"{api}/repos/{r}/releases/latest", "github-rest", meta={"api": True}))
    return out


def _reddit(source: Mapping[str, Any]) -> list[PlannedRequest]:
    p = source["params"]
    sub = quote(str(p.get("subreddit", "MachineLearning")))
    qs = urlencode({"t": p.get("period", "week"), "limit": 100})
    return [PlannedRequest(f"{_base(source)}/r/{sub}/top.json?{qs}", "reddit-listing")]


def plan_requests(
    source: Mapping[str, Any],
    *,
    since: dt.datetime,
    now: dt.datetime,
    repos: Sequence[str] = (),
) -> list[PlannedRequest]:
    """The first requests for one source (spiders add follow-up pages themselves)."""
    kind = source["kind"]
    if kind == "feed":
        if not source.get("url"):
            raise CrawlError(f"source {source['name']}: a feed needs a url")
        return [PlannedRequest(source["url"], "feed")]
    planners: dict[str, Callable[[], list[PlannedRequest]]] = {
        "arxiv": lambda: _arxiv(source, since),
        "hf": lambda: _hf(source, since, now),
        "hn": lambda: _hn(source, since),
        "github": lambda: _github(source, repos),
        "reddit": lambda: _reddit(source),
    }
    if kind not in planners:
        raise CrawlError(f"source {source['name']}: unknown kind {kind!r} (one of {', '.join(KINDS)})")
    return planners[kind]()


def with_validators(
    plans: Sequence[SourcePlan],
    validators: Mapping[str, tuple[str | None, str | None]],
) -> list[SourcePlan]:
    """Attach the stored ETag / Last-Modified of each URL for conditional GET."""
    out = []
    for p in plans:
        reqs = tuple(
            PlannedRequest(r.url, r.format, *validators.get(r.url, (None, None)), meta=r.meta)
            for r in p.requests
        )
        out.append(SourcePlan(p.name, p.kind, reqs, p.params))
    return out


# -- the enrich step --------------------------------------------------------------------

ENRICH_SOURCES = {"article": "enrich:article", "readme": "enrich:readme"}


def enrich_plans(targets: Sequence[Any]) -> list[SourcePlan]:
    """The enrich step's fetches (hub.enrich.Target: kind, url, item_ids) as two plans of the
    `article` spider kind: linked pages and README requests (which carry the GitHub API's
    token and rate-limit budget). Each URL is fetched once for all the items that link it."""
    plans = []
    for fmt, name in ENRICH_SOURCES.items():
        reqs = tuple(
            PlannedRequest(t.url, fmt, meta={"items": list(t.item_ids), "api": fmt == "readme"})
            for t in targets
            if t.kind == fmt
        )
        if reqs:
            plans.append(SourcePlan(name, "article", reqs))
    return plans


def enrich_bases(sources: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """(GitHub REST base, arXiv API query URL format) as the configured sources set them
    (a loopback arXiv or GitHub source in tests), else the public APIs."""
    github = next((s for s in sources if s["kind"] == "github"), None)
    api = ((github or {}).get("params", {}).get("api_url") or DEFAULT_BASES["github-api"]).rstrip("/")
    arxiv = next((s for s in sources if s["kind"] == "arxiv"), None)
    query = _base(arxiv) if arxiv else DEFAULT_BASES["arxiv"]
    return api, query + "?{}"


def crawl_settings(config: Config) -> dict[str, Any]:
    c = config.crawl
    return {
        "user_agent": c.user_agent,
        "obey_robots": c.obey_robots,
        "timeout_s": c.timeout_s,
        "max_bytes": c.max_bytes,
        "delay_s": c.delay_s,
        "per_host": c.per_host,
        "retries": c.retries,
        "backoff_s": c.backoff_s,
        "retry_after_cap_s": c.retry_after_cap_s,
        "max_redirects": c.max_redirects,
        "github_token_env": c.github_token_env,
        "arxiv_delay_s": c.arxiv_delay_s,
        "allow_link_local": c.allow_link_local,
    }


def write_plan(
    path: Path, *, db: Path, run_id: int, plans: Sequence[SourcePlan], settings: Mapping[str, Any]
) -> Path:
    doc = {"db": str(db), "run_id": run_id, "settings": dict(settings), "sources": [asdict(p) for p in plans]}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


_ACTIVE: set[Path] = set()  # stop files of the crawls running in this process


def stop_crawls() -> int:
    """Ask running crawls to stop: no new fetches start, open ones finish and are committed.

    A stop file (not a signal) because Scrapy's own graceful shutdown still drains the
    queue of scheduled requests; the spiders' StoppableHTTPHandler drops them instead.
    """
    for stop_file in list(_ACTIVE):
        stop_file.touch()
    return len(_ACTIVE)


@contextlib.contextmanager
def _forward_signals(flag: list[bool]) -> Iterator[None]:
    """In the main thread, SIGTERM/SIGINT stop the crawl cleanly instead of killing us."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        flag.append(True)
        stop_crawls()

    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def run_crawl(plan_file: Path, on_event: Callable[[dict[str, Any]], None]) -> bool:
    """Run `python -m spiders.run PLAN`, feed each JSON event line to on_event.

    Returns True when the crawl was interrupted (SIGTERM/SIGINT or stop_crawls()):
    fetches already committed stay, the rest is fetched by the next crawl.
    """
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    stop_file = plan_file.with_suffix(".stop")
    cmd = [sys.executable, "-m", "spiders.run", str(plan_file), str(stop_file)]
    interrupted: list[bool] = []
    _ACTIVE.add(stop_file)
    try:
        with (
            _forward_signals(interrupted),
            subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as proc,
        ):
            assert proc.stdout is not None and proc.stderr is not None
            for event in _events(proc.stdout):
                on_event(event)
            stderr = proc.stderr.read()
            code = proc.wait()
    finally:
        _ACTIVE.discard(stop_file)
        if stop_file.exists():
            interrupted.append(True)
            stop_file.unlink()
    if code != 0 and not interrupted:
        tail = " | ".join(ln for ln in stderr.strip().splitlines()[-3:] if ln.strip())
        raise CrawlError(f"the crawler exited with code {code}: {tail or 'no output'}")
    return bool(interrupted) or code != 0


def _events(lines: Iterator[str] | Any) -> Iterator[dict[str, Any]]:
    for line in lines:
        line = line.strip()
        if line.startswith("{"):
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


def temp_plan_path() -> Path:
    fd, name = tempfile.mkstemp(prefix="hub-crawl-", suffix=".json")
    os.close(fd)
    return Path(name)
