"""The search stage: a Pagefind index of the story pages, reproducible and carried over."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ONE_DAY, tree_bytes, write_site

from site_builder import search
from site_builder.config import load_config
from site_builder.pipeline import build
from site_builder.report import Reporter

pytestmark = pytest.mark.skipif(search.find_pagefind() is None,
                                reason="needs Pagefind (pip install 'pagefind[bin]')")

SECOND_DAY = ONE_DAY.replace("2025-03-27", "2025-03-28").replace(
    "Body of the first story.", "BYD (002594.SZ) and CATL (300750.SZ) sold more.")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "site", {
        "content/briefings/2025/2025-03-27.md": ONE_DAY,
        "content/briefings/2025/2025-03-28.md": SECOND_DAY})


def run(site: Path, output: Path | None = None, cache: bool = True) -> Reporter:
    reporter = Reporter(0)
    build(load_config(site)[0], reporter, output=output, use_cache=cache, jobs=1)
    return reporter


def bundle_files(output: Path) -> dict[str, int]:
    return {p.relative_to(output).as_posix(): p.stat().st_ino
            for p in sorted((output / "pagefind").rglob("*")) if p.is_file()}


def test_only_story_pages_are_indexed_with_their_filters(site: Path):
    run(site)
    entry = json.loads((site / "output/pagefind/pagefind-entry.json").read_text("utf-8"))
    assert list(entry["languages"]) == ["en"]
    assert entry["languages"]["en"]["page_count"] == 6  # the stories, not days or lists
    meta = search.cbor_load(search.unpack(
        (site / f"output/pagefind/pagefind.{entry['languages']['en']['hash']}.pf_meta")
        .read_bytes()))
    assert [name for name, _ in meta[3]] == ["company", "section", "topic"]
    assert meta[5] == ["companies", "date", "title"]  # the metadata each result shows


def test_filter_values_are_written_sorted_and_the_index_is_reproducible(site: Path,
                                                                        tmp_path: Path):
    run(site, tmp_path / "a", cache=False)
    run(site, tmp_path / "b", cache=False)
    first, second = tree_bytes(tmp_path / "a"), tree_bytes(tmp_path / "b")
    assert {k: v for k, v in first.items() if k.startswith("pagefind/")} == \
        {k: v for k, v in second.items() if k.startswith("pagefind/")}
    for path in (tmp_path / "a/pagefind/filter").glob("*.pf_filter"):
        raw = search.unpack(path.read_bytes())
        _, values = search.cbor_load(raw)
        assert [value for value, _ in values] == sorted(value for value, _ in values)
        assert search.cbor_dump(search.cbor_load(raw)) == raw


def test_cbor_round_trips_pagefinds_own_files(site: Path):
    """If Pagefind changes its format, this fails before a site is built wrong."""
    run(site)
    bundle = site / "output/pagefind"
    for path in [*bundle.glob("*.pf_meta"), *bundle.glob("index/*.pf_index")]:
        raw = search.unpack(path.read_bytes())
        assert search.cbor_dump(search.cbor_load(raw)) == raw


def test_index_is_kept_when_no_page_changed_and_made_again_when_one_did(site: Path):
    run(site)
    before = bundle_files(site / "output")
    # A new static file changes the theme, so every page renders again, to the same bytes.
    write_site(site, {"static/notes.txt": "not a page\n"})
    run(site)
    assert bundle_files(site / "output") == before
    # Only pages that are not indexed change (a template of the site's own for the 404 page).
    theme = Path(search.__file__).parent.parent / "themes/default/templates/404.html"
    write_site(site, {"templates/404.html": theme.read_text("utf-8").replace(
        "Page not found", "Nothing here")})
    run(site)
    assert "Nothing here" in (site / "output/404.html").read_text("utf-8")
    assert bundle_files(site / "output") == before
    path = site / "content/briefings/2025/2025-03-28.md"
    path.write_text(path.read_text("utf-8").replace("sold more", "sold many more"), "utf-8")
    run(site)
    after = bundle_files(site / "output")
    assert after != before
    assert (site / "output/pagefind/pagefind-entry.json").is_file()


def test_without_pagefind_the_site_builds_and_says_search_is_missing(
        site: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(search, "find_pagefind", lambda: None)
    reporter = run(site)
    assert not (site / "output/pagefind").exists()
    assert any("pagefind" in warning.lower() for warning in reporter.warnings)
    assert (site / "output/search/index.html").is_file()


def test_index_language_is_the_sites_main_language():
    assert search.index_language("en") == "en"
    assert search.index_language("zh-Hans-CN") == "zh"
    assert search.index_language("") == "en"
