"""Stage "plan": every HTML page of the site, each with its inputs record, view and key.

A page is planned as its inputs record (page_views.py), the view that reads it
(page_views.py) and, when the build has stamps, its key: the Stamper's stamp of that record
(incremental/keys.py). The view is made only when the page is rendered (often in a worker
process), so planning 100,000 pages costs little, and a rebuild builds no view for a page
whose key is the one its live file was made under.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import jinja2

from site_builder.bodies import INLINE, Bodies
from site_builder.errors import SourcePos
from site_builder.file_memo import FileMemo
from site_builder.incremental.keys import Cards, ListKeys, Stamper, StoryKeys
from site_builder.incremental.versions import Versions
from site_builder.index import SiteIndex
from site_builder.model import Site, Story
from site_builder.output import page_views as views
from site_builder.output.corrections import PATH as CORRECTIONS_PATH
from site_builder.output.corrections import corrected_stories
from site_builder.output.edition import edition_files
from site_builder.output.i18n import Interfaces
from site_builder.output.page_views import (
    Chrome,
    CorrectionsInputs,
    DayInputs,
    DayRef,
    EditionInputs,
    HomeInputs,
    ListInputs,
    Names,
    SectionSubject,
    StoryInputs,
    View,
    WeekCounts,
    WholeSite,
)
from site_builder.output.paging import neighbours, paginate
from site_builder.output.share_images import has_own_card
from site_builder.output.templates import template_error
from site_builder.output.trends import weekly_counts
from site_builder.output.views import company_link, feed_links, topic_link

MORE_ON_COMPANY = 5  # stories in each "More on <company>" list
MORE_ON_NEWER = 2  # of which at most this many newer than the story


class Page(NamedTuple):
    """One HTML file to write: where, with which template, and what its view reads.

    A named tuple, as model.Story is: a site of ten years plans 75,000 pages a build, and a
    frozen dataclass's __init__ cost three times as much. Derive one with `_replace`.
    """

    path: str  # relative to the output folder, "2025/03/27/index.html"
    template: str
    view: Callable[[Any, Chrome], View]  # page_views.py: view(inputs, chrome)
    inputs: object  # its page_views.py record
    chrome: Chrome
    source: str | SourcePos  # what it was made from, for collision messages
    key: str = ""  # the Stamper's stamp of inputs; "" means: keyed by its view's hash
    lastmod: str = ""  # the newest content date it shows, for the sitemap; "" for the site's

    def context(self) -> View:
        return self.view(self.inputs, self.chrome)


def fingerprint(template: str, context: dict[str, Any], theme_hash: str) -> str:
    """Same fingerprint, same bytes: the page's view and the theme are all it depends on."""
    data = json.dumps([template, context], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256((theme_hash + data).encode("utf-8", "surrogatepass")).hexdigest()


def path_for(url: str) -> str:
    """Pretty URLs: "/2025/03/27/" is written as "2025/03/27/index.html"."""
    return url.strip("/") + "/index.html" if url.strip("/") else "index.html"


def plan_pages(site: Site, index: SiteIndex, versions: Versions | None = None,
               bodies: Bodies = INLINE, memo: FileMemo | None = None) -> list[Page]:
    """Every HTML page of the site, in a stable order; keyed when versions are given (story
    pages' keys kept a day at a time in memo); the stories' bodies read by bodies."""
    plan = _Planner(site, index, Stamper(versions) if versions is not None else None, bodies,
                    memo)
    return [*plan.home_pages(), *plan.day_and_story_pages(),
            plan.whole("sections/index.html", "sections.html", views.sections_view),
            *plan.list_pages("section"),
            plan.whole("companies/index.html", "companies.html", views.companies_view),
            *plan.list_pages("company"),
            plan.whole("topics/index.html", "topics.html", views.topics_view),
            *plan.list_pages("topic"),
            plan.whole("trends/index.html", "trends.html", views.trends_view),
            plan.whole("archive/index.html", "archive.html", views.archive_view),
            plan.whole("search/index.html", "search.html", views.search_view),
            plan.whole("404.html", "404.html", views.not_found_view), plan.corrections_page(),
            *plan.edition_pages()]


def render_page(page: Page, context: dict[str, Any], env: jinja2.Environment) -> bytes:
    try:
        return env.get_template(page.template).render(context).encode("utf-8")
    except jinja2.TemplateError as error:
        raise template_error(error, page.path) from None


def modified_at(story: Story) -> str:
    """The time of its newest note, for the sitemap's lastmod, or ""."""
    modified = story.modified
    return modified.isoformat() if modified else ""


def _newest(days: Iterable[dt.date]) -> str:
    newest = max(days, default=None)
    return newest.isoformat() if newest else ""


class _Planner:
    """Knows the site and its lookups; each *_pages method yields pages with their inputs."""

    def __init__(self, site: Site, index: SiteIndex, stamper: Stamper | None,
                 bodies: Bodies, memo: FileMemo | None) -> None:
        self.site = site
        self.index = index
        self.stamper = stamper
        self.memo = memo
        config = self.config = site.config
        self.chrome = Chrome(config, Interfaces(config), Names(index.companies, index.topics),
                             feed_links("/", config.title),
                             urlsplit(config.base_url).path.rstrip("/"), bodies)
        self.ui = self.chrome.ui
        self.lang = config.language
        self._windows: dict[str, dict[str, Cards]] = {}  # "More on" windows, by company
        # Stories per week of the last 52 (trends.py): the company and topic charts.
        self.weeks = weekly_counts(site, index)
        self.newest = site.briefings[0].date if site.briefings else None
        # How story pages are keyed, if they are; the lists, once planned (list_pages).
        self.story_keys = StoryKeys(stamper, memo, index.by_company) \
            if stamper is not None else None
        self._lists: dict[str, list[tuple[list[ListInputs], tuple[str, ...]]]] | None = None

    def page(self, where: tuple[str, str], view: Callable[[Any, Chrome], View], inputs: object,
             source: str | SourcePos, lastmod: str = "", key: str | None = None) -> Page:
        """A page at where = (path, template), keyed by the stamp of inputs (key, if given,
        is that stamp, kept from an earlier build: StoryKeys)."""
        if key is None:
            keyed = self.stamper is not None and not isinstance(inputs, WholeSite)
            key = self.stamper.key(inputs) if keyed and self.stamper is not None else ""
        return Page(where[0], where[1], view, inputs, self.chrome, source, key, lastmod)

    def whole(self, path: str, template: str, view: Callable[[Any, Chrome], View]) -> Page:
        """A page about the whole site, keyed by its view's hash."""
        return self.page((path, template), view, WholeSite(self.site, self.index),
                         template.removesuffix(".html"))

    def home_pages(self) -> Iterator[Page]:
        for chunk, pagination in paginate(self.site.briefings, self.config.per_page, "/"):
            yield self.page((path_for(pagination["url"]), "home.html"), views.home_view,
                            HomeInputs(tuple(chunk), pagination), "home",
                            _newest(b.date for b in chunk))

    def day_and_story_pages(self) -> Iterator[Page]:
        briefings = self.site.briefings
        stories = [[StoryInputs(briefing, position, self._more_on(story),
                                has_own_card(story, self.newest))
                    for position, story in enumerate(briefing.stories)]
                   for briefing in briefings]
        keys = self.story_keys.keys(list(zip(briefings, stories, strict=True))) \
            if self.story_keys is not None else [("",) * len(day) for day in stories]
        for number, briefing in enumerate(briefings):
            # A neighbouring day shows as its date in its language: its stories may change.
            newer, older = (DayRef(briefings[n].date, briefings[n].lang)
                            if 0 <= n < len(briefings) else None
                            for n in (number - 1, number + 1))
            date = briefing.date.isoformat()  # each story's day is its briefing's
            modified = [modified_at(story) if story.notes else "" for story in briefing.stories]
            yield self.page((path_for(briefing.url), "day.html"), views.day_view,
                            DayInputs(briefing, newer, older), briefing.source,
                            max([date, *modified]))
            for story, inputs, key, changed in zip(briefing.stories, stories[number],
                                                   keys[number], modified, strict=True):
                yield self.page((path_for(story.url), "story.html"), views.story_view, inputs,
                                story.source, changed or date, key)

    def _more_on(self, story: Story) -> tuple[tuple[str, Cards], ...]:
        """For each company of the story, its other stories nearest in time, newest first."""
        more = []
        for key in story.companies:
            if key in self.index.companies:
                windows = self._windows.get(key)
                if windows is None:
                    stories = self.index.by_company.get(key, ())
                    windows = self._windows[key] = {
                        s.url: Cards(window) for s, window in zip(
                            stories, neighbours(stories, MORE_ON_NEWER, MORE_ON_COMPANY),
                            strict=True)}
                others = windows.get(story.url)
                if others:
                    more.append((key, others))
        return tuple(more)

    def list_pages(self, kind: str) -> Iterator[Page]:
        """Every page of the lists of one kind ("section", "company", "topic"), each list
        newest first; the lists' keys are made (or kept: ListKeys) for all kinds at once."""
        if self._lists is None:
            self._lists = self._all_lists()
        for records, keys in self._lists[kind]:
            for inputs, key in zip(records, keys, strict=True):
                yield self.page((path_for(inputs.pagination["url"]), f"{kind}.html"),
                                views.list_view, inputs, f"{kind} {inputs.title}",
                                _newest(s.day for s in inputs.stories), key)

    def _all_lists(self) -> dict[str, list[tuple[list[ListInputs], tuple[str, ...]]]]:
        """Each kind's lists, each as its pages' records and their keys."""
        lists = [*self._section_lists(), *self._company_lists(), *self._topic_lists()]
        records = [self._list_records(first, url, stories) for first, url, stories in lists]
        if self.stamper is None:
            keys = [("",) * len(pages) for pages in records]
        else:
            keys = ListKeys(self.stamper, self.memo, self.config.per_page).keys(
                [(url, stories, pages) for (_, url, stories), pages
                 in zip(lists, records, strict=True)])
        by_kind: dict[str, list[tuple[list[ListInputs], tuple[str, ...]]]] = {
            "section": [], "company": [], "topic": []}
        for pages, page_keys in zip(records, keys, strict=True):
            by_kind[pages[0].kind].append((pages, page_keys))
        return by_kind

    def _list_records(self, first: ListInputs, url: str, stories: Sequence[Story]
                      ) -> list[ListInputs]:
        """A paginated list of stories, newest first; first is its front page's inputs but
        for the stories and pagination: numbered pages show no count and no related tags,
        since those change as the list grows and numbered pages must not. (ListKeys keeps
        the keys by what these are derived from: a field set here must be named there.)"""
        records = []
        for chunk, pagination in paginate(stories, self.config.per_page, url):
            front = pagination["front"]
            records.append(replace(first, stories=Cards(chunk), pagination=pagination,
                                   total=len(stories) if front else None,
                                   related=first.related if front else (),
                                   chart=first.chart if front else None))
        return records

    def _section_lists(self) -> Iterator[tuple[ListInputs, str, Sequence[Story]]]:
        for section in self.index.sections:
            base = f"/sections/{section.slug}/"
            yield ListInputs("section", section.name, Cards(), None, {},
                             SectionSubject(section.name, base), ()), base, section.stories

    def _company_lists(self) -> Iterator[tuple[ListInputs, str, Sequence[Story]]]:
        lang, topics = self.lang, self.index.topics
        for company in sorted(self.index.companies.values(),
                              key=lambda c: (c.name.casefold(), c.key)):
            name = company_link(company, lang)["name"]
            label = f"{name} ({company.ticker})" if company.ticker else name
            yield ListInputs(
                "company", label, Cards(), None, {}, company,
                tuple((topics[slug], count) for slug, count
                      in self.index.related_topics.get(company.key, ()) if slug in topics),
                WeekCounts(self.weeks.starts, self.weeks.of_company(company.key))), \
                company.url, self.index.by_company.get(company.key, ())

    def _topic_lists(self) -> Iterator[tuple[ListInputs, str, Sequence[Story]]]:
        lang, companies = self.lang, self.index.companies
        for topic in sorted(self.index.topics.values(), key=lambda t: (t.name.casefold(),
                                                                       t.slug)):
            yield ListInputs(
                "topic", topic_link(topic, lang)["name"], Cards(), None, {}, topic,
                tuple((companies[key], count) for key, count
                      in self.index.related_companies.get(topic.slug, ()) if key in companies),
                WeekCounts(self.weeks.starts, self.weeks.of_topic(topic.slug))), \
                topic.url, self.index.by_topic.get(topic.slug, ())

    def edition_pages(self) -> Iterator[Page]:
        """Each day's email edition (edition.py): its HTML and text parts, from one view."""
        for briefing in self.site.briefings:
            inputs = EditionInputs(briefing)
            for path, template in edition_files(briefing.date):
                yield self.page((path, template), views.edition_page_view, inputs,
                                briefing.source)

    def corrections_page(self) -> Page:
        """/corrections/ (corrections.py): keyed by the stories it lists, in its order, whose
        stamps cover their notes."""
        stories = corrected_stories(self.index)
        return self.page((CORRECTIONS_PATH, "corrections.html"), views.corrections_view,
                         CorrectionsInputs(stories), "corrections",
                         max((modified_at(s) for s in stories), default=""))
