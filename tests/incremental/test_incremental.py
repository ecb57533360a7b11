"""Incremental rebuilds must equal full builds, byte for byte, after any sequence of edits."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT, tree_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.config import load_config
from site_builder.pipeline import BuildSummary, build
from site_builder.report import Reporter

DAY_TEMPLATE = """---
title: Morning Report
date: {date}
---

Lead of {date}.

## Company Aspect

### Goertek: results of {date}

Goertek (002241.SZ) announced results on {date}.

### BYD: deliveries rose

BYD (002594.SZ) said deliveries rose; artificial intelligence was mentioned.
"""


SMALL_PAGES = "per_page = 2\n"  # so the sample's lists have numbered pages, and blocks fill


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(REPO_ROOT / "content", root / "content")
    (root / "site.toml").write_text(SMALL_PAGES)
    return root


def build_both(site: Path, tmp_path: Path) -> BuildSummary:
    """Incremental into site/output, full (no cache) into a fresh folder; then compare."""
    config = load_config(site)[0]
    reporter = Reporter(0)
    summary = build(config, reporter, jobs=2)
    full = tmp_path / "full"
    shutil.rmtree(full, ignore_errors=True)
    build(config, reporter, output=full, use_cache=False, jobs=1)
    incremental = tree_bytes(site / "output")
    expected = tree_bytes(full)
    assert sorted(incremental) == sorted(expected)
    assert [p for p in expected if incremental[p] != expected[p]] == []
    return summary


def briefing_files(site: Path) -> list[Path]:
    return sorted((site / "content/briefings").rglob("*.md"))


def edit_story(site: Path, n: int) -> None:
    path = briefing_files(site)[n % len(briefing_files(site))]
    text = path.read_text(encoding="utf-8")
    path.write_text(text + f"\nAn added sentence {n}.\n", encoding="utf-8")


def add_day(site: Path, n: int) -> None:
    date = f"2025-05-{1 + n % 28:02d}"
    path = site / f"content/briefings/2025/{date}.md"
    path.write_text(DAY_TEMPLATE.format(date=date), encoding="utf-8")


def delete_day(site: Path, n: int) -> None:
    files = briefing_files(site)
    if len(files) > 2:
        files[n % len(files)].unlink()


def rename_company(site: Path, n: int) -> None:
    path = site / "content/_data/companies.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("name: Goertek", f"name: Goertek Inc {n}", 1), encoding="utf-8")


def change_template(site: Path, n: int) -> None:
    theme = REPO_ROOT / "themes/default/templates/404.html"
    target = site / "templates/404.html"
    target.parent.mkdir(exist_ok=True)
    target.write_text(theme.read_text().replace("Page not found", f"Lost {n}"), encoding="utf-8")


def change_base_url(site: Path, n: int) -> None:
    (site / "site.toml").write_text(f'{SMALL_PAGES}base_url = "https://example{n}.org/news/"\n')


def newcomer(n: int) -> tuple[str, str]:
    """One of three companies the sample does not know: its name and ticker."""
    return f"Nuvaro{n % 3} Systems", f"68898{n % 3}.SH"


def mention_newcomer(site: Path, n: int) -> None:
    """An old day's last story names a company without its ticker: not a tag, until a day
    writes the name with its ticker."""
    path = briefing_files(site)[n % len(briefing_files(site))]
    text = path.read_text(encoding="utf-8")
    path.write_text(text + f"\n{newcomer(n)[0]} won an order.\n", encoding="utf-8")


def list_newcomer(site: Path, n: int) -> None:
    """A new day names a company with its ticker: every story naming it is about it now."""
    date = f"2025-06-{1 + n % 28:02d}"
    name, ticker = newcomer(n)
    (site / f"content/briefings/2025/{date}.md").write_text(
        DAY_TEMPLATE.format(date=date) + f"\n### {name} listed\n\n{name} ({ticker}) listed.\n",
        encoding="utf-8")


def alias_company(site: Path, n: int) -> None:
    """The registry gives Goertek a new alias that a story writes before "Goertek": its tag
    stays, the first mention, which links to its page, moves."""
    path = site / "content/_data/companies.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("aliases: [Goertek Inc., ", f"aliases: [GTK{n}, Goertek Inc., ", 1),
                    encoding="utf-8")
    story = briefing_files(site)[n % len(briefing_files(site))]
    story.write_text(story.read_text(encoding="utf-8") + f"\nGTK{n}, that is Goertek (002241.SZ), "
                     "rose.\n", encoding="utf-8")


def list_second_listing(site: Path, n: int) -> None:
    """Goertek gains a Hong Kong listing, in the registry or in a mention: one company."""
    if n % 2:
        path = site / "content/_data/companies.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("ticker: 002241.SZ", "tickers: [002241.SZ, 02241.HK]", 1),
                        encoding="utf-8")
    date = f"2025-07-{1 + n % 28:02d}"
    (site / f"content/briefings/2025/{date}.md").write_text(
        DAY_TEMPLATE.format(date=date) + "\n### Goertek in Hong Kong\n\nGoertek (002241.SZ, "
        "2241.HK) listed H shares.\n" * (1 - n % 2) + "\n### H shares\n\n歌尔股份（02241）涨了。\n",
        encoding="utf-8")


EDITS: dict[str, Callable[[Path, int], None]] = {
    "edit a story": edit_story, "add a day": add_day, "delete a day": delete_day,
    "rename a company": rename_company, "change a template": change_template,
    "change the base URL": change_base_url, "mention a new company": mention_newcomer,
    "list a new company": list_newcomer, "alias a company": alias_company,
    "list a second listing": list_second_listing,
}


def test_each_kind_of_edit_in_turn(site: Path, tmp_path: Path):
    build_both(site, tmp_path)
    for number, edit in enumerate(EDITS.values()):
        edit(site, number)
        summary = build_both(site, tmp_path)
        if edit is edit_story:  # the point of the cache: most pages are not rendered again
            assert 0 < summary.rendered < summary.pages // 2 and summary.reused > 0


def test_a_company_a_new_day_lists_is_found_in_the_old_days_that_name_it(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The name table changes with every new company, and the old days that do not hold its
    name keep their tags (tag_memo.carried_tags); those that do are tagged again."""
    from site_builder.tagging import tag

    build_both(site, tmp_path)
    old_day = briefing_files(site)[0]
    mention_newcomer(site, 0)
    build_both(site, tmp_path)
    extracted: list[int] = []
    real = tag.run_chunks

    def counted(task, work, jobs):  # type: ignore[no-untyped-def]
        if task is tag._extract_chunk:
            extracted.extend(work.todo)
        return real(task, work, jobs)

    monkeypatch.setattr(tag, "run_chunks", counted)
    list_newcomer(site, 0)
    config = load_config(site)[0]
    build(config, Reporter(0), jobs=1)  # the incremental build alone, counted
    monkeypatch.undo()
    build_both(site, tmp_path)  # and it equals a full build
    listed = [p for p in (site / "output/companies").iterdir() if p.name.startswith("nuvaro0")]
    assert len(listed) == 1
    page = (listed[0] / "index.html").read_text(encoding="utf-8")
    assert old_day.stem.replace("-", "/") in page and "2025/06/01" in page
    stories = sum(text.count("\n### ") for text in
                  (p.read_text(encoding="utf-8") for p in briefing_files(site)))
    # The new day's stories and the old day's: not every story of the site.
    assert 0 < len(extracted) < stories // 2
    (site / "content/briefings/2025/2025-06-01.md").unlink()  # the name is known no more
    build_both(site, tmp_path)


def test_a_ticker_given_to_another_company_retags_the_days_that_mention_it(
        site: Path, tmp_path: Path):
    build_both(site, tmp_path)
    path = briefing_files(site)[0]
    path.write_text(path.read_text(encoding="utf-8") + "\nBYD Company (01211.HK) rose.\n",
                    encoding="utf-8")
    build_both(site, tmp_path)
    (site / "content/briefings/2025/2025-06-02.md").write_text(
        DAY_TEMPLATE.format(date="2025-06-02") + "\n### Dual\n\nBYD (002594.SZ, 01211.HK) "
        "is listed twice.\n", encoding="utf-8")
    build_both(site, tmp_path)


def test_deleted_day_disappears_from_pages_and_feeds(site: Path, tmp_path: Path):
    build_both(site, tmp_path)
    gone = site / "content/briefings/2025/2025-03-27.md"
    gone.unlink()
    build_both(site, tmp_path)
    output = site / "output"
    assert not (output / "2025/03/27").exists()
    assert "2025/03/27" not in (output / "feed.xml").read_text()
    assert "2025/03/27" not in (output / "archive/index.html").read_text()


def test_unchanged_rebuild_is_a_no_op_and_keeps_files(site: Path, tmp_path: Path):
    config = load_config(site)[0]
    build(config, Reporter(0))
    page = site / "output/index.html"
    before = page.stat()
    summary = build(config, Reporter(0))
    assert summary.rendered == 0
    after = page.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_corrupt_cache_is_discarded_with_a_warning(site: Path, tmp_path: Path):
    config = load_config(site)[0]
    build(config, Reporter(0))
    (site / ".site-builder-cache/cache.sqlite").write_bytes(b"this is not a database" * 100)
    reporter = Reporter(0)
    build(config, reporter, output=tmp_path / "again")
    assert any("corrupt" in w for w in reporter.warnings)
    assert tree_bytes(tmp_path / "again") == tree_bytes(site / "output")



def test_a_cache_of_another_schema_is_replaced_not_half_used(site: Path, tmp_path: Path):
    """An older cache's tables may have other columns: they are dropped and made anew, so the
    cache works again from the next build (rather than failing on every write)."""
    import sqlite3

    config = load_config(site)[0]
    build(config, Reporter(0))
    database = site / ".site-builder-cache/cache.sqlite"
    with sqlite3.connect(database) as connection:
        connection.executescript(
            "DROP TABLE outputs; CREATE TABLE outputs (output TEXT, path TEXT, "
            "fingerprint TEXT NOT NULL, PRIMARY KEY (output, path));"
            "UPDATE meta SET value = '0' WHERE key = 'schema';")
    connection.close()
    reporter = Reporter(0)
    build(config, reporter)
    assert any("another builder version" in w for w in reporter.warnings)
    edit_story(site, 1)
    summary = build(config, Reporter(0))
    assert 0 < summary.rendered < summary.pages // 2 and summary.reused > 0

@settings(max_examples=5, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(sorted(EDITS)), st.integers(0, 50)),
                min_size=1, max_size=4))
def test_random_edit_sequences(tmp_path_factory, sequence):
    tmp_path = tmp_path_factory.mktemp("seq")
    site = tmp_path / "site"
    shutil.copytree(REPO_ROOT / "content", site / "content")
    (site / "site.toml").write_text(SMALL_PAGES)
    build_both(site, tmp_path)
    for name, number in sequence:
        EDITS[name](site, number)
        build_both(site, tmp_path)


# A site that grows by a day ----------------------------------------------------------------

GROWING_COMPANIES = [("Goertek", "002241.SZ"), ("BYD", "002594.SZ"), ("CATL", "300750.SZ"),
                     ("SMIC", "688981.SH")]


def growing_day(number: int) -> tuple[str, str]:
    """Day `number` of a generated site: two companies of four and a market story."""
    date = dt.date(2025, 1, 1) + dt.timedelta(days=number)
    first, second = (GROWING_COMPANIES[(number + k) % len(GROWING_COMPANIES)] for k in (0, 1))
    text = f"""---
title: Morning Report
date: {date}
---

Lead of {date}.

## Market dynamics

### Chip demand on {date}

Demand for artificial intelligence chips kept rising on {date}.

## Company Aspect

### {first[0]}: results of {date}

{first[0]} ({first[1]}) announced results on {date}.

### {second[0]}: orders of {date}

{second[0]} ({second[1]}) signed a supply contract for lithium batteries on {date}.
"""
    return f"content/briefings/{date.year}/{date}.md", text


def test_adding_a_day_renders_a_bounded_number_of_pages(tmp_path: Path):
    """Lists are paged from the oldest item and "More on" lists are neighbours in time, so a
    new day re-renders a constant number of pages, however long the site has run."""
    site = tmp_path / "site"
    shutil.copytree(REPO_ROOT / "content/_data", site / "content/_data")
    (site / "site.toml").write_text("per_page = 3\n")
    for number in range(48):
        path, text = growing_day(number)
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(text, encoding="utf-8")
    first = build_both(site, tmp_path)
    for number in range(48, 52):  # four days: the front pages' blocks fill on the way
        path, text = growing_day(number)
        (site / path).write_text(text, encoding="utf-8")
        summary = build_both(site, tmp_path)
        # The new day and its 3 stories, the day before it; the front pages of home, 2
        # sections, 2 companies and 2 topics, and on a filled block 2 numbered pages each;
        # the "More on" lists of the 2 newest stories of each of the 2 companies; archive,
        # search and the 3 index pages; /trends/, and the 3 stories of the day that leaves
        # the newest 30 (their previews show their day's share image now).
        assert summary.rendered <= 5 + 7 * 3 + 2 * 2 + 5 + 1 + 3, summary
        assert summary.pages > first.pages > 10 * summary.rendered


# Charts, /trends/ and share images ---------------------------------------------------------

def test_a_new_day_in_a_new_week_and_edits_rebuild_charts_trends_and_images(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The charts' window, /trends/ and which stories have their own share image all move
    with the newest briefing: each step equals a full build, and /trends/ is rendered again
    only when the numbers of its weeks change (a page about the whole site is keyed by its
    view's hash: its template runs only when its view changed)."""
    from site_builder.output import render

    site = tmp_path / "site"
    shutil.copytree(REPO_ROOT / "content/_data", site / "content/_data")
    (site / "site.toml").write_text("per_page = 3\n")
    for number in range(40):  # 2025-01-01 to 2025-02-09, a Sunday
        path, text = growing_day(number)
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(text, encoding="utf-8")
    build_both(site, tmp_path)
    views: list[object] = []
    real = render.render_page

    def counted(page: Any, context: Any, env: Any) -> bytes:
        if page.path == "trends/index.html":
            views.append(context)
        return real(page, context, env)

    monkeypatch.setattr(render, "render_page", counted)

    def trends_rendered() -> bool:
        """An incremental build in this process (its renders counted), equal to a full one."""
        views.clear()
        build(load_config(site)[0], Reporter(0), jobs=1)
        rendered = bool(views)
        full = tmp_path / "full"
        shutil.rmtree(full, ignore_errors=True)
        build(load_config(site)[0], Reporter(0), output=full, use_cache=False, jobs=1)
        assert tree_bytes(site / "output") == tree_bytes(full)
        return rendered

    # An edit to an old story's body: no number of /trends/ changes.
    old = site / growing_day(3)[0]
    old.write_text(old.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    assert not trends_rendered()
    # A new day, Monday 2025-02-10: a new newest week; the oldest own-card stories fall out.
    path, text = growing_day(40)
    (site / path).write_text(text, encoding="utf-8")
    assert trends_rendered()
    trends = (site / "output/trends/index.html").read_text(encoding="utf-8")
    assert "2025-W07" in trends
    story_of_day_11 = next((site / "output/2025/01/11").glob("*/index.html"))
    assert "/2025/01/11/share.png" in story_of_day_11.read_text(encoding="utf-8")
    # A story of the newest week tagged with one more company: its counts change.
    (site / path).write_text(text + "\nSMIC (688981.SH) was mentioned too.\n",
                             encoding="utf-8")
    assert trends_rendered()
    # Another day of the same week: this week's counts change again.
    path, text = growing_day(41)
    (site / path).write_text(text, encoding="utf-8")
    assert trends_rendered()
