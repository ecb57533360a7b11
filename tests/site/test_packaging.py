"""Installing site-builder the way users do (pyproject.toml, MANIFEST.in): the wheel and the
sdist carry everything a build needs and nothing of the repository's own, and a wheel installed
into a fresh virtualenv outside the repository starts a site with ``init``, checks, builds,
serves and imports into it.

Building and installing need the package index (setuptools for the build, the dependencies for
the install). Where it cannot be reached these tests are skipped, except in CI (CI set), where
they must run.
"""

from __future__ import annotations

import email.parser
import email.policy
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tarfile
import time
import tomllib
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

import feedparser
import pytest
from conftest import REPO_ROOT, TESTS_DIR

from site_builder import __version__
from site_builder.output.templates import BUNDLED_THEMES

SETUPTOOLS = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
WAIT_SECONDS = 60.0  # a bound on waiting for the server, never an assertion on time
SEED_REPORT = TESTS_DIR / "fixtures" / "reports" / "seed.txt"
NOT_SHIPPED = ("tests/", "content/", "bench/", "docs/", ".ci/", "themes/")


def source_dir(package: str) -> Path:
    """Where a package's files are in the repository (pyproject.toml's package-dir)."""
    mapped = SETUPTOOLS.get("package-dir", {})
    if package in mapped:
        return REPO_ROOT / mapped[package]
    return REPO_ROOT.joinpath(*package.split("."))


def expected_wheel_files() -> set[str]:
    """What the wheel must hold, from the sources: every module of every listed package, and
    the files pyproject.toml's package-data globs match."""
    files: set[str] = set()
    for package in SETUPTOOLS["packages"]:
        folder, inside = source_dir(package), PurePosixPath(*package.split("."))
        files.update(str(inside / p.name) for p in folder.glob("*.py"))
        for pattern in SETUPTOOLS["package-data"].get(package, ()):
            files.update(str(inside / p.relative_to(folder).as_posix())
                         for p in folder.glob(pattern) if p.is_file())
    return files


# -- what pyproject.toml says, checked without building ------------------------------------------

def test_every_package_is_listed_and_the_themes_are_mapped_from_the_top_level_folder():
    on_disk = {".".join(p.parent.relative_to(REPO_ROOT).parts)
               for p in (REPO_ROOT / "site_builder").rglob("__init__.py")}
    assert set(SETUPTOOLS["packages"]) == on_disk | {"site_builder.themes"}, \
        "list every package in pyproject.toml's [tool.setuptools] packages"
    assert SETUPTOOLS["package-dir"] == {"site_builder.themes": "themes"}


def test_an_editable_install_builds_with_the_repository_themes():
    """pip install -e . (the README's commands): an edit to themes/ shows in the next build."""
    assert BUNDLED_THEMES.resolve() == (REPO_ROOT / "themes").resolve()


# -- the wheel and the sdist, built from a copy of the clone ---------------------------------------

def ci() -> bool:
    return bool(os.environ.get("CI"))


def index_reachable() -> bool:
    probe = subprocess.run([sys.executable, "-m", "pip", "index", "versions", "setuptools",
                            "--retries", "0", "--timeout", "15"],
                           capture_output=True, text=True, timeout=120, check=False)
    return probe.returncode == 0


def run_online(command: list[str | Path], what: str) -> None:
    """Run a step that needs the package index; skip if it failed for want of one (not in CI)."""
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True,
                            timeout=600, check=False)
    if result.returncode != 0 and not ci() and not index_reachable():
        pytest.skip(f"{what} needs the package index, which cannot be reached here")
    assert result.returncode == 0, f"{what} failed:\n{result.stdout}\n{result.stderr}"


def copy_of_the_clone(target: Path) -> Path:
    """The files a fresh clone (with this worktree's changes) holds: nothing ignored, so no
    build/, .venv/ or output/ can leak into what is built."""
    listed = subprocess.run(["git", "-C", str(REPO_ROOT), "ls-files", "-z", "--cached",
                             "--others", "--exclude-standard"],
                            capture_output=True, text=True, check=True)
    for name in filter(None, listed.stdout.split("\0")):
        source, copy = REPO_ROOT / name, target / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the worktree, not yet in the index
        copy.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            copy.symlink_to(os.readlink(source))
        else:
            copy.write_bytes(source.read_bytes())
    return target


@dataclass(frozen=True, slots=True)
class Dist:
    wheel: Path
    sdist: Path


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    """An sdist, and the wheel built from it (python -m build), as a release would make."""
    source = copy_of_the_clone(tmp_path_factory.mktemp("clone"))
    out = tmp_path_factory.mktemp("dist")
    run_online([sys.executable, "-m", "build", "--outdir", out, source], "python -m build")
    wheels, sdists = list(out.glob("*.whl")), list(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, list(out.iterdir())
    return Dist(wheels[0], sdists[0])


@pytest.mark.slow
def test_the_wheel_holds_the_package_the_theme_and_the_default_topics_and_nothing_else(
        dist: Dist):
    names = {name for name in zipfile.ZipFile(dist.wheel).namelist() if not name.endswith("/")}
    info = f"site_builder-{__version__}.dist-info/"
    assert {name for name in names if not name.startswith(info)} == expected_wheel_files()
    theme = REPO_ROOT / "themes"
    for path in sorted((theme / "default").rglob("*")):  # templates and static files alike
        if path.is_file():
            assert f"site_builder/themes/{path.relative_to(theme).as_posix()}" in names
    assert {"site_builder/themes/default/templates/base.html",
            "site_builder/themes/default/static/style.css",
            "site_builder/tagging/default_topics.yaml", "site_builder/py.typed"} <= names
    assert not [name for name in names if name.startswith(NOT_SHIPPED) or "__pycache__" in name]
    assert all(name.startswith(("site_builder/", info)) for name in names)


@pytest.mark.slow
def test_the_sdist_carries_the_sources_a_wheel_is_built_from(dist: Dist):
    with tarfile.open(dist.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"pyproject.toml", "MANIFEST.in", "docs/package-description.md",
            "themes/__init__.py", "themes/default/templates/base.html",
            "themes/default/static/style.css", "site_builder/tagging/default_topics.yaml",
            "site_builder/cli.py"} <= names
    assert not [name for name in names if name.startswith(("tests/", "content/", "bench/"))]


class Rendered(HTMLParser):
    """The links and the text of rendered HTML."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.parts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [value or "" for name, value in attrs if name in ("href", "src")]

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


@pytest.mark.slow
def test_the_metadata_a_package_index_shows(dist: Dist):
    readme_renderer = pytest.importorskip("readme_renderer.markdown")
    with zipfile.ZipFile(dist.wheel) as wheel:
        text = wheel.read(f"site_builder-{__version__}.dist-info/METADATA").decode("utf-8")
    metadata = email.parser.Parser(policy=email.policy.compat32).parsestr(text)
    assert metadata["Version"] == __version__ and metadata["License-Expression"] == "MIT"
    urls = dict(value.split(", ", 1) for value in metadata.get_all("Project-URL"))
    assert {"Homepage", "Source", "Issues"} <= set(urls)
    assert all(url.startswith("https://") for url in urls.values())
    classifiers = metadata.get_all("Classifier")
    assert "Topic :: Internet :: WWW/HTTP :: Site Management" in classifiers
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert "pagefind" in metadata["Keywords"] and "static site generator" in metadata["Keywords"]
    assert metadata["Description-Content-Type"] == "text/markdown"
    html = readme_renderer.render(metadata.get_payload())
    assert html is not None
    rendered = Rendered(html)
    assert "site-builder init my-briefing" in "".join(rendered.parts)
    links = [href for href in rendered.hrefs if not href.startswith("#")]  # heading anchors
    assert links and all(href.startswith("https://") for href in links), links  # none relative


# -- installed into a fresh virtualenv, used as a publisher would ----------------------------------

@dataclass(frozen=True, slots=True)
class Install:
    """A virtualenv outside the repository with the wheel installed, and an environment for
    its commands that cannot reach the repository's package."""

    bin: Path
    env: dict[str, str]

    def run(self, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.bin / "site-builder"), *map(str, args)], cwd=cwd,
                              env=self.env, capture_output=True, text=True, timeout=300,
                              check=False)


@pytest.fixture(scope="module")
def installed(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Install:
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    run_online([venv / "bin/python", "-m", "pip", "install", "--quiet", dist.wheel],
               "pip install of the wheel")
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    return Install(venv / "bin", env)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    port: int
    status: int
    body: str


@pytest.fixture
def serve(installed: Install, tmp_path: Path) -> Iterator[Callable[[Path], Served]]:
    """Start ``site-builder serve`` in a site, wait for its first answer, stop it."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(site: Path) -> Served:
        for attempt in range(3):  # another port if this one was taken meanwhile
            port = free_port()
            log = tmp_path / f"serve-{attempt}.log"
            with log.open("wb") as sink:
                process = subprocess.Popen([str(installed.bin / "site-builder"), "serve",
                                            "--port", str(port)], cwd=site, env=installed.env,
                                           stdout=sink, stderr=subprocess.STDOUT)
            processes.append(process)
            deadline = time.monotonic() + WAIT_SECONDS
            while time.monotonic() < deadline and process.poll() is None:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT_SECONDS)
                try:
                    connection.request("GET", "/")
                    response = connection.getresponse()
                    served = Served(port, response.status, response.read().decode("utf-8"))
                    process.send_signal(signal.SIGINT)
                    assert process.wait(timeout=WAIT_SECONDS) == 0, log.read_text()
                    return served
                except ConnectionError:
                    time.sleep(0.1)
                finally:
                    connection.close()
            if "is in use" not in log.read_text():
                pytest.fail(f"site-builder serve did not answer; it printed:\n{log.read_text()}")
        pytest.fail("no free port in three tries")

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=WAIT_SECONDS)


@pytest.mark.slow
def test_the_installed_tool_starts_checks_builds_serves_and_imports_a_site(
        installed: Install, serve: Callable[[Path], Served], tmp_path: Path):
    where = subprocess.run([str(installed.bin / "python"), "-c",
                            ("import site_builder.output.templates as t; "
                             "print(t.__file__); print(t.BUNDLED_THEMES)")],
                           cwd=tmp_path, env=installed.env, capture_output=True, text=True,
                           check=True)
    module, themes = where.stdout.splitlines()
    venv = installed.bin.parent
    assert Path(module).is_relative_to(venv) and Path(themes).is_relative_to(venv)
    version = installed.run("--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith(f"site-builder {__version__}\n")
    assert "\nPagefind 1." in version.stdout, version.stdout

    init = installed.run("init", "briefing", cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    site = tmp_path / "briefing"
    assert init.stderr.splitlines()[-3].strip() == "cd briefing"
    check = installed.run("check", cwd=site)
    assert check.returncode == 0 and "no errors" in check.stderr, check.stderr
    build = installed.run("build", cwd=site)
    assert build.returncode == 0, build.stderr
    assert "warning" not in build.stderr, build.stderr  # Pagefind found, theme found
    output = site / "output"
    days = sorted(output.glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]/[0-9][0-9]/index.html"))
    assert len(days) == 1 and (output / "index.html").is_file()
    assert (output / "static/style.css").read_bytes() == \
        (REPO_ROOT / "themes/default/static/style.css").read_bytes()
    for feed_name in ("feed.xml", "atom.xml"):
        feed = feedparser.parse((output / feed_name).read_bytes())
        assert not feed.bozo and len(feed.entries) == 2, feed_name
    assert len(json.loads((output / "feed.json").read_text("utf-8"))["items"]) == 2
    shards = json.loads((output / "pagefind/shards.json").read_text("utf-8"))
    assert shards and (output / "pagefind/pagefind-ui.js").is_file()
    assert list((output / "pagefind").glob("*/pagefind-entry.json"))

    served = serve(site)
    assert served.status == 200
    assert "<title>Morning Briefing" in served.body and 'action="/search/"' in served.body

    imported = installed.run("import", SEED_REPORT, "--date", "2025-03-27", cwd=site)
    assert imported.returncode == 0, imported.stderr
    assert (site / "content/briefings/2025/2025-03-27.md").is_file()
    assert installed.run("check", cwd=site).returncode == 0
    rebuilt = installed.run("build", cwd=site)
    assert rebuilt.returncode == 0, rebuilt.stderr
    story_pages = list((output / "2025/03/27").glob("*/index.html"))
    assert len(story_pages) == 16
    assert (output / "companies/goertek-002241-sz/index.html").is_file()
