"""Tests for ``serve``: a real server in a child process, driven over HTTP and in Chromium.

Waits poll with a generous bound (WAIT_SECONDS) instead of asserting on timing, so a slow
machine makes the tests slower, not flaky.
"""

from __future__ import annotations

import ctypes
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import HAVE_PLAYWRIGHT, REPO_ROOT, needs_chromium, write_site

from site_builder.config import load_config
from site_builder.incremental.lock import hold_site_lock
from site_builder.report import Reporter
from site_builder.serve.livereload import MAX_CLIENTS

if HAVE_PLAYWRIGHT:
    from playwright.sync_api import Browser, Page

WAIT_SECONDS = 20.0
SECRET = "secret-5f1d0c2e"
"""Written into site.toml and a file outside the site; no answer may ever contain it."""

DAY_URL = "/2025/06/02/"
DAY_FILE = "content/briefings/2025/2025-06-02.md"
HEADLINE = "Quantum Widget Corp unveils a 1,000-qubit chip"
NEW_HEADLINE = "Quantum Widget Corp delays its 1,000-qubit chip"
DAY = """\
    ---
    title: Morning Report
    date: {date}
    source: Financial Associated Press
    ---

    The day's lead.

    ## Market dynamics

    ### {headline}

    The chip is said to be made in Hefei.

    ## Company Aspect

    ### Goertek: Net profit in 2024 increased by 144.93% year-on-year

    Goertek (002241.SZ) announced that its net profit rose.
    """
BROKEN_DATE = "<img src=x onerror=window.pwned=1>"
"""An impossible date that is also markup: the overlay must show it as text."""


def day(date: str = "2025-06-02", headline: str = HEADLINE) -> str:
    return textwrap.dedent(DAY).format(date=date, headline=headline)


def site_files() -> dict[str, str | bytes]:
    return {
        "site.toml": f'title = "Serve Test Briefing"\n# {SECRET}\n',
        DAY_FILE: day(),
        "static/app.js": "console.log('app');\n",
        "static/app.wasm": b"\x00asm\x01\x00\x00\x00",
        "static/site.webmanifest": '{"name": "Serve Test Briefing"}\n',
        "static/icon.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
        "static/data.json": "{}\n",
    }


def make_site(root: Path) -> Path:
    """The repository's sample content when there is some, plus one day the tests edit."""
    samples = REPO_ROOT / "content"
    if samples.is_dir():
        shutil.copytree(samples, root / "content")
    else:
        write_site(root, {"content/briefings/2025/2025-06-01.md": day("2025-06-01", "Day one")})
    return write_site(root, site_files())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Server:
    """One ``site-builder serve`` child process, and everything it printed."""

    site: Path
    log_path: Path
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "site_builder", "serve", "--site", str(self.site),
                 "--port", str(self.port), *self.args], stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                # only a prctl call on an already loaded libc: safe between fork and exec
                preexec_fn=_die_with_parent if sys.platform == "linux" else None)  # noqa: PLW1509
        return self

    @property
    def preview(self) -> Path:
        """The private folder it builds into: one per port and settings (URL, drafts)."""
        found = sorted((self.site / ".site-builder-cache" / "serve").glob(f"{self.port}-*"))
        assert len(found) <= 1, found
        return found[0] if found else self.site / ".site-builder-cache" / "serve" / "none"

    def built(self) -> None:
        """Waits for the background build to be written (or to fail): pages can be served
        before."""
        until(lambda: any(end in self.log() for end in ("pages rendered", "nothing changed",
                                                        "the build failed")),
              self, "the first build")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def request(self, path: str, method: str = "GET") -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT_SECONDS)
        try:
            connection.request(method, path)
            response = connection.getresponse()
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                          response.read())
        finally:
            connection.close()

    def get(self, path: str) -> Answer:
        return self.request(path)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def events(self) -> EventStream:
        return EventStream(self)

    def stop(self, sig: int = signal.SIGINT) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        return self.process.wait(timeout=WAIT_SECONDS)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=WAIT_SECONDS)


_LIBC = ctypes.CDLL(None) if sys.platform == "linux" else None


def _die_with_parent() -> None:
    """Linux: if pytest itself is killed (a CI timeout), finalizers never run; this does."""
    assert _LIBC is not None
    _LIBC.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class EventStream:
    """A client of /__livereload, as a tab's EventSource would be."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.connection = http.client.HTTPConnection("127.0.0.1", server.port,
                                                     timeout=WAIT_SECONDS)
        self.connection.connect()
        self.socket = self.connection.sock  # the response reads through it after the handover
        self.connection.request("GET", "/__livereload")
        self.response = self.connection.getresponse()

    def next(self, name: str) -> dict[str, Any]:
        """The data of the next event called name; other events on the way are skipped.

        Bounded as a whole: keep-alive comments would otherwise reset a read timeout forever.
        """
        deadline = time.monotonic() + WAIT_SECONDS
        seen: list[str] = []
        event, data = "", ""
        while (remaining := deadline - time.monotonic()) > 0:
            self.socket.settimeout(remaining)
            try:
                line = self.response.fp.readline().decode("utf-8")
            except TimeoutError:
                break
            assert line, f"the event stream ended; the server printed:\n{self.server.log()}"
            if line.startswith("event: "):
                event = line[len("event: "):].strip()
            elif line.startswith("data: "):
                data = line[len("data: "):]
            elif line == "\n":
                if event == name:
                    result: dict[str, Any] = json.loads(data)
                    return result
                if event:
                    seen.append(f"{event}: {data.strip()}")
                event, data = "", ""
        pytest.fail(f"no {name!r} event within {WAIT_SECONDS}s (saw {seen}); the server "
                    f"printed:\n{self.server.log()}")

    def close(self) -> None:
        self.response.close()  # it holds the socket once the connection handed it over
        self.connection.close()


def until(check: Callable[[], object], server: Server, what: str) -> None:
    """Poll check until it is true; on timeout fail with what the server printed."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (ConnectionError, http.client.HTTPException, TimeoutError):
            pass  # not listening yet, or between a rebuild's steps
        assert server.process is not None
        if server.process.poll() is not None:
            break
        time.sleep(0.05)
    pytest.fail(f"gave up waiting for {what}; the server printed:\n{server.log()}")


def start_server(site: Path, log: Path, *args: str, port: int = 0, env: dict[str, str] | None = None,
                 built: bool = True) -> Server:
    """Started and answering, and (built) its first build written, so that an edit made next
    is not made during it; another port is tried if this one was taken meanwhile."""
    for _ in range(3):
        server = Server(site, log, args, env=env or {})
        if port:
            server.port = port
        server.start()
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            try:
                server.get("/")
                if built:
                    server.built()
                return server
            except ConnectionError:
                time.sleep(0.05)
            assert server.process is not None
            if server.process.poll() is not None:
                break
        server.kill()
        if "is in use" not in server.log():
            pytest.fail(f"the server did not start; it printed:\n{server.log()}")
    pytest.fail("no free port found in three tries")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path / "site")


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Starts servers; every one is killed at the end, passed or failed."""
    servers: list[Server] = []

    def start(site: Path, *args: str, **options: Any) -> Server:
        server = start_server(site, tmp_path / f"serve-{len(servers)}.log", *args, **options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.kill()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the tests that only read."""
    root = tmp_path_factory.mktemp("shared")
    server = start_server(make_site(root / "site"), root / "serve.log")
    yield server
    server.kill()


# Serving and rebuilding


def test_it_serves_a_preview_with_the_reload_script_and_leaves_output_alone(shared: Server) -> None:
    page = shared.get(DAY_URL)
    assert page.status == 200
    assert HEADLINE in page.text
    assert page.text.count('src="/__livereload.js"') == 1
    assert page.text.index("/__livereload.js") < page.text.rindex("</body>")
    assert page.headers["cache-control"] == "no-store"
    shared.built()
    assert (shared.preview / "index.html").is_file()
    for path in shared.preview.rglob("*"):
        assert not path.is_file() or b"__livereload" not in path.read_bytes(), path
    assert not (shared.site / "output").exists()
    assert "serving http://127.0.0.1:" in shared.log()


def test_edits_additions_and_deletions_show_up(serve: Callable[..., Server], site: Path) -> None:
    server = serve(site)
    (site / DAY_FILE).write_text(day(headline=NEW_HEADLINE), encoding="utf-8")
    until(lambda: NEW_HEADLINE in server.get(DAY_URL).text, server, "the edited headline")
    added = site / "content/briefings/2025/2025-06-03.md"
    added.write_text(day("2025-06-03", "An added day"), encoding="utf-8")
    until(lambda: "An added day" in server.get("/2025/06/03/").text, server, "the added day")
    added.unlink()
    until(lambda: server.get("/2025/06/03/").status == 404, server, "the day to go")
    until(lambda: "2025-06-03.md changed" in server.log(), server, "the rebuild's report")


def test_drafts_are_previewed_only_when_asked_for(serve: Callable[..., Server],
                                                   site: Path) -> None:
    draft = day("2025-06-05", "A draft day").replace("source:", "draft: true\nsource:")
    write_site(site, {"content/briefings/2025/2025-06-05.md": draft})
    assert serve(site).get("/2025/06/05/").status == 404
    assert "A draft day" in serve(site, "--drafts").get("/2025/06/05/").text
    assert not (site / "output").exists()


def test_a_burst_of_saves_makes_one_rebuild(serve: Callable[..., Server], site: Path) -> None:
    server = serve(site)
    stream = server.events()
    stream.next("hello")
    for number in range(5):  # an editor writing, renaming and touching in quick succession
        (site / DAY_FILE).write_text(day(headline=f"{NEW_HEADLINE} {number}"), encoding="utf-8")
    stream.next("reload")
    assert f"{NEW_HEADLINE} 4" in server.get(DAY_URL).text
    until(lambda: "changed; built" in server.log(), server, "the rebuild's report")
    assert server.log().count("changed; built") == 1
    stream.close()


def test_a_broken_file_is_reported_and_the_last_good_site_kept(serve: Callable[..., Server],
                                                              site: Path) -> None:
    server = serve(site)
    stream = server.events()
    stream.next("hello")
    (site / DAY_FILE).write_text(day(date=BROKEN_DATE), encoding="utf-8")
    error = stream.next("error")
    problems = error["problems"]
    assert problems[0]["path"] == DAY_FILE and problems[0]["line"] == 3
    assert problems[0]["text"].startswith(f"{DAY_FILE}:3: date '{BROKEN_DATE}'")
    until(lambda: f"error: {DAY_FILE}:3: date" in server.log(), server, "the terminal report")
    assert "still serving the last good build" in server.log()
    assert HEADLINE in server.get(DAY_URL).text

    late = server.events()  # a tab opened now learns of the error at once
    assert late.next("error") == error
    (site / DAY_FILE).write_text(day(headline=NEW_HEADLINE), encoding="utf-8")
    stream.next("reload")
    assert NEW_HEADLINE in server.get(DAY_URL).text
    stream.close()
    late.close()


def test_a_template_error_is_reported_with_its_file_and_line(serve: Callable[..., Server],
                                                              site: Path) -> None:
    server = serve(site)
    stream = server.events()
    stream.next("hello")
    write_site(site, {"templates/404.html": "<p>{{ page.title }</p>\n"})
    error = stream.next("error")
    problems = error["problems"]
    assert "templates/404.html:1:" in problems[0]["text"]
    (site / "templates/404.html").unlink()
    stream.next("reload")
    stream.close()


def test_a_first_build_that_fails_serves_the_error_until_fixed(serve: Callable[..., Server],
                                                               site: Path) -> None:
    (site / DAY_FILE).write_text(day(date=BROKEN_DATE), encoding="utf-8")
    server = serve(site)
    page = server.get(DAY_URL)
    assert page.status == 500
    assert f"{DAY_FILE}:3: date" in page.text
    assert "<img" not in page.text  # the hostile date is escaped
    assert 'src="/__livereload.js"' in page.text
    (site / DAY_FILE).write_text(day(), encoding="utf-8")
    until(lambda: HEADLINE in server.get(DAY_URL).text, server, "the fixed site")


def test_many_event_streams_leave_pages_answering(serve: Callable[..., Server],
                                                  site: Path) -> None:
    server = serve(site)
    streams = [server.events() for _ in range(MAX_CLIENTS)]
    for stream in streams:
        stream.next("hello")
    assert server.get("/").status == 200
    assert server.get("/__livereload").status == 503  # bounded, and says so at once
    (site / DAY_FILE).write_text(day(headline=NEW_HEADLINE), encoding="utf-8")
    for stream in streams:
        stream.next("reload")
        stream.close()
    until(lambda: server.events().response.status == 200, server, "a freed stream slot")


# What it serves, and what it refuses


@pytest.mark.parametrize("path", [
    "/../site.toml",
    "/../../site.toml",
    "/%2e%2e/site.toml",
    "/%2E%2E/%2e%2e/site.toml",
    "/static/..%2f..%2fsite.toml",
    "/static/..%2F..%2F..%2F..%2Fsite.toml",
    "/static%2f..%2f..%2f..%2fsite.toml",
    "/..%5c..%5csite.toml",
    "/static/..\\..\\..\\site.toml",
    "/%252e%252e/site.toml",
    "/..",
    "/static/../../site.toml",
    "/etc/passwd",
    "//etc/passwd",
    "/%2fetc%2fpasswd",
    "http://127.0.0.1/../site.toml",
    "site.toml",
    "/%00",
    "/index.html%00.txt",
    "/.site-builder",
    "/leak.txt",
    "/leakdir/site.toml",
    "/leakdir/",
])
def test_nothing_outside_the_preview_is_served(shared: Server, path: str) -> None:
    outside = shared.site.parent / "outside.txt"
    outside.write_text(f"{SECRET}\n", encoding="utf-8")
    for name, target in (("leak.txt", outside), ("leakdir", shared.site)):
        link = shared.preview / name
        if not link.is_symlink():
            link.symlink_to(target)
    answer = shared.request(path)
    assert answer.status in (403, 404)
    assert SECRET.encode() not in answer.body
    assert b"root:" not in answer.body


def test_overlong_urls_are_refused(shared: Server) -> None:
    assert shared.get("/" + "a" * 5000).status in (404, 414)


@pytest.mark.parametrize(("path", "expected"), [
    ("/", "text/html; charset=utf-8"),
    ("/static/style.css", "text/css; charset=utf-8"),
    ("/static/app.js", "text/javascript; charset=utf-8"),
    ("/static/app.wasm", "application/wasm"),
    ("/static/site.webmanifest", "application/manifest+json"),
    ("/static/icon.svg", "image/svg+xml"),
    ("/static/data.json", "application/json"),
    ("/feed.xml", "application/rss+xml; charset=utf-8"),
    ("/atom.xml", "application/atom+xml; charset=utf-8"),
    ("/feed.json", "application/feed+json"),
    ("/__livereload.js", "text/javascript; charset=utf-8"),
])
def test_content_types(shared: Server, path: str, expected: str) -> None:
    answer = shared.get(path)
    assert answer.status == 200
    assert answer.headers["content-type"] == expected
    assert answer.headers["cache-control"] == "no-store"


def test_head_answers_like_get_without_a_body(shared: Server) -> None:
    got, head = shared.get("/static/style.css"), shared.request("/static/style.css", "HEAD")
    assert head.status == 200 and head.body == b""
    assert head.headers["content-length"] == got.headers["content-length"] == str(len(got.body))
    assert shared.request("/no/such/page/", "HEAD").status == 404


def test_a_missing_page_gets_the_404_page(shared: Server) -> None:
    answer = shared.get("/no/such/page/")
    assert answer.status == 404
    assert "Page not found" in answer.text
    assert 'src="/__livereload.js"' in answer.text


@pytest.mark.parametrize(("path", "location"), [
    ("/archive", "/archive/"),
    ("/archive?page=2", "/archive/?page=2"),
    ("//archive", "/archive/"),
    ("/static", "/static/"),
])
def test_folders_redirect_to_their_slash_form(shared: Server, path: str, location: str) -> None:
    answer = shared.get(path)
    assert answer.status == 301
    assert answer.headers["location"] == location


def test_a_rebuild_and_a_build_take_turns(serve: Callable[..., Server], site: Path) -> None:
    """They share the site's cache: a rebuild waits for a build, saying so, and an idle
    preview keeps no build waiting."""
    server = serve(site)
    built = subprocess.run([sys.executable, "-m", "site_builder", "build", "--no-wait", "-q",
                            "--site", str(site)], capture_output=True, text=True,
                           timeout=WAIT_SECONDS, check=False)
    assert built.returncode == 0, built.stderr
    with hold_site_lock(load_config(site)[0], Reporter(0), command="build"):
        (site / DAY_FILE).write_text(day(headline=NEW_HEADLINE), encoding="utf-8")
        until(lambda: "waiting for the build started" in server.log(), server, "the wait")
        assert HEADLINE in server.get(DAY_URL).text  # the last preview, meanwhile
    until(lambda: NEW_HEADLINE in server.get(DAY_URL).text, server, "the rebuild")
    assert server.log().count("waiting for") == 1


# Starting and stopping


def test_a_port_in_use_is_a_clear_usage_error(site: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "site_builder", "serve", "--site", str(site),
             "--port", str(port)], check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"error: port {port} is in use; try --port {port + 1}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_it_cleanly(serve: Callable[..., Server], site: Path, sig: int) -> None:
    server = serve(site)
    stream = server.events()  # an open tab must not hold the server up
    stream.next("hello")
    assert server.stop(sig) == 0
    assert "Traceback" not in server.log()
    assert server.log().rstrip().endswith("stopped")
    assert (server.preview / "index.html").is_file()  # kept: the next start reuses it
    stream.close()


# In a real browser


browser_test = needs_chromium


def open_tab(browser: Browser, url: str) -> Page:
    page = browser.new_page()
    page.set_default_timeout(WAIT_SECONDS * 1000)
    page.goto(url)
    page.evaluate("window.marker = 1")  # gone once the tab has reloaded
    return page


RELOADED = "text => window.marker === undefined && document.body.innerText.includes(text)"
NO_OVERLAY = "() => window.marker === undefined && !document.getElementById('site-builder-overlay')"


@pytest.mark.browser
@browser_test
def test_an_open_tab_reloads_after_an_edit(serve: Callable[..., Server], site: Path,
                                           browser: Browser) -> None:
    server = serve(site)
    page = open_tab(browser, server.url(DAY_URL))
    (site / DAY_FILE).write_text(day(headline=NEW_HEADLINE), encoding="utf-8")
    page.wait_for_function(RELOADED, arg=NEW_HEADLINE)
    page.close()


@pytest.mark.browser
@browser_test
def test_a_broken_file_shows_an_overlay_until_fixed(serve: Callable[..., Server], site: Path,
                                                    browser: Browser) -> None:
    server = serve(site)
    page = open_tab(browser, server.url(DAY_URL))
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    (site / DAY_FILE).write_text(day(date=BROKEN_DATE), encoding="utf-8")
    overlay = page.locator("#site-builder-overlay")
    overlay.wait_for()
    text = overlay.inner_text()
    assert f"{DAY_FILE}:3: date '{BROKEN_DATE}'" in text
    assert overlay.locator("img").count() == 0
    assert page.evaluate("window.pwned") is None
    assert page.evaluate("window.marker") == 1  # the last good page is still there beneath
    assert HEADLINE in page.inner_text("main")

    (site / DAY_FILE).write_text(day(headline=NEW_HEADLINE), encoding="utf-8")
    page.wait_for_function(NO_OVERLAY)
    assert NEW_HEADLINE in page.inner_text("main")
    assert not [e for e in errors if "Content Security Policy" in e]
    page.close()


@pytest.mark.browser
@browser_test
def test_more_tabs_than_a_browser_has_connections_all_reload(
        serve: Callable[..., Server], site: Path, browser: Browser) -> None:
    server = serve(site)
    context = browser.new_context()  # one profile: six connections per host in all its tabs
    tabs = [context.new_page() for _ in range(8)]
    for tab in tabs:
        tab.set_default_timeout(WAIT_SECONDS * 1000)
        tab.goto(server.url(DAY_URL))
        tab.evaluate("window.marker = 1")
    (site / DAY_FILE).write_text(day(headline=NEW_HEADLINE), encoding="utf-8")
    for tab in tabs:
        tab.wait_for_function(RELOADED, arg=NEW_HEADLINE)
    context.close()
