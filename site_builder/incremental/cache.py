"""The build cache: parsed briefings by content hash, and what each output file was made from.

One SQLite file in the site's .site-builder-cache/. It is only ever a shortcut: every entry is
checked against a content hash or a fingerprint before use, and a cache of another builder
version or one that SQLite cannot read is thrown away with a warning. What a build made is
recorded just before its folder is swapped in, under the identity (inode) that folder will
have as the live one: until the swap the live folder is another, so a build killed or failing
half way leaves nothing to trust, and one whose record cannot be written (a full disk, a
read-only cache folder) stops with an error before the swap, the old site in place.

The file is in WAL mode, with a busy timeout on every connection: a build's forked workers read
story bodies (bodies.py) while it writes, and readers never see a transaction half done. Only
one command writes it at a time (lock.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from site_builder import __version__
from site_builder.bodies import BUSY_TIMEOUT_SECONDS
from site_builder.errors import BuildError
from site_builder.faults import fault_point
from site_builder.incremental.cache_errors import cache_error, is_corrupt

CACHE_DIR = ".site-builder-cache"
SCHEMA = "9"
_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, digest TEXT, parsed BLOB);
CREATE TABLE IF NOT EXISTS memo (
    kind TEXT, key TEXT, value BLOB, PRIMARY KEY (kind, key));
CREATE TABLE IF NOT EXISTS bodies (
    digest TEXT, url TEXT, markdown TEXT, html TEXT, PRIMARY KEY (digest, url));
CREATE TABLE IF NOT EXISTS outputs (
    output TEXT, name TEXT, value BLOB NOT NULL, PRIMARY KEY (output, name));
CREATE TABLE IF NOT EXISTS output_changes (
    output TEXT, name TEXT, path TEXT, value TEXT, PRIMARY KEY (output, name, path));
"""
_TABLE_NAMES = ("meta", "sources", "memo", "bodies", "outputs", "output_changes")
MAX_OUTPUT_CHANGES = 5000  # change rows over a pickled row before it is written anew


@dataclass(frozen=True, slots=True)
class FileState:
    """What a stat says of a file; equal states mean unchanged unless the file is racy."""

    size: int
    mtime_ns: int


def file_state(path: Path) -> FileState:
    stat = path.stat()
    return FileState(stat.st_size, stat.st_mtime_ns)


def digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BuildCache:
    """A thin layer over one SQLite file; `None` connection means caching is off.

    A read that fails turns caching off for the rest of the build (every entry is a shortcut);
    a write that fails is a BuildError, since what the build records must be whole.
    """

    def __init__(self, folder: Path | None, parse_key: str, warn: Callable[[str], None],
                 *, scratch: bool = False) -> None:
        self.connection: sqlite3.Connection | None = None
        self.parse_key = parse_key
        self.path: Path | None = None
        self.scratch = folder if scratch else None
        if folder is None:
            return
        path = self.path = folder / "cache.sqlite"
        try:
            folder.mkdir(exist_ok=True)
            self.connection = self._open(path, warn)
        except (sqlite3.Error, OSError) as error:
            raise cache_error(path, error) from None

    def _open(self, path: Path, warn: Callable[[str], None]) -> sqlite3.Connection:
        for attempt in (1, 2):
            try:
                connection = sqlite3.connect(path, isolation_level=None,
                                             timeout=BUSY_TIMEOUT_SECONDS)
                connection.execute("PRAGMA journal_mode=WAL")
                # Commits are not synced one by one, only checkpoints: a power cut may lose
                # the last records, which only makes the next build trust less and do more.
                connection.execute("PRAGMA synchronous=NORMAL")
                connection.executescript(_TABLES)
                stored = dict(connection.execute("SELECT key, value FROM meta"))
                wanted = {"schema": SCHEMA, "version": __version__, "parse": self.parse_key}
                if stored and any(stored.get(k) != v for k, v in wanted.items()):
                    if stored.get("version") != __version__ or stored.get("schema") != SCHEMA:
                        warn(f"build cache {path} is from another builder version; discarded")
                    # Dropped, not emptied: another schema's tables may have other columns.
                    connection.executescript("".join(f"DROP TABLE IF EXISTS {name};"
                                                     for name in _TABLE_NAMES) + _TABLES)
                connection.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                        wanted.items())
                return connection
            except sqlite3.DatabaseError as error:
                if attempt == 2 or not is_corrupt(error):
                    raise
                warn(f"build cache {path} is corrupt ({error}); discarded")
                for suffix in ("", "-journal", "-wal", "-shm"):
                    Path(str(path) + suffix).unlink(missing_ok=True)
        raise AssertionError("unreachable")

    # Parsed sources ---------------------------------------------------------------------------

    def source_states(self) -> dict[str, tuple[FileState, str]]:
        """Each cached file's stat and digest, in one query: the blobs are read only for hits."""
        if self.connection is None:
            return {}
        try:
            return {path: (FileState(size, mtime_ns), digest) for path, size, mtime_ns, digest
                    in self.connection.execute("SELECT path, size, mtime_ns, digest FROM sources")}
        except sqlite3.Error:
            self._disable()
            return {}

    def parsed_many(self, paths: set[str]) -> dict[str, object]:
        """The cached parses of these files, in one pass; a damaged row is left out (a miss)."""
        if self.connection is None or not paths:
            return {}
        try:
            rows = self.connection.execute("SELECT path, parsed FROM sources")
            return _unpickled((path, blob) for path, blob in rows if path in paths)
        except sqlite3.Error:
            self._disable()
            return {}

    def store_parsed(self, rows: Iterable[tuple[str, FileState, str, object]]) -> None:
        if self.connection is None:
            return
        self._write("INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?)",
                    [(path, state.size, state.mtime_ns, digest,
                      pickle.dumps(parsed, pickle.HIGHEST_PROTOCOL))
                     for path, state, digest, parsed in rows])

    def update_parsed(self, rows: Iterable[tuple[str, str, object]]) -> None:
        """A file's parse replaced by a later form of it (tagged), if its digest still holds."""
        self._write("UPDATE sources SET parsed = ? WHERE path = ? AND digest = ?",
                    [(pickle.dumps(parsed, pickle.HIGHEST_PROTOCOL), path, digest)
                     for path, digest, parsed in rows])

    def restamp(self, rows: Iterable[tuple[str, FileState]]) -> None:
        """New size and time for files whose bytes did not change (touched, checked out)."""
        self._write("UPDATE sources SET size = ?, mtime_ns = ? WHERE path = ?",
                    [(state.size, state.mtime_ns, path) for path, state in rows])

    # Story bodies, by the digest of their file (bodies.py) -----------------------------------

    def database(self) -> Path | None:
        """The SQLite file, for readers in other processes; None when caching is off."""
        return self.path if self.connection is not None else None

    def body_digests(self) -> set[str]:
        """The digests whose bodies are stored: a parse whose bodies are not is a miss."""
        if self.connection is None:
            return set()
        try:
            return {digest for (digest,) in self.connection.execute(
                "SELECT DISTINCT digest FROM bodies")}
        except sqlite3.Error:
            self._disable()
            return set()

    def store_bodies(self, rows: Iterable[tuple[str, str, str, str]]) -> bool:
        """Store (digest, url, Markdown, HTML) rows; whether they are stored."""
        self._write("INSERT OR REPLACE INTO bodies VALUES (?, ?, ?, ?)", list(rows))
        return self.connection is not None

    def retain_bodies(self, digests: set[str]) -> None:
        """Drop the bodies of files that are no longer as they were."""
        if self.connection is None:
            return
        stale = [(digest,) for digest in self.body_digests() - digests]
        self._write("DELETE FROM bodies WHERE digest = ?", stale)

    def forget_sources_except(self, paths: set[str]) -> None:
        if self.connection is None:
            return
        stale = [(p,) for (p,) in self.connection.execute("SELECT path FROM sources")
                 if p not in paths]
        self._write("DELETE FROM sources WHERE path = ?", stale)

    # Results keyed by content (the tagger's per-file work) -----------------------------------

    def get_many(self, kind: str, keys: list[str]) -> dict[str, object]:
        if self.connection is None or not keys:
            return {}
        wanted = set(keys)
        try:
            rows = self.connection.execute("SELECT key, value FROM memo WHERE kind = ?", (kind,))
            return _unpickled((key, blob) for key, blob in rows if key in wanted)
        except sqlite3.Error:
            self._disable()
            return {}

    def put_many(self, kind: str, items: dict[str, object]) -> None:
        self._write("INSERT OR REPLACE INTO memo VALUES (?, ?, ?)",
                    [(kind, key, pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
                     for key, value in sorted(items.items())])

    def retain(self, kind: str, keys: set[str]) -> None:
        """Drop what no current file needs, so the cache does not grow without bound."""
        if self.connection is None:
            return
        try:
            stale = [(kind, key) for (key,) in self.connection.execute(
                "SELECT key FROM memo WHERE kind = ?", (kind,)) if key not in keys]
        except sqlite3.Error:
            self._disable()
            return
        self._write("DELETE FROM memo WHERE kind = ? AND key = ?", stale)

    # Outputs ----------------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return str(row[0]) if row else None

    def outputs(self, output: str) -> dict[str, str]:
        """Each file of that output folder with the fingerprint of what it was made from."""
        marks = self._output_value(output, "marks")
        changes = self._output_changes(output, "marks")
        if not isinstance(marks, dict) or changes is None:
            return {}
        for path, mark in changes:
            if mark is None:
                marks.pop(path, None)
            else:
                marks[path] = mark
        return marks

    def live_files(self, output: str) -> frozenset[str] | None:
        """Every file of that output folder, as the build that made it recorded."""
        files = self._output_value(output, "files")
        changes = self._output_changes(output, "files")
        if not isinstance(files, frozenset) or changes is None:
            return None
        if not changes:
            return files
        gone = {path for path, present in changes if present is None}
        return frozenset((files - gone) | {path for path, present in changes if present})

    def record_build(self, output: str, fingerprints: dict[str, str], meta: dict[str, str],
                     files: frozenset[str] | None = None,
                     previous: dict[str, str] | None = None,
                     previous_files: frozenset[str] | None = None) -> None:
        """Just before the swap: what each output file was made from, the folder's list of
        files, and the build's meta (the identity the folder will have once swapped in
        among it), in one transaction; a BuildError if it cannot be written.

        Kept per output folder, so a preview server and `build` do not spoil each other's.
        The fingerprints and the files are a pickled row each (a site of ten years has 70,000
        and 140,000, which SQLite hands back as rows several times slower than pickle
        restores one), followed by rows of the changes since: previous and previous_files,
        when given, are what outputs() and live_files() said before this build, and only what
        differs from them is written (a few dozen rows after an edit), until changes pile up.
        """
        if self.connection is None:
            return
        marks = None if previous is None else [
            *((path, mark) for path, mark in fingerprints.items() if previous.get(path) != mark),
            *((path, None) for path in previous.keys() - fingerprints)]
        listed = None if previous_files is None or files is None else [
            *((path, "1") for path in files - previous_files),
            *((path, None) for path in previous_files - files)]
        try:
            with self.connection:
                self.connection.execute("BEGIN")
                self._record_output(output, "marks", fingerprints, marks)
                if files is not None:
                    self._record_output(output, "files", files, listed)
                self.connection.executemany(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                    [(f"{key}:{output}", value) for key, value in sorted(meta.items())])
        except (sqlite3.Error, OSError) as error:
            raise cache_error(self.path, error) from None

    def _record_output(self, output: str, name: str, whole: object,
                       changes: list[tuple[str, str | None]] | None) -> None:
        """Inside record_build's transaction: the changes as rows, or the whole anew when
        there is no earlier state to change (None) or too many rows would pile up."""
        assert self.connection is not None
        if changes is not None:
            (piled,) = self.connection.execute(
                "SELECT COUNT(*) FROM output_changes WHERE output = ? AND name = ?",
                (output, name)).fetchone()
            if piled + len(changes) <= MAX_OUTPUT_CHANGES:
                fault_point("mid-cache")
                self.connection.executemany(
                    "INSERT OR REPLACE INTO output_changes VALUES (?, ?, ?, ?)",
                    [(output, name, path, value) for path, value in sorted(changes)])
                return
        self.connection.execute("DELETE FROM output_changes WHERE output = ? AND name = ?",
                                (output, name))
        fault_point("mid-cache")
        self.connection.execute("INSERT OR REPLACE INTO outputs VALUES (?, ?, ?)",
                                (output, name, pickle.dumps(whole, pickle.HIGHEST_PROTOCOL)))

    def _output_changes(self, output: str, name: str) -> list[tuple[str, str | None]] | None:
        """The change rows over a pickled row; None when they cannot be read."""
        if self.connection is None:
            return None
        try:
            return list(self.connection.execute(
                "SELECT path, value FROM output_changes WHERE output = ? AND name = ?",
                (output, name)))
        except sqlite3.Error:
            self._disable()
            return None

    def _output_value(self, output: str, name: str) -> object:
        row = self._one("SELECT value FROM outputs WHERE output = ? AND name = ?",
                        (output, name))
        blob = row[0] if row else None
        return _unpickled([("", blob)]).get("") if isinstance(blob, bytes) else None

    def build_meta(self, output: str, key: str) -> str | None:
        return self.meta(f"{key}:{output}")

    def forget_build(self, output: str) -> None:
        """Before anything is written: no fingerprint outlives the output it described."""
        if self.connection is not None:
            self._write("DELETE FROM meta WHERE key IN (?, ?)",
                        [(f"signature:{output}", f"identity:{output}")])

    def confirm_identity(self, output: str, identity: str) -> bool:
        """After the swap, where the folder swapped in is not quite what record_build was
        told it would be (a file system that stamps a folder it renames); whether it is
        noted (if not, the next build trusts nothing of that folder: slower, still right)."""
        try:
            self._write("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                        [(f"identity:{output}", identity)])
        except BuildError:
            return False
        return self.connection is not None

    @classmethod
    def throwaway(cls, parse_key: str, warn: Callable[[str], None]) -> BuildCache:
        """An empty cache in a temporary folder, deleted on close: for a build that must
        neither read nor update the site's cache (--no-cache), yet should hold the stories'
        bodies out of its model as any other build does (bodies.py)."""
        return cls(Path(tempfile.mkdtemp(prefix="site-builder-cache-")), parse_key, warn,
                   scratch=True)

    def close(self) -> None:
        """Close, with the build's writes moved from the write-ahead log into the file, so
        that the file alone is the cache (the story bodies' readers may hold the log open)."""
        if self.connection is not None:
            with contextlib.suppress(sqlite3.Error):  # the log keeps them safe all the same
                self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.connection.close()
            self.connection = None
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)

    # -------------------------------------------------------------------------------------------

    def _one(self, sql: str, args: tuple[object, ...]) -> tuple[object, ...] | None:
        if self.connection is None:
            return None
        try:
            row: tuple[object, ...] | None = self.connection.execute(sql, args).fetchone()
            return row
        except sqlite3.Error:
            self._disable()
            return None

    def _write(self, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
        if self.connection is None or not rows:
            return
        try:
            with self.connection:
                self.connection.execute("BEGIN")
                self.connection.executemany(sql, rows)
        except (sqlite3.Error, OSError) as error:
            raise cache_error(self.path, error) from None

    def _disable(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.connection = None


def _unpickled(rows: Iterable[tuple[str, bytes]]) -> dict[str, object]:
    """Each row's blob unpickled; a damaged row is left out (a miss, whatever it raises)."""
    found: dict[str, object] = {}
    for key, blob in rows:
        try:
            found[key] = pickle.loads(blob)
        except Exception:  # noqa: BLE001, S112 - a damaged row is only a miss
            continue
    return found


def output_identity(output: Path) -> str:
    """Which output folder this is: a swap makes a new folder, so its inode changes."""
    try:
        stat = os.stat(output)
    except OSError:
        return ""
    return f"{stat.st_dev}:{stat.st_ino}:{stat.st_mtime_ns}"
