"""Files hub reads and writes for the user: bounded reads, atomic writes, safe names.

Every input file (`hub import`, OPML, schedules, hub.toml) is read by `read_bounded`: at
most limit + 1 bytes whatever `st_size` says (a /proc file or a device reports 0), and only
from a regular file (a FIFO would block forever, /dev/zero never ends). Every output file
(site pages, feeds, .eml files, hub.toml) is written by `write_atomic` or `write_all`: a
temporary file beside the target renamed over it, removed when anything fails, and the
failure is one `WriteError` line (disk full, read-only folder, a directory in the way).
File names made from user text come from `safe_filename`: ASCII, bounded, unique.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path

from hub.exceptions import ParseError, WriteError

# What a file name may keep of user text; the rest becomes "_".
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


# Byte-order marks, longest first (UTF-32 LE starts like UTF-16 LE).
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_XML_DECL_ENCODING = re.compile(rb"""^(<\?xml[^>]*?\bencoding\s*=\s*)(["'])[^"']*\2""")


# Without a mark, a document that starts with an ASCII character shows its encoding by
# which of its first four bytes are zero (RFC 4627 section 3, XML 1.0 appendix F).
_ZEROS: dict[tuple[bool, ...], str] = {
    (True, True, True, False): "utf-32-be",
    (False, True, True, True): "utf-32-le",
    (True, False, True, False): "utf-16-be",
    (False, True, False, True): "utf-16-le",
}


def to_utf8(data: bytes, name: str) -> bytes:
    """A document in UTF-16 or UTF-32 (with a byte-order mark, or without one when its first
    character is ASCII), or in UTF-8 with a mark, as UTF-8 without it, its XML declaration (if
    any) saying UTF-8; anything else unchanged. Every reader of user documents calls this
    first, so detection and parsing see one encoding."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return _as_utf8(data[len(bom) :].decode(codec))
            except UnicodeDecodeError as e:
                where = e.start + len(bom)
                raise ParseError(
                    name, f"not valid {codec.upper()} text (invalid bytes at offset {where})"
                ) from e
    unmarked = _ZEROS.get(tuple(b == 0 for b in data[:4])) if len(data) >= 4 else None
    if unmarked is not None:
        try:
            return _as_utf8(data.decode(unmarked))
        except UnicodeDecodeError:
            return data  # not text in that encoding after all: the format check says what it is
    return data


def _as_utf8(text: str) -> bytes:
    """Decoded text as UTF-8 bytes, its XML declaration (if any) saying so."""
    return _XML_DECL_ENCODING.sub(rb"\1\2UTF-8\2", text.encode("utf-8"), count=1)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, else ParseError (one line).

    Opened without blocking (a FIFO with no writer would wait forever), then checked to be a
    regular file; at most limit + 1 bytes are read, so a size that lies cannot exhaust memory.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError as e:
        raise ParseError(str(path), "no such file") from e
    except IsADirectoryError as e:
        raise ParseError(str(path), "is a directory") from e
    except OSError as e:
        raise ParseError(str(path), f"cannot read: {e.strerror or e}") from e
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ParseError(str(path), f"is {_kind(st.st_mode)}, not a regular file: hub reads files only")
        if st.st_size > limit:  # refused unread; a size that says less is not trusted
            raise ParseError(str(path), f"file too large ({st.st_size} bytes > {limit})")
        os.set_blocking(fd, True)
        data = _read_fd(fd, limit + 1)
    except OSError as e:
        raise ParseError(str(path), f"cannot read: {e.strerror or e}") from e
    finally:
        os.close(fd)
    if len(data) > limit:
        raise ParseError(str(path), f"file too large (more than {limit} bytes)")
    return data


def _read_fd(fd: int, most: int) -> bytes:
    chunks, left = [], most
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _write_fd(fd: int, data: bytes) -> None:
    """All of `data` to `fd` (the one place file contents are written; tests fill the disk here)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _write_error(path: Path, e: OSError) -> WriteError:
    why = e.strerror or str(e) or type(e).__name__
    if e.errno == errno.ENOSPC:
        why = "No space left on device"
    return WriteError(f"cannot write {path}: {why}")


def write_atomic(path: Path, data: bytes | str) -> Path:
    """`data` (str as UTF-8) as the whole new content of `path`, or WriteError and the old
    content untouched: written to a temporary file beside it, renamed over it, the temporary
    file removed on any failure."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp: str | None = None
    try:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError as e:  # a file where a folder should be
            raise NotADirectoryError(errno.ENOTDIR, "Not a directory (a file is in the way)") from e
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "Is a directory")
        fd = os.open(
            tmp := str(path.with_name(f".{path.name[:200]}.{os.getpid()}.tmp")),
            os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0),
            0o666,
        )
        try:
            _write_fd(fd, raw)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        tmp = None
    except OSError as e:
        raise _write_error(path, e) from e
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return path


def write_all(files: Iterable[tuple[Path, bytes | str]]) -> list[Path]:
    """Several new files, all or none: on a failure the ones this call created are removed
    again (files it replaced keep their new content: each is whole, never half written)."""
    done: list[tuple[Path, bool]] = []
    try:
        for path, data in files:
            existed = path.exists()
            done.append((write_atomic(path, data), existed))
    except WriteError:
        for path, existed in done:
            if not existed:
                with contextlib.suppress(OSError):
                    path.unlink()
        raise
    return [p for p, _ in done]


def safe_filename(text: str, suffix: str = "", *, max_chars: int = 80) -> str:
    """A file name made from user text: ASCII letters, digits, `.`, `_`, `-` (others as `_`),
    at most `max_chars` of them, never hidden or `..`, and unique per text: a hash of the
    whole text is always appended, so two texts that clean up alike never share a name."""
    readable = _UNSAFE.sub("_", text).strip("._-")[:max_chars].rstrip("._-") or "file"
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{readable}-{digest}{_UNSAFE.sub('_', suffix)[:20]}"
