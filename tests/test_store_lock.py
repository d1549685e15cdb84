"""The store's lock error: DuckDB's "another process holds the file" message, parsed loosely,
so a reworded message (another DuckDB version) still gives a clean StoreLockedError, with
the holder's PID when the message has one and a generic message when it has not."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from hub.exceptions import StoreError, StoreLockedError
from hub.store.base import _wrap

PATH = Path("data/hub.duckdb")
# as printed by DuckDB 1.5.5 and 2.0.1 (the program path shortened)
REAL = {
    "1.5.5": 'IO Error: Could not set lock on file "data/hub.duckdb": Conflicting lock is held in '
    "/usr/bin/python3.11 (PID 15994). See also https://duckdb.org/docs/stable/connect/concurrency",
    "2.0.1": 'IO Error: Could not set lock on file "data/hub.duckdb": Conflicting lock is held in '
    "/usr/bin/python3.11 (PID 15998). See also https://duckdb.org/docs/current/connect/concurrency",
}


@pytest.mark.parametrize("version", sorted(REAL))
def test_real_messages_name_the_holder(version: str) -> None:
    err = _wrap(duckdb.IOException(REAL[version]), PATH)
    assert isinstance(err, StoreLockedError)
    pid = REAL[version].split("(PID ")[1].split(")")[0]
    assert f"in use by another hub process (PID {pid}: /usr/bin/python3.11)" in str(err)


@pytest.mark.parametrize(
    ("message", "holder"),
    [
        ('IO Error: Could not set lock on file "data/hub.duckdb": Resource temporarily unavailable', ""),
        ("IO Error: Conflicting lock is held by another process", ""),
        ("IO Error: could not set lock on file (PID 77)", " (PID 77)"),
        (
            'IO Error: Conflicting lock is held in "a (strange) name" (PID 12).',
            ' (PID 12: "a (strange) name")',
        ),
    ],
)
def test_reworded_messages_still_mean_locked(message: str, holder: str) -> None:
    err = _wrap(duckdb.IOException(message), PATH)
    assert isinstance(err, StoreLockedError)
    assert str(err) == f"{PATH} is in use by another hub process{holder}; wait for it to finish or stop it"


@pytest.mark.parametrize("message", ["Catalog Error: Table with name nope does not exist!", ""])
def test_other_errors_are_not_lock_errors(message: str) -> None:
    err = _wrap(duckdb.CatalogException(message), PATH)
    assert type(err) is StoreError and str(err).startswith(f"{PATH}: ")
