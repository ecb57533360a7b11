"""Direct tests of what the incremental layer remembers: BuildMemory (incremental/memory.py) and
the cached loading of content files (incremental/inputs.py), which parses only what changed."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from site_builder.config import load_config
from site_builder.content.schedule import Held, Schedule
from site_builder.content.split import BriefingParser
from site_builder.incremental.cache import output_identity
from site_builder.incremental.inputs import load_sources, remember
from site_builder.incremental.memory import COUNTS, BuildMemory, Made
from site_builder.model import Briefing
from site_builder.report import Reporter


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(REPO_ROOT / "content", root / "content")
    return root


def made(files: frozenset[str] = frozenset({"index.html"})) -> Made:
    return Made(dict.fromkeys(COUNTS, 1), {"index.html": "key"}, files, "", frozenset(),
                {"2025-03": "stamp"})


def test_a_build_recorded_then_swapped_in_makes_the_next_one_a_no_op(site: Path):
    config, output = load_config(site)[0], site / "output"
    memory = BuildMemory.open(config, Reporter(0), output=output, use_cache=True)
    try:
        assert memory.unchanged("sig") is None  # nothing recorded yet
        assert memory.recall().trusted is False
        aside = site / ".output.building"
        aside.mkdir()
        memory.record(made(), aside)
        aside.rename(output)  # the swap
        assert memory.confirm()
    finally:
        memory.close()
    again = BuildMemory.open(config, Reporter(0), output=output, use_cache=True)
    try:
        assert again.unchanged("sig") == dict.fromkeys(COUNTS, 1)
        assert again.unchanged("other") is None and again.unchanged(None) is None
        recalled = again.recall()
        assert recalled.trusted and recalled.fingerprints == {"index.html": "key"}
        assert recalled.search == {"2025-03": "stamp"}
        assert recalled.live is not None and recalled.live.files == frozenset({"index.html"})
        # recall() forgot the record: a build that dies now leaves no no-op behind it
        assert again.unchanged("sig") is None
    finally:
        again.close()


def test_a_record_made_for_a_folder_never_swapped_in_is_not_trusted(site: Path):
    config, output = load_config(site)[0], site / "output"
    output.mkdir()
    memory = BuildMemory.open(config, Reporter(0), output=output, use_cache=True)
    try:
        aside = site / ".output.building"
        aside.mkdir()
        memory.record(made(), aside)  # then the build dies before its swap
        assert output_identity(output) != output_identity(aside)
        assert memory.unchanged("") is None and memory.recall().trusted is False
    finally:
        memory.close()


def test_a_throwaway_memory_remembers_nothing(site: Path):
    config, output = load_config(site)[0], site / "output"
    memory = BuildMemory.open(config, Reporter(0), output=output, use_cache=False)
    try:
        aside = site / ".output.building"
        aside.mkdir()
        memory.record(made(), aside)
        aside.rename(output)
        memory.confirm()
    finally:
        memory.close()
    assert not (site / ".site-builder-cache").exists() or not any(
        (site / ".site-builder-cache").iterdir())
    again = BuildMemory.open(config, Reporter(0), output=output, use_cache=True)
    try:
        assert again.unchanged("") is None
    finally:
        again.close()


class CountingParser:
    """The pipeline's parser, counting the files it is handed."""

    def __init__(self, site: Path) -> None:
        self.parse = BriefingParser(load_config(site)[0])
        self.seen: list[str] = []

    def __call__(self, data: bytes, shown: str) -> Briefing:
        self.seen.append(shown)
        return self.parse(data, shown)


def load(site: Path, parser: CountingParser) -> list[Briefing]:
    config = load_config(site)[0]
    memory = BuildMemory.open(config, Reporter(0), output=site / "output", use_cache=True)
    try:
        sources = load_sources(config, memory.cache, 1, parser)
        remember(memory.cache, sources, ())
        assert not sources.problems
        return sources.briefings
    finally:
        memory.close()


def test_the_loader_parses_a_file_only_when_its_bytes_change(site: Path):
    files = sorted((site / "content/briefings").rglob("*.md"))
    first = CountingParser(site)
    whole = load(site, first)
    assert sorted(first.seen) == sorted(str(f.relative_to(site)) for f in files)
    second = CountingParser(site)
    assert [b.date for b in load(site, second)] == [b.date for b in whole]
    assert second.seen == []  # every parse from the cache
    files[0].write_text(files[0].read_text(encoding="utf-8") + "\nOne more line.\n",
                        encoding="utf-8")
    third = CountingParser(site)
    load(site, third)
    assert third.seen == [str(files[0].relative_to(site))]


def test_a_build_holds_only_for_the_instants_of_its_due_window(site: Path):
    """A build that held a story back is a no-op only until that story falls due, and not as
    of an instant before the latest publication time it had passed (issue 23)."""
    config, output = load_config(site)[0], site / "output"
    passed = dt.datetime(2025, 3, 28, 9, 0, tzinfo=dt.UTC)
    due = dt.datetime(2025, 3, 28, 15, 30, tzinfo=dt.UTC)
    memory = BuildMemory.open(config, Reporter(0), output=output, use_cache=True)
    try:
        assert memory.unchanged("sig", passed) is None  # nothing recorded yet
        line = memory.hold(Schedule((), (Held(due, "a.md", 9, "A story", "/a/"),), passed),
                           dt.UTC)
        assert line == "1 story scheduled; next at 2025-03-28 15:30 +00:00"
        aside = site / ".output.building"
        aside.mkdir()
        memory.record(made(), aside)
        aside.rename(output)
        assert memory.confirm()
    finally:
        memory.close()
    again = BuildMemory.open(config, Reporter(0), output=output, use_cache=True)
    try:
        assert again.unchanged("sig", passed) == dict.fromkeys(COUNTS, 1)
        assert again.unchanged("sig", due - dt.timedelta(seconds=1)) is not None
        assert again.unchanged("sig", due) is None  # the held story is due
        assert again.unchanged("sig", passed - dt.timedelta(seconds=1)) is None
        assert again.held_line() == line
    finally:
        again.close()
