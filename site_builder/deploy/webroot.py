"""A web root on this machine (or a mount) as a deploy target, switched in one step.

``file:///srv/www/briefing`` makes /srv/www/briefing a symbolic link to a complete version of
the site in /srv/www/.briefing.deploy/ (v000001, v000002, ...), each with its manifest beside
it (v000002.json). A deploy makes the next version in a folder aside, writes its manifest,
then points the link at it with one rename: a web server resolves the link on every request,
so it serves the whole old site or the whole new one, never half of either. The version
before stays as the rollback (point the link back at it) and is recycled into the next
version, so a deploy costs the files that changed, not the whole site: files unchanged since
that version are kept, those changed since are hard-linked from the live version, and only
the files the site changed are copied from output/.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from site_builder.deploy.headers import Headers
from site_builder.deploy.manifest import read_verified
from site_builder.deploy.nginx import nginx_snippet
from site_builder.deploy.plan import Plan, TargetState
from site_builder.deploy.settings import DeployTarget
from site_builder.errors import DeployError
from site_builder.faults import fault_point

_VERSION = re.compile(r"v([0-9]{6,})")
NGINX_SNIPPET = "nginx.conf"


class WebRootTarget:
    def __init__(self, target: DeployTarget, headers: Headers, base_path: str) -> None:
        self.link = target.path
        self.state = self.link.with_name(f".{self.link.name}.deploy")
        self.building = self.state / ".building"
        self.headers = headers
        self.base_path = base_path
        self.where = target.url

    def read_state(self) -> TargetState:
        live = self._live()
        if live is None:
            return TargetState(headers=self.headers.key())
        return TargetState(self._manifest(live), headers=self.headers.key())

    def apply(self, plan: Plan, state: TargetState, output: Path,
              progress: Callable[[int, int], None]) -> None:
        live = self._live()
        try:
            self.state.mkdir(parents=True, exist_ok=True)
            if not plan.empty or live is None:
                self._publish(plan, state, output, live, progress)
            self._write_if_changed(self.state / NGINX_SNIPPET, nginx_snippet(
                self.link, self.base_path, self.headers).encode())
        except OSError as error:
            _remove(self.building)
            raise DeployError(self._explain(error, live)) from None

    def _publish(self, plan: Plan, state: TargetState, output: Path, live: str | None,
                 progress: Callable[[int, int], None]) -> None:
        _remove(self.building)
        versions = self._versions()
        new = f"v{(max(versions) + 1 if versions else 1):06d}"
        previous = next((v for v in sorted(versions, reverse=True)
                         if f"v{v:06d}" != live), None)
        recycled: dict[str, str] = {}
        if previous is not None:
            name = f"v{previous:06d}"
            recycled = self._manifest(name)
            if recycled:
                os.rename(self.state / name, self.building)
            (self.state / f"{name}.json").unlink(missing_ok=True)
        if not recycled:  # nothing to recycle, or a version a killed deploy left unlisted
            self.building.mkdir()
        sent = {upload.path for upload in plan.uploads}
        live_folder = self.state / live if live is not None else None
        for path in sorted(recycled.keys() - plan.files.keys()):
            (self.building / path).unlink(missing_ok=True)
            _prune((self.building / path).parent, self.building)
        done = 0
        for path, digest in plan.files.items():
            if path not in sent and recycled.get(path) == digest:
                continue  # the recycled version has it already
            target = self.building / path
            target.unlink(missing_ok=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            if path not in sent and live_folder is not None and \
                    state.files.get(path) == digest and _link(live_folder / path, target):
                continue
            target.write_bytes(read_verified(output, path, digest))
            done += 1
            progress(done, len(sent))
            fault_point("mid-upload", done)
        fault_point("before-manifest")
        os.rename(self.building, self.state / new)
        self._write_if_changed(self.state / f"{new}.json", json.dumps(
            {"version": 1, "files": dict(plan.files)}, sort_keys=True).encode())
        self._switch(new)
        for version in versions:
            name = f"v{version:06d}"
            if name not in (live, new):  # the live one stays as the rollback
                _remove(self.state / name)
                (self.state / f"{name}.json").unlink(missing_ok=True)

    def _switch(self, version: str) -> None:
        """Point the link at the version with one rename over it."""
        temporary = self.link.with_name(f".{self.link.name}.link-{os.getpid()}")
        temporary.unlink(missing_ok=True)
        os.symlink(f"{self.state.name}/{version}", temporary)
        if self.link.is_dir() and not self.link.is_symlink():
            self.link.rmdir()  # an empty folder (_live checked): the link takes its place
        os.replace(temporary, self.link)
        descriptor = os.open(self.link.parent, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def _live(self) -> str | None:
        """The version the link points at; None when there is no link yet."""
        if self.link.is_symlink():
            pointed = Path(os.readlink(self.link))
            if pointed.parent.name == self.state.name and _VERSION.fullmatch(pointed.name):
                return pointed.name
            raise DeployError(f"{self.where}: {self.link} is a link site-builder did not make "
                              f"(to {pointed}); remove it, or choose another url")
        if self.link.is_dir():
            if any(self.link.iterdir()):
                raise DeployError(f"{self.where}: {self.link} is a folder of files "
                                  "site-builder did not put there; move them away, or choose "
                                  "another url (site-builder makes it a link to the site)")
            return None
        if self.link.exists():
            raise DeployError(f"{self.where}: {self.link} is a file; choose another url")
        return None

    def _versions(self) -> list[int]:
        if not self.state.is_dir():
            return []
        return sorted(int(match.group(1)) for match in map(_VERSION.fullmatch, (
            entry.name for entry in os.scandir(self.state) if entry.is_dir()))
            if match is not None)

    def _manifest(self, version: str) -> dict[str, str]:
        """A version's manifest; unreadable means unknown: every file is copied again."""
        try:
            data = json.loads((self.state / f"{version}.json").read_text(encoding="utf-8"))
            files = data["files"]
            return {str(k): str(v) for k, v in files.items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}

    def _write_if_changed(self, path: Path, data: bytes) -> None:
        try:
            if path.read_bytes() == data:
                return
        except OSError:
            pass
        temporary = path.with_name(f".{path.name}.tmp")
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)

    def _explain(self, error: OSError, live: str | None) -> str:
        standing = f"readers still get version {live}" if live else "nothing was published"
        if error.errno == errno.ENOSPC:
            return (f"{self.where}: the disk of {self.state} is full "
                    f"({error.filename or ''}); {standing}; free some space and deploy again")
        return f"{self.where}: cannot write {error.filename or self.state}: " \
            f"{error.strerror}; {standing}"


def _link(source: Path, target: Path) -> bool:
    """Hard-link an unchanged file from the live version (False: copy it instead)."""
    try:
        os.link(source, target)
        return True
    except OSError:
        return False


def _prune(folder: Path, root: Path) -> None:
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
