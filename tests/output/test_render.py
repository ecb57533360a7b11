"""Unit tests of the render stage: page plan, URLs, pagination and theme overrides."""

from __future__ import annotations

from pathlib import Path

from conftest import ONE_DAY, DictMemo, write_site

from site_builder.config import load_config
from site_builder.index import index_site
from site_builder.output.pages import path_for, plan_pages
from site_builder.pipeline import build, load_site
from site_builder.report import Reporter


def site_with_days(root: Path, days: list[str]) -> Path:
    return write_site(root, {f"content/briefings/2025/{day}.md":
                             ONE_DAY.replace("2025-03-27", day) for day in days})


def planned_paths(root: Path) -> set[str]:
    site = load_site(load_config(root)[0], Reporter(0))
    return {page.path for page in plan_pages(site, index_site(site))}


def test_pretty_urls():
    assert path_for("/") == "index.html"
    assert path_for("/2025/03/27/") == "2025/03/27/index.html"


def test_every_kind_of_page_is_planned(tmp_path: Path):
    paths = planned_paths(site_with_days(tmp_path / "s", ["2025-03-27"]))
    for expected in ("index.html", "404.html", "archive/index.html", "sections/index.html",
                     "sections/market-dynamics/index.html", "companies/index.html",
                     "topics/index.html", "2025/03/27/index.html",
                     ("2025/03/27/goertek-net-profit-in-2024-increased-by-144-93-year-on-year/"
                      "index.html")):
        assert expected in paths, expected


def test_story_urls_do_not_change_when_days_are_added(tmp_path: Path):
    before = planned_paths(site_with_days(tmp_path / "a", ["2025-03-27"]))
    after = planned_paths(site_with_days(tmp_path / "b", ["2025-03-26", "2025-03-27",
                                                          "2025-03-28"]))
    stories = {p for p in before if p.startswith("2025/")}
    assert stories and stories <= after


def test_site_templates_and_static_files_override_the_theme(tmp_path: Path):
    root = site_with_days(tmp_path / "s", ["2025-03-27"])
    write_site(root, {
        "templates/404.html": '{% extends "base.html" %}{% block main %}<h1>Lost at sea'
                              '</h1>{% endblock %}',
        "static/style.css": "body { color: rebeccapurple; }",
        "static/extra.txt": "kept",
    })
    build(load_config(root)[0], Reporter(0))
    output = root / "output"
    assert "Lost at sea" in (output / "404.html").read_text()
    assert (output / "static/style.css").read_text() == "body { color: rebeccapurple; }"
    assert (output / "static/extra.txt").read_text() == "kept"
    assert "Skip to content" in (output / "404.html").read_text()  # the theme's base still


def test_pages_declare_their_language(tmp_path: Path):
    root = site_with_days(tmp_path / "s", ["2025-03-27"])
    write_site(root, {"content/briefings/2025/2025-03-28.md": ONE_DAY.replace(
        "2025-03-27", "2025-03-28\n    lang: zh")})
    build(load_config(root)[0], Reporter(0))
    assert '<html lang="zh"' in (root / "output/2025/03/28/index.html").read_text()
    assert '<html lang="en"' in (root / "output/2025/03/27/index.html").read_text()


def goertek_days(root: Path, count: int, per_page: int = 20) -> Path:
    """A site of `count` days of March 2025, each with one story about Goertek."""
    root = site_with_days(root, [f"2025-03-{day:02d}" for day in range(1, count + 1)])
    return write_site(root, {"site.toml": f"per_page = {per_page}\n"})


def test_more_on_a_company_lists_its_stories_nearest_in_time(tmp_path: Path):
    site = load_site(load_config(goertek_days(tmp_path / "s", 10))[0], Reporter(0))
    pages = plan_pages(site, index_site(site))

    def more_days(day: int) -> list[int]:
        [page] = [p for p in pages if p.path.startswith(f"2025/03/{day:02d}/goertek-")]
        [group] = page.context()["more"]
        assert group["company"]["name"] == "Goertek"
        return [int(story["date"][-2:]) for story in group["stories"]]

    assert more_days(5) == [7, 6, 4, 3, 2]  # two newer, three older, newest first
    assert more_days(9) == [10, 8, 7, 6, 5]
    assert more_days(10) == [9, 8, 7, 6, 5]  # none newer: all older
    assert more_days(1) == [6, 5, 4, 3, 2]  # none older: all newer


def test_numbered_pages_show_nothing_that_changes_as_the_list_grows(tmp_path: Path):
    root = goertek_days(tmp_path / "s", 5, per_page=2)
    build(load_config(root)[0], Reporter(0))
    company = root / "output/companies/goertek-002241-sz"
    front = (company / "index.html").read_text()
    numbered = (company / "page/1/index.html").read_text()
    assert not (company / "page/2").exists()  # 5 stories at 2 a page: page 1 and 3 in front
    assert front.count('class="card"') == 3 and numbered.count('class="card"') == 2
    assert "<dt>Stories</dt><dd>5</dd>" in front and "<dt>Stories</dt>" not in numbered
    assert 'class="related"' in front and 'class="related"' not in numbered
    assert "2025/03/02/" in numbered and "2025/03/01/" in numbered  # the two oldest
    assert "<title>Goertek (002241.SZ): page 1 · " in numbered
    assert 'rel="next" href="/companies/goertek-002241-sz/page/1/">Older' in front
    assert 'rel="prev" href="/companies/goertek-002241-sz/">← Newer' in numbered
    assert "Older" not in numbered and "Newer" not in front


# Story page keys ---------------------------------------------------------------------------

def keyed_pages(site, memo: DictMemo | None = None) -> dict[str, str]:
    from site_builder.incremental.versions import version_site

    index = index_site(site)
    versions = version_site(site, index, {b.source.path: str(b.date) for b in site.briefings})
    return {page.path: page.key for page in plan_pages(site, index, versions, memo=memo)}


def test_a_retitled_story_rekeys_the_stories_of_other_days_that_show_its_card(
        repo_root: Path):
    """Their "More on" windows show its title: their keys must change with it."""
    import dataclasses

    site = load_site(load_config(repo_root)[0], Reporter(0))
    before = keyed_pages(site)
    index = index_site(site)
    story = next(s for s in index.stories if s.companies
                 and len({t.day for t in index.by_company[s.companies[0]]}) > 1)
    renamed = story._replace(title=story.title + " (updated)")
    retitled = dataclasses.replace(site, briefings=tuple(
        dataclasses.replace(b, sections=tuple(dataclasses.replace(sec, stories=tuple(
            renamed if s is story else s for s in sec.stories)) for sec in b.sections))
        for b in site.briefings))
    after = keyed_pages(retitled)
    neighbours = [s.url for s in index.by_company[story.companies[0]] if s.day != story.day]
    assert any(after[path_for(url)] != before[path_for(url)] for url in neighbours)
    # Story keys kept a day at a time (incremental/keys.py StoryKeys) are the same keys.
    memo = DictMemo()
    assert keyed_pages(site, memo) == before and memo.puts
    puts = memo.puts
    assert keyed_pages(site, memo) == before and memo.puts == puts  # every day kept
    assert keyed_pages(retitled, memo) == after
    # the days that show its card, and the lists that do
    lists = len(index.sections) + len(index.companies) + len(index.topics)
    assert 0 < memo.puts - puts < len(site.briefings) + lists


def test_two_pages_for_one_file_are_an_error_naming_both_and_a_bad_path_is_refused():
    import pytest

    from site_builder.errors import BuildError, ContentError, SourcePos
    from site_builder.output.pages import Page
    from site_builder.pipeline import _check_collisions

    def page(path: str, source: str | SourcePos) -> Page:
        return Page(path, "day.html", dict, None, None, source)  # type: ignore[arg-type]

    fine = [page(f"2025/03/{day:02d}/index.html", SourcePos(f"{day}.md", 1))
            for day in range(1, 29)]
    _check_collisions(fine, [("feed.xml", "site feed")], {})
    twice = [*fine, page("2025/03/02/index.html", SourcePos("content/again.md", 4))]
    with pytest.raises(ContentError) as caught:
        _check_collisions(twice, [], {})
    assert [str(p) for p in caught.value.problems] == [
        ("content/again.md:4: would write 2025/03/02/index.html, which 2.md:1 writes too "
         "(rename one of them)")]
    with pytest.raises(ContentError):
        _check_collisions(fine, [("2025/03/05/index.html", "a feed")], {})
    with pytest.raises(BuildError, match="leave the output folder"):
        _check_collisions([*fine, page("2025/../../etc/index.html", "evil")], [], {})
