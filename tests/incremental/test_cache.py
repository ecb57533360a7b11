"""Unit tests of cache.py: what the build cache keeps of an output folder between builds."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from site_builder.errors import BuildError
from site_builder.incremental import cache as cache_module
from site_builder.incremental.cache import BuildCache


@pytest.fixture
def cache(tmp_path: Path) -> BuildCache:
    return BuildCache(tmp_path / ".cache", "parse-key", lambda warning: None)


def change_rows(cache: BuildCache) -> int:
    assert cache.path is not None
    with sqlite3.connect(cache.path) as connection:
        (count,) = connection.execute(
            "SELECT COUNT(*) FROM output_changes WHERE name = 'marks'").fetchone()
    connection.close()
    return int(count)


def test_fingerprints_come_back_as_recorded(cache: BuildCache):
    marks = {f"page{n}/index.html": f"mark{n}" for n in range(100)}
    cache.record_build("out", marks, {"spare": "x"}, frozenset(marks))
    assert cache.outputs("out") == marks and cache.outputs("elsewhere") == {}
    assert cache.live_files("out") == frozenset(marks)
    assert cache.build_meta("out", "spare") == "x"


def test_a_rebuild_writes_only_what_changed_and_reads_back_the_whole(cache: BuildCache):
    first = {f"page{n}/index.html": f"mark{n}" for n in range(100)}
    cache.record_build("out", first, {})
    second = {**first, "page1/index.html": "new mark", "added/index.html": "mark"}
    del second["page2/index.html"]
    cache.record_build("out", second, {}, previous=cache.outputs("out"))
    assert change_rows(cache) == 3  # changed, added, gone
    assert cache.outputs("out") == second
    assert cache.live_files("out") is None  # never recorded: the caller does not trust it


def test_the_list_of_files_is_kept_as_changes_too(cache: BuildCache):
    files = frozenset(f"page{n}/index.html" for n in range(100))
    cache.record_build("out", {}, {}, files)
    renamed = (files - {"page1/index.html"}) | {"pagefind/x/fragment/abc.pf_fragment"}
    cache.record_build("out", {}, {}, renamed, {}, cache.live_files("out"))
    assert cache.live_files("out") == renamed
    assert cache.path is not None
    with sqlite3.connect(cache.path) as connection:
        assert sorted(connection.execute(
            "SELECT path, value FROM output_changes WHERE name = 'files'")) == [
            ("page1/index.html", None), ("pagefind/x/fragment/abc.pf_fragment", "1")]
    connection.close()
    cache.record_build("out", {}, {}, files)  # nothing to change from: written whole
    assert cache.live_files("out") == files


def test_changes_are_folded_into_one_row_once_they_pile_up(cache: BuildCache,
                                                           monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(cache_module, "MAX_OUTPUT_CHANGES", 5)
    marks = {f"page{n}/index.html": "0" for n in range(10)}
    cache.record_build("out", marks, {})
    for build in range(1, 5):
        marks = {**marks, f"page{build}/index.html": str(build), "index.html": str(build)}
        cache.record_build("out", marks, {}, previous=cache.outputs("out"))
        assert cache.outputs("out") == marks
    assert change_rows(cache) < 5


def test_an_untrusted_previous_rewrites_every_fingerprint(cache: BuildCache):
    cache.record_build("out", {"a.html": "1"}, {})
    cache.record_build("out", {"a.html": "2", "b.html": "3"}, {}, previous={"a.html": "1"})
    cache.record_build("out", {"c.html": "4"}, {})  # previous None: the folder is new to us
    assert cache.outputs("out") == {"c.html": "4"} and change_rows(cache) == 0


def test_a_cache_without_a_folder_keeps_nothing():
    cache = BuildCache(None, "parse-key", lambda warning: None)
    cache.record_build("out", {"a.html": "1"}, {})
    assert cache.outputs("out") == {} and cache.live_files("out") is None


def test_a_reader_sees_a_record_whole_or_not_at_all_and_never_holds_up_the_writer(
        cache: BuildCache, monkeypatch: pytest.MonkeyPatch):
    """WAL: a story-body reader in a worker (bodies.py) reads beside the build's writes."""
    assert cache.path is not None
    cache.record_build("out", {"a.html": "1"}, {"spare": "old"})
    reader = sqlite3.connect(cache.path, isolation_level=None, timeout=0)
    assert reader.execute("PRAGMA journal_mode").fetchone() == ("wal",)

    def spare() -> object:
        return reader.execute("SELECT value FROM meta WHERE key = 'spare:out'").fetchone()

    seen: list[object] = []
    monkeypatch.setattr(cache_module, "fault_point", lambda name, *_: seen.append(spare()))
    reader.execute("BEGIN")  # a read that lasts through the next record
    assert spare() == ("old",)
    cache.record_build("out", {"a.html": "2"}, {"spare": "new"})
    assert seen == [("old",)]  # mid-record: the last whole record
    assert spare() == ("old",)  # still the reader's own snapshot
    reader.execute("COMMIT")
    assert spare() == ("new",)
    reader.close()


def test_a_write_that_fails_is_an_error_naming_the_file_and_what_to_do(cache: BuildCache):
    assert cache.connection is not None and cache.path is not None
    cache.connection.execute("PRAGMA query_only = ON")  # SQLite refuses writes, as read-only
    expected = (f"{cache.path}: cannot write the build cache (attempt to write a readonly "
                f"database); the previous site is untouched (make {cache.path.parent} "
                "writable, or build with --no-cache)")
    with pytest.raises(BuildError) as failed:
        cache.record_build("out", {"a.html": "1"}, {})
    assert str(failed.value) == expected
    with pytest.raises(BuildError):
        cache.put_many("tags", {"key": "value"})
