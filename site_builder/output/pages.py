"""Stage 4, render: plan every HTML page of the site, then render each through the theme."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from typing import Any
from urllib.parse import urlsplit

import jinja2

from site_builder.content.split import summarise
from site_builder.errors import SourcePos
from site_builder.file_memo import FileMemo
from site_builder.incremental.versions import Versions
from site_builder.index import SiteIndex
from site_builder.model import Briefing, Company, Site, Story, Topic
from site_builder.output.charts import chart_view
from site_builder.output.corrections import PATH as CORRECTIONS_PATH
from site_builder.output.corrections import corrected_stories, corrections_view
from site_builder.output.edition import edition_files, edition_view
from site_builder.output.feed_times import released
from site_builder.output.feeds import day_start
from site_builder.output.i18n import Interface, Interfaces
from site_builder.output.paging import neighbours, paginate
from site_builder.output.share_images import has_own_card, page_card
from site_builder.output.templates import template_error
from site_builder.output.trends import weekly_counts
from site_builder.output.trends_page import trend_lists, trends_inputs, trends_view
from site_builder.output.views import (
    View,
    briefing_summary,
    briefing_view,
    collection_data,
    company_link,
    corporation,
    day_link,
    feed_links,
    news_article_data,
    page_meta,
    search_tags,
    story_card,
    story_full,
    story_link,
    topic_link,
    website_data,
)
from site_builder.stamps import stamp, stamp_text

MORE_ON_COMPANY = 5  # stories in each "More on <company>" list
MORE_ON_NEWER = 2  # of which at most this many newer than the story
SEARCH_PAGE_COMPANIES = 24  # the most covered companies, offered when search cannot run


@dataclass(frozen=True, slots=True)
class Page:
    """One HTML file to write: where, with which template, and how to make its view.

    The view is made only when the page is rendered (often in a worker process), so planning
    100,000 pages costs little and a worker builds only the views of its own pages.
    """

    path: str  # relative to the output folder, "2025/03/27/index.html"
    template: str
    context: Callable[[], dict[str, Any]]
    source: str | SourcePos  # what it was made from, for collision messages
    key: str = ""  # stamps of what the view shows (versions.py); "" means always render
    lastmod: str = ""  # the newest content date it shows, for the sitemap; "" for the site's


def fingerprint(template: str, context: dict[str, Any], theme_hash: str) -> str:
    """Same fingerprint, same bytes: the page's view and the theme are all it depends on."""
    data = json.dumps([template, context], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256((theme_hash + data).encode("utf-8", "surrogatepass")).hexdigest()


def path_for(url: str) -> str:
    """Pretty URLs: "/2025/03/27/" is written as "2025/03/27/index.html"."""
    return url.strip("/") + "/index.html" if url.strip("/") else "index.html"


def plan_pages(site: Site, index: SiteIndex, versions: Versions | None = None,
               memo: FileMemo | None = None) -> list[Page]:
    """Every HTML page of the site, in a stable order; views are made later, on demand.

    With a memo, each day's story page keys are kept by what they are made from (see
    _story_keys), so a rebuild keys only the stories of days whose inputs changed.
    """
    plan = _Planner(site, index, versions, memo)
    pages = [*plan.home_pages(), *plan.day_and_story_pages(), *plan.section_pages(),
             *plan.company_pages(), *plan.topic_pages(), plan.trends_page(), plan.archive_page(),
             plan.search_page(), plan.not_found(), plan.corrections_page(),
             *plan.edition_pages()]
    return pages


def render_page(page: Page, context: dict[str, Any], env: jinja2.Environment) -> bytes:
    try:
        return env.get_template(page.template).render(context).encode("utf-8")
    except jinja2.TemplateError as error:
        raise template_error(error, page.path) from None


def home_crumb(ui: Interface) -> View:
    return {"url": "/", "title": ui.gettext("Home")}


_URL = attrgetter("url")
_DAY = attrgetter("day")


def modified_at(story: Story) -> str:
    """The time of its newest note, for the sitemap's lastmod, or ""."""
    modified = story.modified
    return modified.isoformat() if modified else ""


def _newest(days: Iterable[dt.date]) -> str:
    newest = max(days, default=None)
    return newest.isoformat() if newest else ""


class _Planner:
    """Knows the site and its lookups; each *_pages method yields pages with lazy views."""

    def __init__(self, site: Site, index: SiteIndex, versions: Versions | None,
                 memo: FileMemo | None = None) -> None:
        self.site = site
        self.index = index
        self.versions = versions
        self.memo = memo
        self.config = site.config
        self.site_feeds = feed_links("/", site.config.title)
        self.site_path = urlsplit(site.config.base_url).path.rstrip("/")  # for links in bodies
        # The words of each page language; the site's for the pages of the whole site.
        self.interfaces = Interfaces(site.config)
        self.ui = self.interfaces[site.config.language]
        self.lang = site.config.language
        # "More on" windows by company, then story url: of stories, and of their card stamps
        self._more: dict[str, dict[str, tuple[Any, ...]]] = {}
        self._more_stamps: dict[str, dict[str, tuple[Any, ...]]] = {}
        # Stories per week of the last 52 (trends.py): the charts and /trends/ show them.
        self.weeks = weekly_counts(site, index)
        self.newest = site.briefings[0].date if site.briefings else None

    # Keys --------------------------------------------------------------------------------------

    def _key(self, *parts: object) -> str:
        """What a page shows, as stamps of the stories and days on it and its own facts."""
        return stamp(*parts) if self.versions is not None else ""

    def _day(self, briefing: Briefing) -> str:
        return self.versions.days[briefing.date] if self.versions else ""

    def _story_key(self, day: str, position: int, story: Story) -> str:
        """Its day's stamp and exactly the cards of its "More on" lists, so a new day
        re-renders few stories (joined, not repr'd: there is one per story of the site)."""
        if self.versions is None:
            return ""
        parts = ["story", day, str(position)]
        known, made, url = self.index.companies, self._more_stamps, story.url
        for key in story.companies:
            if key in known:
                windows = made.get(key) or self._windows(key, made, self._card)
                window = windows.get(url, ())
                parts += (key, str(len(window)), *window)
        return stamp_text(*parts)

    def _stamp_of(self, subject: Company | Topic | None) -> str:
        """A company's or topic's stamp (versions.py): what its pages and links show of it."""
        if self.versions is None or subject is None:
            return ""
        if isinstance(subject, Company):
            return self.versions.companies[subject.key]
        return self.versions.topics[subject.slug]

    def _card(self, story: Story) -> str:
        return self.versions.cards[story.url] if self.versions else ""

    def _list_key(self, head: str, pagination: View, growing: object,
                  chunk: Sequence[Story]) -> str:
        """A list page's key: its list's stamp (head), its place, and its stories' cards."""
        if self.versions is None:
            return ""
        return stamp_text(head, repr(pagination), repr(growing),
                          *map(self.versions.cards.__getitem__, map(_URL, chunk)))

    def _windows(self, key: str, made: dict[str, dict[str, tuple[Any, ...]]],
                 of: Callable[[Story], Any]) -> dict[str, tuple[Any, ...]]:
        """The "More on" window of each story of the company, as of(story), made once (over
        card stamps for keys: one window per story, not a lookup per card shown)."""
        windows = made.get(key)
        if windows is None:
            stories = self.index.by_company.get(key, ())
            windows = dict(zip((s.url for s in stories),
                               neighbours([of(s) for s in stories], MORE_ON_NEWER,
                                          MORE_ON_COMPANY), strict=True))
            made[key] = windows
        return windows

    # Home, days and stories ------------------------------------------------------------------

    def home_pages(self) -> Iterator[Page]:
        for chunk, pagination in paginate(self.site.briefings, self.config.per_page, "/"):
            yield Page(path_for(pagination["url"]), "home.html",
                       partial(self._home_view, chunk, pagination), "home",
                       self._key("home", pagination, *(self._day(b) for b in chunk)),
                       _newest(b.date for b in chunk))

    def _home_view(self, chunk: list[Briefing], pagination: View) -> View:
        first = pagination["front"]
        title = self.config.title if first else self.ui.gettext(
            "%(title)s: page %(number)s", title=self.config.title, number=pagination["number"])
        return {
            "page": page_meta(self.config, pagination["url"], title, "home",
                              feeds=self.site_feeds,
                              linked_data=[website_data(self.config)] if first else []),
            "latest": briefing_view(chunk[0], self.index, self.site_path)
            if first and chunk else None,
            "days": [briefing_summary(b, self.index) for b in (chunk[1:] if first else chunk)],
            "pagination": pagination,
        }

    def _story_keys(self) -> list[tuple[str, ...]]:
        """Each day's story page keys, from the memo for days whose inputs are as they were.

        A story's key is its day's stamp, its place, and the cards of its "More on" windows,
        which come from its companies' lists: so a day's keys are kept by its stamp and the
        stamps of those lists. After an edit that leaves every card as it was, one day is
        keyed; a new day re-keys the days that share a company with it.
        """
        versions = self.versions
        briefings = self.site.briefings
        if versions is None:
            return [("",) * len(briefing.stories) for briefing in briefings]
        cards = versions.cards.__getitem__
        lists = {key: stamp_text(key, *map(cards, map(_URL, stories)))
                 for key, stories in self.index.by_company.items()
                 if key in self.index.companies}
        memo_keys = [stamp_text(versions.days[briefing.date], *(
            lists.get(key, "") for story in briefing.stories for key in story.companies))
            if self.memo is not None else "" for briefing in briefings]
        memo = self.memo
        kept = memo.get_many("story-keys", [key for key in memo_keys if key]) if memo else {}
        made = {}
        found = []
        for briefing, memo_key in zip(briefings, memo_keys, strict=True):
            stories = briefing.stories
            keys = kept.get(memo_key) if memo_key else None
            if not (isinstance(keys, tuple) and len(keys) == len(stories)
                    and all(isinstance(key, str) for key in keys)):
                day = versions.days[briefing.date]
                keys = tuple(self._story_key(day, position, story)
                             for position, story in enumerate(stories))
                if memo_key:
                    made[memo_key] = keys
            found.append(keys)
        if memo is not None:
            memo.put_many("story-keys", made)
            memo.retain("story-keys", {key for key in memo_keys if key})
        return found

    def day_and_story_pages(self) -> Iterator[Page]:
        briefings = self.site.briefings
        story_keys = self._story_keys()
        for number, briefing in enumerate(briefings):
            # A neighbouring day shows as its date in its language: its stories may change.
            around = [(briefings[n].date, briefings[n].lang) if 0 <= n < len(briefings)
                      else None for n in (number - 1, number + 1)]
            day = self._day(briefing)
            date = briefing.date.isoformat()  # each story's day is its briefing's
            yield Page(path_for(briefing.url), "day.html", partial(self._day_view, number),
                       briefing.source, self._key("day", day, *around),
                       max([date, *map(modified_at, briefing.stories)]))
            for position, (story, key) in enumerate(zip(briefing.stories, story_keys[number],
                                                        strict=True)):
                if key and has_own_card(story, self.newest):  # its preview shows its own card
                    key = stamp_text(key, "own-card")
                yield Page(path_for(story.url), "story.html",
                           partial(self._story_view, number, position), story.source, key,
                           modified_at(story) or date)

    def _day_crumbs(self, briefing: Briefing) -> list[View]:
        ui = self.interfaces[briefing.lang]
        return [home_crumb(ui), {"url": "/archive/", "title": ui.gettext("Archive")},
                {"url": briefing.url, "title": ui.short_date(briefing.date)}]

    def _day_view(self, number: int) -> View:
        briefings = self.site.briefings
        briefing = briefings[number]
        day = briefing_view(briefing, self.index, self.site_path)
        return {
            "page": page_meta(self.config, briefing.url, self.interfaces[briefing.lang].gettext(
                                  "%(title)s, %(date)s", title=briefing.title,
                                  date=day["date_text"]),
                              "day", lang=briefing.lang, feeds=self.site_feeds,
                              breadcrumbs=self._day_crumbs(briefing),
                              description=summarise(briefing.lead_text),
                              image=self._share_image(briefing, None)),
            "day": day,
            "newer": day_link(briefings[number - 1] if number > 0 else None, briefing.lang),
            "older": day_link(briefings[number + 1] if number + 1 < len(briefings) else None,
                              briefing.lang),
        }

    def _story_view(self, number: int, position: int) -> View:
        briefing = self.site.briefings[number]
        stories = briefing.stories
        story = stories[position]
        full = story_full(story, self.index, briefing.lang, heading_top=2,
                          site_path=self.site_path)
        published = released(day_start(self.config, briefing), story).isoformat()
        return {
            "page": page_meta(self.config, story.url, story.title, "story", lang=briefing.lang,
                              description=story.summary, feeds=self.site_feeds,
                              breadcrumbs=[*self._day_crumbs(briefing),
                                           {"url": story.url, "title": story.title}],
                              published=story.day, published_time=published,
                              section=story.section,
                              tags=[c["name"] for c in full["companies"]] +
                              [t["name"] for t in full["topics"]],
                              linked_data=[news_article_data(self.config, full, briefing.lang,
                                                             published)],
                              image=self._share_image(briefing, story)),
            "story": full,
            "day": {"url": briefing.url,
                    "date_text": self.interfaces[briefing.lang].long_date(briefing.date),
                    "title": briefing.title, "source_name": briefing.source_name},
            "search": search_tags(story, self.index, self.lang),
            "previous": story_link(stories[position - 1] if position > 0 else None),
            "next": story_link(stories[position + 1] if position + 1 < len(stories) else None),
            "day_stories": [story_link(other) for other in stories],
            "more": self._more_on_companies(story, briefing.lang),
        }

    def _share_image(self, briefing: Briefing, story: Story | None) -> View:
        """The share image a day or story page's previews show (share_images.py)."""
        card = page_card(self.site, self.index, briefing, story, self.interfaces[briefing.lang])
        return {"url": self.config.absolute("/" + card.path), "alt": card.alt}

    def _more_on_companies(self, story: Story, lang: str) -> list[View]:
        """For each company of the story, its other stories nearest in time, newest first."""
        more = []
        for key in story.companies:
            company = self.index.companies.get(key)
            if company is None:
                continue
            others = self._windows(key, self._more, lambda s: s).get(story.url, ())
            if others:
                more.append({"company": company_link(company, lang),
                             "stories": [story_card(s, self.index, lang) for s in others]})
        return more

    # Lists of stories: sections, companies, topics -------------------------------------------

    def _story_list_pages(self, base: str, kind: str, title: str, stories: Sequence[Story],
                          extra: Callable[[bool], View], feeds: list[View], crumbs: list[View],
                          description: str, about: View, facts_key: str = "",
                          front_key: object = ()) -> Iterator[Page]:
        """A paginated list of stories, newest first; `about` is its subject for JSON-LD.

        extra(front) is what a page shows beyond the stories: facts_key stamps what every page
        shows of it (a company's own facts), front_key what the front page alone shows (counts,
        related tags), since those change as the list grows and numbered pages must not.
        """
        head = self._key(kind, title, base, description, about, facts_key)
        for chunk, pagination in paginate(stories, self.config.per_page, base):
            front = pagination["front"]
            growing = (len(stories), front_key) if front else ()
            yield Page(path_for(pagination["url"]), f"{kind}.html",
                       partial(self._story_list_view, kind, title, chunk, len(stories),
                               pagination, extra, feeds, crumbs, description, about),
                       f"{kind} {title}", self._list_key(head, pagination, growing, chunk),
                       _newest(map(_DAY, chunk)))

    def _story_list_view(self, kind: str, title: str, chunk: list[Story], total: int,
                         pagination: View, extra: Callable[[bool], View], feeds: list[View],
                         crumbs: list[View], description: str, about: View) -> View:
        front = pagination["front"]
        page_title = title if front else self.ui.gettext(
            "%(title)s: page %(number)s", title=title, number=pagination["number"])
        return {
            "page": page_meta(self.config, pagination["url"], page_title, kind,
                              feeds=feeds, breadcrumbs=crumbs, description=description,
                              linked_data=[collection_data(
                                  self.config, pagination["url"], page_title, description,
                                  about, [story.url for story in chunk])]),
            "stories": [story_card(s, self.index, self.lang) for s in chunk],
            "story_count": total if front else None,
            "pagination": pagination,
            **extra(front),
        }

    def section_pages(self) -> Iterator[Page]:
        ui = self.ui
        listing = {"url": "/sections/", "title": ui.gettext("Sections")}
        yield Page("sections/index.html", "sections.html", lambda: {
            "page": page_meta(self.config, "/sections/", listing["title"], "sections",
                              feeds=self.site_feeds, breadcrumbs=[home_crumb(ui), listing]),
            "sections": [{"name": s.name, "url": f"/sections/{s.slug}/",
                          "count": len(s.stories)} for s in self.index.sections],
        }, "sections")
        for section in self.index.sections:
            base = f"/sections/{section.slug}/"
            yield from self._story_list_pages(
                base, "section", section.name, section.stories,
                partial(self._section_extra, section.name, base),
                [*feed_links(base, f"{self.config.title}: {section.name}"), *self.site_feeds],
                [home_crumb(ui), listing, {"url": base, "title": section.name}],
                ui.gettext("Every story of the %(desk)s desk, newest first.", desk=section.name),
                {"@type": "Thing", "name": section.name})

    @staticmethod
    def _section_extra(name: str, base: str, front: bool) -> View:
        return {"section": {"name": name, "url": base, "feeds": feed_links(base, name)}}

    def company_pages(self) -> Iterator[Page]:
        ui, lang = self.ui, self.lang
        listing = {"url": "/companies/", "title": ui.gettext("Companies")}
        companies = sorted(self.index.companies.values(),
                           key=lambda c: (c.name.casefold(), c.key))
        yield Page("companies/index.html", "companies.html",
                   partial(self._companies_view, companies, listing), "companies")
        for company in companies:
            name = company_link(company, lang)["name"]
            label = f"{name} ({company.ticker})" if company.ticker else name
            yield from self._story_list_pages(
                company.url, "company", label, self.index.by_company.get(company.key, ()),
                partial(self._company_extra, company),
                [*feed_links(company.url, f"{self.config.title}: {name}"),
                 *self.site_feeds],
                [home_crumb(ui), listing, {"url": company.url, "title": name}],
                company.description or ui.gettext("Every story about %(company)s, newest "
                                                  "first.", company=label),
                corporation(self.config, company_link(company, lang)), self._stamp_of(company),
                ([(slug, count, self._stamp_of(self.index.topics.get(slug))) for slug, count
                  in self.index.related_topics.get(company.key, ())],
                 self.weeks.starts[-1:], self.weeks.of_company(company.key)))

    def _companies_view(self, companies: list[Company], listing: View) -> View:
        groups: dict[str, list[View]] = {}
        for company in companies:
            letter = company.name[:1].upper()
            letter = letter if "A" <= letter <= "Z" else "#"
            groups.setdefault(letter, []).append(
                {**company_link(company, self.lang),
                 "count": len(self.index.by_company.get(company.key, ()))})
        return {
            "page": page_meta(self.config, "/companies/", listing["title"], "companies",
                              feeds=self.site_feeds, breadcrumbs=[home_crumb(self.ui), listing],
                              description=self.ui.gettext(
                                  "Every company in the briefings, A to Z.")),
            "groups": [{"letter": letter, "companies": groups[letter]}
                       for letter in sorted(groups)],
        }

    def _company_extra(self, company: Company, front: bool) -> View:
        related = [dict(topic_link(self.index.topics[slug], self.lang), count=count)
                   for slug, count in self.index.related_topics.get(company.key, ())
                   if slug in self.index.topics] if front else []
        link = company_link(company, self.lang)
        return {"company": {**link, "description": company.description,
                            "website": company.website, "aliases": list(company.aliases),
                            "feeds": feed_links(company.url, link["name"])},
                "related_topics": related,
                "chart": chart_view(self.weeks.starts, self.weeks.of_company(company.key),
                                    link["name"], self.ui) if front else None}

    def topic_pages(self) -> Iterator[Page]:
        ui, lang = self.ui, self.lang
        listing = {"url": "/topics/", "title": ui.gettext("Topics")}
        topics = sorted(self.index.topics.values(), key=lambda t: (t.name.casefold(), t.slug))
        yield Page("topics/index.html", "topics.html", lambda: {
            "page": page_meta(self.config, "/topics/", listing["title"], "topics",
                              feeds=self.site_feeds, breadcrumbs=[home_crumb(ui), listing],
                              description=ui.gettext(
                                  "Technologies, industries and corporate events.")),
            "topics": [{**topic_link(t, lang), "description": t.description,
                        "count": len(self.index.by_topic.get(t.slug, ()))} for t in topics],
        }, "topics")
        for topic in topics:
            name = topic_link(topic, lang)["name"]
            yield from self._story_list_pages(
                topic.url, "topic", name, self.index.by_topic.get(topic.slug, ()),
                partial(self._topic_extra, topic),
                [*feed_links(topic.url, f"{self.config.title}: {name}"),
                 *self.site_feeds],
                [home_crumb(ui), listing, {"url": topic.url, "title": name}],
                topic.description or ui.gettext("Every story on %(topic)s, newest first.",
                                                topic=name),
                {"@type": "Thing", "name": name}, self._stamp_of(topic),
                ([(key, count, self._stamp_of(self.index.companies.get(key))) for key, count
                  in self.index.related_companies.get(topic.slug, ())],
                 self.weeks.starts[-1:], self.weeks.of_topic(topic.slug)))

    def _topic_extra(self, topic: Topic, front: bool) -> View:
        related = [dict(company_link(self.index.companies[key], self.lang), count=count)
                   for key, count in self.index.related_companies.get(topic.slug, ())
                   if key in self.index.companies] if front else []
        link = topic_link(topic, self.lang)
        return {"topic": {**link, "description": topic.description,
                          "feeds": feed_links(topic.url, link["name"])},
                "related_companies": related,
                "chart": chart_view(self.weeks.starts, self.weeks.of_topic(topic.slug),
                                    link["name"], self.ui) if front else None}

    def edition_pages(self) -> Iterator[Page]:
        """Each day's email edition (edition.py): its HTML and text parts, from one view that
        shows what the day's stamp covers."""
        for briefing in self.site.briefings:
            view = partial(self._edition_view, briefing)
            key = self._key("email", self._day(briefing))
            for path, template in edition_files(briefing.date):
                yield Page(path, template, view, briefing.source, key)

    def _edition_view(self, briefing: Briefing) -> View:
        return edition_view(self.config, self.index, briefing, self.interfaces[briefing.lang])

    # Trends, archive, search and 404 ---------------------------------------------------------

    def trends_page(self) -> Page:
        """/trends/ (trends_page.py): keyed by the numbers of its weeks and the stamps of the
        subjects it names, so it is rendered again only when those change."""
        lists = trend_lists(self.weeks)
        companies, topics = lists.subjects()
        key = self._key("trends", trends_inputs(self.weeks, lists),
                        sorted((k, self._stamp_of(self.index.companies.get(k))) for k in companies),
                        sorted((k, self._stamp_of(self.index.topics.get(k))) for k in topics))
        return Page("trends/index.html", "trends.html", partial(self._trends_view, lists),
                    "trends", key, self.newest.isoformat() if self.newest else "")

    def _trends_view(self, lists: Any) -> View:
        ui = self.ui
        crumb = {"url": "/trends/", "title": ui.gettext("Trends")}
        page = page_meta(self.config, "/trends/", crumb["title"], "trends", feeds=self.site_feeds,
                         breadcrumbs=[home_crumb(ui), crumb],
                         description=ui.gettext("The companies and topics rising this week, "
                                                "and the most mentioned."))
        return trends_view(self.index, self.weeks, lists, ui, page)

    # Archive, search and 404 -----------------------------------------------------------------

    def archive_page(self) -> Page:
        return Page("archive/index.html", "archive.html", self._archive_view, "archive")

    def _archive_view(self) -> View:
        years: dict[int, dict[int, list[View]]] = {}
        for briefing in self.site.briefings:
            years.setdefault(briefing.date.year, {}).setdefault(briefing.date.month, []).append(
                {**(day_link(briefing, self.lang) or {}), "title": briefing.title,
                 "story_count": len(briefing.stories), "day": briefing.date.day})
        ui = self.ui
        return {
            "page": page_meta(self.config, "/archive/", ui.gettext("Archive"), "archive",
                              feeds=self.site_feeds,
                              breadcrumbs=[home_crumb(ui), {"url": "/archive/",
                                                            "title": ui.gettext("Archive")}],
                              description=ui.gettext("Every briefing, by year and month.")),
            "years": [{"year": year, "months": [
                {"month": month, "name": ui.month_year(year, month),
                 "id": f"y{year}-{month:02d}",
                 "days": days} for month, days in months.items()]}
                for year, months in years.items()],
            "day_count": len(self.site.briefings),
            "story_count": len(self.index.stories),
        }

    def search_page(self) -> Page:
        return Page("search/index.html", "search.html", self._search_view, "search")

    def _search_view(self) -> View:
        """The search box, and for readers without JavaScript the ways to browse instead."""
        counts = {key: len(stories) for key, stories in self.index.by_company.items()}
        busiest = sorted((c for c in self.index.companies.values() if counts.get(c.key)),
                         key=lambda c: (-counts[c.key], c.name.casefold(), c.key))
        ui = self.ui
        return {
            "page": page_meta(self.config, "/search/", ui.gettext("Search"), "search",
                              feeds=self.site_feeds,
                              breadcrumbs=[home_crumb(ui), {"url": "/search/",
                                                            "title": ui.gettext("Search")}],
                              description=ui.gettext("Search every story by words, company, "
                                                     "topic or section.")),
            "sections": [{"name": s.name, "url": f"/sections/{s.slug}/"}
                         for s in self.index.sections],
            "companies": [company_link(c, self.lang) for c in busiest[:SEARCH_PAGE_COMPANIES]],
            "story_count": len(self.index.stories),
        }

    def corrections_page(self) -> Page:
        """/corrections/ (corrections.py): keyed by the stamps of the stories it lists, which
        cover their notes, in its order."""
        stories = corrected_stories(self.index)
        return Page(CORRECTIONS_PATH, "corrections.html",
                    partial(corrections_view, self.config, self.index, self.ui,
                            home_crumb(self.ui)), "corrections",
                    self._key("corrections", *(self.versions.stories[s.url] for s in stories))
                    if self.versions else "",
                    max((modified_at(s) for s in stories), default=""))

    def not_found(self) -> Page:
        return Page("404.html", "404.html", lambda: {
            "page": page_meta(self.config, "/404.html", self.ui.gettext("Page not found"), "404",
                              feeds=self.site_feeds)}, "404")
