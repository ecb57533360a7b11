"""Faults: a build killed at any point, a full disk and a read-only folder never spoil output/.

A full disk or a read-only folder under the output or under the build cache is a clear error,
exit 1, with the old site in place, and the next build is right.

A killed build (SIGKILL through ``SITE_BUILDER_FAULT``, see site_builder/faults.py) must leave
``output/`` as the whole old site or the whole new one, and the next build must equal a full
``--no-cache`` build: an interrupted build never leaves a cache that yields wrong output.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ONE_DAY, mounted_tmpfs, run_cli, tree_bytes, write_site

from site_builder.faults import FAULT_ENV, POINTS

OLD = {
    "content/briefings/2025/2025-03-27.md": ONE_DAY,
    "content/briefings/2025/2025-03-28.md": ONE_DAY.replace("2025-03-27", "2025-03-28")
    .replace("Body of the first story.", "BYD (002594.SZ) sold more cars."),
}
NEW = {
    **OLD,
    "content/briefings/2025/2025-03-27.md": ONE_DAY.replace(
        "Body of the second story.", "An edited body: Xiaomi (01810.HK) joins in."),
    "content/briefings/2025/2025-03-31.md": ONE_DAY.replace("2025-03-27", "2025-03-31")
    .replace("Goertek: Net profit", "CATL: Net profit")
    .replace("Goertek (002241.SZ)", "CATL (300750.SZ)"),
}
KILLED = -signal.SIGKILL
# Where each point leaves output/: before the swap the old site stands, after it the new one.
EXPECTED = {"after-load": "old", "mid-rebase": "old", "mid-render:8": "old",
            "after-aside": "old", "mid-cache": "old", "before-swap": "old", "after-swap": "new"}


def cli(*args: str | Path, fault: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != FAULT_ENV}
    if fault:
        env[FAULT_ENV] = fault
    return subprocess.run([sys.executable, "-m", "site_builder", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=300, check=False)


def set_content(site: Path, files: dict[str, str]) -> None:
    """The site's content becomes exactly files (a removed day is deleted)."""
    for path in (site / "content").rglob("*.md"):
        if path.relative_to(site).as_posix() not in files:
            path.unlink()
    write_site(site, files)


@pytest.fixture(scope="session")
def references(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bytes]]:
    """Full builds (no cache) of the old and the new content: what output/ may ever hold."""
    root = tmp_path_factory.mktemp("fault-references")
    trees = {}
    for name, files in (("old", OLD), ("new", NEW)):
        site = write_site(root / name, files)
        result = cli("build", "-q", "--no-cache", "--jobs", "1", "--site", site)
        assert result.returncode == 0, result.stderr
        trees[name] = tree_bytes(site / "output")
    assert trees["old"] != trees["new"]
    return trees


def test_every_point_is_tested():
    assert sorted(point.partition(":")[0] for point in EXPECTED) == sorted(POINTS)


@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_a_killed_build_leaves_a_whole_site_and_the_next_build_is_right(
        fault: str, references: dict[str, dict[str, bytes]], tmp_path: Path):
    site = write_site(tmp_path / "site", NEW)
    assert cli("build", "-q", "--jobs", "1", "--site", site).returncode == 0
    set_content(site, OLD)  # the second build keeps the first site as its spare
    assert cli("build", "-q", "--jobs", "1", "--site", site).returncode == 0
    assert tree_bytes(site / "output") == references["old"]
    assert (site / ".output.spare").is_dir()
    set_content(site, NEW)
    killed = cli("build", "-q", "--jobs", "1", "--site", site, fault=fault)
    assert killed.returncode == KILLED, f"{fault} was never reached: {killed.stderr}"
    assert tree_bytes(site / "output") == references[EXPECTED[fault]]

    again = cli("build", "-q", "--jobs", "1", "--site", site)
    assert again.returncode == 0, again.stderr
    assert tree_bytes(site / "output") == references["new"]
    # Nothing half built is left beside the site (the spare is the site before this one).
    assert sorted(p.name for p in site.iterdir() if p.name != ".output.spare") == \
        [".site-builder-cache", "content", "output"]
    # The cache the killed build left must not spoil a later build either.
    set_content(site, OLD)
    assert cli("build", "-q", "--jobs", "1", "--site", site).returncode == 0
    assert tree_bytes(site / "output") == references["old"]


def test_a_killed_first_build_leaves_no_output_and_the_next_one_builds(
        references: dict[str, dict[str, bytes]], tmp_path: Path):
    site = write_site(tmp_path / "site", NEW)
    killed = cli("build", "-q", "--jobs", "1", "--site", site, fault="after-aside")
    assert killed.returncode == KILLED
    assert not (site / "output").exists()
    assert cli("build", "-q", "--jobs", "1", "--site", site).returncode == 0
    assert tree_bytes(site / "output") == references["new"]


# --- a full disk and a read-only folder -------------------------------------------------------

@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    with mounted_tmpfs(tmp_path / "disk") as folder:
        yield folder


@pytest.fixture
def site_on_cache_disk(tmp_path: Path) -> Iterator[Path]:
    """The OLD site, with its .site-builder-cache/ on a small file system of its own."""
    site = write_site(tmp_path / "site", OLD)
    with mounted_tmpfs(site / ".site-builder-cache"):
        yield site


def big_day() -> dict[str, str]:
    paragraph = "Goertek (002241.SZ) shipped more headsets than ever before this quarter. " * 40
    return {"content/briefings/2025/2025-04-01.md": ONE_DAY.replace("2025-03-27", "2025-04-01")
            .replace("Body of the first story.", "\n\n    ".join([paragraph] * 12))}


def test_a_full_disk_is_a_clear_error_and_the_old_site_stays(tmpfs: Path, tmp_path: Path):
    site = write_site(tmp_path / "site", OLD)
    output = tmpfs / "output"
    assert cli("build", "-q", "--site", site, "--output", output).returncode == 0
    before = tree_bytes(output)
    free = os.statvfs(tmpfs)
    (tmpfs / "filler").write_bytes(b"\0" * (free.f_bavail * free.f_frsize - 48 * 1024))
    write_site(site, big_day())
    result = cli("build", "--site", site, "--output", output)
    assert result.returncode == 1
    assert "disk is full" in result.stderr and "Traceback" not in result.stderr
    assert tree_bytes(output) == before
    assert sorted(p.name for p in tmpfs.iterdir()) == ["filler", "output"]


def test_a_read_only_output_parent_is_a_clear_error_and_the_old_site_stays(tmpfs: Path,
                                                                           tmp_path: Path):
    site = write_site(tmp_path / "site", OLD)
    output = tmpfs / "output"
    assert cli("build", "-q", "--site", site, "--output", output).returncode == 0
    before = tree_bytes(output)
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    write_site(site, NEW)
    result = cli("build", "--site", site, "--output", output)
    assert result.returncode == 1
    assert "cannot" in result.stderr and "Read-only file system" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_bytes(output) == before


# --- the cache cannot be written: its record comes before the swap ----------------------------

@pytest.mark.parametrize(("error", "says"), [("ENOSPC", "the disk is full"),
                                             ("EROFS", "Read-only file system")])
def test_a_cache_record_that_fails_is_a_clear_error_and_the_old_site_stays(
        error: str, says: str, references: dict[str, dict[str, bytes]], tmp_path: Path):
    """The very last write of a build's bookkeeping fails (injected where it is written)."""
    site = write_site(tmp_path / "site", OLD)
    assert cli("build", "-q", "--jobs", "1", "--site", site).returncode == 0
    set_content(site, NEW)
    failed = cli("build", "--jobs", "1", "--site", site, fault=f"mid-cache={error}")
    assert failed.returncode == 1, failed.stderr
    assert f"cache.sqlite: {says}" in failed.stderr or \
        f"cache.sqlite: cannot write the build cache ({says})" in failed.stderr
    assert "the previous site is untouched" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert tree_bytes(site / "output") == references["old"]
    assert sorted(p.name for p in site.iterdir()) == [".site-builder-cache", "content", "output"]
    again = cli("build", "-q", "--jobs", "1", "--site", site)
    assert again.returncode == 0, again.stderr
    assert tree_bytes(site / "output") == references["new"]


def test_a_full_cache_disk_is_a_clear_error_and_the_next_build_is_right(
        site_on_cache_disk: Path, tmp_path: Path):
    site = site_on_cache_disk
    assert cli("build", "-q", "--site", site).returncode == 0
    before = tree_bytes(site / "output")
    disk = site / ".site-builder-cache"
    free = os.statvfs(disk)
    (disk / "filler").write_bytes(b"\0" * (free.f_bavail * free.f_frsize - 16 * 1024))
    write_site(site, big_day())
    result = cli("build", "--site", site)
    assert result.returncode == 1
    assert f"{disk / 'cache.sqlite'}: the disk is full; the previous site is untouched (" \
        in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_bytes(site / "output") == before
    (disk / "filler").unlink()
    assert cli("build", "-q", "--site", site).returncode == 0
    reference = cli("build", "-q", "--no-cache", "--site", site, "--output", tmp_path / "full")
    assert reference.returncode == 0, reference.stderr
    assert tree_bytes(site / "output") == tree_bytes(tmp_path / "full")


def test_a_read_only_cache_folder_is_a_clear_error_and_no_cache_still_builds(
        site_on_cache_disk: Path, references: dict[str, dict[str, bytes]]):
    site = site_on_cache_disk
    assert cli("build", "-q", "--site", site).returncode == 0
    disk = site / ".site-builder-cache"
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    set_content(site, NEW)
    result = cli("build", "--site", site)
    assert result.returncode == 1
    assert f"{disk / 'cache.sqlite'}: cannot write the build cache (" in result.stderr
    assert f"(make {disk} writable, or build with --no-cache)" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_bytes(site / "output") == references["old"]
    no_cache = cli("build", "-q", "--no-cache", "--site", site)  # as the message says
    assert no_cache.returncode == 0, no_cache.stderr
    assert tree_bytes(site / "output") == references["new"]
    subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
    set_content(site, OLD)
    assert cli("build", "-q", "--site", site).returncode == 0
    assert tree_bytes(site / "output") == references["old"]


# --- output folders that are not the builder's to replace -------------------------------------
# (a folder of other files, the site root, content/ and / are in test_cli.py)

@pytest.mark.parametrize("target", ["link to the site", "the site's parent", "inside content",
                                    "a file", "the home folder"])
def test_unsafe_output_folders_are_refused(target: str, tmp_path: Path):
    site = write_site(tmp_path / "site", OLD)
    (tmp_path / "link").symlink_to(site)
    (tmp_path / "file").write_text("mine")
    output = {"link to the site": tmp_path / "link", "the site's parent": tmp_path,
              "inside content": site / "content" / "briefings", "a file": tmp_path / "file",
              "the home folder": Path.home()}[target]
    before = tree_bytes(tmp_path)
    result = run_cli("build", "--site", site, "--output", output)
    assert result.returncode == 2, result.stderr
    assert "refusing" in result.stderr and "Traceback" not in result.stderr
    assert tree_bytes(tmp_path) == before
