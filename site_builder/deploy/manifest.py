"""The built site's manifest: every file of the output folder with the sha256 of its bytes.

Hashing a ten-year site (some 140,000 files) on every deploy would read a gigabyte. A build
never rewrites a file in place: an unchanged file is hard-linked from the site before it
(same inode, same time) and a changed one is a new file (new inode). So a file whose path,
size, mtime and inode are what they were at the last deploy has the hash it had then; that
memo lives in a small file of the deploy's own in the build cache's folder, and a deploy
after a one-story edit hashes only the few dozen files the build wrote anew.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from site_builder.errors import DeployError
from site_builder.incremental.cache import CACHE_DIR

MEMO_VERSION = 1


def output_files(output: Path) -> dict[str, os.stat_result]:
    """Every regular file under output (relative POSIX path -> its stat), leaving out dot
    files and folders (output/.site-builder is the build's marker, not part of the site)."""
    found: dict[str, os.stat_result] = {}
    pending = [(str(output), "")]
    while pending:
        folder, prefix = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, f"{prefix}{entry.name}/"))
                elif entry.is_file(follow_symlinks=False):
                    found[prefix + entry.name] = entry.stat(follow_symlinks=False)
    return found


def memo_path(site_root: Path, output: Path) -> Path:
    """Where the hashes of one output folder are remembered between deploys."""
    tag = hashlib.sha256(str(output.absolute()).encode()).hexdigest()[:12]
    return site_root / CACHE_DIR / f"deploy-hashes-{tag}.json"


def local_manifest(output: Path, memo: Path) -> dict[str, str]:
    """path -> sha256 of every file of the site, hashing only files not seen as they are."""
    known = _read_memo(memo)
    manifest: dict[str, str] = {}
    stamps: dict[str, list[object]] = {}
    hashed = 0
    for path, stat in sorted(output_files(output).items()):
        stamp = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
        seen = known.get(path)
        if isinstance(seen, list) and len(seen) == 4 and seen[:3] == stamp:
            digest = str(seen[3])
        else:
            digest = file_digest(output / path)
            hashed += 1
        manifest[path] = digest
        stamps[path] = [*stamp, digest]
    if hashed or stamps.keys() != known.keys():
        _write_memo(memo, stamps)
    return manifest


def file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def read_verified(output: Path, path: str, digest: str) -> bytes:
    """A file's bytes, as the manifest says they are: a build that swapped output/ while
    this deploy ran would otherwise have a manifest claim bytes the target never got."""
    try:
        data = (output / path).read_bytes()
    except OSError as error:
        raise DeployError(f"cannot read {output / path}: {error.strerror}; was output/ "
                          "rebuilt during the deploy? Run the deploy again") from None
    if hashlib.sha256(data).hexdigest() != digest:
        raise DeployError(f"{output / path} changed during the deploy (a build ran?); run the "
                          "deploy again: it sends what is still missing")
    return data


def _read_memo(memo: Path) -> dict[str, object]:
    """The remembered stamps; anything unreadable is simply no memo (every file is hashed)."""
    try:
        data = json.loads(memo.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != MEMO_VERSION \
            or not isinstance(data.get("files"), dict):
        return {}
    files: dict[str, object] = data["files"]
    return files


def _write_memo(memo: Path, stamps: dict[str, list[object]]) -> None:
    """Written aside and renamed over, so a killed deploy leaves the old memo or the new."""
    try:
        memo.parent.mkdir(exist_ok=True)
        temporary = memo.with_name(f"{memo.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps({"version": MEMO_VERSION, "files": stamps},
                                        separators=(",", ":")), encoding="utf-8")
        os.replace(temporary, memo)
    except OSError:
        pass  # only a shortcut: the next deploy hashes again
