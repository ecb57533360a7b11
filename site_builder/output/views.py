"""What templates see: plain dictionaries built from the model in one place.

Themes never reach into the model, so it can change; and a view is plain data, so its hash
says exactly when a page must be rendered again.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Protocol

from site_builder.bodies import INLINE, Bodies
from site_builder.config import SiteConfig
from site_builder.index import TagNames
from site_builder.model import Briefing, Card, Company, Story, Topic, card
from site_builder.output.dates import long_date, short_date
from site_builder.output.feed_formats import FORMATS, MEDIA_TYPES
from site_builder.output.html_fragments import FragmentWriter
from site_builder.output.i18n import local_name
from site_builder.output.mention_links import linked_body

View = dict[str, Any]


def company_link(company: Company, lang: str = "") -> View:
    """A company as a link, named in the page's language where the registry has that name, with
    its primary listing and every listing it has."""
    return {"name": local_name(company.names, lang, company.name), "ticker": company.ticker,
            "url": company.url, "exchange": company.exchange, "board": company.board,
            "key": company.key,
            "listings": [{"ticker": listing.ticker, "exchange": listing.exchange,
                          "board": listing.board} for listing in company.all_listings]}


def topic_link(topic: Topic, lang: str = "") -> View:
    """A topic as a link, named in the page's language where the topic table has that name."""
    return {"name": local_name(topic.names, lang, topic.name), "url": topic.url,
            "slug": topic.slug}


def note_views(story: Story, lang: str) -> list[View]:
    """Its corrections and updates, oldest first, dated in the site's zone (content/notes.py
    puts them there)."""
    return [{"kind": note.kind, "time": note.time.isoformat(),
             "date_text": long_date(note.time.date(), lang), "clock": f"{note.time:%H:%M}",
             "text_html": note.text_html, "text": note.text}
            for note in story.notes]


def story_card(story: Card, index: TagNames, lang: str) -> View:
    """A story as it appears in lists: headline, date, desk, summary and its tags, from its
    card (model.card), so a list shows nothing its card stamp does not cover; one shown
    before its time (serve --drafts) says when it is due."""
    due = story.publish if story.scheduled else None
    return {
        "scheduled": {"date_text": long_date(due.date(), lang), "clock": f"{due:%H:%M}",
                      "time": due.isoformat()} if due else None,
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
        "companies": [company_link(index.companies[key], lang) for key in story.companies
                      if key in index.companies],
        "topics": [topic_link(index.topics[slug], lang) for slug in story.topics
                   if slug in index.topics],
    }


def story_full(story: Story, index: TagNames, lang: str, heading_top: int = 4,
               site_path: str = "", bodies: Bodies = INLINE) -> View:
    """A story with its body (read by bodies), its companies' first mentions linked
    (site_path: the path the site lives under), and its notes; the body's headings start at
    heading_top (h4 under an h3)."""
    body = linked_body(story, index, site_path, bodies)
    return {**story_card(card(story), index, lang),
            "body_html": nest_headings(body, heading_top), "words": story.words,
            "notes": note_views(story, lang)}


def search_tags(story: Story, index: TagNames, lang: str) -> View:
    """A story's companies and topics as the search page filters them: named in the search
    page's language (the site's), whatever the story's own, so one filter holds them all."""
    return {"companies": [local_name(index.companies[key].names, lang, index.companies[key].name)
                          for key in story.companies if key in index.companies],
            "topics": [local_name(index.topics[slug].names, lang, index.topics[slug].name)
                       for slug in story.topics if slug in index.topics]}


def briefing_view(briefing: Briefing, index: TagNames, site_path: str = "",
                  bodies: Bodies = INLINE) -> View:
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
             "stories": [story_full(story, index, lang, site_path=site_path, bodies=bodies)
                         for story in section.stories]}
            for section in briefing.sections
        ],
        **day_tags(briefing, index),
    }


def day_tags(briefing: Briefing, index: TagNames) -> View:
    """The companies and topics of a day, most stories first, then by name: for its sidebar."""
    companies: dict[str, int] = {}
    topics: dict[str, int] = {}
    for story in briefing.stories:
        for key in story.companies:
            if key in index.companies:
                companies[key] = companies.get(key, 0) + 1
        for slug in story.topics:
            if slug in index.topics:
                topics[slug] = topics.get(slug, 0) + 1
    by_company = sorted(companies.items(), key=lambda item: (
        -item[1], index.companies[item[0]].name.casefold(), item[0]))
    by_topic = sorted(topics.items(), key=lambda item: (
        -item[1], index.topics[item[0]].name.casefold(), item[0]))
    return {
        "companies": [{**company_link(index.companies[key], briefing.lang), "count": count}
                      for key, count in by_company],
        "topics": [{**topic_link(index.topics[slug], briefing.lang), "count": count}
                   for slug, count in by_topic],
    }


def briefing_summary(briefing: Briefing, index: TagNames) -> View:
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
             "stories": [story_card(card(story), index, lang) for story in section.stories]}
            for section in briefing.sections
        ],
    }


class Day(Protocol):
    """A day as a link shows it: a Briefing, or page_views.DayRef."""

    @property
    def url(self) -> str: ...

    @property
    def date(self) -> dt.date: ...

    @property
    def lang(self) -> str: ...


def day_link(briefing: Day | None, lang: str = "") -> View | None:
    """A link to a day, dated in the language of the page it is on (lang), else its own."""
    if briefing is None:
        return None
    return {"url": briefing.url, "date_text": short_date(briefing.date, lang or briefing.lang),
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


@dataclass(frozen=True, slots=True)
class Head:
    """What a page says of itself in its <head> and chrome, for page_meta."""

    url: str
    title: str
    kind: str
    lang: str | None = None
    description: str = ""
    feeds: list[View] | None = None
    breadcrumbs: list[View] | None = None
    published: dt.date | None = None
    published_time: str = ""
    section: str = ""
    tags: list[str] | None = None
    linked_data: list[View] | None = None
    image: View | None = None  # the page's own share image ({"url", "alt"}), else the site's


def page_meta(config: SiteConfig, head: Head) -> View:
    """The <head> and chrome of a page: canonical URL, language, feeds, breadcrumbs, and what
    link previews (OpenGraph, Twitter cards) and search engines (JSON-LD) read."""
    url, title, kind, lang, description, feeds, breadcrumbs, published, published_time, \
        section, tags, linked_data = (
            head.url, head.title, head.kind, head.lang, head.description, head.feeds,
            head.breadcrumbs, head.published, head.published_time, head.section, head.tags,
            head.linked_data)
    crumbs = breadcrumbs or []
    return {
        "url": url,
        "canonical": config.absolute(url),
        "title": title,
        "kind": kind,
        "lang": lang or config.language,
        "description": description or config.description,
        "feeds": feeds or [],
        "breadcrumbs": crumbs,
        "published": published.isoformat() if published else "",
        "og_type": "article" if published_time else "website",
        "published_time": published_time,
        "section": section,
        "tags": tags or [],
        "linked_data": [*(linked_data or []),
                        *([breadcrumb_list(config, crumbs)] if len(crumbs) > 1 else [])],
        "image": head.image,
    }


def feed_links(base: str, title: str) -> list[View]:
    """The three formats of one feed, for <link rel=alternate> and visible links."""
    return [{"url": f"{base}{name}", "type": MEDIA_TYPES[name],
             "title": f"{title} ({label})", "format": label.removesuffix(" Feed")}
            for name, label in FORMATS.items()]


def _plain(value: Any) -> Any:
    """Front-matter values as JSON data (dates become ISO text)."""
    return json.loads(json.dumps(value, default=str, sort_keys=True))


# Structured data (schema.org JSON-LD) ------------------------------------------------------------

SCHEMA = "https://schema.org"


def publisher(config: SiteConfig) -> View:
    found: View = {"@type": "Organization", "name": config.title, "url": config.absolute("/")}
    if config.icon:
        found["logo"] = {"@type": "ImageObject", "url": config.absolute(config.icon)}
    return found


def corporation(config: SiteConfig, company: View) -> View:
    """A company as schema.org sees it, from a company_link view."""
    found: View = {"@type": "Corporation", "name": company["name"],
                   "url": config.absolute(company["url"])}
    tickers = [listing["ticker"] for listing in company["listings"]]
    if tickers:
        found["tickerSymbol"] = tickers[0] if len(tickers) == 1 else tickers
    return found


def breadcrumb_list(config: SiteConfig, crumbs: list[View]) -> View:
    return {"@context": SCHEMA, "@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": number, "name": crumb["title"],
         "item": config.absolute(crumb["url"])}
        for number, crumb in enumerate(crumbs, start=1)]}


def website_data(config: SiteConfig) -> View:
    """The site itself, with the search page as its SearchAction."""
    return {"@context": SCHEMA, "@type": "WebSite", "name": config.title,
            "url": config.absolute("/"), "description": config.description,
            "inLanguage": config.language, "publisher": publisher(config),
            "potentialAction": {
                "@type": "SearchAction",
                "target": {"@type": "EntryPoint",
                           "urlTemplate": config.absolute("/search/") + "?q={search_term_string}"},
                "query-input": "required name=search_term_string"}}


def news_article_data(config: SiteConfig, story: View, lang: str, published: str) -> View:
    """A story page as a NewsArticle, from its story_full view: modified at its newest note,
    its corrections as CorrectionComments."""
    url = config.absolute(story["url"])
    notes = story.get("notes", [])
    corrections = [{"@type": "CorrectionComment", "datePublished": note["time"],
                    "text": note["text"]}
                   for note in notes if note["kind"] == "correction"]
    modified = max([published, *(note["time"] for note in notes)],
                   key=dt.datetime.fromisoformat)
    return {"@context": SCHEMA, "@type": "NewsArticle", "headline": story["title"],
            "description": story["summary"], "url": url,
            "mainEntityOfPage": {"@type": "WebPage", "@id": url},
            **({"correction": corrections} if corrections else {}),
            "datePublished": published, "dateModified": modified, "inLanguage": lang,
            "articleSection": story["section"], "wordCount": story["words"],
            "keywords": [topic["name"] for topic in story["topics"]],
            "about": [corporation(config, company) for company in story["companies"]],
            "author": {"@type": "Organization", "name": config.author,
                       "url": config.absolute("/")},
            "publisher": publisher(config), "isAccessibleForFree": True}


def collection_data(config: SiteConfig, url: str, name: str, description: str, about: View,
                    story_urls: list[str]) -> View:
    """A section, company or topic page as a CollectionPage listing its stories."""
    return {"@context": SCHEMA, "@type": "CollectionPage", "name": name,
            "description": description, "url": config.absolute(url),
            "inLanguage": config.language,
            "isPartOf": {"@type": "WebSite", "name": config.title, "url": config.absolute("/")},
            "about": about,
            "mainEntity": {"@type": "ItemList", "numberOfItems": len(story_urls),
                           "itemListElement": [
                               {"@type": "ListItem", "position": number,
                                "url": config.absolute(story_url)}
                               for number, story_url in enumerate(story_urls, start=1)]}}


# Heading levels of story bodies --------------------------------------------------------------

BODY_TOP = 4  # a story body's own headings start at h4 (## is a desk, ### a story)


def nest_headings(fragment: str, top: int) -> str:
    """A body's headings renumbered so its h4 becomes h<top> and none is above h<top>.

    Headings must follow the page's outline: under an h3 story the body starts at h4 (as
    written), under a story page's h1 at h2. Nested Markdown (a quoted "## ...") is clamped.
    """
    if top == BODY_TOP and not any(f"<h{level}" in fragment for level in (1, 2, 3)):
        return fragment
    if not any(f"<h{level}" in fragment for level in range(1, 7)):
        return fragment
    return _HeadingLevels(top).rewrite(fragment)


class _HeadingLevels(FragmentWriter):
    """Re-emits a fragment as written, but for the level of each heading tag."""

    def __init__(self, top: int) -> None:
        super().__init__(convert_charrefs=False)
        self.top = top

    def _level(self, tag: str) -> str:
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            return f"h{min(6, max(self.top, int(tag[1]) - BODY_TOP + self.top))}"
        return tag

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        text = self.get_starttag_text() or ""
        self.out.append("<" + self._level(tag) + text[1 + len(tag):])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        super().handle_endtag(self._level(tag))
