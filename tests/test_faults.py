"""Faults: SIGKILL during import and during digest, a full disk, secrets. After each the
database opens, its counts are consistent, and a re-run completes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from hub.config import load_config, write_default
from hub.core import make_hub
from hub.demo import extract_snapshot
from hub.exceptions import StoreError
from hub.store import base as store_base


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return extract_snapshot(tmp_path_factory.mktemp("snap"))


def _kill_after(cmd: list[str], delay: float = 1.0) -> int:
    """Start cmd, SIGKILL it once `delay` seconds passed (wherever it is), return its code."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stop = threading.Event()
    stop.wait(delay)  # a fault injected at an arbitrary moment; the assertions hold for any moment
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    return proc.wait()


def test_sigkill_during_import_leaves_all_or_nothing(tmp_path: Path, snapshot: list[Path]) -> None:
    cfg = write_default(tmp_path / "hub.toml")
    with make_hub(load_config(cfg, env={})) as hub:
        hub.import_paths(snapshot)
        full = hub.store.counts()["items"]
    (tmp_path / "data" / "hub.duckdb").unlink()
    _kill_after([sys.executable, "-m", "hub", "--config", str(cfg), "import", *map(str, snapshot)], delay=1.2)
    with make_hub(load_config(cfg, env={})) as hub:
        assert hub.store.counts()["items"] in (0, full)  # one transaction: never half an import
        hub.import_paths(snapshot)
        assert hub.store.counts()["items"] == full
        assert hub.store.scalar("SELECT count(*) - count(DISTINCT id) FROM items") == 0


def test_sigkill_during_digest_then_rerun(tmp_path: Path, snapshot: list[Path]) -> None:
    cfg = write_default(tmp_path / "hub.toml")
    with make_hub(load_config(cfg, env={})) as hub:
        hub.import_paths(snapshot)
        items = hub.store.counts()["items"]
    _kill_after([sys.executable, "-m", "hub", "--config", str(cfg), "digest", "--json"], delay=1.5)
    with make_hub(load_config(cfg, env={})) as hub:
        counts = hub.store.counts()
        assert counts["items"] == items and counts["digests"] in (0, 1)
        stories = hub.store.scalar("SELECT count(DISTINCT story_id) FROM story_items")
        assert stories in (0, hub.store.scalar("SELECT count(*) FROM stories"))  # never half a resolution
        digest = hub.digest()
        assert len(digest.stories) == 30 and hub.store.counts()["digests"] == 1


def test_a_full_disk_fails_cleanly_and_nothing_half_written(
    tmp_path: Path, snapshot: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    with make_hub(load_config(None, env={}, workspace=tmp_path)) as hub:
        hub.import_paths(snapshot[:1])
        before = hub.store.counts()

        def no_space(*args: object, **kwargs: object) -> object:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(store_base.os, "fdopen", no_space)
        with pytest.raises(StoreError, match="No space left on device"):
            hub.import_paths(snapshot[1:4])
        assert hub.store.counts() == before
        monkeypatch.undo()
        hub.import_paths(snapshot[1:4])
        assert hub.store.counts()["items"] > before["items"]


def test_secrets_never_reach_the_database_site_or_mail(
    tmp_path: Path, snapshot: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "s3cr3t-smtp-passw0rd-and-key"
    monkeypatch.setenv("HUB_SMTP_PASSWORD", secret)
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    with make_hub(load_config(None, workspace=tmp_path)) as hub:
        hub.import_paths(snapshot)
        hub.digest()
        hub.add_subscriber("reader@example.org")
        hub.send(dry_run=True, out_dir=tmp_path / "outbox")
        hub.build_site()
        hub.store.con.execute("CHECKPOINT")
    leaks = [p for p in tmp_path.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]
    assert leaks == []
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "hub",
            "--db",
            str(tmp_path / "data" / "hub.duckdb"),
            "--verbose",
            "status",
            "--json",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "HUB_SMTP_PASSWORD": secret, "OPENAI_API_KEY": secret},
    )
    assert result.returncode == 0 and secret not in result.stdout + result.stderr
