"""Child processes that never outlive hub (the MkDocs build and dev server).

A child runs in its own process group, so stopping it stops whatever it started too.
It is stopped (SIGTERM to the group, SIGKILL after a grace period) whenever the call
that runs it ends for any reason: Ctrl-C, a timeout, or SIGTERM/SIGHUP to hub, which
are turned into `Stopped` while the child runs (their default action would end hub at
once and leave the child running: `mkdocs serve` holding its port, or `mkdocs build`
still writing public/). On Linux the child also gets SIGTERM if hub itself is killed
(SIGKILL), through the parent-death signal.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

GRACE_S = 5.0  # how long a stopped child may take to exit before SIGKILL
FORWARDED = (signal.SIGTERM, signal.SIGHUP)


class Stopped(Exception):
    """hub received SIGTERM/SIGHUP while a child was running (the child has been stopped)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"stopped by {signal.Signals(signum).name}")


def _parent_death_signal() -> Callable[[], None] | None:
    """A preexec function that asks Linux to SIGTERM the child when hub dies (None elsewhere)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before fork: the child only calls it
    pr_set_pdeathsig = 1

    def preexec() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM)

    return preexec


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """SIGTERM/SIGHUP raise Stopped in the main thread while inside (handlers restored after).
    Elsewhere (a scheduler job's thread) signals stay with whoever owns them."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise Stopped(signum)

    previous = {s: signal.signal(s, handler) for s in FORWARDED}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def stop_group(proc: subprocess.Popen[Any], grace_s: float = GRACE_S) -> None:
    """SIGTERM the child's process group, SIGKILL it after grace_s, and reap the child."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def run(
    cmd: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    capture: bool = False,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run cmd to completion like subprocess.run, but never leave it (or its children)
    running: on any exit from here, the child's process group is stopped.

    Raises subprocess.TimeoutExpired, KeyboardInterrupt or Stopped after stopping it.
    """
    pipe = subprocess.PIPE if capture else None
    with _signals_raise():
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=env,
            text=True,
            stdout=pipe,
            stderr=pipe,
            start_new_session=True,  # its own process group: stopping it stops all it started
            preexec_fn=_parent_death_signal(),  # it only calls prctl
        )
        try:
            out, err = proc.communicate(timeout=timeout)
        finally:
            if proc.returncode is None:
                stop_group(proc)
    return subprocess.CompletedProcess(list(cmd), proc.returncode, out, err)
