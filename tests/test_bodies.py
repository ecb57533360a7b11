"""Story bodies live in the build cache, not in the model, and come back intact when shown."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from conftest import REPO_ROOT, tree_bytes

from site_builder.bodies import INLINE, Bodies
from site_builder.config import load_config
from site_builder.errors import BuildError
from site_builder.incremental.cache import CACHE_DIR
from site_builder.incremental.inputs import FileFacts
from site_builder.incremental.memory import BuildMemory
from site_builder.pipeline import build, load_site
from site_builder.report import Reporter


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(REPO_ROOT / "content", root / "content")
    return root


def load(site: Path, *, cached: bool | None, facts: FileFacts | None = None):
    """The site's model: with its cache, with a throwaway one (--no-cache), or none (check);
    facts learns where the bodies are."""
    config = load_config(site)[0]
    if cached is None:
        return load_site(config, Reporter(0), facts=facts)
    cache = BuildMemory.open(config, Reporter(0), output=site / "output",
                             use_cache=cached).cache
    try:
        return load_site(config, Reporter(0), cache=cache, facts=facts)
    finally:
        cache.close()


def test_with_a_cache_the_model_holds_no_body_and_each_reads_back_as_parsed(site: Path):
    whole = {story.url: (story.body_markdown, story.body_html)
             for story in load(site, cached=None).stories}
    assert all(html for _, html in whole.values())
    for attempt in ("parsed now", "from the cache"):
        facts = FileFacts()
        stories = load(site, cached=True, facts=facts).stories
        assert all(not story.body_html and not story.body_markdown
                   for story in stories), attempt
        paths = {story.source.path for story in stories}  # (drafts are left out of the site)
        assert set(facts.stored) >= paths and set(facts.text_stamps) >= paths
        assert all(len(facts.text_stamps[path]) == sum(s.source.path == path for s in stories)
                   for path in paths)
        bodies = Bodies(site / CACHE_DIR / "cache.sqlite", facts.stored)  # as the build does
        assert {story.url: (bodies.markdown(story), bodies.html(story))
                for story in stories} == whole, attempt


def test_without_any_cache_stories_keep_their_bodies(site: Path):
    stories = load(site, cached=None).stories  # as `check` loads them
    assert all(story.body_html for story in stories)
    assert INLINE.html(stories[0]) == stories[0].body_html


def test_a_no_cache_build_keeps_bodies_in_a_throwaway_cache_it_deletes(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    config = load_config(site)[0]
    whole = {story.url: INLINE.html(story) for story in load(site, cached=None).stories}
    cache = BuildMemory.open(config, Reporter(0), output=site / "output",
                             use_cache=False).cache
    try:
        facts = FileFacts()
        stories = load_site(config, Reporter(0), cache=cache, facts=facts).stories
        assert all(not story.body_html for story in stories)
        assert {story.url: Bodies(cache.database(), facts.stored).html(story)
                for story in stories} == whole
        assert list(temporary.iterdir())
    finally:
        cache.close()
    assert not list(temporary.iterdir())
    build(config, Reporter(0), output=tmp_path / "out", use_cache=False)
    assert not (site / CACHE_DIR).exists() and not list(temporary.iterdir())
    story = stories[0]
    page = (tmp_path / "out" / story.url.strip("/") / "index.html").read_text(encoding="utf-8")
    assert whole[story.url] in page


def test_a_cache_that_lost_its_bodies_parses_the_files_again(site: Path, tmp_path: Path):
    config = load_config(site)[0]
    build(config, Reporter(0))
    with sqlite3.connect(site / CACHE_DIR / "cache.sqlite") as connection:
        connection.execute("DELETE FROM bodies")
    edited = next((site / "content" / "briefings").rglob("*.md"))
    os.utime(edited)  # something to rebuild, so the pages are made from the cache's parses
    build(config, Reporter(0))
    build(config, Reporter(0), output=tmp_path / "full", use_cache=False)
    assert tree_bytes(site / "output") == tree_bytes(tmp_path / "full")


def test_a_body_gone_from_the_cache_mid_build_is_an_error_naming_the_story(site: Path):
    facts = FileFacts()
    story = load(site, cached=True, facts=facts).stories[0]
    with sqlite3.connect(site / CACHE_DIR / "cache.sqlite") as connection:
        connection.execute("DELETE FROM bodies WHERE url = ?", (story.url,))
    with pytest.raises(BuildError, match=story.source.path):
        Bodies(site / CACHE_DIR / "cache.sqlite", facts.stored).html(story)
