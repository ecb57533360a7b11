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
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from site_builder.errors import BuildError, UsageError
from site_builder.faults import fault_point
from site_builder.incremental.memory import LiveRecord

MARKER = ".site-builder"
MARKER_TEXT = b"This folder is written by site-builder; it replaces it whole on each build.\n"
SPARE_TOKEN = ".site-builder-spare"  # in the spare folder: which build left it
_RENAME_EXCHANGE = 2
BACKGROUND_DELETE_FILES = 5000
_AT_FDCWD = -100


_UNSAFE_PARTS = frozenset({"", ".", ".."})


def is_safe_output_path(relative: str) -> bool:
    """Whether a path stays inside the output folder: relative, no "..", "." or empty part,
    no backslash or NUL. Plain string tests: a build checks some 70,000 paths."""
    return (bool(relative) and not relative.startswith("/") and "\\" not in relative
            and "\x00" not in relative and _UNSAFE_PARTS.isdisjoint(relative.split("/")))


# What is_safe_output_path refuses, as text in paths framed and joined by newlines: an empty
# path, a leading or trailing "/" (an empty part), "//", "\\" or NUL; and, where a part starts
# with a dot at all, a "." or ".." part.
_UNSAFE_IN_LINES = ("\n\n", "\n/", "/\n", "//", "\\", "\x00")
_UNSAFE_DOTS = ("\n./", "/./", "\n.\n", "/.\n", "\n../", "/../", "\n..\n", "/..\n")


def all_safe_output_paths(paths: list[str]) -> bool:
    """all(is_safe_output_path(p) for p in paths), by a few substring searches of them all
    joined (a Python call per path costs a tenth of a second at 70,000 paths)."""
    framed = "\n" + "\n".join(paths) + "\n"
    if framed.count("\n") != len(paths) + 1:  # a path holds a newline: ask each one
        return all(map(is_safe_output_path, paths))
    if not paths or any(unsafe in framed for unsafe in _UNSAFE_IN_LINES):
        return not paths
    dotted = "/." in framed or "\n." in framed
    return not dotted or not any(unsafe in framed for unsafe in _UNSAFE_DOTS)


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
    """Files go to a sibling aside folder; commit() swaps it with the live one.

    The aside folder starts as a copy of the live site made of hard links, so that pages whose
    inputs did not change cost nothing. Linking a whole site of 100,000 files costs seconds, so
    the site before the live one is kept as a spare (its unchanged files are the live site's
    own inodes): the next build renames it aside and re-links only the files the last build
    changed. Files are never written in place, only replaced, so the live site sharing an inode
    with the aside folder is never touched.
    """

    def __init__(self, output: Path, live: LiveRecord | None = None) -> None:
        self.output = output.absolute()
        self.aside = self.output.with_name(f".{self.output.name}.building")
        self.spare = self.output.with_name(f".{self.output.name}.spare")
        self.live = live
        recover(self.output)
        # With no live site there is no file to compare with (a first build, or the bench's
        # full one): writes skip the stat that would fail on each.
        self._live_site = self.output.is_dir()
        self.written: set[str] = set()
        self.fresh: list[str] = []  # files written anew: they differ from the live site's
        self.unchanged = 0
        self._folders: set[str] = {str(self.aside)}
        self._aside = str(self.aside)  # write() joins strings: pathlib costs more than the write
        self.existing: frozenset[str] = frozenset()  # files the aside folder already holds
        self._dropped: set[str] = set()
        self.spare_token = ""  # what prepare() names the spare, when the old site becomes it
        self._prepared = False
        try:
            self.output.parent.mkdir(parents=True, exist_ok=True)
            _discard(self.aside)
            if not self._take_spare():
                _discard(self.spare)
                self.aside.mkdir()
        except OSError as error:
            raise BuildError(f"cannot create {self.aside}: {error.strerror}") from None

    def _take_spare(self) -> bool:
        """Make the spare the aside folder and bring it level with the live site."""
        live = self.live
        if live is None or not live.spare or not self.output.is_dir():
            return False
        try:
            if (self.spare / SPARE_TOKEN).read_text(encoding="utf-8") != live.spare:
                return False
        except (OSError, UnicodeDecodeError):
            return False
        os.rename(self.spare, self.aside)
        try:
            (self.aside / SPARE_TOKEN).unlink()
            fault_point("mid-rebase")
            for relative in sorted(live.changed):
                target = self.aside / relative
                target.unlink(missing_ok=True)
                if relative in live.files:
                    self._folder_for(target)
                    os.link(self.output / relative, target)
                else:
                    _prune(target.parent, self.aside)
        except OSError:  # the spare or the live site is not what the record says: start afresh
            _discard(self.aside)
            self._folders = {str(self.aside)}
            return False
        self.existing = live.files
        return True

    def _folder_for(self, target: Path | str) -> None:
        """mkdir once per folder (and no more for its parents): a site has as many folders
        as stories."""
        parent = os.path.dirname(target)
        if parent not in self._folders:
            self._make_folder(parent)

    def _make_folder(self, folder: str) -> None:
        above = os.path.dirname(folder)
        if above not in self._folders and above != folder:
            self._make_folder(above)
        try:
            os.mkdir(folder)
        except FileExistsError:  # the spare's, or another worker's
            if not os.path.isdir(folder):
                raise
        self._folders.add(folder)

    def write(self, relative: str, data: bytes) -> None:
        """Write one file; bytes equal to the live file's are hard-linked, not rewritten."""
        relative = safe_output_path(relative)
        target = f"{self._aside}/{relative}"
        try:
            live = self.output / relative
            same = self._live_site and _same_bytes(live, data)
            if relative in self.existing and same:  # the aside folder holds it already
                self.unchanged += 1
                self.written.add(relative)
                return
            if self.existing:  # never write through a link to a live file: replace it
                _unlink(target)
            self._folder_for(target)
            if same:
                os.link(live, target)
                self.unchanged += 1
            else:
                _write_file(target, data)
                self.fresh.append(relative)
        except OSError as error:
            raise BuildError(_explain(error, Path(target))) from None
        self.written.add(relative)
        fault_point("mid-render", len(self.written))

    def keep(self, relatives: Iterable[str]) -> bool:
        """Carry live files over unchanged (hard links); False if any of them is missing."""
        relatives = tuple(relatives)
        if all(relative in self.existing for relative in relatives):
            self.written.update(relatives)
            return True
        lives = [self.output / safe_output_path(r) for r in relatives]
        if not all(live.is_file() for live in lives):
            return False
        try:
            for relative, live in zip(relatives, lives, strict=True):
                target = self.aside / relative
                if relative in self.existing:
                    target.unlink(missing_ok=True)
                self._folder_for(target)
                os.link(live, target)
                self.written.add(relative)
        except OSError:
            for relative in relatives:
                (self.aside / relative).unlink(missing_ok=True)
            return False
        return True

    def keep_held(self, relatives: list[str]) -> None:
        """Carry over files the aside folder holds already (each in existing): keep() without
        its check of each, for the render stage's 70,000 after an edit."""
        self.written.update(relatives)

    def replace_folder(self, relative: str) -> Path:
        """An empty folder in the aside site for a tool to fill (Pagefind): whatever the
        aside folder held there goes; what is written there later counts as written anew."""
        folder = self.aside / safe_output_path(relative)
        _remove(folder)
        folder.mkdir(parents=True)
        return folder

    def adopt(self, relative: str) -> None:
        """Count every file a tool wrote into the folder as written anew."""
        folder = self.aside / safe_output_path(relative)
        files = [f"{relative}{parent[len(str(folder)):]}/{name}"
                 for parent, _, names in os.walk(folder) for name in names]
        self.written.update(files)
        self.fresh.extend(files)

    def copy(self, relative: str, source: Path) -> None:
        self.write(relative, source.read_bytes())

    def prepare(self) -> LiveRecord:
        """Finish the aside folder (stale files out, marker in, flushed): from here on nothing
        in it changes until commit() swaps it in, so what is recorded of it now, its identity
        included, is what the live site will be. Returns what the next build needs to know."""
        try:
            self.drop_stale()
            if not (self.aside / MARKER).is_file():
                (self.aside / MARKER).write_bytes(MARKER_TEXT)
            _fsync_tree_root(self.aside)
        except OSError as error:
            raise BuildError(_explain(error, self.aside)) from None
        if self.live is not None and self.output.exists():  # the old site becomes the spare
            self.spare_token = uuid.uuid4().hex
        self._prepared = True
        return self.record()

    def commit(self) -> None:
        """Swap the finished site into place; the old one becomes the spare (or goes)."""
        if not self._prepared:
            self.prepare()
        try:
            if self.output.exists():
                fault_point("before-swap")
                _exchange(self.aside, self.output)
                fault_point("after-swap")
                self._keep_old_site()
            else:
                os.rename(self.aside, self.output)
        except OSError as error:
            raise BuildError(_explain(error, self.output)) from None

    def drop_stale(self, but: str = "") -> None:
        """Delete what the aside folder held of the live site and this build did not write
        (except under the folder `but`, still to be written)."""
        for relative in sorted(self.existing - self.written - self._dropped):
            if but and relative.startswith(f"{but}/"):
                continue
            target = self.aside / relative
            target.unlink(missing_ok=True)
            _prune(target.parent, self.aside)
            self._dropped.add(relative)

    def abort(self) -> None:
        _discard(self.aside)

    def record(self) -> LiveRecord:
        """What the next build needs to know of the site just swapped in and its spare."""
        changed: set[str] = set()
        if self.spare_token and self.live is not None:
            changed = set(self.fresh) | (self.live.files - self.written)
        return LiveRecord(frozenset(self.written), self.spare_token, frozenset(changed))

    def _keep_old_site(self) -> None:
        """After the exchange the aside folder holds the old site: the next build's spare
        when the live site's files were known (so what changed is known), else deleted."""
        if not self.spare_token:
            _discard(self.aside)
            return
        (self.aside / SPARE_TOKEN).write_text(self.spare_token, encoding="utf-8")
        _discard(self.spare)
        os.rename(self.aside, self.spare)


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
    for trash in output.parent.glob(f".{output.name}.*trash-*"):
        if trash.is_dir():
            delete_in_background(trash)
    previous = output.with_name(f".{output.name}.previous")
    if not output.exists() and previous.is_dir():
        os.rename(previous, output)
    elif previous.exists():
        _remove(previous)


def _write_file(path: str, data: bytes) -> None:
    """Path.write_bytes without its buffered file object (an fstat and an ioctl less a file:
    a build writes some 20,000)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


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


def _discard(path: Path) -> None:
    """Remove a folder of ours: a large one by a background process, so nobody waits."""
    if path.is_dir() and not path.is_symlink():
        trash = path.with_name(f"{path.name}.trash-{os.getpid()}")
        _remove(trash)
        os.rename(path, trash)
        if sum(1 for _ in zip(range(BACKGROUND_DELETE_FILES), _files(trash))) \
                < BACKGROUND_DELETE_FILES:
            _remove(trash)
        else:
            delete_in_background(trash)
    else:
        _remove(path)


def _files(folder: Path) -> Iterator[str]:
    for _, _, names in os.walk(folder):
        yield from names


def _prune(folder: Path, root: Path) -> None:
    """Remove folder and its parents up to root while they are empty."""
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


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
