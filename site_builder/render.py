"""Stage 4, render: plan every HTML page of the site, then render each through the theme."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import jinja2

from site_builder.config import SiteConfig
from site_builder.dates import month_name
from site_builder.index import SiteIndex
from site_builder.model import Site, Story
from site_builder.split import summarise
from site_builder.templates import template_error
from site_builder.views import (
    View, briefing_summary, briefing_view, company_link, day_link, feed_links, page_meta,
    story_card, story_full, story_link, topic_link,
)

MORE_ON_COMPANY = 5


@dataclass(frozen=True, slots=True)
class Page:
    """One HTML file to write: where, with which template, from which view."""

    path: str  # relative to the output folder, "2025/03/27/index.html"
    template: str
    context: dict[str, Any]
    source: str  # what it was made from, for collision messages

    def fingerprint(self, theme_hash: str) -> str:
        """Same fingerprint, same bytes: the page's view and the theme are all it depends on."""
        data = json.dumps([self.template, self.context], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256((theme_hash + data).encode("utf-8", "surrogatepass")).hexdigest()


def path_for(url: str) -> str:
    """Pretty URLs: "/2025/03/27/" is written as "2025/03/27/index.html"."""
    return url.strip("/") + "/index.html" if url.strip("/") else "index.html"


def plan_pages(site: Site, index: SiteIndex) -> list[Page]:
    """Every HTML page of the site, in a stable order."""
    config = site.config
    site_feeds = feed_links("/", config.title)
    pages = [*_home_pages(site, index, site_feeds), *_day_and_story_pages(site, index, site_feeds)]
    pages += _section_pages(config, index, site_feeds)
    pages += _company_pages(config, index, site_feeds)
    pages += _topic_pages(config, index, site_feeds)
    pages.append(_archive_page(site, index, site_feeds))
    pages.append(Page("404.html", "404.html",
                      {"page": page_meta(config, "/404.html", "Page not found", "404",
                                         feeds=site_feeds)}, "404"))
    return pages


def render_pages(pages: Sequence[Page], env: jinja2.Environment) -> Iterator[tuple[str, bytes]]:
    for page in pages:
        yield page.path, render_page(page, env)


def render_page(page: Page, env: jinja2.Environment) -> bytes:
    try:
        return env.get_template(page.template).render(page.context).encode("utf-8")
    except jinja2.TemplateError as error:
        raise template_error(error, page.path) from None


def paginate(items: Sequence[Any], per_page: int, base_url: str) -> list[tuple[list[Any], View]]:
    """Chunks of items with the links between them; page 1 lives at base_url itself."""
    chunks = [list(items[i:i + per_page]) for i in range(0, len(items), per_page)] or [[]]
    total = len(chunks)

    def url(number: int) -> str:
        return base_url if number == 1 else f"{base_url}page/{number}/"

    return [
        (chunk, {"number": number, "total": total, "url": url(number),
                 "prev_url": url(number - 1) if number > 1 else None,
                 "next_url": url(number + 1) if number < total else None})
        for number, chunk in enumerate(chunks, start=1)
    ]


def _home_pages(site: Site, index: SiteIndex, feeds: list[View]) -> Iterator[Page]:
    config = site.config
    latest = site.briefings[0] if site.briefings else None
    for chunk, pagination in paginate(site.briefings, config.per_page, "/"):
        first = pagination["number"] == 1
        title = config.title if first else f"{config.title}: page {pagination['number']}"
        yield Page(path_for(pagination["url"]), "home.html", {
            "page": page_meta(config, pagination["url"], title, "home", feeds=feeds),
            "latest": briefing_view(latest, index) if first and latest else None,
            "days": [briefing_summary(b, index) for b in (chunk[1:] if first else chunk)],
            "pagination": pagination,
        }, "home")


def _day_and_story_pages(site: Site, index: SiteIndex, feeds: list[View]) -> Iterator[Page]:
    config = site.config
    briefings = site.briefings
    for number, briefing in enumerate(briefings):
        newer = briefings[number - 1] if number > 0 else None
        older = briefings[number + 1] if number + 1 < len(briefings) else None
        day = briefing_view(briefing, index)
        crumbs = [{"url": "/", "title": "Home"}, {"url": "/archive/", "title": "Archive"},
                  {"url": briefing.url, "title": day["short_date"]}]
        yield Page(path_for(briefing.url), "day.html", {
            "page": page_meta(config, briefing.url, f"{briefing.title}, {day['date_text']}",
                              "day", lang=briefing.lang, feeds=feeds, breadcrumbs=crumbs,
                              description=summarise(briefing.lead_text)),
            "day": day, "newer": day_link(newer), "older": day_link(older),
        }, str(briefing.source))
        stories = briefing.stories
        for position, story in enumerate(stories):
            yield Page(path_for(story.url), "story.html", {
                "page": page_meta(config, story.url, story.title, "story", lang=briefing.lang,
                                  description=story.summary, feeds=feeds,
                                  breadcrumbs=[*crumbs, {"url": story.url,
                                                         "title": story.title}],
                                  published=story.day),
                "story": story_full(story, index, briefing.lang),
                "day": {"url": briefing.url, "date_text": day["date_text"],
                        "title": briefing.title, "source_name": briefing.source_name},
                "previous": story_link(stories[position - 1] if position > 0 else None),
                "next": story_link(stories[position + 1] if position + 1 < len(stories)
                                   else None),
                "more": _more_on_companies(story, index, briefing.lang),
            }, str(story.source))


def _more_on_companies(story: Story, index: SiteIndex, lang: str) -> list[View]:
    """For each company of the story, its latest other stories."""
    more = []
    for key in story.companies:
        company = index.companies.get(key)
        if company is None:
            continue
        others = [s for s in index.by_company.get(key, ())[:MORE_ON_COMPANY + 1]
                  if s.url != story.url][:MORE_ON_COMPANY]
        if others:
            more.append({"company": company_link(company),
                         "stories": [story_card(s, index, lang) for s in others]})
    return more


def _story_list_pages(config: SiteConfig, index: SiteIndex, base: str, kind: str,
                      title: str, stories: Sequence[Story], extra: dict[str, Any],
                      feeds: list[View], crumbs: list[View], description: str) -> Iterator[Page]:
    """A paginated list of stories, newest first: section, company and topic pages."""
    for chunk, pagination in paginate(stories, config.per_page, base):
        page_title = title if pagination["number"] == 1 else \
            f"{title}: page {pagination['number']}"
        yield Page(path_for(pagination["url"]), f"{kind}.html", {
            "page": page_meta(config, pagination["url"], page_title, kind, feeds=feeds,
                              breadcrumbs=crumbs, description=description),
            "stories": [story_card(s, index, config.language) for s in chunk],
            "story_count": len(stories),
            "pagination": pagination,
            **extra,
        }, f"{kind} {title}")


def _section_pages(config: SiteConfig, index: SiteIndex, site_feeds: list[View]) -> Iterator[Page]:
    home = {"url": "/", "title": "Home"}
    listing = {"url": "/sections/", "title": "Sections"}
    yield Page("sections/index.html", "sections.html", {
        "page": page_meta(config, "/sections/", "Sections", "sections", feeds=site_feeds,
                          breadcrumbs=[home, listing]),
        "sections": [{"name": s.name, "url": f"/sections/{s.slug}/", "count": len(s.stories)}
                     for s in index.sections],
    }, "sections")
    for section in index.sections:
        base = f"/sections/{section.slug}/"
        yield from _story_list_pages(
            config, index, base, "section", section.name, section.stories,
            {"section": {"name": section.name, "url": base, "feeds": feed_links(base,
                                                                                section.name)}},
            [*feed_links(base, f"{config.title}: {section.name}"), *site_feeds],
            [home, listing, {"url": base, "title": section.name}],
            f"Every story of the {section.name} desk, newest first.")


def _company_pages(config: SiteConfig, index: SiteIndex, site_feeds: list[View]) -> Iterator[Page]:
    home = {"url": "/", "title": "Home"}
    listing = {"url": "/companies/", "title": "Companies"}
    companies = sorted(index.companies.values(), key=lambda c: (c.name.casefold(), c.key))
    groups: dict[str, list[View]] = {}
    for company in companies:
        letter = company.name[:1].upper()
        letter = letter if "A" <= letter <= "Z" else "#"
        groups.setdefault(letter, []).append(
            {**company_link(company), "count": len(index.by_company.get(company.key, ()))})
    yield Page("companies/index.html", "companies.html", {
        "page": page_meta(config, "/companies/", "Companies", "companies", feeds=site_feeds,
                          breadcrumbs=[home, listing],
                          description="Every company in the briefings, A to Z."),
        "groups": [{"letter": letter, "companies": groups[letter]} for letter in sorted(groups)],
    }, "companies")
    for company in companies:
        stories = index.by_company.get(company.key, ())
        related = [dict(topic_link(index.topics[slug]), count=count)
                   for slug, count in index.related_topics.get(company.key, ())
                   if slug in index.topics]
        label = f"{company.name} ({company.ticker})" if company.ticker else company.name
        yield from _story_list_pages(
            config, index, company.url, "company", label, stories,
            {"company": {**company_link(company), "description": company.description,
                         "website": company.website, "aliases": list(company.aliases),
                         "feeds": feed_links(company.url, company.name)},
             "related_topics": related},
            [*feed_links(company.url, f"{config.title}: {company.name}"), *site_feeds],
            [home, listing, {"url": company.url, "title": company.name}],
            company.description or f"Every story about {label}, newest first.")


def _topic_pages(config: SiteConfig, index: SiteIndex, site_feeds: list[View]) -> Iterator[Page]:
    home = {"url": "/", "title": "Home"}
    listing = {"url": "/topics/", "title": "Topics"}
    topics = sorted(index.topics.values(), key=lambda t: (t.name.casefold(), t.slug))
    yield Page("topics/index.html", "topics.html", {
        "page": page_meta(config, "/topics/", "Topics", "topics", feeds=site_feeds,
                          breadcrumbs=[home, listing],
                          description="Technologies, industries and corporate events."),
        "topics": [{**topic_link(t), "description": t.description,
                    "count": len(index.by_topic.get(t.slug, ()))} for t in topics],
    }, "topics")
    for topic in topics:
        stories = index.by_topic.get(topic.slug, ())
        related = [dict(company_link(index.companies[key]), count=count)
                   for key, count in index.related_companies.get(topic.slug, ())
                   if key in index.companies]
        yield from _story_list_pages(
            config, index, topic.url, "topic", topic.name, stories,
            {"topic": {**topic_link(topic), "description": topic.description,
                       "feeds": feed_links(topic.url, topic.name)},
             "related_companies": related},
            [*feed_links(topic.url, f"{config.title}: {topic.name}"), *site_feeds],
            [home, listing, {"url": topic.url, "title": topic.name}],
            topic.description or f"Every story on {topic.name}, newest first.")


def _archive_page(site: Site, index: SiteIndex, feeds: list[View]) -> Page:
    years: dict[int, dict[int, list[View]]] = {}
    for briefing in site.briefings:
        years.setdefault(briefing.date.year, {}).setdefault(briefing.date.month, []).append({
            **(day_link(briefing) or {}), "title": briefing.title,
            "story_count": len(briefing.stories), "day": briefing.date.day,
        })
    return Page("archive/index.html", "archive.html", {
        "page": page_meta(site.config, "/archive/", "Archive", "archive", feeds=feeds,
                          breadcrumbs=[{"url": "/", "title": "Home"},
                                       {"url": "/archive/", "title": "Archive"}],
                          description="Every briefing, by year and month."),
        "years": [{"year": year, "months": [
            {"month": month, "name": month_name(month), "id": f"y{year}-{month:02d}",
             "days": days} for month, days in months.items()]}
            for year, months in years.items()],
        "day_count": len(site.briefings),
        "story_count": len(index.stories),
    }, "archive")
