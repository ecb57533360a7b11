"""Sitemaps and robots.txt: what search engines read to find every page and the latest news.

- sitemap.xml lists every HTML page but the 404 page, each with the date its content last
  changed; past 50,000 URLs it becomes a sitemap index over sitemap-1.xml, sitemap-2.xml, ...
- news-sitemap.xml is the Google News sitemap of the stories of the last two days, counted
  from the newest briefing (never the clock, so two builds give the same bytes).
- robots.txt names both.

Each is a job of the same shape as a feed (paths, source, inputs(), make()), rendered with the
pages and skipped when its inputs did not change.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from html import escape as html_escape
from typing import Any
from urllib.parse import quote, urlsplit

from site_builder.config import SiteConfig
from site_builder.model import Site
from site_builder.output.feed_times import released
from site_builder.output.feeds import clean, day_start
from site_builder.output.pages import Page
from site_builder.stamps import stamp_text

# &, < and > as XML text needs them (xml.sax.saxutils.escape, without importing urllib's
# HTTP client, SSL and e-mail modules with it).
escape = partial(html_escape, quote=False)

SITEMAP = "sitemap.xml"
NEWS_SITEMAP = "news-sitemap.xml"
ROBOTS = "robots.txt"
MAX_URLS = 50_000  # per sitemap file (sitemaps.org)
MAX_NEWS_URLS = 1_000  # per news sitemap (Google News)
NEWS_DAYS = 2
SEARCH_BUNDLE = "pagefind/"  # the search index: no use to a crawler

_XMLNS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
_NEWS_XMLNS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"
# What quote() leaves as it is and escape() too: letters, digits, "_.-~" and _URL_SAFE but "&"
_PLAIN_URL = re.compile(f"[A-Za-z0-9_.~\\-{re.escape(_URL_SAFE.replace('&', ''))}]*")


@dataclass(frozen=True, slots=True)
class Sitemap:
    """Every page as (absolute URL, lastmod); one file, or an index and numbered files."""

    entries: tuple[tuple[str, str], ...]
    base_url: str
    source: str = "sitemap"

    @property
    def paths(self) -> tuple[str, ...]:
        return sitemap_paths(len(self.entries))

    def make(self) -> list[tuple[str, bytes]]:
        if len(self.entries) <= MAX_URLS:
            return [(SITEMAP, _urlset(self.entries))]
        chunks = [self.entries[i:i + MAX_URLS] for i in range(0, len(self.entries), MAX_URLS)]
        files = [(f"sitemap-{n}.xml", _urlset(chunk)) for n, chunk in enumerate(chunks, 1)]
        index = [(_absolute(self.base_url, path), max(lastmod for _, lastmod in chunk))
                 for (path, _), chunk in zip(files, chunks, strict=True)]
        return [(SITEMAP, _sitemap_index(index)), *files]


@dataclass(frozen=True)
class SiteSitemap:
    """The site's Sitemap, its entries found where it is made (a render worker) rather than
    while planning: a pass over every page the parent process need not wait for."""

    pages: Sequence[Page]
    config: SiteConfig
    source: str = "sitemap"

    @functools.cached_property
    def paths(self) -> tuple[str, ...]:
        return sitemap_paths(sum(page.path == "index.html" or page.path.endswith("/index.html")
                                 for page in self.pages))  # those page_url lists

    def inputs(self) -> Any:
        # Its entries follow from the pages' paths and dates and the base URL: a stamp of those
        # (not JSON of 70,000 pairs) skips making every absolute URL when nothing changed.
        return [self.config.base_url, stamp_text(*itertools.chain.from_iterable(
            (page.path, page.lastmod) for page in self.pages))]

    def make(self) -> list[tuple[str, bytes]]:
        return self.sitemap.make()

    @functools.cached_property
    def sitemap(self) -> Sitemap:
        listed = [(url, page.lastmod) for url, page in
                  ((page_url(page.path), page) for page in self.pages) if url is not None]
        newest = next((lastmod for url, lastmod in listed if url == "/"), "")
        return Sitemap(tuple((self.config.absolute(url), lastmod or newest)
                             for url, lastmod in listed), self.config.base_url)


def sitemap_paths(count: int) -> tuple[str, ...]:
    """The files of a sitemap of count URLs: one, or an index and numbered files."""
    if count <= MAX_URLS:
        return (SITEMAP,)
    return (SITEMAP, *(f"sitemap-{n}.xml" for n in range(1, -(-count // MAX_URLS) + 1)))


@dataclass(frozen=True, slots=True)
class NewsSitemap:
    """The latest stories as (absolute URL, title, publication time, language)."""

    publication: str
    stories: tuple[tuple[str, str, str, str], ...]
    source: str = "news sitemap"

    @property
    def paths(self) -> tuple[str, ...]:
        return (NEWS_SITEMAP,)

    def inputs(self) -> Any:
        return [self.publication, self.stories]

    def make(self) -> list[tuple[str, bytes]]:
        lines = ['<?xml version="1.0" encoding="UTF-8"?>', f"<urlset {_XMLNS} {_NEWS_XMLNS}>"]
        for loc, title, published, language in self.stories:
            lines.append(
                f"<url><loc>{_loc(loc)}</loc><news:news><news:publication>"
                f"<news:name>{_text(self.publication)}</news:name>"
                f"<news:language>{_text(language)}</news:language></news:publication>"
                f"<news:publication_date>{published}</news:publication_date>"
                f"<news:title>{_text(title)}</news:title></news:news></url>")
        lines.append("</urlset>")
        return [(NEWS_SITEMAP, ("\n".join(lines) + "\n").encode("utf-8"))]


@dataclass(frozen=True, slots=True)
class Robots:
    """robots.txt: everything may be crawled but the search index; where the sitemaps are."""

    base_url: str
    source: str = "robots.txt"

    @property
    def paths(self) -> tuple[str, ...]:
        return (ROBOTS,)

    def inputs(self) -> Any:
        return [self.base_url]

    def make(self) -> list[tuple[str, bytes]]:
        base_path = urlsplit(self.base_url).path.rstrip("/")
        text = (f"User-agent: *\nDisallow: {base_path}/{SEARCH_BUNDLE}\n\n"
                f"Sitemap: {_absolute(self.base_url, SITEMAP)}\n"
                f"Sitemap: {_absolute(self.base_url, NEWS_SITEMAP)}\n")
        return [(ROBOTS, text.encode("utf-8"))]


def plan_sitemaps(site: Site, pages: Sequence[Page]
                  ) -> list[SiteSitemap | NewsSitemap | Robots]:
    """The sitemap (of the planned pages, each with the newest content date it shows), the
    news sitemap and robots.txt."""
    config = site.config
    return [SiteSitemap(pages, config), NewsSitemap(config.title, tuple(_latest_stories(site))),
            Robots(config.base_url)]


def page_url(path: str) -> str | None:
    """"2025/03/27/index.html" -> "/2025/03/27/"; None for pages no sitemap lists (404)."""
    if path == "index.html":
        return "/"
    if not path.endswith("/index.html"):
        return None
    return "/" + path[:-len("index.html")]


def news_language(lang: str) -> str:
    """Google News wants ISO 639 codes, and zh-cn or zh-tw for Chinese."""
    parts = lang.lower().replace("_", "-").split("-")
    if parts[0] == "zh":
        return "zh-tw" if {"hant", "tw", "hk", "mo"} & set(parts[1:]) else "zh-cn"
    return parts[0]


def _latest_stories(site: Site) -> list[tuple[str, str, str, str]]:
    """The stories of the newest NEWS_DAYS days, newest first, at most MAX_NEWS_URLS."""
    if not site.briefings:
        return []
    config = site.config
    newest = max(b.date for b in site.briefings)
    first = newest - dt.timedelta(days=NEWS_DAYS - 1)
    stories = []
    for briefing in sorted(site.briefings, key=lambda b: b.date, reverse=True):
        if briefing.date < first:
            continue
        start = day_start(config, briefing)
        for story in briefing.stories:
            stories.append((config.absolute(story.url), story.title,
                            released(start, story).isoformat(),
                            news_language(briefing.lang)))
    return stories[:MAX_NEWS_URLS]


def _urlset(entries: Iterable[tuple[str, str]]) -> bytes:
    return _locations("urlset", "url", entries)


def _sitemap_index(entries: Iterable[tuple[str, str]]) -> bytes:
    return _locations("sitemapindex", "sitemap", entries)


def _locations(root: str, item: str, entries: Iterable[tuple[str, str]]) -> bytes:
    """A sitemap or sitemap index: one <item> per (location, lastmod) pair."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f"<{root} {_XMLNS}>"]
    for loc, lastmod in entries:
        stamp = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        lines.append(f"<{item}><loc>{_loc(loc)}</loc>{stamp}</{item}>")
    lines.append(f"</{root}>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _absolute(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def _loc(url: str) -> str:
    """A URL as sitemaps want it: percent-encoded beyond ASCII, then XML-escaped."""
    if _PLAIN_URL.fullmatch(url):  # most are: neither quoting nor escaping changes them
        return url
    return escape(quote(url, safe=_URL_SAFE))


def _text(text: str) -> str:
    return escape(clean(text))
