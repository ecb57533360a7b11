#!/usr/bin/env python3
"""The serve benchmark: how soon ``site-builder serve`` answers, and how soon an edit shows.

For each corpus size (``--days 365,3650``), on a site whose build cache a ``site-builder
build`` has primed (as an author's site has):

* ``first start``: serve started with no preview folder of its own yet; seconds from the
  process start to the first 200 of ``/`` and then of the newest day's first story page;
* ``restart``: stopped (Ctrl-C) once its background build is written, and started again;
* ``template edit``: with the server running and its build written, the story page is
  fetched (so serve counts it as open), a comment is added to the site's copy of the theme's
  ``base.html``, and the page is fetched again until it has the comment: seconds from the
  save to the new bytes; then how long the background build takes to write every page;
* ``content edit``: the same after one sentence is appended to that story.

Polls every POLL_SECONDS, so a figure is late by at most that. The builder is the working
tree's (``python -m site_builder`` from this virtualenv). Work goes under
``$TMPDIR/site-builder-bench-serve``; the report is printed. Standard library only.

    python bench/serve.py --days 365,3650
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import gen_corpus

REPO = Path(__file__).resolve().parents[1]
POLL_SECONDS = 0.01
WAIT_SECONDS = 1800.0
SNIPPET = re.compile(rb'<script src="/__livereload\.js" data-generation="[^"]*" defer></script>')
MAIN_TAG = '<main id="main" class="wrap" tabindex="-1">'


class BenchError(Exception):
    pass


@dataclass
class Figures:
    days: int
    first_home: float
    first_story: float
    restart_home: float
    restart_story: float
    template_page: float
    template_all: float
    content_page: float
    content_all: float


class Serve:
    """One ``site-builder serve`` process and its log."""

    def __init__(self, site: Path, log: Path, port: int) -> None:
        self.site, self.log_path = site, log
        self.port = port
        self.started = time.perf_counter()
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "site_builder", "serve", "--site", str(site), "--port",
                 str(self.port)], stdout=out, stderr=subprocess.STDOUT, cwd=REPO)

    def get(self, path: str) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT_SECONDS)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, SNIPPET.sub(b"", response.read())
        finally:
            connection.close()

    def until_ok(self, path: str, wanted: bytes = b"") -> float:
        """Seconds since the process started when path first answers 200 (holding wanted)."""
        deadline = time.perf_counter() + WAIT_SECONDS
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"serve exited:\n{self.log()}")
            try:
                status, body = self.get(path)
                if status == 200 and wanted in body:
                    return time.perf_counter()
            except (ConnectionError, http.client.HTTPException):
                pass
            time.sleep(POLL_SECONDS)
        raise BenchError(f"{path} never answered 200 with {wanted!r}:\n{self.log()}")

    def builds(self) -> int:
        return sum(1 for line in self.log().splitlines()
                   if "pages rendered" in line or "nothing changed" in line)

    def until_built(self, count: int) -> float:
        while self.builds() < count:
            if self.process.poll() is not None:
                raise BenchError(f"serve exited:\n{self.log()}")
            time.sleep(0.1)
        return time.perf_counter()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        # SIGTERM stops it as Ctrl-C does; SIGINT is ignored by a job started with & from a
        # script, and so would be by serve too
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=600)


def measure(days: int, work: Path, *, reuse: bool, port: int, wait_all: bool) -> Figures:
    """The figures at one size. With reuse, the corpus and the build cache of an earlier run
    are kept; with port, the restart is on that port, whose preview an earlier run wrote
    (and the first start stops once it has answered, without its background build)."""
    site = work / f"site-{days}"
    if not (site / "content").is_dir():
        gen_corpus.write_corpus(site, days)
    templates = site / "templates"
    templates.mkdir(exist_ok=True)
    base = (REPO / "themes" / "default" / "templates" / "base.html").read_text("utf-8")
    if not (templates / "base.html").is_file() or \
            (templates / "base.html").read_text("utf-8") != base:  # else a restart re-renders
        (templates / "base.html").write_text(base, encoding="utf-8")
    if not (reuse and (site / ".site-builder-cache").is_dir()):
        shutil.rmtree(site / ".site-builder-cache", ignore_errors=True)
        print(f"{days} days: priming the build cache with a build", flush=True)
        subprocess.run([sys.executable, "-m", "site_builder", "build", "-q", "--site",
                        str(site), "--output", str(work / f"output-{days}")], check=True,
                       cwd=REPO)
    newest = gen_corpus.newest_briefing(site)
    day = "/" + newest.stem.replace("-", "/") + "/"

    print(f"{days} days: first start", flush=True)
    first_port = _free_port()
    server = Serve(site, work / f"serve-{days}-first.log", first_port)
    first_home = server.until_ok("/") - server.started
    story = _first_story(server, day)
    first_story = server.until_ok(story) - server.started
    _say(days, "first start", first_home, first_story)
    if not port:
        port = first_port  # the same on restart: the preview folder is per URL
        server.until_built(1)
    server.stop()

    print(f"{days} days: restart", flush=True)
    server = Serve(site, work / f"serve-{days}-restart.log", port)
    restart_home = server.until_ok("/") - server.started
    restart_story = server.until_ok(story) - server.started
    server.until_built(1)

    _say(days, "restart", restart_home, restart_story)

    print(f"{days} days: content edit", flush=True)
    server.get(story)
    sentence = gen_corpus.EDIT_SENTENCE
    saved = time.perf_counter()
    revision = int(time.time())
    gen_corpus.append_to_first_story(newest, revision)
    language = "zh" if "lang: zh" in newest.read_text("utf-8") else "en"
    content_page = server.until_ok(story, sentence[language].format(n=revision).encode()) - saved
    content_all = server.until_built(2) - saved
    _say(days, "content edit", content_page, content_all)

    print(f"{days} days: template edit", flush=True)
    server.get(story)
    mark = b"<!-- serve bench mark -->"
    saved = time.perf_counter()
    (templates / "base.html").write_text(base.replace(MAIN_TAG, f"{MAIN_TAG}\n{mark.decode()}"),
                                         encoding="utf-8")
    template_page = server.until_ok(story, mark) - saved
    _say(days, "template edit (page)", template_page, template_page)
    template_all = server.until_built(3) - saved if wait_all else float("nan")
    _say(days, "template edit (all)", template_page, template_all)
    server.stop()
    return Figures(days, first_home, first_story, restart_home, restart_story, template_page,
                   template_all, content_page, content_all)


def _say(days: int, what: str, first: float, second: float) -> None:
    print(f"  {days} days, {what}: {first:.2f} s, {second:.2f} s", flush=True)


def _first_story(server: Serve, day: str) -> str:
    server.until_ok(day)
    _, body = server.get(day)
    found = re.search(rf'href="({re.escape(day)}[^"/]+/)"'.encode(), body)
    if found is None:
        raise BenchError(f"no story link on {day}")
    return found.group(1).decode()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def report(rows: list[Figures]) -> str:
    lines = [("| Days | First start: `/` | story | Restart: `/` | story | Template edit: page "
              "| all pages | Content edit: page | all pages |"),
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r.days:,} | {r.first_home:.2f} | {r.first_story:.2f} | "
                     f"{r.restart_home:.2f} | {r.restart_story:.2f} | {r.template_page:.2f} | "
                     f"{r.template_all:.1f} | {r.content_page:.2f} | {r.content_all:.1f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--days", default="365,3650",
                        help="corpus sizes, comma-separated (default 365,3650)")
    parser.add_argument("--work", type=Path, default=Path(
        os.environ.get("TMPDIR", tempfile.gettempdir())) / "site-builder-bench-serve")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the corpus and build cache an earlier run left")
    parser.add_argument("--port", type=int, default=0,
                        help="restart on this port, whose preview an earlier run wrote")
    parser.add_argument("--no-wait-all", action="store_true",
                        help="don't wait for the template edit's background build")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        for days in (int(d) for d in args.days.split(",")):
            rows.append(measure(days, args.work, reuse=args.reuse, port=args.port,
                                wait_all=not args.no_wait_all))
            print(report(rows), flush=True)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"\nSeconds; `python bench/serve.py {' '.join(sys.argv[1:])}`, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
