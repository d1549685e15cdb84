"""Children die with hub: `hub serve` stopped by SIGTERM stops `mkdocs serve`; a stopped or
killed parent never leaves its child running (hub/publishers/child.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

DEADLINE_S = 120.0  # generous: a busy 2-core machine; every wait below polls for a condition


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(condition: Callable[[], bool], what: str, proc: subprocess.Popen[str] | None = None) -> None:
    """Poll until condition() holds (no fixed sleep decides the outcome)."""
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if proc is not None and proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            pytest.fail(f"exited with {proc.returncode} before {what}: {out[-2000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped by init does not count)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


needs_proc = pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")


def _spawn(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.Popen(
        args, cwd=cwd, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


@needs_proc
def test_sigterm_to_hub_serve_stops_mkdocs_serve(tmp_path: Path) -> None:
    (tmp_path / "hub.toml").write_text("")
    hub = [sys.executable, "-m", "hub", "--config", str(tmp_path / "hub.toml")]
    subprocess.run([*hub, "subscribers", "add", "a@example.org"], check=True, capture_output=True)
    port = _free_port()
    proc = _spawn([*hub, "serve", "--port", str(port)], tmp_path)
    try:
        _wait_for(lambda: _answers(port), "mkdocs serve to answer", proc)
        (mkdocs,) = _children(proc.pid)
        assert "mkdocs" in Path(f"/proc/{mkdocs}/cmdline").read_text()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(DEADLINE_S) == 0  # a clean stop
        assert not _alive(mkdocs)
        assert not _answers(port)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


PARENT = textwrap.dedent(
    """
    import sys
    from hub.publishers import child
    try:
        child.run([sys.executable, "-c", "import time; time.sleep(600)", "hub-test-" + "child"])
    except child.Stopped as e:
        print("stopped:", e, flush=True)
        sys.exit(3)
    """
)


@needs_proc
@pytest.mark.parametrize(
    ("sig", "code"),
    [(signal.SIGTERM, 3), (signal.SIGHUP, 3), (signal.SIGINT, -signal.SIGINT), (signal.SIGKILL, -9)],
    ids=["SIGTERM", "SIGHUP", "SIGINT", "SIGKILL"],
)
def test_a_stopped_or_killed_parent_leaves_no_child(tmp_path: Path, sig: int, code: int) -> None:
    proc = _spawn([sys.executable, "-c", PARENT], tmp_path)
    try:
        _wait_for(lambda: len(_children(proc.pid)) == 1, "the child to start", proc)
        (kid,) = _children(proc.pid)
        _wait_for(lambda: "hub-test-child" in Path(f"/proc/{kid}/cmdline").read_text(), "the child to exec")
        # the child is in its own process group (a terminal's Ctrl-C goes to hub, which stops it)
        assert os.getpgid(kid) == kid != os.getpgid(proc.pid)
        proc.send_signal(sig)
        assert proc.wait(DEADLINE_S) == code  # SIGINT: an unhandled KeyboardInterrupt
        _wait_for(lambda: not _alive(kid), "the child to be gone")  # SIGKILL: the parent-death signal
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


@needs_proc
def test_a_child_that_exceeds_its_timeout_is_stopped(tmp_path: Path) -> None:
    from hub.publishers import child

    pid_file = tmp_path / "pid"
    script = (
        f"import os, pathlib, time; pathlib.Path({str(pid_file)!r}).write_text(str(os.getpid())); "
        "time.sleep(600)"
    )
    with pytest.raises(subprocess.TimeoutExpired):
        child.run([sys.executable, "-c", script], timeout=3)
    assert pid_file.exists(), "the child did not start within its timeout"
    assert not _alive(int(pid_file.read_text()))
    done = child.run([sys.executable, "-c", "print('ok')"], capture=True)
    assert (done.returncode, done.stdout) == (0, "ok\n")
