"""Pagefind's index files, read and written: its filter files rewritten in sorted order.

Pagefind writes the values of each filter in hash-map order, which differs from run to run
(its issue #638); the filter files are rewritten in sorted order so that the same pages always
give the same bytes, as the rest of the site does; so are the languages of pagefind-entry.json.
The files are gzipped CBOR (RFC 8949).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

ENTRY = "pagefind-entry.json"  # written by Pagefind: its version and the index languages
PACKED = b"pagefind_dcd"  # what Pagefind puts before the data of each file it gzips


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
    # Its languages in hash-map order too, when a bundle has more than one: sorted.
    entry = json.loads(entry_text)
    entry["languages"] = dict(sorted(entry["languages"].items()))
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")),
                          encoding="utf-8")


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
