"""The search stage: a Pagefind index of the story pages, reproducible and carried over."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import wait
from pathlib import Path

import pytest
from conftest import ONE_DAY, tree_bytes, write_site

from site_builder.config import load_config
from site_builder.output.templates import BUNDLED_THEMES
from site_builder.output.write import OutputTransaction
from site_builder.pipeline import build
from site_builder.report import Reporter
from site_builder.search import indexer as search
from site_builder.search import pagefind_files
from site_builder.search import pages as search_pages
from site_builder.search import shards as search_shards

pytestmark = pytest.mark.skipif(search.find_pagefind() is None,
                                reason="needs Pagefind (pip install 'pagefind[extended]')")

SECOND_DAY = ONE_DAY.replace("2025-03-27", "2025-03-28").replace(
    "Body of the first story.", "BYD (002594.SZ) and CATL (300750.SZ) sold more.")
LAST_YEAR = ONE_DAY.replace("2025-03-27", "2024-12-30").replace(
    "Body of the first story.", "Goertek (002241.SZ) shipped headsets.")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "site", {
        "content/briefings/2024/2024-12-30.md": LAST_YEAR,
        "content/briefings/2025/2025-03-27.md": ONE_DAY,
        "content/briefings/2025/2025-03-28.md": SECOND_DAY})


def run(site: Path, output: Path | None = None, cache: bool = True) -> Reporter:
    reporter = Reporter(0)
    build(load_config(site)[0], reporter, output=output, use_cache=cache, jobs=1)
    return reporter


def bundle_files(output: Path, shard: str = "") -> dict[str, int]:
    return {p.relative_to(output).as_posix(): p.stat().st_ino
            for p in sorted((output / "pagefind" / shard).rglob("*")) if p.is_file()}


def entry(output: Path, shard: str) -> dict:
    return json.loads((output / "pagefind" / shard / "pagefind-entry.json").read_text("utf-8"))


def shard_list(output: Path) -> list[str]:
    """The bundles pagefind/shards.json lists for the search page, newest first."""
    listed: list[str] = json.loads((output / "pagefind/shards.json").read_text("utf-8"))["shards"]
    return listed


def test_a_week_of_the_newest_month_and_each_half_year_before_are_bundles(site: Path):
    run(site)
    output = site / "output"
    assert shard_list(output) == \
        ["2025-03-22", "2024-h2"]
    assert (output / "pagefind/pagefind-ui.js").is_file()
    assert (output / "pagefind/pagefind-ui.css").is_file()
    for shard, stories in (("2025-03-22", 6), ("2024-h2", 3)):
        languages = entry(output, shard)["languages"]
        assert list(languages) == ["en"]
        assert languages["en"]["page_count"] == stories  # the stories, not days or lists
        meta = pagefind_files.cbor_load(pagefind_files.unpack(
            (output / f"pagefind/{shard}/pagefind.{languages['en']['hash']}.pf_meta")
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
    filters = sorted((tmp_path / "a/pagefind").glob("*/filter/*.pf_filter"))
    assert {path.parent.parent.name for path in filters} == {"2024-h2", "2025-03-22"}
    for path in filters:
        raw = pagefind_files.unpack(path.read_bytes())
        _, values = pagefind_files.cbor_load(raw)
        assert [value for value, _ in values] == sorted(value for value, _ in values)
        assert pagefind_files.cbor_dump(pagefind_files.cbor_load(raw)) == raw


def test_cbor_round_trips_pagefinds_own_files(site: Path):
    """If Pagefind changes its format, this fails before a site is built wrong."""
    run(site)
    bundle = site / "output/pagefind"
    files = [*bundle.glob("*/*.pf_meta"), *bundle.glob("*/index/*.pf_index")]
    assert {path.relative_to(bundle).parts[0] for path in files} == {"2024-h2", "2025-03-22"}
    for path in files:
        raw = pagefind_files.unpack(path.read_bytes())
        assert pagefind_files.cbor_dump(pagefind_files.cbor_load(raw)) == raw


def test_bundles_are_kept_when_no_page_changed_and_only_the_edited_week_is_made_again(
        site: Path):
    run(site)
    before = bundle_files(site / "output")
    # A new static file changes the theme, so every page renders again, to the same bytes.
    write_site(site, {"static/notes.txt": "not a page\n"})
    run(site)
    assert bundle_files(site / "output") == before
    # Only pages that are not indexed change (a template of the site's own for the 404 page).
    theme = BUNDLED_THEMES / "default/templates/404.html"
    write_site(site, {"templates/404.html": theme.read_text("utf-8").replace(
        "Page not found", "Nothing here")})
    run(site)
    assert "Nothing here" in (site / "output/404.html").read_text("utf-8")
    assert bundle_files(site / "output") == before
    write_site(site, {"content/briefings/2025/2025-03-03.md": ONE_DAY.replace(
        "2025-03-27", "2025-03-03")})
    run(site)
    last_year = bundle_files(site / "output", "2024-h2")
    first_week = bundle_files(site / "output", "2025-03-01")
    this_week = bundle_files(site / "output", "2025-03-22")
    path = site / "content/briefings/2025/2025-03-28.md"
    path.write_text(path.read_text("utf-8").replace("sold more", "sold many more"), "utf-8")
    run(site)
    assert bundle_files(site / "output", "2024-h2") == last_year  # the same files, linked over
    assert bundle_files(site / "output", "2025-03-01") == first_week
    after = bundle_files(site / "output", "2025-03-22")
    assert set(after.values()).isdisjoint(this_week.values())
    assert entry(site / "output", "2025-03-22")["languages"]["en"]["page_count"] == 6


def test_a_new_month_folds_the_weeks_of_the_last_and_a_new_year_its_months(site: Path):
    write_site(site, {"content/briefings/2025/2025-02-14.md": ONE_DAY.replace(
        "2025-03-27", "2025-02-14")})
    run(site)
    output = site / "output"
    assert shard_list(output) == \
        ["2025-03-22", "2025-02", "2024-h2"]
    march = bundle_files(output, "2025-03-22")
    path = site / "content/briefings/2025/2025-02-14.md"
    path.write_text(path.read_text("utf-8").replace("first story.", "first story, edited."),
                    "utf-8")
    run(site)
    assert bundle_files(output, "2025-03-22") == march  # an edit in February leaves March
    write_site(site, {"content/briefings/2025/2025-04-02.md": ONE_DAY.replace(
        "2025-03-27", "2025-04-02")})
    run(site)
    assert shard_list(output) == \
        ["2025-04-01", "2025-03", "2025-02", "2024-h2"]
    assert entry(output, "2025-03")["languages"]["en"]["page_count"] == 6
    assert not (output / "pagefind/2025-03-22").exists()
    write_site(site, {"content/briefings/2026/2026-01-02.md": ONE_DAY.replace(
        "2025-03-27", "2026-01-02")})
    run(site)
    assert shard_list(output) == \
        ["2026-01-01", "2025-h1", "2024-h2"]
    assert entry(output, "2025-h1")["languages"]["en"]["page_count"] == 12
    for gone in ("2025-04-01", "2025-03", "2025-02"):
        assert not (output / f"pagefind/{gone}").exists()


def test_a_year_before_the_newest_is_two_bundles_and_an_edit_remakes_only_its_half(
        site: Path):
    """Pagefind holds some 100 KiB a page while it runs beside the renderers: a half year
    is its largest run, not a year."""
    spring = ONE_DAY.replace("2025-03-27", "2024-04-02").replace(
        "Body of the first story.", "Luxshare (002475.SZ) hired.")
    write_site(site, {"content/briefings/2024/2024-04-02.md": spring})
    run(site)
    output = site / "output"
    assert shard_list(output) == \
        ["2025-03-22", "2024-h2", "2024-h1"]
    for half in ("2024-h2", "2024-h1"):
        assert entry(output, half)["languages"]["en"]["page_count"] == 3
    autumn = bundle_files(output, "2024-h2")
    spring_files = bundle_files(output, "2024-h1")
    path = site / "content/briefings/2024/2024-04-02.md"
    path.write_text(path.read_text("utf-8").replace("hired", "hired more"), "utf-8")
    run(site)
    assert bundle_files(output, "2024-h2") == autumn  # the same files, linked over
    assert set(bundle_files(output, "2024-h1").values()).isdisjoint(spring_files.values())
    run(site, output=site / "full", cache=False)
    assert tree_bytes(output / "pagefind") == tree_bytes(site / "full" / "pagefind")


def test_a_year_without_stories_any_more_loses_its_bundle(site: Path):
    run(site)
    (site / "content/briefings/2024/2024-12-30.md").unlink()
    run(site)
    assert shard_list(site / "output") == \
        ["2025-03-22"]
    assert not (site / "output/pagefind/2024-h2").exists()


def test_without_pagefind_the_site_builds_and_says_search_is_missing(
        site: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(search, "find_pagefind", lambda: None)
    reporter = run(site)
    assert not (site / "output/pagefind").exists()
    assert any("pagefind" in warning.lower() for warning in reporter.warnings)
    assert (site / "output/search/index.html").is_file()


def test_each_page_is_indexed_in_its_language_and_shards_json_lists_them(tmp_path: Path):
    """A bundle of English and Chinese stories holds an index per language (most pages
    first), listed for the search page; two builds give the same bytes (Pagefind writes the
    languages of pagefind-entry.json in hash-map order)."""
    chinese = ONE_DAY.replace("2025-03-27", "2025-03-28").replace(
        "source: Financial Associated Press", "lang: zh").replace(
        "Body of the first story.", "国家数据局有关负责人表示，将加快推进国家数据标注基地建设。")
    site = write_site(tmp_path / "site", {"content/briefings/2025/2025-03-27.md": ONE_DAY,
                                          "content/briefings/2025/2025-03-28.md": chinese})
    run(site, cache=False)
    first = tree_bytes(site / "output" / "pagefind")
    listed = json.loads((site / "output/pagefind/shards.json").read_text("utf-8"))
    assert listed == {"shards": ["2025-03-22"], "languages": {"2025-03-22": ["en", "zh"]}}
    assert list(entry(site / "output", "2025-03-22")["languages"]) == ["en", "zh"]
    assert search.bundle_languages(site / "output/pagefind/2025-03-22") == ["en", "zh"]
    run(site, site / "again", cache=False)
    assert tree_bytes(site / "again" / "pagefind") == first


def test_shards_come_from_the_planned_story_pages_newest_first():
    paths = ["index.html", "2025/03/27/index.html", "2025/03/27/a/index.html",
             "2025/03/30/e/index.html", "2025/03/02/f/index.html",
             "2025/01/02/b/index.html", "2024/12/30/c/index.html", "2024/06/30/g/index.html",
             "2023/05/01/d/index.html", "companies/x/index.html"]
    shards = search_shards.plan_shards(paths)
    assert [(s.name, s.base, s.pages) for s in shards] == [
        ("2025-03-29", "2025/03", "2025/03/{29,30,31}/*/index.html"),
        ("2025-03-22", "2025/03", "2025/03/{22,23,24,25,26,27,28}/*/index.html"),
        ("2025-03-01", "2025/03", "2025/03/{01,02,03,04,05,06,07}/*/index.html"),
        ("2025-01", "2025/01", "2025/01/[0-9][0-9]/*/index.html"),
        ("2024-h2", "2024", "2024/{07,08,09,10,11,12}/[0-9][0-9]/*/index.html"),
        ("2024-h1", "2024", "2024/{01,02,03,04,05,06}/[0-9][0-9]/*/index.html"),
        ("2023-h1", "2023", "2023/{01,02,03,04,05,06}/[0-9][0-9]/*/index.html")]
    shard_of = search_shards.shard_finder(shards)
    assert [shard_of(path) for path in paths if search_shards.STORY_PAGE.fullmatch(path)] == \
        ["2025-03-22", "2025-03-29", "2025-03-01", "2025-01", "2024-h2", "2024-h1", "2023-h1"]
    assert [s.name for s in shards if s.holds("2025/03/02/f/index.html")] == ["2025-03-01"]
    assert [s.name for s in shards if s.holds("2024/06/30/g/index.html")] == ["2024-h1"]
    assert [s.name for s in shards if s.holds("2024/07/01/h/index.html")] == ["2024-h2"]
    assert [s.name for s in search_shards.plan_shards(["index.html", "2025/03/27/index.html"])] \
        == [search_shards.ALL_PAGES]


def test_unplanned_names_only_the_live_story_pages_of_the_bundle_not_made_again():
    shards = search_shards.plan_shards(["2025/03/27/a/index.html", "2024/12/30/c/index.html",
                                        "2024/03/01/d/index.html"])
    autumn = next(shard for shard in shards if shard.name == "2024-h2")
    existing = frozenset({"2024/12/30/c/index.html", "2024/12/31/gone/index.html",
                          "2024/03/02/gone/index.html", "2024/12/31/index.html",
                          "pagefind/2024-h2/pagefind-entry.json", "2025/03/27/a/index.html"})
    planned = frozenset({"2024/12/30/c/index.html", "2025/03/27/a/index.html"})
    assert search_shards.unplanned(existing, autumn, planned) == ["2024/12/31/gone/index.html"]


def fake_bundle(indexer: search.SearchIndexer, shard: search_shards.Shard) -> None:
    """What a Pagefind run leaves, for tests that stand in for it: the bundle's UI files."""
    bundle = indexer.transaction.replace_folder(shard.folder)
    for name in search.UI_FILES:
        (bundle / name).write_text("ui")


def test_a_bundle_is_indexed_once_its_last_page_is_written_not_before(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    started: list[str] = []

    def index(self: search.SearchIndexer, shard: search_shards.Shard, recipe: str,
              live: tuple[str, ...]) -> int:
        started.append(shard.name)
        fake_bundle(self, shard)
        return 0

    monkeypatch.setattr(search.SearchIndexer, "_index", index)
    paths = ["index.html", "2025/03/28/a/index.html", "2025/03/27/b/index.html",
             "2024/12/30/c/index.html", "topics/index.html"]
    transaction = OutputTransaction(tmp_path / "out")
    indexer = search.SearchIndexer(transaction, load_config(site)[0], Reporter(0), paths)
    indexer.pages_done(2)  # index.html and a: March is not complete yet
    assert [shard.name for shard, _, _ in indexer.jobs] == []
    indexer.pages_done(3)
    assert [shard.name for shard, _, _ in indexer.jobs] == ["2025-03-22"]
    indexer.finish()  # the rest, once every page is written
    assert started == ["2025-03-22", "2024-h2"]
    transaction.abort()


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs")
def test_one_bundle_at_a_time_beside_the_renderers_then_two_each_on_a_cpu_of_its_own(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    lock = threading.Lock()
    running: list[str] = []
    seen: list[tuple[str, int, frozenset[int]]] = []  # bundle, how many ran at once, its CPUs
    finishing = threading.Event()
    together = threading.Barrier(2, timeout=30)  # the last two must run at the same time

    def index(self: search.SearchIndexer, shard: search_shards.Shard, recipe: str,
              live: tuple[str, ...]) -> int:
        with lock:
            running.append(shard.name)
            seen.append((shard.name, len(running), frozenset(os.sched_getaffinity(0))))
        if finishing.is_set():
            together.wait()
        else:
            time.sleep(0.05)
        fake_bundle(self, shard)
        with lock:
            running.remove(shard.name)
        return 0

    monkeypatch.setattr(search.SearchIndexer, "_index", index)
    paths = ["2025/03/28/a/index.html", "2025/03/01/b/index.html", "2025/02/10/c/index.html",
             "2024/12/30/d/index.html", "topics/index.html"]
    transaction = OutputTransaction(tmp_path / "out")
    indexer = search.SearchIndexer(transaction, load_config(site)[0], Reporter(0), paths)
    indexer.pages_done(2)  # two bundles while the pages render: one after the other
    wait([job for _, _, job in indexer.jobs])
    finishing.set()
    indexer.finish()  # the other two at once
    transaction.abort()
    assert [name for name, _, _ in seen[:2]] == ["2025-03-22", "2025-03-01"]
    assert [count for _, count, _ in seen[:2]] == [1, 1]
    assert sorted(count for _, count, _ in seen[2:]) == [1, 2]
    cpus = [found for _, _, found in seen]
    assert all(len(found) == 1 for found in cpus)
    assert cpus[2] != cpus[3]
    alone = OutputTransaction(tmp_path / "alone")
    one_job = search.SearchIndexer(alone, load_config(site)[0], Reporter(0), paths, jobs=1)
    assert one_job._threads == 1  # --jobs 1: one Pagefind at a time throughout
    one_job.abort()
    alone.abort()


STORY = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<title>A story</title>\n'
         '<script type="application/ld+json">{}</script></head>\n<body><nav>site</nav>'
         '<article class="story" data-pagefind-body><h1>A</h1><article>quoted</article>'
         '<span data-pagefind-filter="section">Markets</span></article >'
         '<aside>More on</aside></body></html>\n')


def test_pagefind_gets_the_indexed_element_of_a_page_and_nothing_around_it():
    assert search_pages.searchable(STORY) == (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>A story</title>'
        '</head><body><article class="story" data-pagefind-body><h1>A</h1><article>quoted'
        '</article><span data-pagefind-filter="section">Markets</span></article ></body>'
        '</html>\n')


@pytest.mark.parametrize("page", [
    STORY.replace("<nav>site</nav>", '<nav data-pagefind-meta="x">site</nav>'),  # outside it
    STORY.replace("<aside>", "<aside data-pagefind-body>"),  # two of them
    STORY.replace(" data-pagefind-body", ""),  # none
    STORY.replace("</article >", ""),  # never closed
])
def test_a_page_of_another_shape_goes_to_pagefind_whole(page: str):
    assert search_pages.searchable(page) == page


def test_the_cut_down_pages_make_the_same_index_as_the_whole_pages(site: Path, tmp_path: Path):
    run(site)
    output, whole, cut = site / "output", tmp_path / "whole", tmp_path / "cut"
    pages = sorted(output.glob(f"2025/{search_shards.IN_YEAR}"))
    for page in pages:
        target = cut / page.relative_to(output)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(search_pages.searchable(page.read_text("utf-8")), "utf-8")
        assert len(target.read_bytes()) < len(page.read_bytes()) / 2
    binary = search.find_pagefind()
    assert binary is not None
    shard = search_shards.Shard("2025", f"2025/{search_shards.IN_YEAR}", "2025")
    for source, bundle in ((output, whole), (cut, tmp_path / "cut-bundle")):
        search._run_pagefind(binary, source, search._options(shard, bundle))
        pagefind_files.sort_filters(bundle)
    assert tree_bytes(whole) == tree_bytes(tmp_path / "cut-bundle")


def test_a_scratch_folder_left_by_a_killed_build_is_deleted(monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path):
    monkeypatch.setattr(search_pages.tempfile, "gettempdir", lambda: str(tmp_path))
    monkeypatch.setattr(search_pages, "Path", lambda path: tmp_path / "no-shm"
                        if path == "/dev/shm" else Path(path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (tmp_path / f"{search_pages.SCRATCH}{dead}-x").mkdir()
    (tmp_path / f"{search_pages.SCRATCH}{os.getpid()}-y").mkdir()  # a build that is still running
    made = search_pages.scratch_folder()
    assert made.parent == tmp_path
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [made.name, f"{search_pages.SCRATCH}{os.getpid()}-y"])


def test_the_memory_reported_is_pagefinds_own_not_the_builders(tmp_path: Path):
    """A vfork'ed child's ru_maxrss counts the parent's resident set; the report must not."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text(
        '<html lang="en"><head><title>t</title></head><body data-pagefind-body>'
        "<p>hello</p></body></html>", encoding="utf-8")
    ballast = bytearray(b"x") * (300 << 20)  # the builder's model, as far as the kernel knows
    peak = search._run_pagefind(search.find_pagefind() or Path(), tmp_path / "site",
                                ["--output-path", str(tmp_path / "bundle"), "--quiet"])
    assert 0 < peak < 200 << 20 and len(ballast) == 300 << 20
    assert (tmp_path / "bundle" / "pagefind-entry.json").is_file()


def test_rendered_story_pages_of_bundles_to_make_are_cut_down_where_pagefind_reads(
        site: Path, tmp_path: Path):
    run(site)  # the live site: its bundles are kept by the next build unless pages change
    path = site / "content/briefings/2025/2025-03-28.md"
    path.write_text(path.read_text("utf-8").replace("sold more", "sold many more"), "utf-8")
    paths = ["index.html", "2025/03/28/a/index.html", "2024/12/30/c/index.html"]
    transaction = OutputTransaction(site / "output")
    stamps = {"2024-h2": "same"}
    indexer = search.SearchIndexer(transaction, load_config(site)[0], Reporter(0), paths,
                                   stamps=search.SearchStamps(salt="x", previous=stamps))
    try:
        assert indexer.scratch is not None
        indexer.page_written("2025/03/28/a/index.html", STORY.encode())
        indexer.page_written("index.html", STORY.encode())  # not a story page
        kept = search_pages.rendered_page(indexer.scratch, "2025/03/28/a/index.html")
        assert kept.read_text("utf-8") == search_pages.searchable(STORY)
        assert list(indexer.scratch.iterdir()) == [kept]
    finally:
        indexer.abort()
        transaction.abort()
    assert not indexer.scratch.exists()  # gone with the build


def test_find_pagefind_takes_the_named_binary_first(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path):
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "pagefind"))
    assert search.find_pagefind() == tmp_path / "pagefind"


def test_find_pagefind_finds_the_packaged_binary_without_the_service_api():
    """The binary pagefind.service would run, found without importing that module (which
    imports asyncio and ssl): the build only needs the binary."""
    env = {k: v for k, v in os.environ.items() if k != "PAGEFIND_BINARY_PATH"}
    said = subprocess.run(
        [sys.executable, "-c", ("import sys\n"
         "from site_builder.search.indexer import find_pagefind\n"
         "from pagefind.service import get_executable\n"
         "ours = find_pagefind()\n"
         "print(ours == get_executable(), 'pagefind.service' in sys.modules)")],
        capture_output=True, text=True, env=env, check=True).stdout.split()
    assert said == ["True", "True"]  # the same binary (the service imported only to compare)
    alone = subprocess.run(
        [sys.executable, "-c", ("import sys\n"
         "from site_builder.search.indexer import find_pagefind\n"
         "find_pagefind()\n"
         "print('pagefind.service' in sys.modules, 'asyncio' in sys.modules)")],
        capture_output=True, text=True, env=env, check=True).stdout.split()
    assert alone == ["False", "False"]
