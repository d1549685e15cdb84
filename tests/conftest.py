"""Shared fixtures. An autouse fixture isolates every test from the user's files and env."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _isolate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads ./hub.toml, the user's ~/.config/hub, HUB_* variables or a real API key;
    cwd and HOME are tmp dirs."""
    for name in list(os.environ):
        if name.startswith("HUB_") or name in ("OPENAI_API_KEY", "XDG_CONFIG_HOME"):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HUB_HOME", str(home))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.chdir(home)


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    """A threaded loopback HTTP server (pytest-httpserver) replaying recorded responses."""
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    srv.start()
    yield srv
    srv.clear()
    if srv.is_running():
        srv.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print how each hostile input was handled (tests/test_hostile.py)."""
    try:
        from test_hostile import SUMMARY
    except ImportError:
        return
    if SUMMARY:
        terminalreporter.section("hostile inputs")
        for outcome, n in sorted(SUMMARY.items()):
            terminalreporter.write_line(f"{n:>3}  {outcome}")
        terminalreporter.write_line(f"{sum(SUMMARY.values()):>3}  handled, 0 crashes")
