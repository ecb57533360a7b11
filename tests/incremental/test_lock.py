"""Unit and command-line tests of lock.py: one command at a time writes a site.

Waits poll with a generous bound (WAIT_SECONDS) rather than asserting on timing, so a slow
machine makes these tests slower, not flaky.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from conftest import ONE_DAY, TESTS_DIR, tree_bytes, write_site

from site_builder.config import SiteConfig, load_config
from site_builder.faults import FAULT_ENV
from site_builder.incremental.lock import (
    EXIT_BUSY,
    Holder,
    SiteBusy,
    hold_site_lock,
    lock_file,
    read_holder,
)
from site_builder.report import Reporter

WAIT_SECONDS = 60.0
HOLD = """
import sys, time
from pathlib import Path
from site_builder.config import load_config
from site_builder.incremental.lock import hold_site_lock
from site_builder.report import Reporter
with hold_site_lock(load_config(Path(sys.argv[1]))[0], Reporter(0), command=sys.argv[2]):
    print("held", flush=True)
    time.sleep(600)
"""
"""A process that holds a site's lock until it is killed."""


@pytest.fixture
def config(tmp_path: Path) -> SiteConfig:
    site = write_site(tmp_path / "site", {"content/briefings/2025/2025-03-27.md": ONE_DAY})
    return load_config(site)[0]


def quiet() -> Reporter:
    return Reporter(0)


def cli(*args: str | Path, fault: str = "") -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != FAULT_ENV}
    if fault:
        env[FAULT_ENV] = fault
    return subprocess.Popen([sys.executable, "-m", "site_builder", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    _, stderr = process.communicate(timeout=300)
    return process.returncode, stderr


@pytest.fixture
def holder(config: SiteConfig) -> Iterator[Callable[[str], subprocess.Popen[str]]]:
    """Starts processes that hold the site's lock; each is killed at the end."""
    started: list[subprocess.Popen[str]] = []

    def start(command: str) -> subprocess.Popen[str]:
        process = subprocess.Popen([sys.executable, "-c", HOLD, str(config.root), command],
                                   stdout=subprocess.PIPE, text=True)
        started.append(process)
        assert process.stdout is not None
        assert process.stdout.readline() == "held\n"  # blocks until it holds the lock
        return process

    yield start
    for process in started:
        process.kill()
        process.wait(timeout=WAIT_SECONDS)


# --- the module ------------------------------------------------------------------------------

def test_a_second_writer_is_refused_naming_the_holder(config: SiteConfig):
    with hold_site_lock(config, quiet(), command="build") as path:
        assert path == lock_file(config) and path.parent.name == ".site-builder-cache"
        holder = read_holder(path)
        assert holder is not None and (holder.command, holder.pid) == ("build", os.getpid())
        with pytest.raises(SiteBusy) as refused, \
                hold_site_lock(config, quiet(), command="import", wait=False):
            pytest.fail("two holders at once")
        assert refused.value.exit_code == EXIT_BUSY == 75
        assert str(refused.value).startswith(f"{holder} is still running; not waiting")
        assert f"by pid {os.getpid()}" in str(holder)
    # Released: the file stays (a new file would lock nothing) and names nobody.
    assert path.is_file() and read_holder(path) is None
    with hold_site_lock(config, quiet(), command="import", wait=False):
        pass


def test_readers_share_the_lock_and_keep_writers_out(config: SiteConfig):
    with ExitStack() as readers:
        readers.enter_context(hold_site_lock(config, quiet(), command="check", shared=True))
        readers.enter_context(hold_site_lock(config, quiet(), command="check", shared=True,
                                             wait=False))
        with pytest.raises(SiteBusy, match="the check started"):
            readers.enter_context(hold_site_lock(config, quiet(), command="build", wait=False))
    with hold_site_lock(config, quiet(), command="build"), \
            pytest.raises(SiteBusy, match="the build started"), \
            hold_site_lock(config, quiet(), command="check", shared=True, wait=False):
        pytest.fail("a reader beside a writer")


def test_a_cache_folder_that_cannot_be_made_locks_in_the_temporary_folder(config: SiteConfig):
    (config.root / ".site-builder-cache").write_text("not a folder")
    with hold_site_lock(config, quiet(), command="build") as path:
        assert path.parent != config.root / ".site-builder-cache"
        with pytest.raises(SiteBusy), \
                hold_site_lock(config, quiet(), command="build", wait=False):
            pytest.fail("two holders at once")
    path.unlink()  # this site's, in the shared temporary folder


def test_the_holder_is_told_by_the_time_it_started():
    started = time.mktime((2025, 3, 27, 8, 0, 3, 0, 0, -1))
    assert str(Holder("build", 4242, started)) == \
        "the build started 2025-03-27 08:00:03 by pid 4242"
    assert str(Holder("build", 4242, time.time())).startswith(
        f"the build started {time.strftime('%H:')}")


# --- the command line ------------------------------------------------------------------------

def test_a_build_waits_says_so_once_and_a_killed_holder_never_blocks_it(
        config: SiteConfig, holder: Callable[[str], subprocess.Popen[str]], tmp_path: Path):
    held = holder("build")
    waiting = cli("build", "--site", config.root)
    assert waiting.stderr is not None
    first = waiting.stderr.readline()  # blocks until it says something
    assert first == f"waiting for {read_holder(lock_file(config))}...\n"
    assert f"by pid {held.pid}..." in first
    refused, said = finish(cli("build", "--no-wait", "--site", config.root))
    assert refused == EXIT_BUSY
    assert "error: the build started" in said and f"by pid {held.pid} is still running" in said
    assert "Traceback" not in said and not (config.root / "output").exists()
    refused, said = finish(cli("import", "--no-wait", "--site", config.root, "report.txt"))
    assert refused == EXIT_BUSY and f"by pid {held.pid}" in said

    held.send_signal(signal.SIGKILL)  # the kernel lets go of its lock
    code, rest = finish(waiting)
    assert code == 0, rest
    assert "waiting" not in rest and rest.startswith("built ")
    reference, said = finish(cli("build", "--no-cache", "--site", config.root, "--output",
                                 tmp_path / "reference"))
    assert reference == 0, said
    assert tree_bytes(config.root / "output") == tree_bytes(tmp_path / "reference")


def test_a_build_killed_while_it_holds_the_lock_never_blocks_the_next(config: SiteConfig):
    killed, _ = finish(cli("build", "--jobs", "1", "--site", config.root, fault="after-load"))
    assert killed == -signal.SIGKILL
    code, said = finish(cli("build", "--no-wait", "--site", config.root))
    assert code == 0, said


def test_check_shares_the_lock_with_checks_and_waits_for_a_build(
        config: SiteConfig, holder: Callable[[str], subprocess.Popen[str]]):
    with hold_site_lock(config, quiet(), command="check", shared=True):
        code, said = finish(cli("check", "--no-wait", "--site", config.root))
        assert code == 0, said
    holder("build")
    code, said = finish(cli("check", "--no-wait", "--site", config.root))
    assert code == EXIT_BUSY and "the build started" in said


def test_two_imports_of_one_day_take_turns(config: SiteConfig, tmp_path: Path):
    """Both meet the lock; once it is free, one writes the day and the other finds it there."""
    report = TESTS_DIR / "fixtures" / "reports" / "seed.txt"
    with hold_site_lock(config, quiet(), command="build"):
        imports = [cli("import", "--site", config.root, "--date", "2025-03-29", report)
                   for _ in range(2)]
        for process in imports:
            assert process.stderr is not None
            assert process.stderr.readline().startswith("waiting for the build started")
    results = sorted(finish(process) for process in imports)
    assert [code for code, _ in results] == [0, 1], results
    assert "already exists, not replaced by" in results[1][1]
    target = config.content_path / "briefings" / "2025" / "2025-03-29.md"
    assert target.read_text(encoding="utf-8").startswith("---\n")
    assert sorted(p.name for p in target.parent.iterdir()) == ["2025-03-27.md", "2025-03-29.md"]


def test_ctrl_c_ends_the_wait(config: SiteConfig):
    with hold_site_lock(config, quiet(), command="build"):
        waiting = cli("build", "--site", config.root)
        assert waiting.stderr is not None
        assert waiting.stderr.readline().startswith("waiting for the build started")
        waiting.send_signal(signal.SIGINT)
        code, said = finish(waiting)
    assert code == 130 and "interrupted; the previous output is untouched" in said
    assert "Traceback" not in said and not (config.root / "output").exists()


@pytest.mark.parametrize("command", [["deploy", "--dry-run"], ["ping", "--dry-run"],
                                     ["email", "2025-03-27", "--dry-run"]])
def test_the_readers_of_output_wait_for_a_build_and_not_for_each_other(
        command: list[str], config: SiteConfig, holder: Callable[[str], subprocess.Popen[str]]):
    with hold_site_lock(config, quiet(), command="check", shared=True):
        code, said = finish(cli(*command, "--no-wait", "--site", config.root))
        assert code != EXIT_BUSY and "not waiting" not in said, said  # (nothing is built yet)
    held = holder("build")
    code, said = finish(cli(*command, "--no-wait", "--site", config.root))
    assert code == EXIT_BUSY and f"by pid {held.pid} is still running" in said, said
