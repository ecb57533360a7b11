"""Search: a Pagefind index of the story pages, one bundle per year, made before the swap.

Pagefind (https://pagefind.app) reads the HTML and writes a static index and its UI; the
browser searches it offline. Only pages marked `data-pagefind-body` (story pages) are indexed;
their filters (company, topic, section) and metadata (date, companies) come from attributes in
the theme. Each past year of stories is its own bundle, pagefind/<year>/, so that a ten-year
site is indexed in pieces a tenth the size (Pagefind holds a whole index in memory); each month
of the newest year is one too, pagefind/<year>-<month>/, so that the daily edit re-indexes a
month (a second or less) rather than a year. When a new year begins, its predecessor's months
become one year bundle. The search page reads pagefind/shards.json, newest first, and queries
every bundle at once (Pagefind's multisite search, `mergeIndex`).

A bundle is a pure function of its story pages, so when none of them changed since the live
site was built, and the live bundle was made the same way (its site-builder.json says how), the
live bundle is carried over instead.

Pagefind writes the values of each filter in hash-map order, which differs from run to run
(its issue #638); the filter files are rewritten in sorted order so that the same pages always
give the same bytes, as the rest of the site does.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from site_builder.config import SiteConfig
from site_builder.errors import BuildError
from site_builder.report import Reporter
from site_builder.versions import stamp
from site_builder.write import OutputTransaction

BUNDLE = "pagefind"
SHARDS = "shards.json"  # in pagefind/: the bundles the search page merges, newest first
UI_FILES = ("pagefind-ui.js", "pagefind-ui.css")  # loaded by the search page from pagefind/
ENTRY = "pagefind-entry.json"  # written by Pagefind: its version and the index languages
PACKED = b"pagefind_dcd"  # what Pagefind puts before the data of each file it gzips
# Story pages (Story.url is /YYYY/MM/DD/<slug>/): only they are marked for indexing, so
# Pagefind need not parse the rest, the day pages above all, which hold every story's text.
IN_MONTH = "[0-9][0-9]/*/index.html"
IN_YEAR = f"[0-9][0-9]/{IN_MONTH}"
STORY_PAGE = re.compile(r"[0-9]{4}/[0-9]{2}/[0-9]{2}/[^/]+/index\.html")
ALL_PAGES = "pages"  # the one bundle of a site without stories: its other pages
RECIPE = "site-builder.json"  # in each bundle: how its index was made, so reuse is safe
RECIPE_FORMAT = 2  # raise it whenever this module changes what it makes of Pagefind's output
# Pagefind holds a year's index in memory (about 600 MiB for 5,500 stories), so two years at
# once would pass 1 GiB; and it already keeps two cores busy, so one at a time costs little.
PARALLEL = 1


@dataclass(frozen=True, slots=True)
class Shard:
    """One bundle: pagefind/<name>/, made from the pages `pages` matches.

    base is the folder of its story pages, "2024" for a year or "2025/03" for a month.
    """

    name: str
    pages: str
    base: str = ""

    @property
    def folder(self) -> str:
        return f"{BUNDLE}/{self.name}"


class SearchIndexer:
    """Writes pagefind/ into the aside folder: each bundle made afresh where one of its story
    pages changed, linked over from the live site where none did.

    A bundle is indexed, in a thread beside the rendering, as soon as the last of its pages is
    written (pages_done), so Pagefind works while the rest of the site renders. stories holds
    each story's stamp by url (versions.py), salt the theme's: a bundle's stamp says what its
    indexed stories hold, and previous what the live bundles were made from. An equal stamp
    keeps a bundle without comparing its pages, so story pages that changed only outside their
    article (a "More on" list after a new day) cost nothing; otherwise, once rendered, the pages
    themselves are compared.
    """

    def __init__(self, transaction: OutputTransaction, config: SiteConfig, reporter: Reporter,
                 paths: list[str], stories: dict[str, str] | None = None, salt: str = "",
                 previous: dict[str, str] | None = None) -> None:
        self.transaction = transaction
        self.reporter = reporter
        self.binary = find_pagefind()
        self.shards: tuple[Shard, ...] = ()
        self.stamps: dict[str, str] = {}
        self.pending: list[tuple[Shard, str, tuple[str, ...], int]] = []  # not yet started
        self.jobs: list[tuple[Shard, tuple[str, ...], Future[int | None]]] = []
        if self.binary is None:
            reporter.warn("search: Pagefind is not installed, so the site has no search index "
                          "(pip install 'pagefind[bin]')")
            return
        self.language = index_language(config.language)
        self.version = _version(self.binary)
        self.planned = frozenset(paths)
        self.shards = plan_shards(paths)
        self.stamps = shard_stamps(self.shards, stories, salt) if stories is not None else {}
        known = _known_bundles(transaction.existing)
        last = _last_pages(self.shards, paths)
        for shard in self.shards:
            recipe = _recipe(self.version, self.language, shard)
            live = _live_bundle(transaction.output, shard, recipe, known)
            stamp = self.stamps.get(shard.name)
            if live and stamp is not None and (previous or {}).get(shard.name) == stamp \
                    and transaction.keep(live):
                reporter.debug(f"search: kept {shard.folder} ({len(live)} files)")
            else:
                self.pending.append((shard, recipe, live, last.get(shard.name, len(paths))))
        self.pool = ThreadPoolExecutor(max_workers=PARALLEL)
        self.started = time.perf_counter()

    def pages_done(self, count: int) -> None:
        """The first count pages of the plan are written: index the bundles they complete."""
        while self.pending and self.pending[0][3] < count:
            shard, recipe, live, _ = self.pending.pop(0)
            self.jobs.append((shard, live, self.pool.submit(self._index, shard, recipe, live)))

    def finish(self) -> dict[str, str]:
        """Wait for every bundle, list them for the search page; the stamps to record."""
        if self.binary is None:
            return {}
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
                    peak = self._index(shard, _recipe(self.version, self.language, shard), ())
                self.transaction.adopt(shard.folder)
                peaks.append(peak or 0)
        if peaks:
            made = [shard.name for shard, live, job in self.jobs if job.result() is not None]
            self.reporter.debug(f"search: indexed {', '.join(made)} in "
                                f"{time.perf_counter() - self.started:.1f}s, {PARALLEL} at a "
                                f"time; largest Pagefind process {max(peaks) / 2**20:.0f} MiB")
        _write_shard_list(self.transaction, self.shards)
        return self.stamps

    def abort(self) -> None:
        if self.binary is not None:
            self.pending.clear()
            self.pool.shutdown(wait=True, cancel_futures=True)

    def _index(self, shard: Shard, recipe: str, live: tuple[str, ...]) -> int | None:
        """Index one shard into the aside folder (in the thread): the Pagefind process's peak
        memory in bytes, or None when its pages are the live ones and live can be kept."""
        transaction = self.transaction
        for relative in _unplanned(transaction.existing, shard, self.planned):
            (transaction.aside / relative).unlink(missing_ok=True)  # a deleted story's page
        if live and _pages_unchanged(transaction.aside, transaction.output, shard):
            return None
        bundle = transaction.replace_folder(shard.folder)
        peak = _run_pagefind(self.binary or Path(), transaction.aside,
                             _options(self.language, shard, bundle))
        try:
            sort_filters(bundle)
        except (OSError, ValueError, KeyError, IndexError, TypeError) as error:
            raise BuildError(f"search: cannot read the index Pagefind {self.version} wrote "
                             f"({error!r}); this builder knows Pagefind 1.x") from None
        (bundle / RECIPE).write_text(recipe, encoding="utf-8")
        return peak


def plan_shards(paths: list[str]) -> tuple[Shard, ...]:
    """One shard per month of the newest year and per year before it, newest first; a site
    without stories gets one shard of its other pages, so its search page loads cleanly."""
    months = sorted({path[:7] for path in paths if STORY_PAGE.fullmatch(path)}, reverse=True)
    if not months:
        return (Shard(ALL_PAGES, "**/*.html"),)
    newest = months[0][:4]
    years = sorted({month[:4] for month in months if month[:4] != newest}, reverse=True)
    return (*(Shard(f"{newest}-{month[5:]}", f"{month}/{IN_MONTH}", month)
              for month in months if month[:4] == newest),
            *(Shard(year, f"{year}/{IN_YEAR}", year) for year in years))


def _last_pages(shards: tuple[Shard, ...], paths: list[str]) -> dict[str, int]:
    """Where in the plan each shard's last story page is."""
    by_base = {shard.base: shard.name for shard in shards if shard.base}
    last: dict[str, int] = {}
    for number, path in enumerate(paths):
        if STORY_PAGE.fullmatch(path):
            name = by_base.get(path[:7]) or by_base.get(path[:4])
            if name is not None:
                last[name] = number
    return last


def _unplanned(existing: frozenset[str], shard: Shard, planned: frozenset[str]) -> list[str]:
    """Story pages the aside folder holds from the live site that this build does not make."""
    return [path for path in existing if shard.base and path.startswith(f"{shard.base}/")
            and STORY_PAGE.fullmatch(path) and path not in planned]


def shard_stamps(shards: tuple[Shard, ...], stories: dict[str, str], salt: str
                 ) -> dict[str, str]:
    """Each bundle's stories as one stamp: what its index is made from."""
    by_base = {shard.base: shard.name for shard in shards if shard.base}
    held: dict[str, list[str]] = {}
    for url, story_stamp in sorted(stories.items()):
        # "/2025/03/27/<slug>/": the month's bundle if there is one, else the year's.
        name = by_base.get(url[1:8]) or by_base.get(url[1:5])
        if name is not None:
            held.setdefault(name, []).append(story_stamp)
    return {name: stamp(salt, *stamps) for name, stamps in held.items()}


def _write_shard_list(transaction: OutputTransaction, shards: tuple[Shard, ...]) -> None:
    """pagefind/shards.json for the search page, and the UI it loads (the same in every
    bundle of one Pagefind version) next to it."""
    names = [shard.name for shard in shards]
    transaction.write(f"{BUNDLE}/{SHARDS}",
                      (json.dumps({"shards": names}) + "\n").encode("utf-8"))
    for name in UI_FILES:
        transaction.copy(f"{BUNDLE}/{name}", transaction.aside / shards[0].folder / name)


def find_pagefind() -> Path | None:
    """The binary the pagefind package would run (PAGEFIND_BINARY_PATH, extended, bin, PATH)."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        found = shutil.which("pagefind_extended") or shutil.which("pagefind")
        return Path(found) if found else None
    try:
        return get_executable()
    except (FileNotFoundError, OSError):
        return None


def index_language(language: str) -> str:
    """One index for the whole site, in its main language: a search finds every story.

    Pagefind would otherwise split the index by each page's lang, and the search page would
    only ever see the stories of its own language.
    """
    return language.split("-")[0].lower() or "en"


def _version(binary: Path) -> str:
    try:
        result = subprocess.run([str(binary), "--version"], capture_output=True, text=True,
                                encoding="utf-8", errors="replace",
                                timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as error:
        raise BuildError(f"search: cannot run {binary}: {error}") from None
    return result.stdout.split()[-1] if result.stdout.split() else ""


def _options(language: str, shard: Shard, bundle: Path | None = None) -> list[str]:
    """Pagefind's options; the recipe records them with the bundle's place left out."""
    where = ["--output-path", str(bundle)] if bundle else ["--output-subdir", shard.folder]
    return [*where, "--glob", shard.pages, "--force-language", language, "--quiet"]


def _recipe(version: str, language: str, shard: Shard) -> str:
    return json.dumps({"format": RECIPE_FORMAT, "pagefind": version,
                       "options": _options(language, shard)}, sort_keys=True) + "\n"


def _run_pagefind(binary: Path, site: Path, options: list[str]) -> int:
    """Run Pagefind to the end; the peak resident memory of its process, in bytes."""
    command = [str(binary), "--site", str(site), *options]
    # Its output goes to a file and the process is reaped with wait4, which gives this
    # child's own peak memory (getrusage(RUSAGE_CHILDREN) mixes it with its sibling's).
    with tempfile.TemporaryFile() as said:
        try:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=said,
                                       stderr=subprocess.STDOUT)
        except OSError as error:
            raise BuildError(f"search: cannot run {binary}: {error.strerror}") from None
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = code = os.waitstatus_to_exitcode(status)
        if code != 0:
            said.seek(0)
            last = said.read().decode("utf-8", "replace").strip().splitlines()[-5:]
            raise BuildError(f"search: Pagefind failed (exit {code}): " + " / ".join(last))
    return usage.ru_maxrss * 1024


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
    new = _identities(aside, shard)
    return bool(new) and new == _identities(output, shard)


def _identities(root: Path, shard: Shard) -> dict[str, tuple[int, int]]:
    """Each page's device and inode: a page linked over from the live site keeps both."""
    if shard.name == ALL_PAGES:
        paths = [path.relative_to(root).as_posix() for path in root.glob(shard.pages)]
        paths = [path for path in paths if not path.startswith(f"{BUNDLE}/")]
    else:
        # The story pages by walking the MM/DD/<slug>/ folders: Path.glob with three
        # wildcards spends seconds on a year of stories.
        months = [f"{shard.base}/{month}" for month in _folders(root / shard.base, 2)] \
            if "/" not in shard.base else [shard.base]
        paths = [f"{month}/{day}/{slug}/index.html"
                 for month in months
                 for day in _folders(root / month, 2)
                 for slug in _folders(root / month / day)]
    found = {}
    for path in paths:
        try:
            stat = os.stat(f"{root}/{path}")
        except FileNotFoundError:
            continue
        found[path] = (stat.st_dev, stat.st_ino)
    return found


def _folders(parent: Path, digits: int = 0) -> list[str]:
    """The names of the folders in parent (only those of `digits` digits, if given)."""
    try:
        with os.scandir(parent) as entries:
            return [entry.name for entry in entries if entry.is_dir()
                    and (not digits or len(entry.name) == digits and entry.name.isdigit())]
    except (FileNotFoundError, NotADirectoryError):
        return []


# Reproducible filter files ----------------------------------------------------------------------

def sort_filters(bundle: Path) -> None:
    """Rewrite each filter file with its values sorted, renamed by its new hash, and the index
    metadata (pagefind.<hash>.pf_meta) and pagefind-entry.json that point at them."""
    entry_path = bundle / ENTRY
    entry_text = entry_path.read_text(encoding="utf-8")
    for language, info in sorted(json.loads(entry_text)["languages"].items()):
        meta_path = bundle / f"pagefind.{info['hash']}.pf_meta"
        meta = cbor_load(unpack(meta_path.read_bytes()))
        stale = [meta_path]
        made: dict[str, bytes] = {}
        filters = []
        for name, old in sorted(meta[3], key=lambda pair: pair[0]):
            path = bundle / "filter" / f"{old}.pf_filter"
            index = cbor_load(unpack(path.read_bytes()))
            index[1] = sorted(([value, sorted(pages)] for value, pages in index[1]),
                              key=lambda item: item[0])
            data = cbor_dump(index)
            filters.append([name, _short_hash(f"{language}_{_sha1(data)}", language, made)])
            made[filters[-1][1]] = data
            stale.append(path)
        meta[3] = filters
        meta[4] = sorted(meta[4], key=lambda item: item[0])  # sort orders, in key order
        meta_data = cbor_dump(meta)
        meta_hash = f"{language}_{_sha1(meta_data)[:len(language) + 8]}"
        for path in stale:
            path.unlink()
        for short, data in made.items():
            (bundle / "filter" / f"{short}.pf_filter").write_bytes(pack(data))
        (bundle / f"pagefind.{meta_hash}.pf_meta").write_bytes(pack(meta_data))
        entry_text = entry_text.replace(f'"{info["hash"]}"', f'"{meta_hash}"')
    entry_path.write_text(entry_text, encoding="utf-8")


def _short_hash(full: str, language: str, taken: dict[str, bytes]) -> str:
    """Pagefind's file names: the language and 7 hex digits, longer only on a collision."""
    short = full[:len(language) + 8]
    while short in taken and len(short) < len(full):
        short = full[:len(short) + 1]
    return short


def _sha1(data: bytes) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def unpack(data: bytes) -> bytes:
    data = gzip.decompress(data)
    if not data.startswith(PACKED):
        raise ValueError("not a Pagefind index file")
    return data[len(PACKED):]


def pack(data: bytes) -> bytes:
    return gzip.compress(PACKED + data, compresslevel=9, mtime=0)


# The part of CBOR (RFC 8949) Pagefind's index files use: integers, strings, arrays, maps and
# the simple values, all of definite length.
_SIMPLE = {20: False, 21: True, 22: None}


def cbor_load(data: bytes) -> Any:
    value, end = _cbor_item(data, 0)
    if end != len(data):
        raise ValueError("trailing bytes after the CBOR value")
    return value


def _cbor_item(data: bytes, at: int) -> tuple[Any, int]:
    major, info = data[at] >> 5, data[at] & 31
    at += 1
    if major == 7:
        if info not in _SIMPLE:
            raise ValueError(f"unexpected CBOR simple value {info}")
        return _SIMPLE[info], at
    if info < 24:
        argument = info
    elif info <= 27:
        size = 1 << (info - 24)
        argument = int.from_bytes(data[at:at + size], "big")
        at += size
    else:
        raise ValueError("indefinite-length CBOR is not expected here")
    if major == 0:
        return argument, at
    if major == 1:
        return -1 - argument, at
    if major in (2, 3):
        chunk = data[at:at + argument]
        if len(chunk) != argument:
            raise ValueError("truncated CBOR string")
        return (chunk if major == 2 else chunk.decode("utf-8")), at + argument
    if major == 4:
        items = []
        for _ in range(argument):
            item, at = _cbor_item(data, at)
            items.append(item)
        return items, at
    if major == 5:
        pairs = {}
        for _ in range(argument):
            key, at = _cbor_item(data, at)
            pairs[key], at = _cbor_item(data, at)
        return pairs, at
    raise ValueError(f"unexpected CBOR major type {major}")


def cbor_dump(value: Any) -> bytes:
    """Shortest encodings, as Pagefind's own encoder (minicbor) writes them."""
    if value is None or isinstance(value, bool):
        return bytes([0xe0 | {False: 20, True: 21, None: 22}[value]])
    if isinstance(value, int):
        return _cbor_head(0, value) if value >= 0 else _cbor_head(1, -1 - value)
    if isinstance(value, bytes):
        return _cbor_head(2, len(value)) + value
    if isinstance(value, str):
        encoded = value.encode("utf-8")
        return _cbor_head(3, len(encoded)) + encoded
    if isinstance(value, list):
        return _cbor_head(4, len(value)) + b"".join(cbor_dump(item) for item in value)
    if isinstance(value, dict):
        return _cbor_head(5, len(value)) + b"".join(
            cbor_dump(key) + cbor_dump(item) for key, item in value.items())
    raise TypeError(f"cannot encode {type(value).__name__} as CBOR")


def _cbor_head(major: int, argument: int) -> bytes:
    if argument < 24:
        return bytes([major << 5 | argument])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if argument < 1 << (8 * size):
            return bytes([major << 5 | info]) + argument.to_bytes(size, "big")
    raise ValueError("integer too large for CBOR")
