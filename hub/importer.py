"""`hub import`: recorded files -> the store, all or nothing.

Every file is read and parsed (format detected from content by `hub.sources`) before
anything is written, so one broken file leaves the database unchanged; then each file is
written with its fetch record, in one transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from hub import sources
from hub.files import read_bounded
from hub.store import FetchRecord, Store
from hub.types import ImportResult, Parsed

MAX_IMPORT_BYTES = 200 * 1024 * 1024
Progress = Callable[[str, int, int], None]


def _noop(stage: str, done: int, total: int) -> None:
    return None


def _read_input(path: Path) -> bytes:
    return read_bounded(path, MAX_IMPORT_BYTES)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders expand to the files inside them (sorted, hidden skipped)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(
                f
                for f in p.rglob("*")
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
        else:
            out.append(p)
    return out


def import_paths(
    store: Store,
    paths: Sequence[Path],
    *,
    format: str | None = None,
    progress: Progress | None = None,
) -> list[ImportResult]:
    """Parse every file first, then write each in its own fetch record, in one transaction.

    Any unreadable or unparseable file stops the import before anything is written,
    so a bad batch leaves the database unchanged.
    """
    progress = progress or _noop
    files = expand_paths(paths)
    parsed = []
    for n, path in enumerate(files, 1):
        data = _read_input(path)
        parsed.append((path, data, sources.parse(data, path.name, format)))
        progress("parse", n, len(files))
    results = []
    with store.transaction():
        for n, (path, data, doc) in enumerate(parsed, 1):
            results.append(_write(store, path, data, doc))
            progress("write", n, len(parsed))
    return results


def _write(store: Store, path: Path, data: bytes, doc: Parsed) -> ImportResult:
    fetch = FetchRecord(
        source=f"import:{doc.format}",
        url=path.resolve().as_uri(),
        status=200,
        bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        format=doc.format,
    )
    counts = store.upsert(doc.items, doc.observations, fetch)
    return ImportResult(str(path), doc.format, doc.records, counts.items, counts.new, counts.observations)
