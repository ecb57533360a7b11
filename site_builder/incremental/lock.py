"""The site lock: one command at a time writes a site's build cache and output folders.

A command that writes the build cache, an output folder or the content (build, each rebuild
of serve, import) holds the site's lock exclusively while it runs; a command that only reads
them and must see them whole (check, and deploy, ping and email, which read output/ and the
cache) holds it shared, beside other readers. Everything a command reads comes after the lock, so a second build never sees
the first one's half-written cache, nor deletes its folder of pages half built. The whole API:

    from site_builder.incremental.lock import hold_site_lock

    with hold_site_lock(config, reporter, command="deploy", wait=not args.no_wait,
                        shared=True):
        ...  # nothing writes output/ or the cache meanwhile

A command that finds the lock taken says once whom it waits for (``waiting for the build
started 08:00:03 by pid 4242...``); with ``wait=False`` (``--no-wait``) it raises SiteBusy
instead, which the CLI turns into that message and exit code EXIT_BUSY (75, EX_TEMPFAIL from
sysexits.h: "try again later").

One lock per site, on ``.site-builder-cache/lock`` beside the cache: the cache is what every
such command shares, and every output folder a site writes (``output/``, ``--output`` elsewhere,
serve's private folders inside the cache folder) is written by a command holding it. So a
preview server's rebuild and a ``build`` wait for each other too: they share the cache, and a
rebuild takes about a second. It is ``fcntl.flock``, so the kernel lets go of it when its
holder ends, however it ends (SIGKILL included): a killed build never blocks the next one.
Worker processes forked by a build share its lock and end once their parent is gone. The file
is never deleted or replaced (a lock on a replaced file would exclude nobody); what it holds is
only who holds it, for the message. Where the cache folder cannot be written (a read-only site
built with --no-cache into an output elsewhere), the lock is a file in the temporary folder
named after the site's path, so that such builds still take turns.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from site_builder.config import SiteConfig
from site_builder.errors import SiteBuilderError
from site_builder.incremental.cache import CACHE_DIR
from site_builder.report import Reporter

LOCK_NAME = "lock"
EXIT_BUSY = 75
"""The exit code of a command that found the lock taken and was told not to wait."""
LOOK_SECONDS = 0.05
LOOKS = 20
"""How often, and how many times, a waiter looks again for who holds the lock when the file
does not say yet (its holder has just taken it) or names a process that has ended."""


class SiteBusy(SiteBuilderError):
    """Another command holds the site's lock, and this one was told not to wait."""

    exit_code = EXIT_BUSY


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds the lock: what the lock file says while it is held."""

    command: str
    pid: int
    started: float  # seconds since the epoch

    def __str__(self) -> str:
        moment = time.localtime(self.started)
        shown = "%H:%M:%S" if moment[:3] == time.localtime()[:3] else "%Y-%m-%d %H:%M:%S"
        return f"the {self.command} started {time.strftime(shown, moment)} by pid {self.pid}"

    def encode(self) -> bytes:
        return json.dumps({"command": self.command, "pid": self.pid,
                           "started": self.started}).encode("utf-8") + b"\n"


@contextlib.contextmanager
def hold_site_lock(config: SiteConfig, reporter: Reporter, *, command: str, wait: bool = True,
                   shared: bool = False) -> Iterator[Path]:
    """Hold the site's lock for the body of the with statement; yields the lock file's path.

    command names this command in the message of whoever waits for it ("build", "preview
    build": "waiting for the preview build started ...").
    wait=False raises SiteBusy at once if the lock is taken; shared=True is for readers.
    """
    path, descriptor = _open_lock_file(config)
    try:
        _take(descriptor, path, reporter, shared=shared, wait=wait)
        me = Holder(command, os.getpid(), time.time())
        _write_holder(descriptor, me.encode())
        try:
            yield path
        finally:
            if read_holder(path) == me:
                _write_holder(descriptor, b"")
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def lock_file(config: SiteConfig) -> Path:
    """Where the site's lock is: beside the build cache."""
    return config.root.absolute() / CACHE_DIR / LOCK_NAME


def read_holder(path: Path) -> Holder | None:
    """Who the lock file says holds it; None if it says nothing readable."""
    try:
        found = json.loads(path.read_bytes() or b"null")
        return Holder(str(found["command"]), int(found["pid"]), float(found["started"]))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _open_lock_file(config: SiteConfig) -> tuple[Path, int]:
    """The lock file, opened (created if need be); see the module docstring for a read-only
    site."""
    path = lock_file(config)
    try:
        path.parent.mkdir(exist_ok=True)
        return path, os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        pass
    with contextlib.suppress(OSError):  # there, but not ours to write: it locks all the same
        return path, os.open(path, os.O_RDONLY)
    digest = hashlib.sha256(os.fsencode(config.root.resolve())).hexdigest()[:16]
    fallback = Path(tempfile.gettempdir()) / f"site-builder-{digest}.{LOCK_NAME}"
    try:
        return fallback, os.open(fallback, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise SiteBuilderError(f"{path}: cannot create the site's lock file: {error.strerror} "
                               f"(make {path.parent} writable)") from None


def _take(descriptor: int, path: Path, reporter: Reporter, *, shared: bool,
          wait: bool) -> None:
    mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    holder = None
    for _ in range(LOOKS):
        if _try_lock(descriptor, mode):
            return
        holder = read_holder(path)
        if holder is not None and _alive(holder.pid):
            break
        holder = None
        time.sleep(LOOK_SECONDS)
    whom = str(holder) if holder is not None else f"another site-builder command (it holds {path})"
    if not wait:
        raise SiteBusy(f"{whom} is still running; not waiting (--no-wait): try again once it "
                       "has finished")
    reporter.info(f"waiting for {whom}...")
    fcntl.flock(descriptor, mode)  # Ctrl-C still ends the wait: the call is retried after it


def _try_lock(descriptor: int, mode: int) -> bool:
    try:
        fcntl.flock(descriptor, mode | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return False
        raise
    return True


def _write_holder(descriptor: int, data: bytes) -> None:
    """Say who holds the lock (or, with b"", that nobody does); a lock file opened read-only
    (a read-only site) says nothing."""
    with contextlib.suppress(OSError):
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, data, 0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True
