"""APScheduler over schedules/*.yml: named jobs, cron + timezone, calling Hub methods.

The daemon keeps its jobs in a SQLite job store (so runs missed while it was down
are known after a restart and coalesced into one), allows one instance per job and
one daemon per workspace (a lock file), and opens the database only while a job
runs: between jobs, any `hub` command can write. SIGTERM/SIGINT let the current job
finish (a running crawl is asked to stop; committed fetches stay), then exit 0.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import os
import re
import signal
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hub.config import Config, load_config, no_pydantic_plugins
from hub.exceptions import ConfigError, HubError
from hub.weeks import canonical_week

if TYPE_CHECKING:  # the daemon's machinery (SQLAlchemy, the stages) loads only to run jobs:
    # `hub status` and `hub schedule list` read the schedule and stop there.
    from importlib.resources.abc import Traversable

    from apscheduler.events import JobExecutionEvent
    from apscheduler.schedulers.base import BaseScheduler

log = logging.getLogger("hub.scheduler")
MAX_SCHEDULE_BYTES = 1024 * 1024
MAX_YAML_VALUES = 100_000  # a schedule holds dozens; aliases must not multiply them
JobKind = Literal["crawl", "analyze", "digest", "build", "send", "weekly"]


class JobSpec(BaseModel):
    # its validator is built on first use (load_file, without pydantic's plugins), not on import
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    cron: str
    timezone: str = "UTC"
    job: JobKind
    args: dict[str, Any] = Field(default_factory=dict)
    misfire_grace_s: int = Field(3600, ge=1)
    enabled: bool = True

    @field_validator("cron")
    @classmethod
    def _cron(cls, v: str) -> str:
        if len(v.split()) != 5:
            raise ValueError(f"expected 5 fields (minute hour day month weekday), got {v!r}")
        CronTrigger.from_crontab(standard_cron(v))  # raises ValueError with the reason
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown timezone {v!r}") from e
        return v

    @field_validator("args")
    @classmethod
    def _args(cls, v: dict[str, Any]) -> dict[str, Any]:
        if v.get("week") is not None:  # the key the job's digest and email are stored under
            return {**v, "week": canonical_week(str(v["week"]))}
        return v

    def trigger(self) -> CronTrigger:
        return CronTrigger.from_crontab(standard_cron(self.cron), timezone=self.timezone)


_DOW = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def standard_cron(expr: str) -> str:
    """Weekday numbers as cron means them (0/7 = Sunday, 1 = Monday) -> names.

    APScheduler 3 reads numeric weekdays as 0 = Monday; names mean the same to both.
    """
    fields = expr.split()
    if len(fields) == 5:
        fields[4] = re.sub(r"\b([0-7])\b", lambda m: _DOW[int(m.group(1))], fields[4])
    return " ".join(fields)


# -- loading ------------------------------------------------------------------------


def _line_of(node: yaml.Node, loc: tuple[Any, ...]) -> int:
    """The 1-based line of the YAML node at a pydantic error location."""
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if k.value == key), None)
            if found is None:
                break
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
    return int(node.start_mark.line) + 1


def _read_yaml(path: Path) -> tuple[Any, str]:
    """(data, text) of one schedule file: bounded, UTF-8 (any byte-order mark), its aliases
    expanding to at most MAX_YAML_VALUES values; else ConfigError (one line)."""
    from hub.files import read_bounded, to_utf8

    try:
        text = to_utf8(read_bounded(path, MAX_SCHEDULE_BYTES), str(path)).decode("utf-8")
    except HubError as e:
        raise ConfigError(str(e)) from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 text (invalid byte at offset {e.start})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise ConfigError(f"{path}: {where}invalid YAML ({getattr(e, 'problem', e)})") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid YAML (nested too deeply)") from None
    if _expanded_size(data) > MAX_YAML_VALUES:
        raise ConfigError(
            f"{path}: YAML aliases expand to more than {MAX_YAML_VALUES} values (an alias bomb?)"
        )
    return data, text


def _expanded_size(data: Any) -> int:
    """How many values `data` holds with every alias expanded, counted without expanding:
    each shared list or mapping is sized once (by identity); a cycle counts as too many."""
    cap = MAX_YAML_VALUES + 1
    size: dict[int, int] = {}  # id -> its expanded size, -1 while its children are sized
    stack: list[tuple[Any, bool]] = [(data, False)]
    while stack:
        value, sized_children = stack.pop()
        if not isinstance(value, dict | list):
            continue
        kids = list(value.values()) if isinstance(value, dict) else value
        if sized_children:
            own = 1 + (len(value) if isinstance(value, dict) else 0)
            size[id(value)] = min(cap, own + sum(size.get(id(k), 1) for k in kids))
        elif size.get(id(value)) == -1:
            return cap  # reached again below itself: an alias inside the value it names
        elif id(value) not in size:
            size[id(value)] = -1
            stack.append((value, True))
            stack.extend((k, False) for k in kids if isinstance(k, dict | list))
    return size.get(id(data), 1)


def load_file(path: Path) -> list[JobSpec]:
    """One schedules/*.yml: `jobs: {name: {cron, timezone, job, args}}`."""
    data, text = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("jobs"), dict):
        raise ConfigError(f"{path}: line 1: expected a mapping with a 'jobs' mapping")
    specs = []
    for name, body in data["jobs"].items():
        try:
            with no_pydantic_plugins():
                specs.append(JobSpec.model_validate({"name": name, **(body or {})}))
        except ValidationError as e:
            err = e.errors()[0]
            loc = (name, *err["loc"])
            field = ".".join(str(p) for p in err["loc"]) or "name"
            # the node tree (for the line) only now: composing it was a second parse of each file
            jobs_node = next(v for k, v in yaml.compose(text).value if k.value == "jobs")
            raise ConfigError(
                f"{path}: line {_line_of(jobs_node, loc)}: job {name!r}, field '{field}': {err['msg']}"
            ) from None
    return specs


def shipped_schedules() -> Traversable:
    """The folder of schedule files hub ships (today default.yml). In an installed package
    it is `hub/schedules/`: pyproject.toml maps the repository's top-level schedules/ there.
    In a source checkout or an editable install, it is that top-level folder itself."""
    packaged = resources.files("hub").joinpath("schedules")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[1] / "schedules"


def write_default_schedules(folder: Path, *, force: bool = False) -> list[Path]:
    """Copy the shipped schedule files into `folder`; an existing file is kept unless `force`."""
    files = sorted(
        (f for f in shipped_schedules().iterdir() if f.name.endswith(".yml")), key=lambda f: f.name
    )
    if not files:
        raise ConfigError("this hub install ships no schedule files (hub/schedules/*.yml)")
    targets = [folder / f.name for f in files]
    if not force and (there := [t for t in targets if t.exists()]):
        raise ConfigError(f"{there[0]} already exists (use --force to overwrite)")
    from hub.files import write_all

    return write_all((target, f.read_bytes()) for f, target in zip(files, targets, strict=True))


def load_schedules(folder: Path) -> list[JobSpec]:
    specs: list[JobSpec] = []
    for path in sorted(folder.glob("*.yml")):
        specs += load_file(path)
    names = [s.name for s in specs]
    if dupes := sorted({n for n in names if names.count(n) > 1}):
        raise ConfigError(f"{folder}: job names must be unique across files: {', '.join(dupes)}")
    return specs


def next_runs(
    specs: list[JobSpec], now: dt.datetime | None = None
) -> list[tuple[JobSpec, dt.datetime | None]]:
    now = now or dt.datetime.now(dt.UTC)
    return [(s, s.trigger().get_next_fire_time(None, now) if s.enabled else None) for s in specs]


def upcoming(folder: Path, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Each job of folder/*.yml and its next run (None: disabled), soonest first, read from
    the files alone (no scheduler is started); [] when the folder does not exist."""
    if not folder.is_dir():
        return []
    rows = [
        {"job": s.name, "runs": s.job, "cron": s.cron, "timezone": s.timezone, "next_run": n}
        for s, n in next_runs(load_schedules(folder), now)
    ]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(rows, key=lambda r: r["next_run"] or far)


# -- running one job ----------------------------------------------------------------


def _crawl(hub: Any, args: dict[str, Any]) -> dict[str, Any]:
    result = hub.crawl(source=args.get("source"), tag=args.get("tag"))
    new = sum(r["new"] for r in result.sources)
    return {
        "status": "interrupted" if result.interrupted else "ok",
        "new": new,
        "errors": sum(r["errors"] for r in result.sources),
    }


def _digest(hub: Any, args: dict[str, Any]) -> dict[str, Any]:
    d = hub.digest(args.get("week"), limit=args.get("limit"))
    return {"status": "ok", "week": d.week, "stories": len(d.stories)}


def _enrich(hub: Any, args: dict[str, Any]) -> dict[str, Any]:
    """What the week's top stories link, for their summaries; a failure never stops the digest."""
    try:
        r = hub.enrich(args.get("week"), limit=int(args.get("enrich_limit", 60)))
    except HubError as e:
        log.warning("enrich failed, the digest goes on with the posts' own text: %s", e)
        return {"enrich_errors": 1}
    return {"enriched": r.texts, "papers_added": r.papers}


def _weekly(hub: Any, args: dict[str, Any]) -> dict[str, Any]:
    """(enrich ->) digest -> build -> send -> search index; nothing new since the last digest
    skips all."""
    if not hub.store.items_since_last_digest():
        return {"status": "skipped", "reason": "no new items since the last digest"}
    enriched = _enrich(hub, args) if args.get("enrich") else {}
    out = _digest(hub, args) | enriched
    out["pages"] = hub.build_site().pages
    if args.get("send", True) and hub.store.subscribers():
        report = hub.send(out["week"])
        out.update(sent=len(report.sent), failed=len(report.failed))
    out["indexed"] = hub.update_search_index()["added"]  # readers' first search is then quick
    return out


JOBS: dict[str, Callable[[Any, dict[str, Any]], dict[str, Any]]] = {
    "crawl": _crawl,
    "analyze": lambda hub, args: {"status": "ok", "stories": hub.analyze().stories},
    "digest": _digest,
    "build": lambda hub, args: {"status": "ok", "pages": hub.build_site().pages},
    "send": lambda hub, args: {"status": "ok", "sent": len(hub.send(args.get("week")).sent)},
    "weekly": _weekly,
}


def run_job(config_path: str, name: str, job: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    """The function APScheduler calls (an importable reference, so jobs can be stored)."""
    from hub.core import make_hub

    config = load_config(Path(config_path))
    with make_hub(config) as hub:
        run_id = hub.store.start_run(f"schedule:{name}")
        log.info("job=%s run=%d start kind=%s", name, run_id, job)
        try:
            result = JOBS[job](hub, dict(args or {}))
        except BaseException as e:  # any failure ends the run's row: none stays "running"
            status = "error" if isinstance(e, Exception) else "interrupted"
            reason = str(e) if isinstance(e, HubError) else f"{type(e).__name__}: {e}"
            hub.store.finish_run(run_id, status, {}, " ".join(reason.split())[:500])
            log.error("job=%s run=%d %s=%s", name, run_id, status, reason)
            raise
        status = str(result.pop("status", "ok"))
        hub.store.finish_run(run_id, status, result)
        log.info("job=%s run=%d status=%s counts=%s", name, run_id, status, result)
        return {"run_id": run_id, "status": status, **result}


# -- the daemon ---------------------------------------------------------------------


@contextlib.contextmanager
def daemon_lock(path: Path) -> Iterator[None]:
    """One scheduler per workspace: a non-blocking exclusive lock on a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            raise HubError(
                f"another scheduler is already running for this hub (PID {holder}); lock: {path}"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def make_scheduler(
    config: Config, config_path: Path, specs: list[JobSpec], *, blocking: bool = True
) -> BaseScheduler:
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    config.db_path.parent.mkdir(parents=True, exist_ok=True)
    store = SQLAlchemyJobStore(url=f"sqlite:///{config.db_path.parent / 'jobs.sqlite'}")
    cls = BlockingScheduler if blocking else BackgroundScheduler
    sched = cls(
        jobstores={"default": store}, timezone=dt.UTC, job_defaults={"coalesce": True, "max_instances": 1}
    )
    sched.add_listener(_log_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    for spec in specs:
        if spec.enabled:
            sched.add_job(
                "hub.scheduler:run_job",
                trigger=spec.trigger(),
                id=spec.name,
                name=spec.name,
                kwargs={
                    "config_path": str(config_path),
                    "name": spec.name,
                    "job": spec.job,
                    "args": spec.args,
                },
                replace_existing=True,
                misfire_grace_time=spec.misfire_grace_s,
            )
    return sched


def _log_event(event: JobExecutionEvent) -> None:
    if event.exception:
        log.error("job=%s failed: %s", event.job_id, event.exception)


def prune_removed(sched: BaseScheduler, specs: list[JobSpec]) -> None:
    keep = {s.name for s in specs if s.enabled}
    for job in sched.get_jobs():
        if job.id not in keep:
            job.remove()


def run_daemon(config: Config, config_path: Path, specs: list[JobSpec]) -> None:
    """Foreground: run until SIGTERM/SIGINT, then let the current job finish and return."""
    from hub.crawler import stop_crawls

    with daemon_lock(config.db_path.parent / "scheduler.lock"):
        pruner = make_scheduler(config, config_path, specs, blocking=False)
        pruner.start(paused=True)  # stored jobs are only visible once started
        prune_removed(pruner, specs)
        pruner.shutdown(wait=False)
        sched = make_scheduler(config, config_path, specs, blocking=True)

        def stop(signum: int, frame: Any) -> None:
            log.info("signal=%d: stopping after the current job", signum)
            stop_crawls()
            sched.shutdown(wait=False)

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, stop)
        log.info("scheduler started with %d jobs", len(specs))
        sched.start()  # blocks until a signal shuts it down; running job threads are joined at exit
