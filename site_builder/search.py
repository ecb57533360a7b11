"""Search: a Pagefind index of the story pages, made in the finished aside folder before the swap.

Pagefind (https://pagefind.app) reads the HTML and writes a static index and its UI under
pagefind/; the browser searches it offline. Only pages marked `data-pagefind-body` (story
pages) are indexed; their filters (company, topic, section) and metadata (date, companies)
come from attributes in the theme. The index is a pure function of the story pages, so when
none of them changed since the live site was built, and the live index was made the same way
(pagefind/site-builder.json says how), the live index is carried over instead.

Pagefind writes the values of each filter in hash-map order, which differs from run to run
(its issue #638); the filter files are rewritten in sorted order so that the same pages always
give the same bytes, as the rest of the site does.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from site_builder.config import SiteConfig
from site_builder.errors import BuildError
from site_builder.report import Reporter
from site_builder.write import OutputTransaction

BUNDLE = "pagefind"
ENTRY = "pagefind-entry.json"  # written by Pagefind: its version and the index languages
PACKED = b"pagefind_dcd"  # what Pagefind puts before the data of each file it gzips
# Story pages (Story.url is /YYYY/MM/DD/<slug>/): only they are marked for indexing, so
# Pagefind need not parse the rest, the day pages above all, which hold every story's text.
STORY_PAGES = "[0-9][0-9][0-9][0-9]/[0-9][0-9]/[0-9][0-9]/*/index.html"
RECIPE = "site-builder.json"  # in the bundle: how its index was made, so reuse is safe
RECIPE_FORMAT = 1  # raise it whenever this module changes what it makes of Pagefind's output


def index_for_search(transaction: OutputTransaction, config: SiteConfig,
                     reporter: Reporter) -> None:
    """Write pagefind/ into the aside folder: indexed afresh, or linked over if no page changed."""
    binary = find_pagefind()
    if binary is None:
        reporter.warn("search: Pagefind is not installed, so the site has no search index "
                      "(pip install 'pagefind[bin]')")
        return
    language = index_language(config.language)
    version = _version(binary)
    # A site without stories still gets an index (of its other pages), so that its search
    # page loads without errors.
    pages = STORY_PAGES if next(transaction.aside.glob(STORY_PAGES), None) else "**/*.html"
    recipe = _recipe(version, language, pages)
    live = _live_bundle(transaction.output, recipe)
    if live and _pages_unchanged(transaction.aside, transaction.output, pages) \
            and transaction.keep(live):
        reporter.debug(f"search: no indexed page changed; kept the index ({len(live)} files)")
        return
    _run_pagefind(binary, transaction.aside, _options(language, pages))
    bundle = transaction.aside / BUNDLE
    try:
        sort_filters(bundle)
    except (OSError, ValueError, KeyError, IndexError, TypeError) as error:
        raise BuildError(f"search: cannot read the index Pagefind {version} wrote ({error!r}); "
                         "this builder knows Pagefind 1.x") from None
    (bundle / RECIPE).write_text(recipe, encoding="utf-8")
    transaction.written.update(path.relative_to(transaction.aside).as_posix()
                               for path in bundle.rglob("*") if path.is_file())


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


def _options(language: str, pages: str) -> list[str]:
    return ["--output-subdir", BUNDLE, "--glob", pages, "--force-language", language, "--quiet"]


def _recipe(version: str, language: str, pages: str) -> str:
    return json.dumps({"format": RECIPE_FORMAT, "pagefind": version,
                       "options": _options(language, pages)}, sort_keys=True) + "\n"


def _run_pagefind(binary: Path, site: Path, options: list[str]) -> None:
    command = [str(binary), "--site", str(site), *options]
    try:
        result = subprocess.run(command, check=False, capture_output=True, text=True,
                                encoding="utf-8", errors="replace")
    except OSError as error:
        raise BuildError(f"search: cannot run {binary}: {error.strerror}") from None
    if result.returncode != 0:
        said = (result.stderr.strip() or result.stdout.strip()).splitlines()[-5:]
        raise BuildError(f"search: Pagefind failed (exit {result.returncode}): "
                         + " / ".join(said))


def _live_bundle(output: Path, recipe: str) -> tuple[str, ...]:
    """The live index's files, if it was made the way this build would make it; else none."""
    bundle = output / BUNDLE
    try:
        if (bundle / RECIPE).read_text(encoding="utf-8") != recipe:
            return ()
    except (OSError, UnicodeDecodeError):
        return ()
    return tuple(sorted(path.relative_to(output).as_posix()
                        for path in bundle.rglob("*") if path.is_file()))


def _pages_unchanged(aside: Path, output: Path, pages: str) -> bool:
    """Every page the index is made from is the live one, linked over; and none has gone."""
    new = _identities(aside, pages)
    return bool(new) and new == _identities(output, pages)


def _identities(root: Path, pages: str) -> dict[str, tuple[int, int]]:
    """Each page's device and inode: a page linked over from the live site keeps both."""
    found = {}
    for path in root.glob(pages):
        if BUNDLE not in path.relative_to(root).parts[:1]:
            stat = path.stat()
            found[path.relative_to(root).as_posix()] = (stat.st_dev, stat.st_ino)
    return found


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
