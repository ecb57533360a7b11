"""serve answers from the build in flight: pages rendered on request before the build has
written them, open tabs reloaded before it ends, a restart that reuses the last preview, and a
served site that, once the background work is done, is a full build byte for byte.

The background build is held with SITE_BUILDER_SERVE_GATE (serve/server.py): while the file
it names exists, a build waits after planning its pages. No assert is on timing.
"""
# ruff: noqa: F811 (the serve and site fixtures come from test_serve)

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO_ROOT, needs_chromium
from test_serve import (
    DAY_FILE,
    DAY_URL,
    HAVE_PLAYWRIGHT,
    HEADLINE,
    NEW_HEADLINE,
    RELOADED,
    Server,
    day,
    free_port,
    open_tab,
    serve,  # noqa: F401
    site,  # noqa: F401
    until,
)

from site_builder.config import load_config
from site_builder.incremental.lock import hold_site_lock
from site_builder.report import Reporter

if HAVE_PLAYWRIGHT:
    from playwright.sync_api import Browser

SNIPPET = re.compile(rb'<script src="/__livereload\.js" data-generation="[^"]*" defer></script>')
THEME_BASE = REPO_ROOT / "themes" / "default" / "templates" / "base.html"
MAIN_TAG = '<main id="main" class="wrap" tabindex="-1">'
MARK = "Preview mark 7c1e"


def builds_done(server: Server) -> int:
    """Builds written so far (the summary line each prints)."""
    return sum(1 for line in server.log().splitlines()
               if "pages rendered" in line or "nothing changed" in line)


def with_template(site: Path, text: str = "") -> None:
    """The theme's base template copied into the site's templates/, with text in <main>."""
    (site / "templates").mkdir(exist_ok=True)
    base = THEME_BASE.read_text(encoding="utf-8")
    assert MAIN_TAG in base
    if text:
        base = base.replace(MAIN_TAG, f'{MAIN_TAG}\n<p class="mark">{text}</p>')
    (site / "templates" / "base.html").write_text(base, encoding="utf-8")


def story_url(server: Server, words: str) -> str:
    """A story page of the edited day, as the day page links it."""
    links = re.findall(rf'href="(/2025/06/02/{words}[^"]*/)"', server.get(DAY_URL).text)
    assert links, server.get(DAY_URL).text
    return links[0]


def assert_served_equals_full_build(server: Server, tmp_path: Path) -> None:
    """Every file of a --no-cache build at the preview's URL is served with its bytes (the
    reload script aside), and the preview folder holds exactly those files. Dot-files
    (the build's own bookkeeping) are never served, so they are left out."""
    full = tmp_path / "full"
    result = subprocess.run(
        [sys.executable, "-m", "site_builder", "build", "--no-cache", "-q", "--site",
         str(server.site), "--output", str(full), "--base-url", server.url("/")],
        capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    files = _files(full)
    assert _files(server.preview) == files
    assert len(files) > 20
    for relative in files:
        answer = server.get("/" + relative)
        assert answer.status == 200, relative
        body = SNIPPET.sub(b"", answer.body) if relative.endswith(".html") else answer.body
        assert body == (full / relative).read_bytes(), relative


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and not p.relative_to(folder).as_posix().startswith("."))


def test_the_site_served_after_the_background_work_is_a_full_build(
        serve: Callable[..., Server], site: Path, tmp_path: Path) -> None:
    with_template(site)
    server = serve(site)
    assert_served_equals_full_build(server, tmp_path / "first")
    done = builds_done(server)
    with_template(site, MARK)
    (site / DAY_FILE).write_text(day(headline=NEW_HEADLINE), encoding="utf-8")
    (site / "static" / "app.js").write_text("console.log('changed');\n", encoding="utf-8")
    until(lambda: builds_done(server) > done and MARK in server.get(DAY_URL).text
          and NEW_HEADLINE in server.get(DAY_URL).text, server, "the rebuild")
    assert_served_equals_full_build(server, tmp_path / "second")


def test_pages_are_rendered_on_request_before_the_build_writes_them(
        serve: Callable[..., Server], site: Path, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    with_template(site)
    server = serve(site, env={"SITE_BUILDER_SERVE_GATE": str(gate)})
    story = story_url(server, "goertek")
    renamed = story_url(server, "quantum")  # the edit gives this story another headline
    stream = server.events()
    stream.next("hello")
    gate.touch()  # the next build waits, once planned, until the gate is gone
    with_template(site, MARK)
    (site / DAY_FILE).write_text(day(headline=NEW_HEADLINE), encoding="utf-8")
    (site / "static" / "app.js").write_text("console.log('changed');\n", encoding="utf-8")
    stream.next("reload")  # sent once the build has planned: it is waiting at the gate now
    page = server.get(DAY_URL)
    assert page.status == 200
    assert NEW_HEADLINE in page.text and MARK in page.text and HEADLINE not in page.text
    written = (server.preview / "2025" / "06" / "02" / "index.html").read_text("utf-8")
    assert HEADLINE in written and MARK not in written  # so the page above was rendered now
    assert MARK in server.get(story).text
    assert server.get(renamed).status == 404  # written, but gone from the site being built
    assert MARK in server.get("/").text
    assert server.get("/static/app.js").body == b"console.log('changed');\n"
    assert server.get("/2025/06/02").headers["location"] == "/2025/06/02/"
    assert server.get("/no/such/page/").status == 404
    text = server.get("/digest/2025/06/02/email.txt")
    assert text.status == 200 and text.headers["content-type"] == "text/plain; charset=utf-8"
    assert MARK not in text.text and b"__livereload" not in text.body

    # A save while it waits stops it; the next build's pages are served, then written.
    (site / DAY_FILE).write_text(day(headline="Third headline"), encoding="utf-8")
    stream.next("reload")
    assert "starting over" in server.log()
    assert "Third headline" in server.get(DAY_URL).text
    done = builds_done(server)
    gate.unlink()
    until(lambda: builds_done(server) > done, server, "the build to be written")
    written = (server.preview / "2025" / "06" / "02" / "index.html").read_text("utf-8")
    assert "Third headline" in written and MARK in written
    stream.close()
    assert_served_equals_full_build(server, tmp_path)


def test_a_theme_change_shows_before_the_build_has_loaded_the_content(
        serve: Callable[..., Server], site: Path) -> None:
    """Only templates and static files changed: the last build's plan renders the open page
    under the new theme while the build is still waiting for the site's lock."""
    with_template(site)
    server = serve(site)
    story = story_url(server, "goertek")
    assert server.get(story).status == 200  # the open tab
    stream = server.events()
    stream.next("hello")
    with hold_site_lock(load_config(site)[0], Reporter(0), command="build"):
        with_template(site, MARK)
        (site / "static" / "app.js").write_text("console.log('changed');\n", encoding="utf-8")
        stream.next("reload")
        assert MARK in server.get(story).text and MARK in server.get(DAY_URL).text
        assert server.get("/static/app.js").body == b"console.log('changed');\n"
        until(lambda: "waiting for the build started" in server.log(), server, "the wait")
        assert MARK not in (server.preview / "index.html").read_text("utf-8")
    done = builds_done(server)
    until(lambda: builds_done(server) > done, server, "the build")
    assert MARK in (server.preview / "index.html").read_text("utf-8")
    stream.close()


def test_a_first_start_serves_pages_before_its_build_is_written(
        serve: Callable[..., Server], site: Path, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    gate.touch()
    server = serve(site, env={"SITE_BUILDER_SERVE_GATE": str(gate)}, built=False)
    page = server.get(DAY_URL)
    assert page.status == 200 and HEADLINE in page.text
    assert server.get("/").status == 200
    assert not (server.preview / "index.html").exists()
    gate.unlink()
    server.built()
    assert_served_equals_full_build(server, tmp_path)


def test_a_restart_reuses_the_last_preview(serve: Callable[..., Server], site: Path) -> None:
    port = free_port()
    first = serve(site, port=port)
    folder = first.preview
    assert first.stop() == 0
    second = serve(site, port=port)
    assert second.preview == folder
    # a no-op; files written within the last moments are re-read, not trusted by their times
    assert "nothing changed" in second.log() or "(0 pages rendered" in second.log()
    assert HEADLINE in second.get(DAY_URL).text
    assert second.stop() == 0

    (site / DAY_FILE).write_text(day(headline=NEW_HEADLINE), encoding="utf-8")
    third = serve(site, port=port)
    rendered, reused = map(int, re.search(r"\((\d+) pages rendered, (\d+) reused",
                                          third.log()).groups())  # type: ignore[union-attr]
    assert 0 < rendered < reused
    assert NEW_HEADLINE in third.get(DAY_URL).text


def test_previews_with_and_without_drafts_never_share_a_folder_or_write_output(
        serve: Callable[..., Server], site: Path) -> None:
    draft = day("2025-06-05", "A draft day").replace("source:", "draft: true\nsource:")
    (site / "content" / "briefings" / "2025" / "2025-06-05.md").write_text(draft, "utf-8")
    port = free_port()
    plain = serve(site, port=port)
    assert plain.stop() == 0
    drafts = serve(site, "--drafts", port=port)
    assert drafts.get("/2025/06/05/").status == 200
    folders = sorted((site / ".site-builder-cache" / "serve").iterdir())
    assert len(folders) == 2
    assert [(folder / "2025" / "06" / "05").is_dir() for folder in folders].count(True) == 1
    assert not (site / "output").exists()


@pytest.mark.browser
@needs_chromium
def test_an_open_tab_shows_a_template_change(serve: Callable[..., Server], site: Path,
                                             browser: Browser) -> None:
    with_template(site)
    server = serve(site)
    page = open_tab(browser, server.url(DAY_URL))
    with_template(site, MARK)
    page.wait_for_function(RELOADED, arg=MARK)
    assert page.locator("p.mark").inner_text() == MARK
    page.close()

