"""Builds started together never break the live site (issue 20).

Rounds of two to four `site-builder build` processes at once, with an edit before each round:
afterwards every run exited 0 (or EXIT_BUSY, for the runs told --no-wait), none printed a
traceback or said more than once that it waited, and output/ equals a --no-cache build of the
final content byte for byte. Some rounds start free for all; in the others the test holds the
lock until every build is waiting, so that they certainly meet, and the --no-wait run must be
refused. Bounded: five rounds, sixteen builds of a small site.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
from conftest import ONE_DAY, tree_bytes, write_site

from site_builder.config import load_config
from site_builder.faults import FAULT_ENV
from site_builder.incremental.lock import EXIT_BUSY, hold_site_lock
from site_builder.report import Reporter

WAIT_SECONDS = 120.0
DAY_28 = ONE_DAY.replace("2025-03-27", "2025-03-28").replace(
    "Body of the first story.", "BYD (002594.SZ) sold more cars.")
DAY_31 = ONE_DAY.replace("2025-03-27", "2025-03-31").replace(
    "Goertek: Net profit", "CATL: Net profit").replace("Goertek (002241.SZ)", "CATL (300750.SZ)")
FIRST = {"content/briefings/2025/2025-03-27.md": ONE_DAY,
         "content/briefings/2025/2025-03-28.md": DAY_28}
ROUNDS: list[tuple[str, dict[str, str], int, bool]] = [
    # (what changed, the content, how many builds, whether they start behind a held lock)
    ("a body edited", {**FIRST, "content/briefings/2025/2025-03-27.md": ONE_DAY.replace(
        "Body of the second story.", "Xiaomi (01810.HK) joins in.")}, 2, False),
    ("a day added", {**FIRST, "content/briefings/2025/2025-03-31.md": DAY_31}, 4, True),
    ("a headline renamed", {**FIRST, "content/briefings/2025/2025-03-31.md": DAY_31.replace(
        "By 2027, intelligent", "By 2028, intelligent")}, 3, False),
    ("a day removed", {"content/briefings/2025/2025-03-31.md": DAY_31}, 4, False),
    ("the day back", FIRST, 3, True),
]


def set_content(site: Path, files: dict[str, str]) -> None:
    for path in (site / "content").rglob("*.md"):
        if path.relative_to(site).as_posix() not in files:
            path.unlink()
    write_site(site, files)


def start_build(site: Path, log: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != FAULT_ENV}
    with log.open("wb") as stderr:
        return subprocess.Popen([sys.executable, "-m", "site_builder", "build", "--site",
                                 str(site), *args], stdout=subprocess.DEVNULL, stderr=stderr,
                                env=env)


def until_all_met_the_lock(builds: list[subprocess.Popen[bytes]], logs: list[Path]) -> None:
    """Until the --no-wait build (the last) has given up and every other one says it waits."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if builds[-1].poll() is not None and all(
                "waiting for the test started" in log.read_text() for log in logs[:-1]):
            return
        time.sleep(0.05)
    pytest.fail(f"the builds did not all meet the lock: {[log.read_text() for log in logs]}")


def test_rounds_of_concurrent_builds_leave_the_site_a_full_build_makes(tmp_path: Path):
    site = write_site(tmp_path / "site", FIRST)
    config = load_config(site)[0]
    for number, (change, files, count, held) in enumerate(ROUNDS):
        set_content(site, files)
        logs = [tmp_path / f"round{number}-build{n}.log" for n in range(count)]
        # The last run of a round will not wait; every other one alternates --jobs 1 and all.
        flags = [("--jobs", "1") if n % 2 else () for n in range(count - 1)] + [("--no-wait",)]
        with ExitStack() as holding:
            if held:
                holding.enter_context(hold_site_lock(config, Reporter(0), command="test"))
            builds = [start_build(site, log, *flag) for log, flag in zip(logs, flags,
                                                                          strict=True)]
            if held:  # every build has met the lock before it is let go
                until_all_met_the_lock(builds, logs)
        codes = [build.wait(timeout=WAIT_SECONDS) for build in builds]
        said = [log.read_text() for log in logs]
        where = f"round {number} ({change}, {count} builds{', held' if held else ''})"
        assert all(code == 0 for code in codes[:-1]), (where, codes, said)
        assert codes[-1] in ((EXIT_BUSY,) if held else (0, EXIT_BUSY)), (where, said[-1])
        for text in said:
            assert "Traceback" not in text and text.count("waiting for") <= 1, (where, text)
        reference = tmp_path / f"reference{number}"
        full = subprocess.run([sys.executable, "-m", "site_builder", "build", "-q",
                               "--no-cache", "--site", str(site), "--output", str(reference)],
                              capture_output=True, text=True, timeout=300, check=False)
        assert full.returncode == 0, full.stderr
        assert tree_bytes(site / "output") == tree_bytes(reference), where
        assert not (site / ".output.building").exists(), where

