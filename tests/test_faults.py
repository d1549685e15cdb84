"""Faults: SIGKILL during import and during digest, a full disk, secrets. After each the
database opens, its counts are consistent, and a re-run completes.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_hostile import SUMMARY

from hub import files
from hub.config import load_config, write_default
from hub.core import make_hub
from hub.demo import extract_snapshot
from hub.exceptions import StoreError, WriteError
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


# -- round two (issue 17 B): a full disk for build and send, read-only files and folders ------


def _disk_full_after(monkeypatch: pytest.MonkeyPatch, budget: int, code: int = errno.ENOSPC) -> None:
    """Every file hub writes gets `budget` more bytes in all, then OSError(code): the disk
    fills mid-file (budget > 0) or at once (0). hub.files._write_fd is where all go."""
    left = [budget]
    real = files._write_fd

    def write(fd: int, data: bytes) -> None:
        n = min(left[0], len(data))
        if n:
            real(fd, bytes(data[:n]))
            left[0] -= n
        if n < len(data):
            raise OSError(code, os.strerror(code))

    monkeypatch.setattr(files, "_write_fd", write)


def _half_written(root: Path) -> list[Path]:
    """Temporary files or empty files left under root."""
    return [p for p in root.rglob("*") if p.is_file() and (p.name.endswith(".tmp") or p.stat().st_size == 0)]


def _contents(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("budget", [0, 3000, 60_000])
def test_a_full_disk_during_build_is_one_line_and_leaves_whole_pages(
    tmp_path: Path, snapshot: list[Path], monkeypatch: pytest.MonkeyPatch, budget: int
) -> None:
    from typer.testing import CliRunner

    from hub.cli import app

    cfg = write_default(tmp_path / "hub.toml")
    with make_hub(load_config(cfg, env={})) as hub:
        hub.import_paths(snapshot[:2])
        hub.digest()
        docs = hub.config.docs_dir
    before = _contents(docs)
    _disk_full_after(monkeypatch, budget)
    result = CliRunner().invoke(app, ["--config", str(cfg), "build"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # no traceback
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "No space left on device" in lines[0] and "Traceback" not in result.output
    assert _half_written(docs) == []
    monkeypatch.undo()
    failed = _contents(docs)
    with make_hub(load_config(cfg, env={})) as hub:
        hub.write_site()
    after = _contents(docs)
    for path, data in failed.items():  # each page as it was, or whole as it should be
        assert data in (before.get(path), after.get(path)), path
    SUMMARY[f"failed cleanly: disk full during build after {budget} bytes (no .tmp, whole pages)"] += 1


@pytest.mark.parametrize("budget", [0, 10_000])
def test_a_full_disk_during_send_dry_run_leaves_no_eml(
    tmp_path: Path, snapshot: list[Path], monkeypatch: pytest.MonkeyPatch, budget: int
) -> None:
    out = tmp_path / "outbox"
    with make_hub(load_config(None, env={}, workspace=tmp_path)) as hub:
        hub.import_paths(snapshot[:2])
        hub.digest()
        for n in range(3):
            hub.add_subscriber(f"reader{n}@example.org")
        out.mkdir()
        (out / "keep.txt").write_text("the user's own file")
        _disk_full_after(monkeypatch, budget)
        with pytest.raises(WriteError, match="No space left on device") as e:
            hub.send(dry_run=True, out_dir=out)
        assert "\n" not in str(e.value)
        assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]  # all or nothing
        monkeypatch.undo()
        assert len(hub.send(dry_run=True, out_dir=out).written) == 3
    SUMMARY[f"failed cleanly: disk full during send --dry-run after {budget} bytes (no .eml)"] += 1


@contextlib.contextmanager
def _read_only(*paths: Path) -> Iterator[None]:
    """Paths hub may not write: permissions, or (as root, whom permissions do not stop) the
    immutable attribute. Skips when neither works here."""
    immutable = os.geteuid() == 0
    modes = {p: p.stat().st_mode for p in paths}
    for p in paths:
        if immutable:
            if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(p)]).returncode:
                pytest.skip("cannot make a file read-only for root here (no chattr +i)")
        else:
            p.chmod(0o555 if p.is_dir() else 0o444)
    try:
        if any(os.access(p, os.W_OK) for p in paths):
            pytest.skip("the file system ignores read-only here")
        yield
    finally:
        for p, mode in modes.items():
            if immutable:
                subprocess.run(["chattr", "-i", str(p)], check=False)
            else:
                p.chmod(mode)


def test_read_commands_work_on_a_read_only_database(tmp_path: Path, snapshot: list[Path]) -> None:
    from typer.testing import CliRunner

    from hub.cli import app

    cfg = write_default(tmp_path / "hub.toml")
    with make_hub(load_config(cfg, env={})) as hub:
        hub.import_paths(snapshot[:2])
        story = hub.digest().stories[0].story_id
        hub.add_subscriber("reader@example.org")
        hub.store.con.execute("CHECKPOINT")
        db = hub.config.db_path
    digest_before = hashlib.sha256(db.read_bytes()).hexdigest()
    runner = CliRunner()
    c = ["--config", str(cfg)]
    reads = [
        ["digest", "--preview"],
        ["search", "model"],
        ["explain", story],
        ["status"],
        ["sql", "SELECT count(*) FROM items"],
        ["export", "--table", "items", "-f", "csv", "-o", str(tmp_path / "items.csv")],
        ["subscribers", "list"],
    ]
    with _read_only(db):
        for args in reads:
            result = runner.invoke(app, [*c, *args])
            assert result.exit_code == 0, (args, result.output)
            shown = " ".join(args[:2]) if args[0] in ("digest", "subscribers") else args[0]
            SUMMARY[f"read: `hub {shown}` on a read-only database"] += 1
        refused = runner.invoke(app, [*c, "digest"])
        assert refused.exit_code == 1 and "--preview" in refused.output
        assert len(refused.output.strip().splitlines()) == 1, refused.output
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest_before
    SUMMARY["refused: `hub digest` (save) on a read-only database, one line"] += 1


def test_hub_init_on_a_directory_or_a_path_it_cannot_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from hub.cli import app

    runner = CliRunner()
    (tmp_path / "adir").mkdir()
    (tmp_path / "afile").write_text("x")
    (tmp_path / "ro").mkdir()
    cases = {
        "a directory": ([str(tmp_path / "adir"), "--force"], "is a directory"),
        "a file as its folder": ([str(tmp_path / "afile" / "hub.toml")], "Not a directory"),
    }
    for what, (args, message) in cases.items():
        result = runner.invoke(app, ["init", *args, "--site-url", ""])
        assert result.exit_code == 1 and message in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
        SUMMARY[f"failed cleanly: hub init onto {what}"] += 1
    with _read_only(tmp_path / "ro"):
        result = runner.invoke(app, ["init", str(tmp_path / "ro" / "hub.toml"), "--site-url", ""])
        assert result.exit_code == 1 and "cannot write" in result.output, result.output
        assert list((tmp_path / "ro").iterdir()) == []
    SUMMARY["failed cleanly: hub init into a read-only folder"] += 1
    _disk_full_after(monkeypatch, 100, errno.EROFS)
    result = runner.invoke(app, ["init", str(tmp_path / "new" / "hub.toml"), "--site-url", ""])
    assert result.exit_code == 1 and "Read-only file system" in result.output
    assert [p.name for p in (tmp_path / "new").iterdir()] == []  # no half-written hub.toml
    SUMMARY["failed cleanly: hub init on a read-only file system (no partial file)"] += 1
