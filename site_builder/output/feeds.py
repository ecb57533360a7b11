"""Stage 5, feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1 for the site, its desks, companies and
topics, and a daily digest.

Every feed is a pure function of the site: times come from each day's date and the configured
publish time, never from the clock, so two builds give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from site_builder.bodies import INLINE, Bodies
from site_builder.config import SiteConfig
from site_builder.incremental.versions import Versions
from site_builder.index import SiteIndex
from site_builder.model import Briefing, Site, Story
from site_builder.output import corrections
from site_builder.output.feed_formats import (
    ATOM_NAME,
    FORMATS,
    GENERATOR,
    JSON_NAME,
    RSS_NAME,
    Category,
    Channel,
    Entry,
    json_feed,
    xml_feeds,
)
from site_builder.output.feed_times import FeedClock, day_start, entry_time, pick_newest, story_time
from site_builder.output.html_fragments import FragmentWriter
from site_builder.output.i18n import Interface, Interfaces, local_name
from site_builder.output.mention_links import linked_body

DIGEST_URL = "/digest/"
# What RFC 4151 allows unescaped in a tag's specific part (pchar, "/" and "?" bar the query).
TAG_SAFE = "/:@!$&'()*+,;=-._~%"
# An empty site has no newest story to date its feeds by; a fixed instant keeps them stable.
EMPTY_SITE_UPDATED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# Attributes whose value is one URL; srcset is a list of them and handled on its own.
URL_ATTRIBUTES = frozenset({"href", "src", "cite", "poster", "action", "formaction",
                            "longdesc", "background"})
ENTRIES_KEPT = 2_000  # story entries a process keeps for the next feed that holds them
# Characters XML 1.0 forbids (C0 controls but tab, newline and return; surrogates; U+FFFE/F).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class FeedFile:
    """One feed file to write; source names what made it, for collision messages."""

    path: str  # relative to the output folder, "companies/goertek-002241-sz/feed.xml"
    data: bytes
    source: str


@dataclass(frozen=True, slots=True, eq=False)
class FeedPlan:
    """One feed in its three formats, planned cheaply: which stories or days it holds.

    make() does the work (links made absolute, XML and JSON written), so a build can skip a
    plan whose inputs() match the last build's, or run it in a worker process.
    """

    base: str  # site-relative folder of the three files, "/companies/<slug>/"
    page: str  # site-relative URL of the HTML page the feed mirrors
    title: str
    description: str
    source: str  # what makes it, for collision messages
    stories: tuple[Story, ...]  # the entries, newest first; empty for the digest
    days: tuple[Briefing, ...]  # the digest's days, newest first; empty for other feeds
    empty_updated: dt.datetime  # a feed with no entries is dated by the newest day anywhere
    config: SiteConfig
    index: SiteIndex
    versions: Versions | None = None  # the entries' stamps, when the build made them
    # Entries made so far in this process, by story URL, shared by the feeds of one plan: a
    # story is in some six feeds (the site's, its desk's, its companies' and topics').
    entries: dict[str, Entry] = field(default_factory=dict, repr=False)
    # The words of each language, shared by the feeds of one plan like entries.
    interfaces: Interfaces | None = field(default=None, repr=False)
    bodies: Bodies = field(default=INLINE, repr=False)  # where the stories' bodies are read

    @property
    def paths(self) -> tuple[str, ...]:
        folder = self.base.lstrip("/")
        return folder + RSS_NAME, folder + ATOM_NAME, folder + JSON_NAME

    def inputs(self) -> list[Any]:
        """All the files depend on besides the config, as JSON-able data for fingerprints.

        With versions, each entry is its story's stamp (its text, its day's time and language,
        its tags) or its day's (versions.py), so a rebuild does not serialise every feed's full
        text, and editing one story re-makes only the feeds that hold it.
        """
        empty = not (self.stories or self.days)  # only then does the site's newest day show
        head = [self.base, self.page, self.title, self.description,
                self.empty_updated.isoformat() if empty else None]
        if self.versions is not None:
            return [*head, [self.versions.stories[story.url] for story in self.stories],
                    [self.versions.days[briefing.date] for briefing in self.days]]
        return [*head, [_story_inputs(self.index, story, self.bodies) for story in self.stories],
                [_day_inputs(self.index, briefing, self.bodies) for briefing in self.days]]

    def _story_entry(self, story: Story) -> Entry:
        found = self.entries.get(story.url)
        if found is None:
            if len(self.entries) >= ENTRIES_KEPT:
                self.entries.clear()
            interfaces = self.interfaces or Interfaces(self.config)
            found = self.entries[story.url] = _story_entry(
                self.config, self.index, story, self.bodies, interfaces[self.config.language])
        return found

    def make(self) -> list[tuple[str, bytes]]:
        """The RSS, Atom and JSON files, as (path, bytes)."""
        made = tuple(map(self._story_entry, self.stories))
        interfaces = self.interfaces or Interfaces(self.config)
        made += _newest_first(_digest_entry(self.config, day, self._story_entry,
                                            interfaces[day.lang].gettext(
                                                "%(title)s, %(date)s", title=day.title,
                                                date=interfaces[day.lang].long_date(day.date)))
                              for day in self.days)
        channel = _channel(self, made)
        rss, atom = xml_feeds(channel, self.config)
        return list(zip(self.paths, (rss, atom, json_feed(channel, self.config)), strict=True))


def build_feeds(site: Site, index: SiteIndex) -> list[FeedFile]:
    """Every feed file of the site, made at once: three formats per feed, in a stable order."""
    return [FeedFile(path, data, f"{plan.source} ({FORMATS[path.rpartition('/')[2]]})")
            for plan in plan_feeds(site, index) for path, data in plan.make()]


def plan_feeds(site: Site, index: SiteIndex, versions: Versions | None = None,
               bodies: Bodies = INLINE) -> list[FeedPlan]:
    """Every feed of the site, with its entries chosen: the site's, each desk's, company's and
    topic's, and the daily digest; versions, when given, key them (FeedPlan.inputs); bodies
    reads the stories' bodies."""
    config = site.config
    interfaces = Interfaces(config)
    ui = interfaces[config.language]  # feeds speak the site's language
    lang = config.language
    clock = FeedClock.of(config, site.briefings)
    newest = max((day_start(config, b) for b in site.briefings), default=EMPTY_SITE_UPDATED)

    entries: dict[str, Entry] = {}

    def plan(base: str, title: str, description: str, source: str, stories: Sequence[Story] = (),
             days: tuple[Briefing, ...] = ()) -> FeedPlan:
        """The feed of base; the digest's links to the home page, every other to base."""
        return FeedPlan(base, "/" if base == DIGEST_URL else base, title, description, source,
                        pick_newest(config, clock, stories), days, newest, config, index,
                        versions, entries, interfaces, bodies)

    plans = [plan("/", config.title, config.description, "site feed", index.stories)]
    for section in index.sections:
        base = f"/sections/{section.slug}/"
        plans.append(plan(base, f"{config.title}: {section.name}",
                          ui.gettext("Every story of the %(desk)s desk, newest first.",
                                     desk=section.name),
                          f"section feed {section.slug}", section.stories))
    for company in sorted(index.companies.values(), key=lambda c: (c.slug, c.key)):
        name = local_name(company.names, lang, company.name)
        label = f"{name} ({company.ticker})" if company.ticker else name
        plans.append(plan(company.url, f"{config.title}: {name}",
                          company.description or ui.gettext(
                              "Every story about %(company)s, newest first.", company=label),
                          f"company feed {company.key}",
                          index.by_company.get(company.key, ())))
    for topic in sorted(index.topics.values(), key=lambda t: t.slug):
        name = local_name(topic.names, lang, topic.name)
        plans.append(plan(topic.url, f"{config.title}: {name}",
                          topic.description or ui.gettext(
                              "Every story on %(topic)s, newest first.", topic=name),
                          f"topic feed {topic.slug}", index.by_topic.get(topic.slug, ())))
    plans.append(FeedPlan(corrections.URL, corrections.URL,
                          corrections.feed_title(config, ui), corrections.description(ui),
                          "corrections feed",
                          corrections.corrected_stories(index)[:config.feed_length], (),
                          newest, config, index, versions, entries, interfaces, bodies))
    plans.append(plan(DIGEST_URL, digest_title(config, ui),
                      ui.gettext("Each day's briefing as one entry: the lead and every story."),
                      "digest feed", days=site.briefings[:config.feed_length]))
    return plans


def digest_title(config: SiteConfig, ui: Interface) -> str:
    """The daily digest feed's title in ui's language: the feed's own (in the site's), and
    the one its links give on a page in another (a day's email edition)."""
    return ui.gettext("%(title)s: daily digest", title=config.title)


def _story_inputs(index: SiteIndex, story: Story, bodies: Bodies) -> list[Any]:
    """What a story's entry is made from, its day's time and its tags' names included."""
    briefing = index.briefing_by_date.get(story.day)
    return [story.url, story.title, story.slug, story.summary, linked_body(story, index, bodies=bodies),
            story.day.isoformat(), story.position,
            briefing.published.isoformat() if briefing and briefing.published else None,
            briefing.lang if briefing else None,
            [[index.companies[key].name, index.companies[key].names, index.companies[key].url]
             for key in story.companies if key in index.companies],
            [[index.topics[slug].name, index.topics[slug].names, index.topics[slug].url]
             for slug in story.topics if slug in index.topics]]


def _day_inputs(index: SiteIndex, briefing: Briefing, bodies: Bodies) -> list[Any]:
    return [briefing.url, briefing.title, briefing.lang, briefing.lead_html,
            briefing.published.isoformat() if briefing.published else None,
            [[section.name, [_story_inputs(index, story, bodies) for story in section.stories]]
             for section in briefing.sections]]


def _story_entry(config: SiteConfig, index: SiteIndex, story: Story, bodies: Bodies,
                 ui: Interface) -> Entry:
    permalink = config.absolute(story.url)
    # Named in the feed's language, the site's, as its title and description are.
    lang = config.language
    companies = [index.companies[key] for key in story.companies if key in index.companies]
    topics = [index.topics[slug] for slug in story.topics if slug in index.topics]
    categories = [Category(clean(local_name(c.names, lang, c.name)), config.absolute(c.url))
                  for c in companies]
    categories += [Category(clean(local_name(t.names, lang, t.name)), config.absolute(t.url))
                   for t in topics]
    briefing = index.briefing_by_date.get(story.day)
    return Entry(
        id=tag_uri(config, story.day, story.url),
        title=clean(story.title) or story.slug or permalink,
        url=permalink,
        published=entry_time(config, index, story),
        summary=clean(story.summary),
        # The companies' links are site-relative here: absolute_links puts them under base_url.
        content_html=absolute_links(clean(linked_body(story, index, bodies=bodies)
                                          + corrections.notes_html(story, ui)),
                                    permalink, config.base_url),
        categories=tuple(c for c in categories if c.name),
        lang=clean(briefing.lang if briefing is not None else config.language),
        order=(story.position, story.url),
        modified=story.modified,
    )




def _digest_entry(config: SiteConfig, briefing: Briefing,
                  story_entry: Callable[[Story], Entry], title: str) -> Entry:
    """A whole day as one entry, titled with its date in its language: the lead, then each
    desk's stories in reading order."""
    day_url = config.absolute(briefing.url)
    parts = [absolute_links(clean(briefing.lead_html), day_url, config.base_url)]
    titles = []
    for section in briefing.sections:
        parts.append(f"<h2>{html.escape(clean(section.name))}</h2>")
        for story in section.stories:
            entry = story_entry(story)
            titles.append(entry.title)
            parts.append(f'<h3><a href="{html.escape(entry.url)}">'
                         f"{html.escape(entry.title)}</a></h3>")
            parts.append(entry.content_html)
    return Entry(
        id=tag_uri(config, briefing.date, briefing.url),
        title=clean(title) or briefing.date.isoformat(),
        url=day_url,
        published=day_start(config, briefing),
        summary="; ".join(titles),
        content_html="\n".join(parts),
        categories=(),
        lang=clean(briefing.lang),
        order=(0, briefing.url),
    )


def _channel(plan: FeedPlan, entries: tuple[Entry, ...]) -> Channel:
    config = plan.config
    langs = sorted({entry.lang for entry in entries if entry.lang})
    title = clean(plan.title) or GENERATOR
    return Channel(
        base=plan.base, page=plan.page, title=title,
        description=clean(plan.description) or title,
        language=langs[0] if len(langs) == 1 else clean(config.language),
        author=clean(config.author) or title,
        icon=config.absolute(clean(config.icon)) if config.icon else "",
        updated=max((entry.updated for entry in entries), default=plan.empty_updated),
        entries=entries, hub=config.hub)


def _newest_first(entries: Iterable[Entry]) -> tuple[Entry, ...]:
    """Newest first; equal times by position in the day, then permalink."""
    by_order = sorted(entries, key=lambda entry: entry.order)
    return tuple(sorted(by_order, key=lambda entry: entry.published, reverse=True))


def tag_uri(config: SiteConfig, day: dt.date, url: str) -> str:
    """An RFC 4151 tag: stays the same when other days are added or the feed is rebuilt."""
    host = urlsplit(config.base_url).hostname or "localhost"
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        host = quote(host, safe="")
    return f"tag:{host},{day.isoformat()}:{quote(url, safe=TAG_SAFE)}"


def clean(text: str) -> str:
    """Text with the characters XML 1.0 cannot hold removed, so every feed stays well-formed."""
    return _NOT_XML.sub("", text)


def absolute_links(fragment: str, base: str, site_url: str) -> str:
    """An HTML fragment with every link and source made absolute.

    A path from the root ("/companies/x/") is site-relative, as the templates read it, so it
    lands under site_url even when the site lives in a sub-folder; other relative URLs are
    taken from base, the page the fragment belongs to.
    """
    return _AbsoluteLinks(base, site_url).rewrite(fragment)


class _AbsoluteLinks(FragmentWriter):
    """Re-serialises a fragment tag by tag, resolving URL attributes on the way."""

    def __init__(self, base: str, site_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.site_root = site_url.rstrip("/")
        self._raw_text = False  # inside <script> or <style>, where text is not escaped

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self._tag(tag, attrs, ">"))
        self._raw_text = tag in self.CDATA_CONTENT_ELEMENTS

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self._tag(tag, attrs, " />"))

    def handle_endtag(self, tag: str) -> None:
        self._raw_text = False
        super().handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        self.out.append(data if self._raw_text else html.escape(data, quote=False))

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]], end: str) -> str:
        parts = [tag]
        for name, value in attrs:
            if value is None:
                parts.append(name)
                continue
            if name in URL_ATTRIBUTES:
                value = self._absolute(value)
            elif name == "srcset":
                value = self._srcset(value)
            parts.append(f'{name}="{html.escape(value, quote=True)}"')
        return "<" + " ".join(parts) + end

    def _absolute(self, url: str) -> str:
        url = url.strip()
        if url.startswith("/") and not url.startswith("//"):
            return self.site_root + url
        try:
            return urljoin(self.base, url)
        except ValueError:  # "http://[" and the like: leave what cannot be parsed alone
            return url

    def _srcset(self, value: str) -> str:
        candidates = []
        for candidate in value.split(","):
            url, _, descriptor = candidate.strip().partition(" ")
            if url:
                candidates.append(" ".join(filter(None, [self._absolute(url),
                                                         descriptor.strip()])))
        return ", ".join(candidates)


# render.py, sitemaps.py and the tests take the entry times from here, as before the move.
__all__ = ["ATOM_NAME", "DIGEST_URL", "FORMATS", "JSON_NAME", "RSS_NAME", "FeedFile", "FeedPlan",
           "absolute_links", "build_feeds", "clean", "day_start", "entry_time", "plan_feeds",
           "story_time", "tag_uri"]
