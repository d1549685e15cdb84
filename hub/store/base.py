"""Connection, transactions and migrations: the only place a DuckDB connection is made."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb

from hub.exceptions import StoreError, StoreLockedError
from hub.store.migrations import MIGRATIONS

# DuckDB's words for "another process holds the file" (1.5 and 2.0: 'IO Error: Could not set
# lock on file "…": Conflicting lock is held in <program> (PID n). See also …'). Parsed
# loosely: a reworded message still counts as locked; without a PID, the error names none.
_LOCKED_RE = re.compile(r"conflicting lock|could not set lock|lock on file", re.IGNORECASE)
_PID_RE = re.compile(r"\(PID (?P<pid>\d+)\)")
_PROG_RE = re.compile(r"held in (?P<prog>.+?) \(PID \d+\)")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def to_db(t: dt.datetime | None) -> dt.datetime | None:
    """Timestamps are stored as naive UTC (DuckDB TIMESTAMP)."""
    if t is None:
        return None
    return t.astimezone(dt.UTC).replace(tzinfo=None) if t.tzinfo else t


def from_db(t: dt.datetime | None) -> dt.datetime | None:
    return t.replace(tzinfo=dt.UTC) if t is not None else None


def _json_default(v: object) -> str:
    if isinstance(v, dt.datetime):
        return to_db(v).isoformat()  # type: ignore[union-attr]
    if isinstance(v, dt.date):
        return v.isoformat()
    raise TypeError(f"not JSON serializable: {type(v).__name__}")


def unicode_error(e: UnicodeEncodeError) -> str:
    """One line saying where text that cannot be encoded is, in ASCII (it cannot be printed)."""
    return f"text that is not valid Unicode near {ascii(e.object[max(0, e.start - 20) : e.end + 20])}"


def _wrap(e: duckdb.Error, path: Path) -> StoreError:
    text = str(e)
    if _LOCKED_RE.search(text):
        return StoreLockedError(
            f"{path} is in use by another hub process{_holder(text)}; wait for it to finish or stop it"
        )
    return StoreError(f"{path}: {text.splitlines()[0] if text else type(e).__name__}")


def _holder(text: str) -> str:
    """' (PID n: program)' from a lock error, as much of it as DuckDB's message gives."""
    pid = _PID_RE.search(text)
    if pid is None:
        return ""
    prog = _PROG_RE.search(text)
    return f" (PID {pid['pid']}: {prog['prog']})" if prog else f" (PID {pid['pid']})"


class BaseStore:
    """Owns one DuckDB connection; domain mixins add their queries on top."""

    def __init__(self, path: Path | str, *, read_only: bool = False, lock_wait_s: float = 0.0) -> None:
        self.path = Path(path)
        self.read_only = read_only
        if str(path) != ":memory:":
            if read_only and not self.path.exists():
                raise StoreError(
                    f"no database at {self.path}; make one with `hub demo`, `hub import FILES` or `hub crawl`"
                )
            self.path.parent.mkdir(parents=True, exist_ok=True)
        replays = not read_only and Path(f"{self.path}.wal").exists()  # its last writer was killed
        self.con = self._connect(read_only, lock_wait_s)
        self._in_tx = False
        if not read_only:
            self.migrate()
        if replays:
            # DuckDB 1.5 (duckdb#23645): once a replayed WAL is checkpointed by close(), every
            # later upsert of those rows fails ("Failed to delete all rows from index"), so a
            # crawl after a killed one stored nothing. Checkpointing right away keeps the index whole.
            self.execute("CHECKPOINT")

    def _connect(self, read_only: bool, lock_wait_s: float) -> duckdb.DuckDBPyConnection:
        """Open the file; if another process holds the write lock, wait up to lock_wait_s."""
        deadline = time.monotonic() + lock_wait_s
        delay = 0.05
        while True:
            try:
                return duckdb.connect(
                    str(self.path), read_only=read_only, config={"extension_directory": self._ext_dir()}
                )
            except duckdb.Error as e:
                err = _wrap(e, self.path)
                if not isinstance(err, StoreLockedError) or time.monotonic() + delay > deadline:
                    raise err from e
            time.sleep(delay)  # the lock holder is another process: poll until it lets go
            delay = min(delay * 2, 1.0)

    def _ext_dir(self) -> str:
        base = self.path.parent if str(self.path) != ":memory:" else Path.cwd()
        return str(base / ".duckdb_extensions")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> BaseStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- SQL helpers -------------------------------------------------------------

    def execute(self, sql: str, params: Any = None) -> duckdb.DuckDBPyConnection:
        try:
            return self.con.execute(sql, params) if params is not None else self.con.execute(sql)
        except duckdb.Error as e:
            raise _wrap(e, self.path) from e

    def executemany(self, sql: str, rows: list[Any]) -> None:
        if not rows:
            return
        try:
            self.con.executemany(sql, rows)
        except duckdb.Error as e:
            raise _wrap(e, self.path) from e

    def fetchall(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        return self.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Any = None) -> Any:
        row = self.execute(sql, params).fetchone()
        return row[0] if row else None

    def bulk_insert(
        self,
        table: str,
        columns: Mapping[str, str],
        rows: Sequence[Sequence[object]],
        *,
        conflict: str = "",
    ) -> None:
        """Insert many rows fast: stage them as NDJSON and let DuckDB read the file.

        `columns` maps column name -> DuckDB type (in table order); `conflict` is an
        optional `ON CONFLICT ...` / select suffix. executemany is ~100x slower here.
        """
        if not rows:
            return
        names = list(columns)
        try:
            tmp = self._stage(names, rows)
        except OSError as e:  # disk full, read-only temp dir...: a clean error, nothing written
            raise StoreError(f"cannot stage rows for {table}: {e.strerror or e}") from e
        except UnicodeEncodeError as e:  # a lone surrogate: no UTF-8 file or database holds one
            raise StoreError(f"cannot store rows for {table}: {unicode_error(e)}") from e
        try:
            spec = "{" + ", ".join(f"{n!r}: {t!r}" for n, t in columns.items()) + "}"
            self.execute(
                f"INSERT INTO {table} AS t ({', '.join(names)}) "
                f"SELECT {', '.join(names)} FROM read_json(?, format='newline_delimited', "
                f"columns={spec}) {conflict}",
                [tmp],
            )
        finally:
            os.unlink(tmp)

    @staticmethod
    def _stage(names: list[str], rows: Sequence[Sequence[object]]) -> str:
        fd, tmp = tempfile.mkstemp(prefix="hub-stage-", suffix=".jsonl")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                for row in rows:
                    f.write(
                        json.dumps(
                            dict(zip(names, row, strict=True)), default=_json_default, ensure_ascii=False
                        )
                    )
                    f.write("\n")
        except BaseException:
            os.unlink(tmp)
            raise
        return tmp

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing: a crash or an exception inside leaves the database unchanged."""
        if self._in_tx:  # nested: join the outer transaction
            yield
            return
        self.execute("BEGIN TRANSACTION")
        self._in_tx = True
        try:
            yield
        except BaseException:
            self._in_tx = False
            with contextlib.suppress(duckdb.Error):
                self.con.execute("ROLLBACK")
            raise
        self._in_tx = False
        self.execute("COMMIT")

    # -- migrations --------------------------------------------------------------

    def migrate(self) -> list[str]:
        """Apply every migration not yet recorded; return the names applied."""
        self.execute(
            "CREATE TABLE IF NOT EXISTS _hub_migrations "
            "(name VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
        )
        done = {r[0] for r in self.fetchall("SELECT name FROM _hub_migrations")}
        applied = []
        for migration in MIGRATIONS:
            name = migration.__name__
            if name in done:
                continue
            with self.transaction():
                try:
                    migration(self.con)
                except duckdb.Error as e:
                    raise _wrap(e, self.path) from e
                self.execute("INSERT INTO _hub_migrations VALUES (?, ?)", [name, to_db(utcnow())])
            applied.append(name)
        if applied:
            # Schema changes go into the main file at once: replaying DDL from the WAL after a
            # crash in the same session fails in DuckDB 1.5 ("GetDefaultDatabase with no
            # default database set"), which would leave the file unopenable.
            self.execute("CHECKPOINT")
        return applied

    def applied_migrations(self) -> list[str]:
        return [r[0] for r in self.fetchall("SELECT name FROM _hub_migrations ORDER BY name")]
