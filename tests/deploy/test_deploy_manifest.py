"""The built site's manifest: every published file's sha256, hashing only what a build
wrote anew since the last deploy."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from site_builder.deploy import manifest
from site_builder.deploy.manifest import local_manifest, read_verified
from site_builder.errors import DeployError


def site(root: Path) -> Path:
    for path, text in {"index.html": "home", "2025/03/27/index.html": "day",
                       "static/style.css": "css", ".site-builder": "marker",
                       ".hidden/x": "no"}.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def test_every_file_but_dot_files_with_its_sha256(tmp_path: Path):
    output = site(tmp_path / "output")
    found = local_manifest(output, tmp_path / "memo.json")
    assert found == {path: hashlib.sha256(text.encode()).hexdigest() for path, text in
                     {"index.html": "home", "2025/03/27/index.html": "day",
                      "static/style.css": "css"}.items()}


def test_only_files_written_anew_are_hashed_again(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch):
    output = site(tmp_path / "output")
    memo = tmp_path / "memo.json"
    local_manifest(output, memo)
    hashed: list[Path] = []
    real = manifest.file_digest
    monkeypatch.setattr(manifest, "file_digest", lambda path: hashed.append(path) or real(path))
    local_manifest(output, memo)
    assert hashed == []
    # As a build replaces a file: a new file (new inode) renamed over the old one.
    (output / "index.new").write_text("home, edited")
    os.replace(output / "index.new", output / "index.html")
    found = local_manifest(output, memo)
    assert hashed == [output / "index.html"]
    assert found["index.html"] == hashlib.sha256(b"home, edited").hexdigest()


def test_a_damaged_memo_means_hashing_everything(tmp_path: Path):
    output = site(tmp_path / "output")
    memo = tmp_path / "memo.json"
    memo.write_text("{not json")
    assert len(local_manifest(output, memo)) == 3


def test_bytes_that_changed_since_hashing_are_refused(tmp_path: Path):
    output = site(tmp_path / "output")
    digest = local_manifest(output, tmp_path / "memo.json")["index.html"]
    assert read_verified(output, "index.html", digest) == b"home"
    (output / "index.html").write_text("rebuilt")
    with pytest.raises(DeployError, match="changed during the deploy"):
        read_verified(output, "index.html", digest)
