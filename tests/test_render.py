"""Unit tests of the render stage: page plan, URLs, pagination and theme overrides."""

from __future__ import annotations

from pathlib import Path

from conftest import ONE_DAY, write_site
from site_builder.config import load_config
from site_builder.index import index_site
from site_builder.pipeline import build, load_site
from site_builder.render import paginate, path_for, plan_pages
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


def test_pagination_links_and_first_page_at_base():
    pages = paginate(list(range(45)), 20, "/sections/x/")
    assert [p["url"] for _, p in pages] == ["/sections/x/", "/sections/x/page/2/",
                                            "/sections/x/page/3/"]
    assert [len(chunk) for chunk, _ in pages] == [20, 20, 5]
    assert pages[0][1]["prev_url"] is None and pages[0][1]["next_url"] == "/sections/x/page/2/"
    assert paginate([], 20, "/")[0][0] == []


def test_every_kind_of_page_is_planned(tmp_path: Path):
    paths = planned_paths(site_with_days(tmp_path / "s", ["2025-03-27"]))
    for expected in ("index.html", "404.html", "archive/index.html", "sections/index.html",
                     "sections/market-dynamics/index.html", "companies/index.html",
                     "topics/index.html", "2025/03/27/index.html",
                     "2025/03/27/goertek-net-profit-in-2024-increased-by-144-93-year-on-year/"
                     "index.html"):
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
