"""Unit tests of the write stage: the swap, safety of paths and of the output folder."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from site_builder.errors import BuildError, UsageError
from site_builder.output.write import (
    MARKER,
    MARKER_TEXT,
    SPARE_TOKEN,
    LiveRecord,
    OutputTransaction,
    all_safe_output_paths,
    check_output_folder,
    is_safe_output_path,
    recover,
    safe_output_path,
)


def build(output: Path, files: dict[str, bytes]) -> OutputTransaction:
    transaction = OutputTransaction(output)
    for relative, data in files.items():
        transaction.write(relative, data)
    transaction.commit()
    return transaction


def test_first_build_creates_output_with_marker(tmp_path: Path):
    build(tmp_path / "out", {"index.html": b"one", "a/b/index.html": b"two"})
    assert (tmp_path / "out" / "a/b/index.html").read_bytes() == b"two"
    assert (tmp_path / "out" / MARKER).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing left aside


def test_rebuild_replaces_whole_site_and_keeps_unchanged_files(tmp_path: Path):
    out = tmp_path / "out"
    build(out, {"index.html": b"one", "old.html": b"gone soon"})
    before = (out / "index.html").stat()
    second = build(out, {"index.html": b"one", "new.html": b"new"})
    assert not (out / "old.html").exists() and (out / "new.html").read_bytes() == b"new"
    after = (out / "index.html").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert second.unchanged == 1


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def rebuild(output: Path, record: LiveRecord | None, files: dict[str, bytes],
            keep: tuple[str, ...] = ()) -> tuple[OutputTransaction, LiveRecord]:
    """One build as the pipeline runs it: keep some live files, write others, swap."""
    transaction = OutputTransaction(output, record)
    assert transaction.keep(keep)
    for relative, data in files.items():
        transaction.write(relative, data)
    transaction.commit()
    return transaction, transaction.record()


def test_the_old_site_is_kept_as_a_spare_and_the_next_build_starts_from_it(tmp_path: Path):
    out = tmp_path / "out"
    first, record = rebuild(out, LiveRecord(frozenset()), {
        "index.html": b"1", "a/index.html": b"a", "gone/deep/index.html": b"g"})
    assert not first.spare_token  # there was no old site to keep
    _, record = rebuild(out, record, {"index.html": b"2", "new/index.html": b"n"},
                        keep=("a/index.html", "gone/deep/index.html"))
    spare = tmp_path / ".out.spare"
    assert (spare / SPARE_TOKEN).read_text() == record.spare
    assert record.changed == {"index.html", "new/index.html"}
    a_inode = (out / "a/index.html").stat().st_ino
    third = OutputTransaction(out, record)
    assert not spare.exists() and third.existing == record.files  # the spare, brought level
    assert tree(third.aside) == tree(out)
    assert (third.aside / "a/index.html").stat().st_ino == a_inode
    third.write("index.html", b"3")
    assert (out / "index.html").read_bytes() == b"2"  # replaced aside, never written through
    assert third.keep(("a/index.html", "new/index.html"))
    third.commit()
    assert tree(out) == {MARKER: MARKER_TEXT, "index.html": b"3", "a/index.html": b"a",
                         "new/index.html": b"n"}
    assert not (out / "gone").exists()  # deleted files take their empty folders with them
    assert (out / "a/index.html").stat().st_ino == a_inode
    assert tree(tmp_path / ".out.spare")["index.html"] == b"2"
    assert third.record().changed == {"index.html", "gone/deep/index.html"}


@pytest.mark.parametrize("spoil", ["token", "record"])
def test_a_spare_that_is_not_what_the_record_says_is_not_trusted(tmp_path: Path, spoil: str):
    out = tmp_path / "out"
    _, record = rebuild(out, LiveRecord(frozenset()), {"index.html": b"1", "b.html": b"b"})
    _, record = rebuild(out, record, {"index.html": b"2"}, keep=("b.html",))
    if spoil == "token":
        (tmp_path / ".out.spare" / SPARE_TOKEN).write_text("someone else's")
    else:  # the record names a changed file the live site lacks
        record = LiveRecord(record.files, record.spare, record.changed | {"missing.html"})
        record = LiveRecord(record.files | {"missing.html"}, record.spare, record.changed)
    transaction, _ = rebuild(out, record, {"index.html": b"3"})
    assert transaction.existing == frozenset()  # started from an empty folder
    assert tree(out) == {MARKER: MARKER_TEXT, "index.html": b"3"}


def test_abandoned_transaction_leaves_the_old_site(tmp_path: Path):
    out = tmp_path / "out"
    build(out, {"index.html": b"old"})
    transaction = OutputTransaction(out)
    transaction.write("index.html", b"new")
    transaction.abort()
    assert (out / "index.html").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_half_done_two_rename_swap_is_recovered(tmp_path: Path):
    out = tmp_path / "out"
    build(out, {"index.html": b"old"})
    os.rename(out, tmp_path / ".out.previous")  # killed between the two renames
    recover(out)
    assert (out / "index.html").read_bytes() == b"old"


@pytest.mark.parametrize("bad", ["../x.html", "/etc/passwd", "a/../../x", "a\\..\\x", "",
                                 "a//b", "./a", "a/./b", "a\x00b"])
def test_paths_that_leave_the_output_are_refused(bad: str):
    with pytest.raises(BuildError):
        safe_output_path(bad)


def _safe_by_path_rules(relative: str) -> bool:
    """The rules as PurePosixPath sees them: what the string-level check must agree with."""
    path = PurePosixPath(relative)
    return not (not relative or path.is_absolute() or ".." in path.parts or "\\" in relative
                or "\x00" in relative
                or any(part in ("", ".") for part in relative.split("/")))


@given(st.lists(st.sampled_from(["a", "b.html", ".", "..", "", "/", "\\", "\x00", "..a",
                                 ".x", "a.", " "]), max_size=6).map("".join))
def test_string_check_agrees_with_path_rules(relative: str):
    assert is_safe_output_path(relative) == _safe_by_path_rules(relative)


PATH_PIECES = st.lists(st.sampled_from(["a", "b.html", ".", "..", "", "/", "\\", "\x00",
                                        "..a", ".x", "a.", " ", "\n"]), max_size=6).map("".join)


@given(st.lists(PATH_PIECES, max_size=5))
def test_the_check_of_many_paths_at_once_agrees_with_each_path_checked(paths: list[str]):
    assert all_safe_output_paths(paths) == all(map(is_safe_output_path, paths))


def test_a_whole_site_of_paths_is_checked_at_once_and_one_bad_path_is_found():
    paths = [f"2025/03/{day:02d}/story-{n}/index.html" for day in range(1, 29)
             for n in range(15)]
    assert all_safe_output_paths(paths)
    for bad in ("../x.html", "a//b", "a/./b", "/abs", "", "a\\b", "a/", "x\ny/../.."):
        assert not all_safe_output_paths([*paths[:100], bad, *paths[100:]]), bad


def test_output_folder_rules(tmp_path: Path):
    site = tmp_path / "site"
    content = site / "content"
    content.mkdir(parents=True)
    check_output_folder(site / "output", site, content)  # absent: fine
    (site / "output").mkdir()
    check_output_folder(site / "output", site, content)  # empty: fine
    (site / "output" / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="did not write"):
        check_output_folder(site / "output", site, content)
    (site / "output" / MARKER).write_text("")
    check_output_folder(site / "output", site, content)  # ours: fine
    for forbidden in (site, content, content / "x", tmp_path, Path("/")):
        with pytest.raises(UsageError):
            check_output_folder(forbidden, site, content)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_parent_is_a_clear_error(tmp_path: Path):
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        with pytest.raises(BuildError, match="cannot create"):
            OutputTransaction(parent / "out")
    finally:
        parent.chmod(0o755)
