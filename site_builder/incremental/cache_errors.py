"""What a failed write of the build cache tells the user: `path: problem (what to do)`.

A read of the cache that fails only turns caching off; a write that fails stops the build,
before its swap (cache.py), so the message can say the site is as it was.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from site_builder.errors import BuildError

# SQLite's primary result codes (the low byte of sqlite_errorcode) that say what went wrong.
_CORRUPT = frozenset({11, 26})  # SQLITE_CORRUPT, SQLITE_NOTADB: thrown away and made anew
_DISK_FULL = 13  # SQLITE_FULL
_NOT_WRITABLE = frozenset({3, 8, 14})  # SQLITE_PERM, SQLITE_READONLY, SQLITE_CANTOPEN


def is_corrupt(error: sqlite3.Error) -> bool:
    """A file SQLite cannot read as a database: thrown away, unlike one it cannot write."""
    return _sqlite_code(error) in _CORRUPT


def cache_error(path: Path | None, error: sqlite3.Error | OSError) -> BuildError:
    """What a failed write of the cache says: `path: problem (what to do)`. Every write of a
    build comes before its swap, so the site is as it was."""
    code = _sqlite_code(error) if isinstance(error, sqlite3.Error) else None
    number = error.errno if isinstance(error, OSError) else None
    folder = path.parent if path is not None else Path(".site-builder-cache")
    if code == _DISK_FULL or number == errno.ENOSPC:
        problem, hint = "the disk is full", "free some space and build again"
    elif code in _NOT_WRITABLE or number in (errno.EROFS, errno.EACCES, errno.EPERM):
        problem = f"cannot write the build cache ({_reason(error)})"
        hint = f"make {folder} writable, or build with --no-cache"
    else:
        problem = f"cannot write the build cache ({_reason(error)})"
        hint = f"build again; if this persists, delete {folder} or build with --no-cache"
    return BuildError(f"{path or folder}: {problem}; the previous site is untouched ({hint})")


def _sqlite_code(error: sqlite3.Error) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _reason(error: sqlite3.Error | OSError) -> str:
    return (error.strerror or str(error)) if isinstance(error, OSError) else str(error)
