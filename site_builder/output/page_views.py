"""Each page kind: the record of what its view reads (its inputs), and its view.

A page's view is a function of its inputs record and of the Chrome (the config, the
catalogs' words, and the companies and topics named by the stories it shows); its key is the
Stamper's stamp of the same record (incremental/keys.py). So a template variable fed from
content is a field of a record here and a line in its view, and the key follows by itself.
pages.py plans the pages: which exist, and each one's record.

What the Chrome holds is keyed elsewhere: the config and catalogs by the theme's hash, a
company or topic by the stamp of every story or card that names it (versions.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from site_builder.bodies import Bodies
from site_builder.config import SiteConfig
from site_builder.content.split import summarise
from site_builder.incremental.keys import Cards
from site_builder.index import SiteIndex
from site_builder.model import Briefing, Company, Site, Story, Topic, card
from site_builder.output import corrections
from site_builder.output.charts import chart_view
from site_builder.output.edition import edition_view
from site_builder.output.feed_times import released
from site_builder.output.feeds import day_start
from site_builder.output.i18n import Interface, Interfaces
from site_builder.output.share_images import page_card
from site_builder.output.trends import weekly_counts
from site_builder.output.trends_page import trend_lists
from site_builder.output.trends_page import trends_view as trends_page_view
from site_builder.output.views import (
    Head,
    briefing_summary,
    briefing_view,
    collection_data,
    company_link,
    corporation,
    day_link,
    feed_links,
    news_article_data,
    note_views,
    page_meta,
    search_tags,
    story_card,
    story_full,
    story_link,
    topic_link,
    website_data,
)

View = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Names:
    """The site's companies and topics by key, for the tags of the stories a view shows."""

    companies: Mapping[str, Company]
    topics: Mapping[str, Topic]


@dataclass(frozen=True, slots=True)
class Chrome:
    """What every view may read beside its inputs, none of it content a page key must cover:
    the config and the catalogs' words (the theme hash's), the site's feeds and path (the
    config's), and `names`, where a view looks up only the tags of stories of its inputs."""

    config: SiteConfig
    interfaces: Interfaces
    names: Names
    site_feeds: list[View]
    site_path: str  # the path the site lives under, for links in bodies
    bodies: Bodies  # where the stories' bodies are read (bodies.py)

    @property
    def lang(self) -> str:
        return self.config.language

    @property
    def ui(self) -> Interface:
        """The words of the pages of the whole site, in its language."""
        return self.interfaces[self.config.language]


@dataclass(frozen=True, slots=True)
class DayRef:
    """A neighbouring day as a link shows it: its date, in its language."""

    date: dt.date
    lang: str

    @property
    def url(self) -> str:
        return f"/{self.date:%Y/%m/%d}/"


@dataclass(frozen=True, slots=True)
class HomeInputs:
    briefings: tuple[Briefing, ...]  # newest first; on the front page the first shows whole
    pagination: View


@dataclass(frozen=True, slots=True)
class DayInputs:
    briefing: Briefing
    newer: DayRef | None
    older: DayRef | None


@dataclass(frozen=True, slots=True)
class StoryInputs:
    briefing: Briefing  # its day: the story, its neighbours in the day, the day's facts
    position: int  # the story's place among the day's stories
    more: tuple[tuple[str, Cards], ...]  # "More on": (company key, its nearest stories)
    own_card: bool = False  # its previews show its own share image, not its day's


@dataclass(frozen=True, slots=True)
class SectionSubject:
    """A desk, as the subject of its list pages."""

    name: str
    url: str


@dataclass(frozen=True, slots=True)
class ListInputs:
    """One page of a desk's, company's or topic's stories, newest first."""

    kind: str  # "section", "company", "topic": the template and the page kind
    title: str
    stories: Cards
    total: int | None  # the list's length, shown on its front page only
    pagination: View
    subject: SectionSubject | Company | Topic  # its feeds, crumbs and description come of it
    related: tuple[tuple[Company | Topic, int], ...]  # the front page's related tags
    chart: WeekCounts | None = None  # the front page's chart of a company's or topic's weeks


@dataclass(frozen=True, slots=True)
class WeekCounts:
    """Stories per week of the site's last 52 (trends.py), as a chart shows them."""

    starts: tuple[dt.date, ...]
    counts: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class EditionInputs:
    briefing: Briefing


@dataclass(frozen=True, slots=True)
class CorrectionsInputs:
    stories: tuple[Story, ...]  # every corrected or updated story, newest note first


@dataclass(frozen=True, slots=True)
class WholeSite:
    """The inputs of a page about the whole site (archive, search, the A to Z lists, 404).

    Too broad to stamp, and there are only a handful of such pages: these are keyed by their
    view's hash instead (render.py), which covers whatever the view reads.
    """

    site: Site
    index: SiteIndex


# Views ----------------------------------------------------------------------------------

def home_crumb(ui: Interface) -> View:
    return {"url": "/", "title": ui.gettext("Home")}


def top_crumbs(ui: Interface, url: str, title: str) -> list[View]:
    """The breadcrumbs of a page one level below home (the A to Z lists, the archive,
    search): every other page's start with them."""
    return [home_crumb(ui), {"url": url, "title": title}]


def day_crumbs(chrome: Chrome, briefing: Briefing) -> list[View]:
    ui = chrome.interfaces[briefing.lang]
    return [*top_crumbs(ui, "/archive/", ui.gettext("Archive")),
            {"url": briefing.url, "title": ui.short_date(briefing.date)}]


def home_view(inputs: HomeInputs, chrome: Chrome) -> View:
    config, pagination, chunk = chrome.config, inputs.pagination, inputs.briefings
    first = pagination["front"]
    title = config.title if first else chrome.ui.gettext(
        "%(title)s: page %(number)s", title=config.title, number=pagination["number"])
    return {
        "page": page_meta(config, Head(pagination["url"], title, "home", feeds=chrome.site_feeds,
                          linked_data=[website_data(config)] if first else [])),
        "latest": briefing_view(chunk[0], chrome.names, chrome.site_path, chrome.bodies)
        if first and chunk else None,
        "days": [briefing_summary(b, chrome.names) for b in (chunk[1:] if first else chunk)],
        "pagination": pagination,
    }


def day_view(inputs: DayInputs, chrome: Chrome) -> View:
    briefing = inputs.briefing
    day = briefing_view(briefing, chrome.names, chrome.site_path, chrome.bodies)
    return {
        "page": page_meta(chrome.config, Head(briefing.url,
                          chrome.interfaces[briefing.lang].gettext(
                              "%(title)s, %(date)s", title=briefing.title,
                              date=day["date_text"]),
                          "day", lang=briefing.lang, feeds=chrome.site_feeds,
                          breadcrumbs=day_crumbs(chrome, briefing),
                          description=summarise(briefing.lead_text),
                          image=share_image(chrome, briefing, None))),
        "day": day,
        "newer": day_link(inputs.newer, briefing.lang),
        "older": day_link(inputs.older, briefing.lang),
    }


def story_view(inputs: StoryInputs, chrome: Chrome) -> View:
    briefing, config = inputs.briefing, chrome.config
    stories = briefing.stories
    position = inputs.position
    story = stories[position]
    full = story_full(story, chrome.names, briefing.lang, heading_top=2,
                      site_path=chrome.site_path, bodies=chrome.bodies)
    published = released(day_start(config, briefing), story).isoformat()
    return {
        "page": page_meta(config, Head(story.url, story.title, "story", lang=briefing.lang,
                          description=story.summary, feeds=chrome.site_feeds,
                          breadcrumbs=[*day_crumbs(chrome, briefing),
                                       {"url": story.url, "title": story.title}],
                          published=story.day, published_time=published,
                          section=story.section,
                          tags=[c["name"] for c in full["companies"]] +
                          [t["name"] for t in full["topics"]],
                          linked_data=[news_article_data(config, full, briefing.lang,
                                                         published)],
                          image=share_image(chrome, briefing,
                                            story if inputs.own_card else None))),
        "story": full,
        "day": {"url": briefing.url,
                "date_text": chrome.interfaces[briefing.lang].long_date(briefing.date),
                "title": briefing.title, "source_name": briefing.source_name},
        "search": search_tags(story, chrome.names, chrome.lang),
        "previous": story_link(stories[position - 1] if position > 0 else None),
        "next": story_link(stories[position + 1] if position + 1 < len(stories) else None),
        "day_stories": [story_link(other) for other in stories],
        "more": [{"company": company_link(chrome.names.companies[key], briefing.lang),
                  "stories": [story_card(card(s), chrome.names, briefing.lang)
                              for s in others]}
                 for key, others in inputs.more],
    }


def list_view(inputs: ListInputs, chrome: Chrome) -> View:
    """A page of a desk's, company's or topic's stories, with what it shows of its subject."""
    config, pagination, kind = chrome.config, inputs.pagination, inputs.kind
    front = pagination["front"]
    page_title = inputs.title if front else chrome.ui.gettext(
        "%(title)s: page %(number)s", title=inputs.title, number=pagination["number"])
    feeds, crumbs, description, about = _list_head(inputs, chrome)
    return {
        "page": page_meta(config, Head(pagination["url"], page_title, kind,
                          feeds=feeds, breadcrumbs=crumbs, description=description,
                          linked_data=[collection_data(
                              config, pagination["url"], page_title, description,
                              about, [story.url for story in inputs.stories])])),
        "stories": [story_card(card(s), chrome.names, chrome.lang) for s in inputs.stories],
        "story_count": inputs.total,
        "pagination": pagination,
        **_subject(inputs, chrome.lang),
        **({"chart": _chart(inputs, chrome)} if inputs.kind != "section" else {}),
    }


def _list_head(inputs: ListInputs, chrome: Chrome) -> tuple[list[View], list[View], str, View]:
    """What a list's pages say of its subject: its feeds (then the site's), its breadcrumbs,
    its description and its JSON-LD `about`, all of the subject and the site's words."""
    config, ui, lang, subject = chrome.config, chrome.ui, chrome.lang, inputs.subject
    if isinstance(subject, SectionSubject):
        name, url, listing = subject.name, subject.url, ("/sections/", ui.gettext("Sections"))
        description = ui.gettext("Every story of the %(desk)s desk, newest first.", desk=name)
        about: View = {"@type": "Thing", "name": name}
    elif isinstance(subject, Company):
        link = company_link(subject, lang)
        name, url, listing = link["name"], subject.url, ("/companies/", ui.gettext("Companies"))
        description = subject.description or ui.gettext(
            "Every story about %(company)s, newest first.", company=inputs.title)
        about = corporation(config, link)
    else:
        name, url, listing = (topic_link(subject, lang)["name"], subject.url,
                              ("/topics/", ui.gettext("Topics")))
        description = subject.description or ui.gettext(
            "Every story on %(topic)s, newest first.", topic=name)
        about = {"@type": "Thing", "name": name}
    crumbs = [*top_crumbs(ui, *listing), {"url": url, "title": name}]
    return ([*feed_links(url, f"{config.title}: {name}"), *chrome.site_feeds], crumbs,
            description, about)


def share_image(chrome: Chrome, briefing: Briefing, story: Story | None) -> View:
    """The share image a day's or story's previews show (share_images.py): the story's own
    when given, else its day's."""
    card = page_card(chrome.config, chrome.names.companies, briefing, story,
                     chrome.interfaces[briefing.lang])
    return {"url": chrome.config.absolute("/" + card.path), "alt": card.alt}


def _chart(inputs: ListInputs, chrome: Chrome) -> View | None:
    """A company's or topic's stories per week, on its list's front page."""
    if inputs.chart is None:
        return None
    subject = inputs.subject
    name = (company_link(subject, chrome.lang) if isinstance(subject, Company)
            else topic_link(subject, chrome.lang) if isinstance(subject, Topic)
            else {"name": inputs.title})["name"]
    return chart_view(inputs.chart.starts, inputs.chart.counts, name, chrome.ui)


def _subject(inputs: ListInputs, lang: str) -> View:
    subject = inputs.subject
    if isinstance(subject, SectionSubject):
        return {"section": {"name": subject.name, "url": subject.url,
                            "feeds": feed_links(subject.url, subject.name)}}
    related = [dict(company_link(tag, lang) if isinstance(tag, Company)
                    else topic_link(tag, lang), count=count) for tag, count in inputs.related]
    if isinstance(subject, Company):
        link = company_link(subject, lang)
        return {"company": {**link, "description": subject.description,
                            "website": subject.website, "aliases": list(subject.aliases),
                            "feeds": feed_links(subject.url, link["name"])},
                "related_topics": related}
    assert isinstance(subject, Topic)
    link = topic_link(subject, lang)
    return {"topic": {**link, "description": subject.description,
                      "feeds": feed_links(subject.url, link["name"])},
            "related_companies": related}


def edition_page_view(inputs: EditionInputs, chrome: Chrome) -> View:
    briefing = inputs.briefing
    return edition_view(chrome.config, chrome.names, briefing, chrome.interfaces[briefing.lang])


# Pages about the whole site: keyed by their view's hash (WholeSite) ------------

SEARCH_PAGE_COMPANIES = 24  # the most covered companies, offered when search cannot run


def sections_view(inputs: WholeSite, chrome: Chrome) -> View:
    ui = chrome.ui
    title = ui.gettext("Sections")
    return {
        "page": page_meta(chrome.config, Head("/sections/", title, "sections",
                          feeds=chrome.site_feeds,
                          breadcrumbs=top_crumbs(ui, "/sections/", title))),
        "sections": [{"name": s.name, "url": f"/sections/{s.slug}/",
                      "count": len(s.stories)} for s in inputs.index.sections],
    }


def companies_view(inputs: WholeSite, chrome: Chrome) -> View:
    index, ui, lang = inputs.index, chrome.ui, chrome.lang
    title = ui.gettext("Companies")
    groups: dict[str, list[View]] = {}
    for company in sorted(index.companies.values(), key=lambda c: (c.name.casefold(), c.key)):
        letter = company.name[:1].upper()
        letter = letter if "A" <= letter <= "Z" else "#"
        groups.setdefault(letter, []).append(
            {**company_link(company, lang), "count": len(index.by_company.get(company.key, ()))})
    return {
        "page": page_meta(chrome.config, Head("/companies/", title, "companies",
                          feeds=chrome.site_feeds,
                          breadcrumbs=top_crumbs(ui, "/companies/", title),
                          description=ui.gettext("Every company in the briefings, A to Z."))),
        "groups": [{"letter": letter, "companies": groups[letter]}
                   for letter in sorted(groups)],
    }


def topics_view(inputs: WholeSite, chrome: Chrome) -> View:
    index, ui, lang = inputs.index, chrome.ui, chrome.lang
    title = ui.gettext("Topics")
    topics = sorted(index.topics.values(), key=lambda t: (t.name.casefold(), t.slug))
    return {
        "page": page_meta(chrome.config, Head("/topics/", title, "topics",
                          feeds=chrome.site_feeds, breadcrumbs=top_crumbs(ui, "/topics/", title),
                          description=ui.gettext(
                              "Technologies, industries and corporate events."))),
        "topics": [{**topic_link(t, lang), "description": t.description,
                    "count": len(index.by_topic.get(t.slug, ()))} for t in topics],
    }


def archive_view(inputs: WholeSite, chrome: Chrome) -> View:
    years: dict[int, dict[int, list[View]]] = {}
    for briefing in inputs.site.briefings:
        years.setdefault(briefing.date.year, {}).setdefault(briefing.date.month, []).append(
            {**(day_link(briefing, chrome.lang) or {}), "title": briefing.title,
             "story_count": len(briefing.stories), "day": briefing.date.day})
    ui = chrome.ui
    return {
        "page": page_meta(chrome.config, Head("/archive/", ui.gettext("Archive"), "archive",
                          feeds=chrome.site_feeds,
                          breadcrumbs=top_crumbs(ui, "/archive/", ui.gettext("Archive")),
                          description=ui.gettext("Every briefing, by year and month."))),
        "years": [{"year": year, "months": [
            {"month": month, "name": ui.month_year(year, month),
             "id": f"y{year}-{month:02d}",
             "days": days} for month, days in months.items()]}
            for year, months in years.items()],
        "day_count": len(inputs.site.briefings),
        "story_count": len(inputs.index.stories),
    }


def search_view(inputs: WholeSite, chrome: Chrome) -> View:
    """The search box, and for readers without JavaScript the ways to browse instead."""
    index = inputs.index
    counts = {key: len(stories) for key, stories in index.by_company.items()}
    busiest = sorted((c for c in index.companies.values() if counts.get(c.key)),
                     key=lambda c: (-counts[c.key], c.name.casefold(), c.key))
    ui = chrome.ui
    return {
        "page": page_meta(chrome.config, Head("/search/", ui.gettext("Search"), "search",
                          feeds=chrome.site_feeds,
                          breadcrumbs=top_crumbs(ui, "/search/", ui.gettext("Search")),
                          description=ui.gettext("Search every story by words, company, "
                                                 "topic or section."))),
        "sections": [{"name": s.name, "url": f"/sections/{s.slug}/"} for s in index.sections],
        "companies": [company_link(c, chrome.lang) for c in busiest[:SEARCH_PAGE_COMPANIES]],
        "story_count": len(index.stories),
    }


def trends_view(inputs: WholeSite, chrome: Chrome) -> View:
    """/trends/ (trends_page.py): the subjects rising this week and the most mentioned."""
    ui = chrome.ui
    title = ui.gettext("Trends")
    page = page_meta(chrome.config, Head("/trends/", title, "trends",
                     feeds=chrome.site_feeds, breadcrumbs=top_crumbs(ui, "/trends/", title),
                     description=ui.gettext("The companies and topics rising this week, "
                                            "and the most mentioned.")))
    weeks = weekly_counts(inputs.site, inputs.index)
    return trends_page_view(inputs.index, weeks, trend_lists(weeks), ui, page)


def not_found_view(inputs: WholeSite, chrome: Chrome) -> View:
    return {"page": page_meta(chrome.config, Head("/404.html", chrome.ui.gettext("Page not found"),
                              "404", feeds=chrome.site_feeds))}


def corrections_view(inputs: CorrectionsInputs, chrome: Chrome) -> View:
    """/corrections/: each story with its day and its notes, in the site's language."""
    config, ui, lang, url = chrome.config, chrome.ui, chrome.lang, corrections.URL
    title = ui.gettext("Corrections and updates")
    feeds = feed_links(url, corrections.feed_title(config, ui))
    return {
        "page": page_meta(config, Head(url, title, "corrections", feeds=feeds,
                          breadcrumbs=top_crumbs(ui, url, title),
                          description=corrections.description(ui))),
        "feeds": feeds,
        "stories": [{**story_card(card(story), chrome.names, lang),
                     "notes": note_views(story, lang)} for story in inputs.stories],
    }
