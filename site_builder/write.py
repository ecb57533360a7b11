"""Stage 6, write: build the new site in a sibling folder, then swap it into place at once.

`output/` is always either the whole old site or the whole new one. On Linux the swap is one
renameat2(RENAME_EXCHANGE) call; elsewhere two renames, with recovery on the next build.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from site_builder.errors import BuildError, UsageError
from site_builder.faults import fault_point

MARKER = ".site-builder"
MARKER_TEXT = b"This folder is written by site-builder; it replaces it whole on each build.\n"
_RENAME_EXCHANGE = 2
BACKGROUND_DELETE_FILES = 5000
_AT_FDCWD = -100


_UNSAFE_PARTS = frozenset({"", ".", ".."})


def is_safe_output_path(relative: str) -> bool:
    """Whether a path stays inside the output folder: relative, no "..", "." or empty part,
    no backslash or NUL. Plain string tests: a build checks some 70,000 paths."""
    return (bool(relative) and not relative.startswith("/") and "\\" not in relative
            and "\x00" not in relative and _UNSAFE_PARTS.isdisjoint(relative.split("/")))


def safe_output_path(relative: str) -> str:
    """Refuse any output path that could leave the output folder."""
    if not is_safe_output_path(relative):
        raise BuildError(f"refusing to write {relative!r}: it would leave the output folder")
    return relative


def check_output_folder(output: Path, site_root: Path, content: Path) -> None:
    """Only a folder that is empty or was written by site-builder may be replaced."""
    resolved = output.resolve()
    forbidden = {Path("/").resolve(), Path.home().resolve(), site_root.resolve(),
                 content.resolve()}
    if resolved in forbidden or site_root.resolve().is_relative_to(resolved) \
            or resolved.is_relative_to(content.resolve()):
        raise UsageError(f"refusing to build into {output}: it is the site, its content or a "
                         "folder above them; choose an output folder of its own")
    if resolved.exists():
        if not resolved.is_dir():
            raise UsageError(f"refusing to build into {output}: it is a file, not a folder")
        if not (resolved / MARKER).is_file() and any(resolved.iterdir()):
            raise UsageError(f"refusing to replace {output}: it holds files site-builder did "
                             f"not write (no {MARKER} marker); empty it or pick another folder")


class OutputTransaction:
    """Files go to a sibling aside folder; commit() swaps it with the live one."""

    def __init__(self, output: Path) -> None:
        self.output = output.absolute()
        self.aside = self.output.with_name(f".{self.output.name}.building")
        self.previous = self.output.with_name(f".{self.output.name}.previous")
        recover(self.output)
        try:
            self.output.parent.mkdir(parents=True, exist_ok=True)
            _remove(self.aside)
            self.aside.mkdir()
        except OSError as error:
            raise BuildError(f"cannot create {self.aside}: {error.strerror}") from None
        self.written: set[str] = set()
        self.unchanged = 0
        self._folders: set[Path] = {self.aside}

    def _folder_for(self, target: Path) -> None:
        """mkdir once per folder: a site has as many folders as stories."""
        parent = target.parent
        if parent not in self._folders:
            parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(parent)

    def write(self, relative: str, data: bytes) -> None:
        """Write one file; bytes equal to the live file's are hard-linked, not rewritten."""
        relative = safe_output_path(relative)
        target = self.aside / relative
        try:
            self._folder_for(target)
            live = self.output / relative
            if _same_bytes(live, data):
                os.link(live, target)
                self.unchanged += 1
            else:
                target.write_bytes(data)
        except OSError as error:
            raise BuildError(_explain(error, target)) from None
        self.written.add(relative)
        fault_point("mid-render", len(self.written))

    def keep(self, relatives: tuple[str, ...]) -> bool:
        """Carry live files over unchanged (hard links); False if any of them is missing."""
        lives = [self.output / safe_output_path(r) for r in relatives]
        if not all(live.is_file() for live in lives):
            return False
        try:
            for relative, live in zip(relatives, lives, strict=True):
                target = self.aside / relative
                self._folder_for(target)
                os.link(live, target)
                self.written.add(relative)
        except OSError:
            for relative in relatives:
                (self.aside / relative).unlink(missing_ok=True)
            return False
        return True

    def copy(self, relative: str, source: Path) -> None:
        self.write(relative, source.read_bytes())

    def commit(self) -> None:
        """Swap the finished site into place, then drop the old one."""
        try:
            (self.aside / MARKER).write_bytes(MARKER_TEXT)
            _fsync_tree_root(self.aside)
            if self.output.exists():
                fault_point("before-swap")
                _exchange(self.aside, self.output)
                fault_point("after-swap")
                self._drop_old_site()
            else:
                os.rename(self.aside, self.output)
        except OSError as error:
            raise BuildError(_explain(error, self.output)) from None

    def abort(self) -> None:
        _remove(self.aside)

    def _drop_old_site(self) -> None:
        """After the exchange the aside folder holds the old site: delete it.

        A large old site is renamed out of the way and deleted by a detached process, so the
        author is not kept waiting for a hundred thousand unlinks; a small one goes at once.
        """
        if len(self.written) < BACKGROUND_DELETE_FILES:
            _remove(self.aside)
            return
        trash = self.output.with_name(f".{self.output.name}.trash-{os.getpid()}")
        _remove(trash)
        os.rename(self.aside, trash)
        delete_in_background(trash)


def delete_in_background(folder: Path) -> None:
    """rmtree in a detached child that outlives this process; a failure leaves only trash,
    which the next build hands to another such child."""
    try:
        subprocess.Popen(
            [sys.executable, "-c", "import shutil, sys; shutil.rmtree(sys.argv[1], True)",
             str(folder)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, close_fds=True)
    except OSError:
        _remove(folder)


def recover(output: Path) -> None:
    """Finish or undo a swap that a killed build left half done (two-rename fallback only);
    old sites left as trash by an interrupted background delete go to a new one."""
    for trash in output.parent.glob(f".{output.name}.trash-*"):
        if trash.is_dir():
            delete_in_background(trash)
    previous = output.with_name(f".{output.name}.previous")
    if not output.exists() and previous.is_dir():
        os.rename(previous, output)
    elif previous.exists():
        _remove(previous)


def write_all(transaction: OutputTransaction, files: Iterable[tuple[str, bytes]]) -> int:
    count = 0
    for relative, data in files:
        transaction.write(relative, data)
        count += 1
    return count


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _exchange(new: Path, live: Path) -> None:
    libc_name = ctypes.util.find_library("c")
    renameat2 = getattr(ctypes.CDLL(libc_name, use_errno=True), "renameat2", None) \
        if libc_name else None
    if renameat2 is not None:
        result = renameat2(_AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(live),
                           _RENAME_EXCHANGE)
        if result == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
            raise OSError(code, os.strerror(code), str(live))
    previous = live.with_name(f".{live.name}.previous")
    os.rename(live, previous)
    os.rename(new, live)
    os.rename(previous, new)


def _fsync_tree_root(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def _explain(error: OSError, path: Path) -> str:
    if error.errno == errno.ENOSPC:
        return f"the disk is full while writing {path}; the previous site is untouched"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write {path}: {error.strerror}; the previous site is untouched"
    return f"cannot write {path}: {error.strerror}"
