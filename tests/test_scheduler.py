"""Scheduling and operations: schedules/*.yml, the APScheduler daemon, one writer, signals.

No sleeps for timing: missed runs are made by moving a stored job's next run time into
the past; waits are on events with generous timeouts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED
from apscheduler.triggers.cron import CronTrigger
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from hub.config import load_config, write_default
from hub.core import make_hub
from hub.exceptions import ConfigError, HubError
from hub.scheduler import daemon_lock, load_file, load_schedules, make_scheduler, next_runs

ROOT = Path(__file__).resolve().parents[1]
FEED = (Path(__file__).parent / "data" / "sources" / "feed_ollama.xml").read_bytes()
CALLS: list[str] = []


def record(tag: str) -> None:
    """A job function for the scheduler tests (importable as test_scheduler:record)."""
    CALLS.append(tag)


def test_shipped_schedules_parse_and_run_on_the_right_days() -> None:
    specs = {s.name: s for s in load_schedules(ROOT / "schedules")}
    assert {"crawl-hourly", "crawl-daily", "weekly"} <= set(specs)
    monday = dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC)
    runs = dict((s.name, n) for s, n in next_runs(list(specs.values()), monday))
    assert runs["weekly"].strftime("%a %H:%M") == "Mon 07:00" and runs["weekly"].date() == dt.date(
        2026, 11, 30
    )
    assert runs["crawl-daily"].strftime("%a") in {"Mon", "Tue", "Wed", "Thu", "Fri"}
    assert (runs["crawl-hourly"] - monday) <= dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("body", "line", "needle"),
    [
        ("jobs:\n  a:\n    cron: '61 * * * *'\n    job: crawl\n", 3, "field 'cron'"),
        ("jobs:\n  a:\n    cron: '0 * * * *'\n    job: dance\n", 4, "field 'job'"),
        (
            "jobs:\n  a:\n    cron: '0 * * * *'\n    timezone: Mars/Base\n    job: crawl\n",
            4,
            "unknown timezone",
        ),
        ("jobs:\n  a:\n    cron: '0 * * *'\n    job: crawl\n", 3, "expected 5 fields"),
        ("jobs:\n  a:\n    cron: '0 * * * *'\n    job: crawl\n    colour: red\n", 5, "field 'colour'"),
        ("jobs:\n  a: [unclosed\n", 3, "invalid YAML"),
    ],
)
def test_a_broken_schedule_names_file_line_and_field(
    tmp_path: Path, body: str, line: int, needle: str
) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(body)
    with pytest.raises(ConfigError) as info:
        load_file(path)
    message = str(info.value)
    assert message.startswith(f"{path}: line {line}:"), message
    assert needle in message


def _config(tmp_path: Path) -> tuple[object, Path]:
    path = write_default(tmp_path / "hub.toml")
    return load_config(path, env={}), path


def _wait_for(sched: object, n: int) -> threading.Event:
    done = threading.Event()
    seen: list[int] = []

    def listener(event: object) -> None:
        seen.append(1)
        if len(seen) >= n:
            done.set()

    sched.add_listener(listener, EVENT_JOB_EXECUTED)  # type: ignore[attr-defined]
    return done


def test_jobs_persist_across_restarts_and_missed_runs_coalesce(tmp_path: Path) -> None:
    config, path = _config(tmp_path)
    specs = load_schedules(ROOT / "schedules")
    first = make_scheduler(config, path, specs, blocking=False)  # type: ignore[arg-type]
    first.start(paused=True)
    first.add_job(
        "test_scheduler:record",
        CronTrigger(minute="*"),
        id="probe",
        args=["probe"],
        replace_existing=True,
        misfire_grace_time=3600,
    )
    first.shutdown(wait=False)

    second = make_scheduler(config, path, [], blocking=False)  # type: ignore[arg-type]
    second.start(paused=True)
    try:
        assert {j.id for j in second.get_jobs()} >= {"crawl-hourly", "weekly", "probe"}
        # The scheduler was "down" for ten minutes: ten runs of "probe" were missed.
        second.modify_job("probe", next_run_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10))
        for job in second.get_jobs():
            if job.id != "probe":
                job.pause()
        CALLS.clear()
        done = _wait_for(second, 1)
        second.resume()
        assert done.wait(15), "the missed run was not executed"
        assert CALLS == ["probe"]  # coalesced into one run
        assert second.get_job("probe").next_run_time > dt.datetime.now(dt.UTC)
    finally:
        second.shutdown(wait=False)


def test_a_second_daemon_is_refused(tmp_path: Path) -> None:
    lock = tmp_path / "scheduler.lock"
    refused = f"already running for this hub \\(PID {os.getpid()}\\)"
    with daemon_lock(lock), pytest.raises(HubError, match=refused), daemon_lock(lock):
        pass
    with daemon_lock(lock):  # released: a new daemon may start
        pass


def _hold_writer(db: Path) -> subprocess.Popen[str]:
    code = (
        "import sys; from hub.store import Store; s = Store(sys.argv[1]); print('held', flush=True);"
        " sys.stdin.readline(); s.close()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def _hub_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_a_command_while_another_process_writes_fails_cleanly_or_waits(tmp_path: Path) -> None:
    config, path = _config(tmp_path)
    with make_hub(config) as hub:  # type: ignore[arg-type]
        hub.add_subscriber("a@example.org")
    db = config.db_path  # type: ignore[attr-defined]
    holder = _hold_writer(db)
    try:
        busy = _hub_cli("--config", str(path), "subscribers", "list", env={"HUB_STORE__LOCK_WAIT_S": "0.3"})
        assert busy.returncode == 1
        assert f"in use by another hub process (PID {holder.pid}" in busy.stderr
        assert "Traceback" not in busy.stderr
        waiting = subprocess.Popen(
            [sys.executable, "-m", "hub", "--config", str(path), "subscribers", "list"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "HUB_STORE__LOCK_WAIT_S": "60"},
        )
    finally:
        holder.communicate("\n")
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert "a@example.org" in out  # data intact


@pytest.fixture
def slow_feeds() -> Iterator[tuple[HTTPServer, list[str]]]:
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    served: list[str] = []

    def handler(request: Request) -> Response:
        served.append(f"{time.monotonic():.2f} {request.path}")
        time.sleep(0.4)  # a slow server, so the crawl is still running when the signal comes
        n = request.path.strip("/f.xml")
        return Response(
            FEED.replace(b"</link>", f"?feed={n}</link>".encode()), content_type="application/rss+xml"
        )

    srv.expect_request("/robots.txt").respond_with_data("", status=404)
    for i in range(10):
        srv.expect_request(f"/f{i}.xml").respond_with_handler(handler)
    srv.start()
    yield srv, served
    srv.clear()
    srv.stop()


def test_sigterm_during_a_crawl_job_exits_cleanly_and_the_next_run_resumes(
    tmp_path: Path, slow_feeds: tuple[HTTPServer, list[str]]
) -> None:
    srv, served = slow_feeds
    cfg = tmp_path / "hub.toml"
    lines = ["[crawl]", "delay_s = 0.1", "per_host = 1", "retries = 0"]
    for i in range(10):
        lines += [
            "[[sources]]",
            f'name = "f{i}"',
            'kind = "feed"',
            f'url = "{srv.url_for(f"/f{i}.xml")}"',
            'tags = ["hourly"]',
        ]
    cfg.write_text("\n".join(lines) + "\n")
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "s.yml").write_text(
        "jobs:\n  crawl:\n    cron: '0 * * * *'\n    job: crawl\n    args: {tag: hourly}\n"
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hub",
            "--config",
            str(cfg),
            "schedule",
            "run-once",
            "crawl",
            "--dir",
            str(tmp_path / "schedules"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    ready = threading.Event()
    while len(served) < 3 and proc.poll() is None and not ready.wait(0.02):
        pass
    proc.send_signal(signal.SIGTERM)
    sent_at = time.monotonic()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert json.loads(out.strip().splitlines()[-1])["status"] == "interrupted"
    entries = FEED.count(b"<item>")
    with make_hub(load_config(cfg, env={})) as hub:
        fetched = hub.store.scalar("SELECT count(*) FROM fetches WHERE status = 200")
        assert 0 < fetched < 10, (served, sent_at)
        assert hub.store.counts()["items"] == fetched * entries  # no partial fetch
        runs = {r["job"]: r["status"] for r in hub.store.recent_runs()}
        assert runs["schedule:crawl"] == "interrupted"
        hub.crawl(tag="hourly")
        assert hub.store.counts()["items"] == 10 * entries


def test_the_weekly_job_digests_builds_and_leaves_search_fresh(tmp_path: Path) -> None:
    from hub.demo import extract_snapshot
    from hub.scheduler import JOBS

    with make_hub(load_config(None, env={}, workspace=tmp_path)) as hub:
        hub.import_paths(extract_snapshot(tmp_path / "snapshot"))
        assert not hub.store.search_index_fresh()
        out = JOBS["weekly"](hub, {"send": True})
        assert out["status"] == "ok" and out["week"] == "2025-W16" and out["stories"] == 30
        assert out["pages"] > 0 and out["indexed"] == 0  # `hub digest` already wrote the index
        assert hub.store.search_index_fresh()  # a reader's first search does no indexing
        assert JOBS["weekly"](hub, {})["status"] == "skipped"
