"""Charts, /trends/ and open data: their numbers, checked against the pages a build writes.

A hand-made site with a known rising company; the sample site with short pages, whose company
and topic pages' charts must count exactly the stories the pages list.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import REPO_ROOT, write_site

from site_builder.config import load_config
from site_builder.index import index_site
from site_builder.output.charts import chart_view
from site_builder.output.i18n import Interfaces
from site_builder.output.open_data import plan_data
from site_builder.output.trends import WEEKS, rising, trend, week_start, weekly_counts
from site_builder.pipeline import build, load_site
from site_builder.report import Reporter

NEWEST = dt.date(2025, 6, 11)  # a Wednesday: the newest week starts on Monday 9 June


def day_file(date: dt.date, stories: list[tuple[str, str]]) -> str:
    body = "\n".join(f"### {headline}\n\n{text}\n" for headline, text in stories)
    return (f"---\ntitle: Morning Report\ndate: {date}\n---\n\nLead of {date}.\n\n"
            f"## Company Aspect\n\n{body}")


def rising_site(root: Path) -> Path:
    """Acme: one story a week for four weeks, then four in the newest week (rising, +3).
    Beta: two a week throughout (steady, not rising). Gamma: once, eight weeks ago."""
    files: dict[str, str | bytes] = {}
    for back in range(1, 5):
        date = NEWEST - dt.timedelta(weeks=back)
        files[f"content/briefings/{date}.md"] = day_file(date, [
            (f"Acme wins order {back}", "Acme Robotics (688001.SH) won an order."),
            (f"Beta ships A {back}", "Beta Devices (688002.SH) shipped."),
            (f"Beta ships B {back}", "Beta Devices (688002.SH) shipped again.")])
    old = NEWEST - dt.timedelta(weeks=8)
    files[f"content/briefings/{old}.md"] = day_file(old, [
        ("Gamma lists", "Gamma Labs (688003.SH) listed.")])
    monday = week_start(NEWEST)
    files[f"content/briefings/{monday}.md"] = day_file(monday, [
        ("Acme raises guidance", "Acme Robotics (688001.SH) raised guidance."),
        ("Acme hires", "Acme Robotics (688001.SH) hired."),
        ("Beta ships C", "Beta Devices (688002.SH) shipped.")])
    files[f"content/briefings/{NEWEST}.md"] = day_file(NEWEST, [
        ("Acme opens plant", "Acme Robotics (688001.SH) opened a plant."),
        ("Acme signs deal", "Acme Robotics (688001.SH) signed a deal."),
        ("Beta ships D", "Beta Devices (688002.SH) shipped.")])
    return write_site(root, files)


class Rows(HTMLParser):
    """The rows of a table (by id) or list items (by class): their data-key and cells' text."""

    def __init__(self, container: str) -> None:
        super().__init__()
        self.container = container  # 'id="table-rising-companies"' or 'most-mentioned'
        self.depth = 0
        self.rows: list[tuple[str, list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self.depth == 0 and (values.get("id") == self.container
                                or self.container in (values.get("class") or "").split()):
            self.depth = 1
            return
        if self.depth:
            if tag in ("table", "ol"):
                self.depth += 1
            if tag in ("tr", "li") and "data-key" in values:
                self.rows.append((values["data-key"] or "", []))
            if tag in ("td", "th", "a", "span") and self.rows:
                self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag in ("table", "ol"):
            self.depth -= 1
        if self._cell is not None and tag in ("td", "th", "a", "span") and self.rows:
            self.rows[-1][1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def rows_of(html: str, container: str) -> list[tuple[str, list[str]]]:
    parser = Rows(container)
    parser.feed(html)
    return parser.rows


def test_trends_page_names_the_known_rising_company(tmp_path: Path):
    site = rising_site(tmp_path / "site")
    output = tmp_path / "out"
    build(load_config(site)[0], Reporter(0), output=output, use_cache=False)
    html = (output / "trends/index.html").read_text(encoding="utf-8")
    rising_rows = rows_of(html, "table-rising-companies")
    assert [key for key, _ in rising_rows] == ["688001.SH"]  # Beta is steady, Gamma quiet
    cells = rising_rows[0][1]
    assert cells[0] == "Acme Robotics" and "4" in cells and "1.0" in cells and "+3.0" in cells
    most = rows_of(html, "most-mentioned")
    assert [key for key, _ in most][:2] == ["688001.SH", "688002.SH"]
    assert "4 stories" in most[0][1] and "2 stories" in most[1][1]
    # Its sparkline gives its numbers in words: the last twelve weeks, the newest last.
    assert 'aria-label="Stories per week, the last 12 weeks: 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 4"' \
        in html
    # Linked from every page's navigation, marked as the current page here.
    assert '<a href="/trends/" aria-current="page">Trends</a>' in html
    home = (output / "index.html").read_text(encoding="utf-8")
    assert '<a href="/trends/">Trends</a>' in home


def test_weeks_end_with_the_newest_briefing_not_the_clock(tmp_path: Path):
    site = rising_site(tmp_path / "site")
    loaded = load_site(load_config(site)[0], Reporter(0))
    weeks = weekly_counts(loaded, index_site(loaded))
    assert len(weeks.starts) == WEEKS
    assert weeks.starts[-1] == dt.date(2025, 6, 9) and weeks.starts[0].weekday() == 0
    assert weeks.of_company("688001.SH")[-5:] == (1, 1, 1, 1, 4)
    assert weeks.of_company("688003.SH")[-9] == 1 and sum(weeks.of_company("688003.SH")) == 1
    acme = trend("688001.SH", weeks.of_company("688001.SH"))
    assert (acme.count, acme.average, acme.change) == (4, 1.0, 3.0)
    assert [t.key for t in rising(weeks.companies)] == ["688001.SH"]


def test_an_iso_week_starts_on_monday_across_a_year_end():
    assert week_start(dt.date(2025, 1, 1)) == dt.date(2024, 12, 30)  # 2025-W01
    assert week_start(dt.date(2024, 12, 29)) == dt.date(2024, 12, 23)  # a Sunday


class Chart(HTMLParser):
    """A company or topic page: its chart (svg title, desc, the table's counts) and the dates
    of the stories it lists."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: list[tuple[str, int]] = []
        self.story_dates: list[str] = []
        self.svg: dict[str, str | None] = {}
        self.texts: dict[str, list[str]] = {"title": [], "desc": []}
        self.next_page: str | None = None
        self._in: str | None = None
        self._week_date: str = ""
        self._in_card = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "svg" and "chart-svg" in (values.get("class") or ""):
            self.svg = values
        if tag in ("title", "desc") and self.svg and not self.texts[tag]:
            self._in = tag
        if tag == "time" and values.get("datetime"):
            self._week_date = values["datetime"] or ""
            if self._in_card:
                self.story_dates.append(self._week_date)
        if tag == "td" and values.get("data-count") is not None:
            self.counts.append((self._week_date, int(values["data-count"] or 0)))
        if tag == "article" and "card" in (values.get("class") or ""):
            self._in_card = True
        if tag == "a" and values.get("rel") == "next":
            self.next_page = values.get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self._in_card = False
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.texts[self._in].append(data)


def parse(path: Path) -> Chart:
    chart = Chart()
    chart.feed(path.read_text(encoding="utf-8"))
    return chart


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site at 3 stories a page: every list has numbered pages."""
    output = tmp_path_factory.mktemp("trends") / "out"
    build(load_config(REPO_ROOT, {"per_page": 3})[0], Reporter(0), output=output,
          use_cache=False)
    return output


def listed_dates(output: Path, front: Path) -> list[str]:
    """The dates of every story a company's or topic's pages list, page after page."""
    dates = []
    page: Path | None = front
    while page is not None:
        parsed = parse(page)
        dates += parsed.story_dates
        page = output / parsed.next_page.strip("/") / "index.html" if parsed.next_page else None
    return dates


@pytest.mark.parametrize("kind", ["companies", "topics"])
def test_chart_numbers_equal_the_stories_the_pages_list(sample: Path, kind: str):
    fronts = sorted((sample / kind).glob("*/index.html"))
    assert len(fronts) > 5
    for front in fronts:
        chart = parse(front)
        weeks = dict(chart.counts)
        assert len(weeks) == WEEKS, front
        listed = Counter(week_start(dt.date.fromisoformat(day)).isoformat()
                         for day in listed_dates(sample, front))
        assert sum(listed.values()) > 0, front
        assert {week: listed.get(week, 0) for week in weeks} == weeks, front
        assert sum(weeks.values()) == sum(listed.values()), front  # all in the 52 weeks
        # In words: a title, and a description of its busiest and newest week.
        assert chart.svg["role"] == "img"
        assert chart.svg["aria-labelledby"] == "weekly-chart-title weekly-chart-desc"
        title, desc = "".join(chart.texts["title"]), "".join(chart.texts["desc"])
        assert title.startswith("Stories per week about ") and "last 52 weeks" in title
        peak = max(weeks.values())
        assert f"with {peak} stor" in desc and "This week:" in desc, desc


def test_chart_colours_come_from_the_style_sheets(sample: Path):
    """No colour in the SVG itself: classes the light, dark and print style sheets fill."""
    page = next((sample / "companies").glob("*/index.html")).read_text(encoding="utf-8")
    svg = page[page.index('<svg class="chart-svg"'):page.index("</svg>")]
    assert not re.search(r"\b(fill|stroke|style)=", svg)
    style = (REPO_ROOT / "themes/default/static/style.css").read_text(encoding="utf-8")
    printed = (REPO_ROOT / "themes/default/static/print.css").read_text(encoding="utf-8")
    assert ".chart-bar { fill: currentColor" in style and "color: var(--accent)" in style
    assert ".chart-bar { fill: #777" in printed


def test_a_chart_in_words_and_an_empty_one():
    ui = Interfaces(load_config(REPO_ROOT)[0])["en"]
    starts = [dt.date(2025, 1, 6) + dt.timedelta(weeks=n) for n in range(4)]
    chart = chart_view(starts, [0, 3, 1, 2], "Acme", ui)
    assert chart is not None
    assert chart["description"] == ("6 stories in all. The busiest week was the week of "
                                     "13 Jan 2025, with 3 stories. This week: 2 stories, "
                                     "against an average of 1.5 a week.")
    assert [bar["count"] for bar in chart["bars"]] == [3, 1, 2]  # type: ignore[index]
    empty = chart_view(starts, [0, 0, 0, 0], "Acme", ui)
    assert empty is not None and empty["description"] == "No stories in these weeks."
    assert chart_view([], [], "Acme", ui) is None
    zh = Interfaces(load_config(REPO_ROOT)[0])["zh"]
    chinese = chart_view(starts, [0, 3, 1, 2], "歌尔股份", zh)
    assert chinese is not None and "歌尔股份" in str(chinese["title"])
    assert "Stories" not in str(chinese["title"])  # translated


def test_open_data_files_count_every_story_and_are_documented(sample: Path):
    config = load_config(REPO_ROOT, {"per_page": 3})[0]
    loaded = load_site(config, Reporter(0))
    index = index_site(loaded)
    for company in index.companies.values():
        path = sample / f"data/companies/{company.slug}.json"
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
        assert text == json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
        stories = index.by_company.get(company.key, ())
        assert data["kind"] == "company" and data["key"] == company.key
        assert data["story_count"] == len(stories) == sum(w["count"] for w in data["weeks"])
        urls = [url for week in data["weeks"] for url in week["stories"]]
        assert sorted(urls) == sorted(config.absolute(s.url) for s in stories)
        for week in data["weeks"]:
            start = dt.date.fromisoformat(week["start"])
            assert start.weekday() == 0 and week["week"] == \
                f"{start.isocalendar()[0]}-W{start.isocalendar()[1]:02d}"
            assert len(week["stories"]) == week["count"] > 0
        assert [w["start"] for w in data["weeks"]] == sorted(w["start"] for w in data["weeks"])
    for topic in index.topics.values():
        data = json.loads((sample / f"data/topics/{topic.slug}.json").read_text())
        assert data["kind"] == "topic" and data["story_count"] == len(
            index.by_topic.get(topic.slug, ()))
    docs = (REPO_ROOT / "docs/open-data.md").read_text(encoding="utf-8")
    for field in ("format", "kind", "key", "name", "slug", "page", "story_count", "weeks",
                  "week", "start", "count", "stories", "ticker", "listings"):
        assert f"`{field}`" in docs, field


def test_a_data_file_is_remade_when_what_it_lists_changes():
    """A data file's inputs are a stamp of its stories' days, places and URLs, not the list
    itself: each of those changing must change them, and only the file's content may."""
    config = load_config(REPO_ROOT)[0]
    loaded = load_site(config, Reporter(0))
    index = index_site(loaded)
    stories = max(index.by_company.values(), key=len)
    job = next(j for j in plan_data(config, index) if j.listed is stories)
    before = job.inputs()
    first = stories[0]
    for changed in (first._replace(position=first.position + 1),
                    first._replace(url=first.url + "x/"),
                    first._replace(day=first.day - dt.timedelta(days=7))):
        moved = dataclasses.replace(job, listed=(changed, *stories[1:]))
        assert moved.inputs() != before
    assert dataclasses.replace(job, listed=stories[1:]).inputs() != before
    same = dataclasses.replace(job, listed=tuple(stories))
    assert same.inputs() == before
    assert [url for _, url in job.stories()] == [
        config.absolute(s.url) for s in sorted(stories, key=lambda s: (s.day, s.position))]
