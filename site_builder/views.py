"""What templates see: plain dictionaries built from the model in one place.

Themes never reach into the model, so it can change; and a view is plain data, so its hash
says exactly when a page must be rendered again.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from site_builder.config import SiteConfig
from site_builder.dates import long_date, short_date
from site_builder.index import SiteIndex
from site_builder.model import Briefing, Company, Story, Topic

View = dict[str, Any]


def company_link(company: Company) -> View:
    return {"name": company.name, "ticker": company.ticker, "url": company.url,
            "exchange": company.exchange, "board": company.board, "key": company.key}


def topic_link(topic: Topic) -> View:
    return {"name": topic.name, "url": topic.url, "slug": topic.slug}


def story_card(story: Story, index: SiteIndex, lang: str) -> View:
    """A story as it appears in lists: headline, date, desk, summary and its tags."""
    return {
        "title": story.title,
        "headline_html": story.headline_html,
        "url": story.url,
        "anchor": story.anchor,
        "date": story.day.isoformat(),
        "date_text": short_date(story.day, lang),
        "day_url": f"/{story.day:%Y/%m/%d}/",
        "section": story.section,
        "section_url": f"/sections/{story.section_slug}/",
        "summary": story.summary,
        "reading_minutes": story.reading_minutes,
        "companies": [company_link(index.companies[key]) for key in story.companies
                      if key in index.companies],
        "topics": [topic_link(index.topics[slug]) for slug in story.topics
                   if slug in index.topics],
    }


def story_full(story: Story, index: SiteIndex, lang: str) -> View:
    return {**story_card(story, index, lang), "body_html": story.body_html,
            "words": story.words}


def briefing_view(briefing: Briefing, index: SiteIndex) -> View:
    lang = briefing.lang
    return {
        "date": briefing.date.isoformat(),
        "date_text": long_date(briefing.date, lang),
        "short_date": short_date(briefing.date, lang),
        "url": briefing.url,
        "title": briefing.title,
        "source_name": briefing.source_name,
        "lang": lang,
        "lead_html": briefing.lead_html,
        "extra": {key: _plain(value) for key, value in briefing.extra},
        "story_count": len(briefing.stories),
        "sections": [
            {"name": section.name, "slug": section.slug, "url": f"/sections/{section.slug}/",
             "stories": [story_full(story, index, lang) for story in section.stories]}
            for section in briefing.sections
        ],
    }


def briefing_summary(briefing: Briefing, index: SiteIndex) -> View:
    """A day as a list entry: its date, lead and headlines, without the story bodies."""
    lang = briefing.lang
    return {
        "date": briefing.date.isoformat(),
        "date_text": long_date(briefing.date, lang),
        "url": briefing.url,
        "title": briefing.title,
        "lang": lang,
        "lead_html": briefing.lead_html,
        "sections": [
            {"name": section.name, "url": f"/sections/{section.slug}/",
             "stories": [story_card(story, index, lang) for story in section.stories]}
            for section in briefing.sections
        ],
    }


def day_link(briefing: Briefing | None) -> View | None:
    if briefing is None:
        return None
    return {"url": briefing.url, "date_text": short_date(briefing.date, briefing.lang),
            "date": briefing.date.isoformat()}


def story_link(story: Story | None) -> View | None:
    if story is None:
        return None
    return {"url": story.url, "title": story.title}


def site_view(config: SiteConfig) -> View:
    """The part of every page that comes from site.toml: part of every page's inputs."""
    return {
        "title": config.title,
        "description": config.description,
        "base_url": config.base_url,
        "language": config.language,
        "author": config.author,
        "icon": config.icon,
    }


def page_meta(config: SiteConfig, url: str, title: str, kind: str, *, lang: str | None = None,
              description: str = "", feeds: list[View] | None = None,
              breadcrumbs: list[View] | None = None, published: dt.date | None = None) -> View:
    """The <head> and chrome of a page: canonical URL, language, feeds and breadcrumbs."""
    return {
        "url": url,
        "canonical": config.absolute(url),
        "title": title,
        "kind": kind,
        "lang": lang or config.language,
        "description": description or config.description,
        "feeds": feeds or [],
        "breadcrumbs": breadcrumbs or [],
        "published": published.isoformat() if published else "",
    }


def feed_links(base: str, title: str) -> list[View]:
    """The three formats of one feed, for <link rel=alternate> and visible links."""
    return [
        {"url": f"{base}feed.xml", "type": "application/rss+xml", "title": f"{title} (RSS)",
         "format": "RSS"},
        {"url": f"{base}atom.xml", "type": "application/atom+xml", "title": f"{title} (Atom)",
         "format": "Atom"},
        {"url": f"{base}feed.json", "type": "application/feed+json",
         "title": f"{title} (JSON Feed)", "format": "JSON"},
    ]


def _plain(value: Any) -> Any:
    """Front-matter values as JSON data (dates become ISO text)."""
    return json.loads(json.dumps(value, default=str, sort_keys=True))
