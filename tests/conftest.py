"""Shared fixtures: the repository's sample site, mini-sites written inline, and the CLI."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# Property tests run a fixed, bounded set of examples by default ("ci"); `--hypothesis-profile
# long` or HYPOTHESIS_PROFILE=long explores many more, with a fresh seed each run.
settings.register_profile("ci", derandomize=True, max_examples=100, deadline=None,
                          print_blob=True)
settings.register_profile("long", max_examples=5_000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

TESTS_DIR = Path(__file__).resolve().parent
"""tests/: the shared helpers and fixture files (fixtures/, data/, bad_input/, js/) live here."""
REPO_ROOT = TESTS_DIR.parent

# The browser tests (test_browser, test_serve) drive Debian's Chromium through Playwright.
try:
    from playwright.sync_api import Browser, sync_playwright
    HAVE_PLAYWRIGHT = True
except ImportError:  # only the browser tests need it
    HAVE_PLAYWRIGHT = False
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() or not HAVE_PLAYWRIGHT,
    reason="needs Debian's chromium at /usr/bin/chromium and playwright")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: needs Debian's chromium (headless)")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
    # A shell starts a background job (`pytest &`, nohup) with Ctrl-C ignored, and every
    # process the tests start inherits that: the builds and servers that tests stop with
    # SIGINT would never hear it. Give the children Python's own Ctrl-C back.
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, one per test module."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class DictMemo:
    """The build cache's memo table in a dict: what per-file memos read and write of it."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Any] = {}
        self.puts = 0

    def get_many(self, kind: str, keys: list[str]) -> dict[str, Any]:
        return {key: self.rows[(kind, key)] for key in keys if (kind, key) in self.rows}

    def put_many(self, kind: str, items: dict[str, Any]) -> None:
        self.puts += len(items)
        self.rows.update({(kind, key): value for key, value in items.items()})

    def retain(self, kind: str, keys: set[str]) -> None:
        self.rows = {k: v for k, v in self.rows.items() if k[0] != kind or k[1] in keys}


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


def write_site(root: Path, files: dict[str, str | bytes]) -> Path:
    """A site folder from {relative path: text}; text is dedented so tests read naturally."""
    for relative, body in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    def make(files: dict[str, str | bytes]) -> Path:
        return write_site(tmp_path / "site", files)
    return make


def run_cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real command line in a child process: exit code, stdout and stderr as a user sees."""
    return subprocess.run([sys.executable, "-m", "site_builder", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=300, check=False)


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under root with its bytes, for byte-for-byte comparisons of builds."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


ONE_DAY = """\
    ---
    title: Morning Report
    date: 2025-03-27
    source: Financial Associated Press
    ---

    The day's lead.

    ## Market dynamics

    ### Ministry of Commerce: Promote AI + consumption scenarios

    Body of the first story.

    ### Shanghai: By 2027, intelligent computing will reach 200 EFLOPS

    Body of the second story.

    ## Company Aspect

    ### Goertek: Net profit in 2024 increased by 144.93% year-on-year

    Goertek (002241.SZ) announced that its net profit rose.
    """


@contextlib.contextmanager
def mounted_tmpfs(folder: Path) -> Iterator[Path]:
    """A 4 MB file system of its own at folder (root only), unmounted afterwards: room for
    the small site with its share images and search bundle, and little more."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    folder.mkdir(exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
