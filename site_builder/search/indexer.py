"""Search: a Pagefind index of the story pages, in bundles, made before the swap.

Pagefind (https://pagefind.app) reads the HTML and writes a static index and its UI; the
browser searches it offline. Only pages marked `data-pagefind-body` (story pages) are indexed;
their filters (company, topic, section) and metadata (date, companies) come from attributes in
the theme. The stories are indexed in bundles, by year, by month of the newest year and by
week of the newest month (search_shards.py), so that a ten-year site is indexed in pieces
(Pagefind holds a whole index in memory) and the daily edit re-indexes a week. The search page
reads pagefind/shards.json, newest first, and queries every bundle at once (Pagefind's
multisite search, `mergeIndex`).

Each page is indexed in its own language (its <html lang>): Pagefind's extended build (the
`pagefind[extended]` dependency) segments Chinese into words, so a word from the middle of a
Chinese sentence finds its story, while English keeps its stemming. A bundle then holds an
index per language; shards.json lists each bundle's languages, and the search page merges
every one of them.

A bundle is a pure function of its story pages, so when none of them changed since the live
site was built, and the live bundle was made the same way (its site-builder.json says how), the
live bundle is carried over instead.

Pagefind is given the story pages cut down to what it indexes (search_pages.py). Its filter
files are rewritten in sorted order (pagefind_files.py), so that the same pages always give
the same bytes, as the rest of the site does.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from site_builder.config import SiteConfig
from site_builder.errors import BuildError
from site_builder.output.write import OutputTransaction
from site_builder.report import Reporter
from site_builder.search.pagefind_files import ENTRY, sort_filters
from site_builder.search.pages import cut_down, rendered_page, scratch_folder, searchable
from site_builder.search.shards import (
    BUNDLE,
    STORY_PAGE,
    Shard,
    identities,
    plan_shards,
    shard_finder,
    shard_pages,
    shard_stamps,
    unplanned,
)

SHARDS = "shards.json"  # in pagefind/: the bundles the search page merges, newest first
UI_FILES = ("pagefind-ui.js", "pagefind-ui.css")  # loaded by the search page from pagefind/
PEAK_POLL = 0.02  # seconds between looks at a Pagefind process's memory
RECIPE = "site-builder.json"  # in each bundle: how its index was made, so reuse is safe
RECIPE_FORMAT = 4  # raise it whenever this module changes what it makes of Pagefind's output
# Pagefind holds its bundle's index in memory (some 270 MiB for half a year's 2,800 stories):
# one runs at a time beside the renderers, and once they are done (their memory freed) two.
PARALLEL = 1
AFTER_RENDERING = 2


@dataclass(frozen=True, slots=True)
class SearchStamps:
    """What says a live bundle can be kept: each day's stamp (versions.py), the theme's hash
    (salt), and the stamps of the live site's bundles (previous)."""

    days: dict[dt.date, str] | None = None
    salt: str = ""
    previous: dict[str, str] | None = None


class SearchIndexer:
    """Writes pagefind/ into the aside folder: each bundle made afresh where one of its story
    pages changed, linked over from the live site where none did.

    A bundle is indexed, in a thread beside the rendering, as soon as the last of its pages is
    written (pages_done), so Pagefind works while the rest of the site renders. days holds
    each day's stamp (versions.py), salt the theme's: a bundle's stamp says what its indexed
    stories hold, and previous what the live bundles were made from. An equal stamp
    keeps a bundle without comparing its pages, so story pages that changed only outside their
    article (a "More on" list after a new day) cost nothing; otherwise, once rendered, the pages
    themselves are compared. jobs caps the CPUs the search threads use (the build's --jobs).
    """

    def __init__(self, transaction: OutputTransaction, config: SiteConfig, reporter: Reporter,
                 paths: list[str], *, stamps: SearchStamps | None = None,
                 jobs: int | None = None) -> None:
        days, salt, previous = (stamps.days, stamps.salt, stamps.previous) if stamps \
            else (None, "", None)
        self.transaction = transaction
        self.reporter = reporter
        self.binary = find_pagefind()
        self.shards: tuple[Shard, ...] = ()
        self.stamps: dict[str, str] = {}
        self.pending: list[tuple[Shard, str, tuple[str, ...], int]] = []  # not yet started
        self.jobs: list[tuple[Shard, tuple[str, ...], Future[int | None]]] = []
        self.scratch: Path | None = None
        self.to_index: set[str] = set()
        self.shard_of: Callable[[str], str | None] = lambda path: None
        if self.binary is None:
            reporter.warn("search: Pagefind is not installed, so the site has no search index "
                          "(pip install 'pagefind[extended]')")
            return
        self.version = _version(self.binary)
        self.planned = frozenset(paths)
        story_pages = [(number, path) for number, path in enumerate(paths)
                       if STORY_PAGE.fullmatch(path)]
        self.shards = plan_shards([path for _, path in story_pages])
        self.stamps = shard_stamps(self.shards, days, salt) if days is not None else {}
        known = _known_bundles(transaction.existing)
        self.pages, last = shard_pages(self.shards, story_pages)
        for shard in self.shards:
            recipe = _recipe(self.version, shard)
            live = _live_bundle(transaction.output, shard, recipe, known)
            stamp = self.stamps.get(shard.name)
            if live and stamp is not None and (previous or {}).get(shard.name) == stamp \
                    and transaction.keep(live):
                reporter.debug(f"search: kept {shard.folder} ({len(live)} files)")
            else:
                self.pending.append((shard, recipe, live, last.get(shard.name, len(paths))))
        # The story pages of the bundles to make, cut down for Pagefind as they are rendered
        # (page_written), in the render workers; what is not rendered, _index cuts down.
        self.to_index = {shard.name for shard, _, _, _ in self.pending if shard.base}
        self.shard_of = shard_finder(self.shards)
        self.scratch = scratch_folder() if self.to_index else None
        # PARALLEL Pagefinds at a time beside the renderers, AFTER_RENDERING once finish()
        # is called; each thread, and the Pagefind it starts, on a CPU of its own.
        self._cpus = _cpus_for_search(min(AFTER_RENDERING, jobs or AFTER_RENDERING))
        self._threads = max(PARALLEL, len(self._cpus))
        self._slots = threading.Semaphore(PARALLEL)
        self._pin_lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=self._threads, initializer=self._pin_thread)
        self.started = time.perf_counter()

    def page_written(self, path: str, page: bytes) -> None:
        """A page was rendered (in whichever process): keep its cut-down form, if a bundle to
        be made holds it, for _index to move where Pagefind reads it. A failure here only
        leaves the page for _index to cut down."""
        if self.scratch is None or self.shard_of(path) not in self.to_index \
                or not STORY_PAGE.fullmatch(path):
            return
        try:
            rendered_page(self.scratch, path).write_text(searchable(page.decode("utf-8")),
                                                     encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return

    def pages_done(self, count: int) -> None:
        """The first count pages of the plan are written: index the bundles they complete."""
        while self.pending and self.pending[0][3] < count:
            shard, recipe, live, _ = self.pending.pop(0)
            self.jobs.append((shard, live, self.pool.submit(self._in_slot, shard, recipe, live)))

    def _in_slot(self, shard: Shard, recipe: str, live: tuple[str, ...]) -> int | None:
        with self._slots:
            return self._index(shard, recipe, live)

    def _pin_thread(self) -> None:
        """Keep this search thread, and so each Pagefind it starts, on a CPU of its own.

        Pagefind starts some forty threads; on two cores beside the renderers they spent a
        third of its time handing work to each other (futexes, in the kernel). Held to one
        CPU, a bundle takes as long alone and a third less CPU time, which the renderers get;
        and once they are done, two bundles at a time use both CPUs.
        """
        with self._pin_lock:
            cpu = self._cpus.pop() if self._cpus else None
        if cpu is not None:
            try:
                os.sched_setaffinity(0, {cpu})  # 0: the calling thread; a child inherits it
            except OSError:
                pass  # not allowed: Pagefind runs where the system puts it

    def finish(self) -> dict[str, str]:
        """Wait for every bundle, list them for the search page; the stamps to record."""
        if self.binary is None:
            return {}
        for _ in range(self._threads - PARALLEL):
            self._slots.release()  # the renderers are done: their CPUs are free
        wait([job for _, _, job in self.jobs])
        # Every page is written: what the aside folder still holds of the live site and this
        # build did not write goes before a bundle of the whole site is made from it.
        self.transaction.drop_stale(but=BUNDLE)
        self.pages_done(len(self.planned) + 1)
        self.pool.shutdown(wait=True)
        peaks = []
        for shard, live, job in self.jobs:
            peak = job.result()
            if peak is None and self.transaction.keep(live):
                self.reporter.debug(f"search: kept {shard.folder} ({len(live)} files)")
            else:
                if peak is None:  # the live bundle could not be linked over after all
                    peak = self._index(shard, _recipe(self.version, shard), ())
                self.transaction.adopt(shard.folder)
                peaks.append(peak or 0)
        if peaks:
            made = [shard.name for shard, live, job in self.jobs if job.result() is not None]
            self.reporter.debug(f"search: indexed {', '.join(made)} in "
                                f"{time.perf_counter() - self.started:.1f}s, {PARALLEL} at a "
                                f"time while rendering, then {self._threads}; largest Pagefind "
                                f"process {max(peaks) / 2**20:.0f} MiB")
        _write_shard_list(self.transaction, self.shards)
        self._drop_scratch()
        return self.stamps

    def abort(self) -> None:
        if self.binary is not None:
            self.pending.clear()
            self.pool.shutdown(wait=True, cancel_futures=True)
            self._drop_scratch()

    def _drop_scratch(self) -> None:
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def _index(self, shard: Shard, recipe: str, live: tuple[str, ...]) -> int | None:
        """Index one shard into the aside folder (in the thread): the Pagefind process's peak
        memory in bytes, or None when its pages are the live ones and live can be kept."""
        transaction = self.transaction
        for relative in unplanned(transaction.existing, shard, self.planned):
            (transaction.aside / relative).unlink(missing_ok=True)  # a deleted story's page
        if live and _pages_unchanged(transaction.aside, transaction.output, shard):
            return None
        bundle = transaction.replace_folder(shard.folder)
        pages = self.pages.get(shard.name, [])
        site = transaction.aside  # a site without stories: its pages as they are
        if shard.base and self.scratch is not None:
            site = cut_down(transaction.aside, pages, self.scratch, self.scratch / shard.name)
        try:
            peak = _run_pagefind(self.binary or Path(), site,
                                 _options(shard, bundle))
        finally:
            if site != transaction.aside:
                shutil.rmtree(site, ignore_errors=True)
        try:
            sort_filters(bundle)
        except (OSError, ValueError, KeyError, IndexError, TypeError) as error:
            raise BuildError(f"search: cannot read the index Pagefind {self.version} wrote "
                             f"({error!r}); this builder knows Pagefind 1.x") from None
        (bundle / RECIPE).write_text(recipe, encoding="utf-8")
        return peak


def _write_shard_list(transaction: OutputTransaction, shards: tuple[Shard, ...]) -> None:
    """pagefind/shards.json for the search page, and the UI it loads (the same in every
    bundle of one Pagefind version) next to it."""
    names = [shard.name for shard in shards]
    languages = {shard.name: bundle_languages(transaction.aside / shard.folder)
                 for shard in shards}
    transaction.write(f"{BUNDLE}/{SHARDS}",
                      (json.dumps({"shards": names, "languages": languages}, sort_keys=True)
                       + "\n").encode("utf-8"))
    for name in UI_FILES:
        transaction.copy(f"{BUNDLE}/{name}", transaction.aside / shards[0].folder / name)


def _cpus_for_search(count: int) -> list[int]:
    """The CPUs the search threads keep to, one each: the last count this process may use;
    none where it may use only one, or where Linux's affinity calls are missing."""
    try:
        allowed = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return []
    return allowed[-count:] if len(allowed) > 1 else []


def find_pagefind() -> Path | None:
    """The binary the pagefind package would run: PAGEFIND_BINARY_PATH, then the
    pagefind_bin_extended and pagefind_bin packages' own, then PATH.

    pagefind.service.get_executable's order, looked up without importing pagefind.service,
    which imports asyncio and ssl (some 40 ms of every build's start-up) for its service API.
    """
    named = os.getenv("PAGEFIND_BINARY_PATH")
    if named is not None:
        return Path(named)
    for package in ("pagefind_bin_extended", "pagefind_bin"):
        try:
            binary = importlib.import_module(package).get_executable()
        except ImportError:
            continue
        except (FileNotFoundError, OSError):
            return None
        return Path(binary)
    found = shutil.which("pagefind_extended") or shutil.which("pagefind")
    return Path(found) if found else None


def bundle_languages(bundle: Path) -> list[str]:
    """The languages a bundle has an index for, most pages first (then by name): the order
    Pagefind picks a page's index in when none is in the page's language."""
    try:
        entry = json.loads((bundle / ENTRY).read_text(encoding="utf-8"))
        found = [(-int(info.get("page_count", 0)), str(language))
                 for language, info in entry["languages"].items()]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []
    return [language for _, language in sorted(found)]


def _version(binary: Path) -> str:
    try:
        result = subprocess.run([str(binary), "--version"], capture_output=True, text=True,
                                encoding="utf-8", errors="replace",
                                timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as error:
        raise BuildError(f"search: cannot run {binary}: {error}") from None
    return result.stdout.split()[-1] if result.stdout.split() else ""


def _options(shard: Shard, bundle: Path | None = None) -> list[str]:
    """Pagefind's options; the recipe records them with the bundle's place left out."""
    where = ["--output-path", str(bundle)] if bundle else ["--output-subdir", shard.folder]
    return [*where, "--glob", shard.pages, "--quiet"]


def _recipe(version: str, shard: Shard) -> str:
    return json.dumps({"format": RECIPE_FORMAT, "pagefind": version,
                       "options": _options(shard)}, sort_keys=True) + "\n"


def _run_pagefind(binary: Path, site: Path, options: list[str]) -> int:
    """Run Pagefind to the end; the peak resident memory of its process, in bytes."""
    command = [str(binary), "--site", str(site), *options]
    with tempfile.TemporaryFile() as said:
        try:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=said,
                                       stderr=subprocess.STDOUT)
        except OSError as error:
            raise BuildError(f"search: cannot run {binary}: {error.strerror}") from None
        peak, status, usage = 0, 0, None
        while usage is None:
            pid, status, rusage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                usage = rusage
            else:
                peak = max(peak, _peak_resident(process.pid))
                time.sleep(PEAK_POLL)
        process.returncode = code = os.waitstatus_to_exitcode(status)
        if code != 0:
            said.seek(0)
            last = said.read().decode("utf-8", "replace").strip().splitlines()[-5:]
            raise BuildError(f"search: Pagefind failed (exit {code}): " + " / ".join(last))
    # ru_maxrss alone would not do: a child started by vfork counts the parent's resident set
    # (the whole builder) as its own until it runs Pagefind.
    return peak or usage.ru_maxrss * 1024


def _peak_resident(pid: int) -> int:
    """The process's peak resident set so far (VmHWM), in bytes; 0 where /proc cannot say."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _known_bundles(files: frozenset[str]) -> dict[str, list[str]]:
    """The live site's bundles and their files, from the list the last build recorded."""
    bundles: dict[str, list[str]] = {}
    for path in files:
        if path.startswith(f"{BUNDLE}/") and path.count("/") > 1:
            bundles.setdefault(path.split("/", 2)[1], []).append(path)
    return bundles


def _live_bundle(output: Path, shard: Shard, recipe: str,
                 known: dict[str, list[str]]) -> tuple[str, ...]:
    """The live bundle's files, if it was made the way this build would make it; else none."""
    bundle = output / shard.folder
    try:
        if (bundle / RECIPE).read_text(encoding="utf-8") != recipe:
            return ()
    except (OSError, UnicodeDecodeError):
        return ()
    if known:
        return tuple(sorted(known.get(shard.name, ())))
    # os.walk and strings rather than Path.rglob: a year's bundle holds a file per story.
    return tuple(sorted(f"{shard.folder}{folder[len(str(bundle)):]}/{name}"
                        for folder, _, names in os.walk(bundle) for name in names))


def _pages_unchanged(aside: Path, output: Path, shard: Shard) -> bool:
    """Every page the bundle is made from is the live one, linked over; and none has gone."""
    new = identities(aside, shard)
    return bool(new) and new == identities(output, shard)
