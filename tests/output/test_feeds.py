"""Tests of the feeds stage on inline mini-sites built from model records."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder import __version__
from site_builder.config import SiteConfig
from site_builder.content.slugs import make_slug
from site_builder.errors import SourcePos
from site_builder.incremental.versions import version_site
from site_builder.index import index_site
from site_builder.model import Briefing, Company, Section, Site, Story, Topic
from site_builder.output.feeds import (
    FeedFile,
    FeedPlan,
    absolute_links,
    build_feeds,
    entry_time,
    plan_feeds,
)
from site_builder.stamps import stamp

BASE = "https://briefing.example.org/"
CONFIG = SiteConfig(base_url=BASE, title="Morning Briefing", author="The Desk",
                    description="Tech and markets, daily.")
ATOM = "{http://www.w3.org/2005/Atom}"

GOERTEK = Company("002241.SZ", "Goertek", "goertek-002241-sz", "002241.SZ", "SZSE", "")
BYD = Company("002594.SZ", "BYD", "byd-002594-sz", "002594.SZ", "SZSE", "",
              description="Carmaker and battery maker.")
AI = Topic("artificial-intelligence", "Artificial intelligence")
EV = Topic("new-energy-vehicles", "New energy vehicles")


def make_story(day: dt.date, position: int, spec: dict[str, Any]) -> Story:
    """A story as split would make it, untagged; tags are added as the tagger would."""
    title = spec["title"]
    section = spec.get("section", "Market dynamics")
    slug = make_slug(title)
    story = Story(
        day=day, section=section, section_slug=make_slug(section), position=position,
        headline=title, headline_html=html.escape(title), title=title, body_markdown="",
        body_html=spec.get("body", f"<p>{html.escape(title)}: the details.</p>"),
        summary=spec.get("summary", f"About {title}."), words=20, reading_minutes=1,
        slug=slug, url=f"/{day:%Y/%m/%d}/{slug}/",
        source=SourcePos(f"content/briefings/{day}.md", 10 + position))
    return story._replace(companies=tuple(spec.get("companies", ())),
                          topics=tuple(spec.get("topics", ())))


def make_day(date: str, specs: list[dict[str, Any]], *, published: str | None = None,
             lang: str = "en", lead: str = "<p>The day's lead.</p>",
             title: str = "Morning Report") -> Briefing:
    """A briefing whose stories are numbered in reading order, grouped by desk."""
    day = dt.date.fromisoformat(date)
    stories = [make_story(day, position, spec) for position, spec in enumerate(specs)]
    sections: dict[str, list[Story]] = {}
    for story in stories:
        sections.setdefault(story.section, []).append(story)
    return Briefing(
        source=SourcePos(f"content/briefings/{date}.md", 1), date=day,
        published=dt.datetime.fromisoformat(published) if published else None, title=title,
        source_name="Test wire", lang=lang, draft=False, extra=(), lead_markdown="",
        lead_html=lead, body_line=6,
        sections=tuple(Section(name, make_slug(name), tuple(items))
                       for name, items in sections.items()))


def make_site(briefings: list[Briefing], *, config: SiteConfig = CONFIG,
              companies: tuple[Company, ...] = (GOERTEK, BYD),
              topics: tuple[Topic, ...] = (AI, EV)) -> Site:
    return Site(config=config, briefings=tuple(sorted(briefings, key=lambda b: b.date,
                                                      reverse=True)),
                companies=tuple(sorted(companies, key=lambda c: c.name)),
                topics=tuple(sorted(topics, key=lambda t: t.name)))


def feeds_of(site: Site) -> dict[str, FeedFile]:
    return {feed.path: feed for feed in build_feeds(site, index_site(site))}


def mini_days() -> list[Briefing]:
    return [
        make_day("2025-03-27", [
            {"title": "Ministry promotes AI consumption", "topics": ["artificial-intelligence"],
             "body": '<p>See <a href="/topics/artificial-intelligence/">AI</a> and '
                     '<a href="#notes">notes</a>.</p><p><img src="chart.png" alt="chart" '
                     'srcset="chart.png 1x, /img/chart@2x.png 2x"></p>'},
            {"title": "Shanghai plans 200 EFLOPS", "topics": ["artificial-intelligence"]},
            {"title": "Goertek profit up 144%", "section": "Company news",
             "companies": ["002241.SZ"], "topics": ["artificial-intelligence"]},
        ]),
        make_day("2025-03-26", [
            {"title": "BYD sales rise", "section": "Company news", "companies": ["002594.SZ"],
             "topics": ["new-energy-vehicles"]},
            {"title": "Goertek and BYD sign deal", "section": "Company news",
             "companies": ["002241.SZ", "002594.SZ"]},
        ]),
        make_day("2025-03-25", [
            {"title": "Chip index closes higher"},
        ], published="2025-03-25T09:30:00+08:00"),
    ]


def mini_site() -> Site:
    return make_site(mini_days())


def digest_of_feeds() -> str:
    """One hash over every feed of the mini-site, for comparing builds across processes."""
    total = hashlib.sha256()
    for feed in build_feeds(site := mini_site(), index_site(site)):
        total.update(feed.path.encode() + b"\0" + feed.data + b"\0")
    return total.hexdigest()


@pytest.fixture(scope="session")
def feeds() -> dict[str, FeedFile]:
    return feeds_of(mini_site())


def parsed(feeds: dict[str, FeedFile], path: str) -> Any:
    result = feedparser.parse(feeds[path].data)
    assert not result.bozo, (path, result.get("bozo_exception"))
    return result


def contents(data: bytes) -> list[str]:
    """The content HTML of each entry, straight from the XML (feedparser would sanitise it)."""
    root = ET.fromstring(data)
    found = root.iter(f"{ATOM}content") if root.tag == f"{ATOM}feed" else root.iter(
        "{http://purl.org/rss/1.0/modules/content/}encoded")
    return [element.text or "" for element in found]


def permalink(date: str, title: str) -> str:
    return f"{BASE}{date.replace('-', '/')}/{make_slug(title)}/"


# -- which files ---------------------------------------------------------------------------

def test_every_channel_has_three_formats(feeds: dict[str, FeedFile]) -> None:
    folders = ["", "sections/market-dynamics/", "sections/company-news/",
               "companies/goertek-002241-sz/", "companies/byd-002594-sz/",
               "topics/artificial-intelligence/", "topics/new-energy-vehicles/", "digest/",
               "corrections/"]
    expected = {folder + name for folder in folders
                for name in ("feed.xml", "atom.xml", "feed.json")}
    assert set(feeds) == expected
    assert len({feed.source for feed in feeds.values()}) == len(feeds)


def test_every_xml_feed_parses_without_bozo(feeds: dict[str, FeedFile]) -> None:
    for path in feeds:
        if path.endswith(".xml"):
            parsed(feeds, path)
        else:
            assert json.loads(feeds[path].data)["version"] == "https://jsonfeed.org/version/1.1"


# -- determinism ----------------------------------------------------------------------------

def test_two_builds_give_identical_bytes() -> None:
    first, second = feeds_of(mini_site()), feeds_of(mini_site())
    assert [(p, f.data) for p, f in first.items()] == [(p, f.data) for p, f in second.items()]


def test_bytes_do_not_depend_on_hash_seed_tz_or_locale() -> None:
    script = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
              "import test_feeds; print(test_feeds.digest_of_feeds())")
    hashes = set()
    for seed, tz, lang in (("1", "UTC", "C"), ("2", "America/New_York", "de_DE.UTF-8"),
                           ("3", "Asia/Tokyo", "fr_FR.UTF-8")):
        env = {"PYTHONHASHSEED": seed, "TZ": tz, "LANG": lang, "LC_ALL": lang,
               "PATH": "/usr/bin:/bin"}
        result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                                text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stderr
        hashes.add(result.stdout.strip())
    assert hashes == {digest_of_feeds()}


def test_nothing_comes_from_the_clock(feeds: dict[str, FeedFile]) -> None:
    today = dt.datetime.now(dt.UTC)
    stamps = [today.strftime("%d %b %Y").encode(), today.date().isoformat().encode()]
    for path, feed in feeds.items():
        assert not any(stamp in feed.data for stamp in stamps), path
        assert b"python-feedgen" not in feed.data and b"lkiesow" not in feed.data, path


# -- plans: what an incremental build skips or hands to a worker ----------------------------

def plans_of(site: Site, stamped: bool = False) -> dict[str, FeedPlan]:
    """stamped: keyed by version stamps, as a build plans them (each file's digest stood in
    for by a hash of its parse)."""
    index = index_site(site)
    versions = version_site(site, index, {b.source.path: stamp(b) for b in site.briefings}) \
        if stamped else None
    return {plan.base: plan for plan in plan_feeds(site, index, versions)}


def test_plans_make_exactly_their_paths(feeds: dict[str, FeedFile]) -> None:
    made = {}
    for plan in plan_feeds(site := mini_site(), index_site(site)):
        files = plan.make()
        assert tuple(path for path, _ in files) == plan.paths
        made.update(files)
        json.dumps(plan.inputs())  # plain JSON data, no default= needed
    assert made == {path: feed.data for path, feed in feeds.items()}


@pytest.mark.parametrize("stamped", [False, True], ids=["full-inputs", "stamps"])
def test_plan_inputs_change_only_with_what_the_files_show(stamped: bool) -> None:
    before = plans_of(mini_site(), stamped)
    unrelated = make_day("2025-03-28", [{"title": "BYD again", "companies": ["002594.SZ"]}])
    after = plans_of(make_site([unrelated, *mini_days()]), stamped)
    goertek, byd = "/companies/goertek-002241-sz/", "/companies/byd-002594-sz/"
    assert after[goertek].inputs() == before[goertek].inputs()
    assert after[byd].inputs() != before[byd].inputs()
    assert after["/"].inputs() != before["/"].inputs()
    renamed = plans_of(make_site(mini_days(), companies=(
        dataclasses.replace(GOERTEK, name="Goertek Inc."), BYD)), stamped)
    assert renamed[goertek].inputs() != before[goertek].inputs()
    assert renamed["/topics/artificial-intelligence/"].inputs() != \
        before["/topics/artificial-intelligence/"].inputs()  # its stories name Goertek
    assert renamed[byd].inputs() != before[byd].inputs()  # one story names both
    assert renamed["/topics/new-energy-vehicles/"].inputs() == \
        before["/topics/new-energy-vehicles/"].inputs()
    edited = [dataclasses.replace(day, lead_html="<p>New lead.</p>") for day in mini_days()]
    edited_plans = plans_of(make_site(edited), stamped)
    assert edited_plans["/digest/"].inputs() != before["/digest/"].inputs()
    assert edited_plans["/"].inputs() == before["/"].inputs()


# -- entries --------------------------------------------------------------------------------

SITE_ORDER = [
    ("2025-03-27", "Ministry promotes AI consumption"),
    ("2025-03-27", "Shanghai plans 200 EFLOPS"),
    ("2025-03-27", "Goertek profit up 144%"),
    ("2025-03-26", "BYD sales rise"),
    ("2025-03-26", "Goertek and BYD sign deal"),
    ("2025-03-25", "Chip index closes higher"),
]


@pytest.mark.parametrize("path", ["feed.xml", "atom.xml"])
def test_site_feed_lists_stories_newest_first(feeds: dict[str, FeedFile], path: str) -> None:
    entries = parsed(feeds, path).entries
    assert [e.title for e in entries] == [title for _, title in SITE_ORDER]
    assert [e.link for e in entries] == [permalink(d, t) for d, t in SITE_ORDER]


def test_json_feed_lists_the_same_entries(feeds: dict[str, FeedFile]) -> None:
    atom = parsed(feeds, "atom.xml").entries
    items = json.loads(feeds["feed.json"].data)["items"]
    assert [item["id"] for item in items] == [entry.id for entry in atom]
    assert [item["url"] for item in items] == [entry.link for entry in atom]
    assert [item["title"] for item in items] == [entry.title for entry in atom]


def test_ids_are_tag_uris_shared_by_every_format(feeds: dict[str, FeedFile]) -> None:
    rss = parsed(feeds, "feed.xml").entries
    atom = parsed(feeds, "atom.xml").entries
    assert [e.id for e in rss] == [e.id for e in atom]
    first = atom[0].id
    assert first == ("tag:briefing.example.org,2025-03-27:/2025/03/27/"
                     f"{make_slug(SITE_ORDER[0][1])}/")
    assert len({e.id for e in atom}) == len(atom)
    guid = ET.fromstring(feeds["feed.xml"].data).find("channel/item/guid")
    assert guid is not None and guid.get("isPermaLink") == "false"


def test_ids_do_not_change_when_a_day_is_added(feeds: dict[str, FeedFile]) -> None:
    later = make_day("2025-03-28", [{"title": "A new day", "companies": ["002241.SZ"]}])
    grown = feeds_of(make_site([later, *mini_days()]))
    for path in ("atom.xml", "companies/goertek-002241-sz/atom.xml", "digest/atom.xml"):
        before = {e.link: e.id for e in parsed(feeds, path).entries}
        after = {e.link: e.id for e in parsed(grown, path).entries}
        assert before.items() <= after.items()


def test_entry_times_keep_reading_order_first_story_newest(feeds: dict[str, FeedFile]) -> None:
    atom = ET.fromstring(feeds["atom.xml"].data)
    published = [e.findtext(f"{ATOM}published") for e in atom.iter(f"{ATOM}entry")]
    updated = [e.findtext(f"{ATOM}updated") for e in atom.iter(f"{ATOM}entry")]
    assert published == ["2025-03-27T08:00:00+08:00", "2025-03-27T07:59:00+08:00",
                         "2025-03-27T07:58:00+08:00", "2025-03-26T08:00:00+08:00",
                         "2025-03-26T07:59:00+08:00", "2025-03-25T09:30:00+08:00"]
    assert updated == published
    rss = ET.fromstring(feeds["feed.xml"].data)
    assert [item.findtext("pubDate") for item in rss.iter("item")][:2] == [
        "Thu, 27 Mar 2025 08:00:00 +0800", "Thu, 27 Mar 2025 07:59:00 +0800"]


def test_publish_time_and_timezone_come_from_config() -> None:
    config = dataclasses.replace(CONFIG, timezone="Europe/London", publish_time="06:30")
    feeds = feeds_of(make_site(mini_days(), config=config))
    entries = parsed(feeds, "atom.xml").entries
    assert entries[0].published == "2025-03-27T06:30:00+00:00"
    assert entries[1].published == "2025-03-27T06:29:00+00:00"
    # A day whose front matter gives a time keeps it, offset and all.
    assert entries[-1].published == "2025-03-25T09:30:00+08:00"


def test_categories_name_companies_and_topics_with_their_pages(
        feeds: dict[str, FeedFile]) -> None:
    entry = next(e for e in parsed(feeds, "atom.xml").entries
                 if e.title == "Goertek profit up 144%")
    assert [(t.term, t.scheme) for t in entry.tags] == [
        ("Goertek", f"{BASE}companies/goertek-002241-sz/"),
        ("Artificial intelligence", f"{BASE}topics/artificial-intelligence/")]
    rss = ET.fromstring(feeds["feed.xml"].data)
    item = next(i for i in rss.iter("item") if i.findtext("title") == entry.title)
    assert [(c.text, c.get("domain")) for c in item.iter("category")] == [
        (t.term, t.scheme) for t in entry.tags]
    item_json = next(i for i in json.loads(feeds["feed.json"].data)["items"]
                     if i["title"] == entry.title)
    assert item_json["tags"] == ["Goertek", "Artificial intelligence"]


def test_entries_carry_author_summary_and_full_content(feeds: dict[str, FeedFile]) -> None:
    for path in ("feed.xml", "atom.xml"):
        entry = parsed(feeds, path).entries[1]
        assert entry.author == "The Desk"
        assert entry.summary == "About Shanghai plans 200 EFLOPS."
        assert entry.content[0].value == "<p>Shanghai plans 200 EFLOPS: the details.</p>"


def test_relative_links_in_content_become_absolute(feeds: dict[str, FeedFile]) -> None:
    story = permalink(*SITE_ORDER[0])
    for path in ("feed.xml", "atom.xml"):
        content = contents(feeds[path].data)[0]
        assert f'href="{BASE}topics/artificial-intelligence/"' in content
        assert f'href="{story}#notes"' in content
        assert f'src="{story}chart.png"' in content
        assert f'srcset="{story}chart.png 1x, {BASE}img/chart@2x.png 2x"' in content
    item = json.loads(feeds["feed.json"].data)["items"][0]
    assert f'src="{story}chart.png"' in item["content_html"]


@pytest.mark.parametrize(("fragment", "expected"), [
    ('<a href="/x/">x</a>', '<a href="https://s.example/news/x/">x</a>'),
    ('<a href="y/">y</a>', '<a href="https://s.example/news/2025/03/27/a/y/">y</a>'),
    ('<a href="../b/">b</a>', '<a href="https://s.example/news/2025/03/27/b/">b</a>'),
    ('<a href="https://other.example/">o</a>', '<a href="https://other.example/">o</a>'),
    ('<a href="//cdn.example/i.png">c</a>', '<a href="https://cdn.example/i.png">c</a>'),
    ('<a href="mailto:desk@example.org">m</a>', '<a href="mailto:desk@example.org">m</a>'),
    ("<img src=\"a b.png\" alt='x \"q\"'>",
     '<img src="https://s.example/news/2025/03/27/a/a b.png" alt="x &quot;q&quot;">'),
    ("<br/><hr>", "<br /><hr>"),
    ("<p>AT&amp;T &lt;b&gt; 5 &gt; 3</p>", "<p>AT&amp;T &lt;b&gt; 5 &gt; 3</p>"),
    ("<p>&copy; &#169;</p>", "<p>\u00a9 \u00a9</p>"),
    ("<!-- note --><p>t</p>", "<!-- note --><p>t</p>"),
    ("<input disabled>", "<input disabled>"),
    ("<p>x ]]> y</p>", "<p>x ]]&gt; y</p>"),
])
def test_absolute_links(fragment: str, expected: str) -> None:
    base = "https://s.example/news/2025/03/27/a/"
    assert absolute_links(fragment, base, "https://s.example/news/") == expected


# -- feed level -----------------------------------------------------------------------------

def test_site_feed_metadata(feeds: dict[str, FeedFile]) -> None:
    for path, self_type in (("feed.xml", "application/rss+xml"),
                            ("atom.xml", "application/atom+xml")):
        feed = parsed(feeds, path).feed
        assert feed.title == "Morning Briefing"
        assert feed.subtitle == "Tech and markets, daily."
        assert feed.language == "en"
        assert feed.link == BASE
        links = {(link.rel, link.href, link.get("type")) for link in feed.links}
        assert ("self", BASE + path, self_type) in links
        assert feed.generator.startswith("site_builder")
        assert feed.updated_parsed[:6] == (2025, 3, 27, 0, 0, 0)  # 08:00 +08:00
    atom = ET.fromstring(feeds["atom.xml"].data)
    assert atom.findtext(f"{ATOM}updated") == "2025-03-27T08:00:00+08:00"
    generator = atom.find(f"{ATOM}generator")
    assert generator is not None and generator.get("version") == __version__
    assert generator.get("uri") is None
    rss = ET.fromstring(feeds["feed.xml"].data)
    assert rss.findtext("channel/lastBuildDate") == "Thu, 27 Mar 2025 08:00:00 +0800"
    assert rss.findtext("channel/generator") == f"site_builder {__version__}"


def test_company_feed_holds_only_its_stories(feeds: dict[str, FeedFile]) -> None:
    base = f"{BASE}companies/goertek-002241-sz/"
    result = parsed(feeds, "companies/goertek-002241-sz/atom.xml")
    assert result.feed.title == "Morning Briefing: Goertek"
    assert result.feed.subtitle == "Every story about Goertek (002241.SZ), newest first."
    assert [e.title for e in result.entries] == ["Goertek profit up 144%",
                                                 "Goertek and BYD sign deal"]
    links = {(link.rel, link.href) for link in result.feed.links}
    assert links == {("self", base + "atom.xml"), ("alternate", base)}
    assert result.feed.id == base + "atom.xml"
    assert result.feed.updated == "2025-03-27T07:58:00+08:00"
    byd = parsed(feeds, "companies/byd-002594-sz/feed.xml").feed
    assert byd.subtitle == "Carmaker and battery maker."
    json_feed = json.loads(feeds["companies/goertek-002241-sz/feed.json"].data)
    assert json_feed["feed_url"] == base + "feed.json"
    assert json_feed["home_page_url"] == base


def test_topic_and_section_feeds(feeds: dict[str, FeedFile]) -> None:
    topic = parsed(feeds, "topics/new-energy-vehicles/feed.xml")
    assert topic.feed.title == "Morning Briefing: New energy vehicles"
    assert [e.title for e in topic.entries] == ["BYD sales rise"]
    assert topic.feed.link == f"{BASE}topics/new-energy-vehicles/"
    section = parsed(feeds, "sections/company-news/atom.xml")
    assert section.feed.title == "Morning Briefing: Company news"
    assert [e.title for e in section.entries] == ["Goertek profit up 144%", "BYD sales rise",
                                                  "Goertek and BYD sign deal"]


def test_feed_length_keeps_the_newest() -> None:
    config = dataclasses.replace(CONFIG, feed_length=2)
    feeds = feeds_of(make_site(mini_days(), config=config))
    assert [e.title for e in parsed(feeds, "atom.xml").entries] == [
        title for _, title in SITE_ORDER[:2]]
    assert len(json.loads(feeds["feed.json"].data)["items"]) == 2
    # A day's entry is titled with its date, in its language, as its page is.
    assert [e.title for e in parsed(feeds, "digest/feed.xml").entries] == [
        "Morning Report, Thursday, 27 March 2025", "Morning Report, Wednesday, 26 March 2025"]


def test_icon_and_logo_when_configured() -> None:
    config = dataclasses.replace(CONFIG, icon="/static/icon.png")
    feeds = feeds_of(make_site(mini_days(), config=config))
    atom = ET.fromstring(feeds["atom.xml"].data)
    assert atom.findtext(f"{ATOM}icon") == f"{BASE}static/icon.png"
    assert atom.findtext(f"{ATOM}logo") == f"{BASE}static/icon.png"
    rss = ET.fromstring(feeds["feed.xml"].data)
    assert rss.findtext("channel/image/url") == f"{BASE}static/icon.png"
    assert rss.findtext("channel/image/link") == rss.findtext("channel/link")
    assert json.loads(feeds["feed.json"].data)["icon"] == f"{BASE}static/icon.png"
    assert b"<icon>" not in feeds_of(mini_site())["atom.xml"].data


def test_language_follows_the_briefings() -> None:
    zh = [dataclasses.replace(day, lang="zh") for day in mini_days()]
    feeds = feeds_of(make_site(zh))
    assert parsed(feeds, "feed.xml").feed.language == "zh"
    mixed = feeds_of(make_site([zh[0], *mini_days()[1:]]))
    assert parsed(mixed, "feed.xml").feed.language == "en"
    atom = ET.fromstring(mixed["atom.xml"].data)
    langs = [e.get("{http://www.w3.org/XML/1998/namespace}lang")
             for e in atom.iter(f"{ATOM}entry")]
    assert langs == ["zh", "zh", "zh", None, None, None]
    assert json.loads(mixed["feed.json"].data)["items"][0]["language"] == "zh"


def test_site_under_a_sub_path() -> None:
    config = dataclasses.replace(CONFIG, base_url="https://example.org/briefing/")
    feeds = feeds_of(make_site(mini_days(), config=config))
    result = parsed(feeds, "atom.xml")
    assert result.entries[0].link.startswith("https://example.org/briefing/2025/03/27/")
    assert 'href="https://example.org/briefing/topics/artificial-intelligence/"' in \
        contents(feeds["atom.xml"].data)[0]
    assert ("self", "https://example.org/briefing/atom.xml") in {
        (link.rel, link.href) for link in result.feed.links}


# -- digest ---------------------------------------------------------------------------------

def test_digest_has_one_entry_per_day(feeds: dict[str, FeedFile]) -> None:
    result = parsed(feeds, "digest/atom.xml")
    assert result.feed.title == "Morning Briefing: daily digest"
    assert [e.link for e in result.entries] == [f"{BASE}2025/03/27/", f"{BASE}2025/03/26/",
                                                f"{BASE}2025/03/25/"]
    assert [e.published for e in result.entries] == [
        "2025-03-27T08:00:00+08:00", "2025-03-26T08:00:00+08:00", "2025-03-25T09:30:00+08:00"]
    content = contents(feeds["digest/atom.xml"].data)[0]
    assert content.startswith("<p>The day's lead.</p>")
    for _, title in SITE_ORDER[:3]:
        assert f'<a href="{permalink("2025-03-27", title)}">{html.escape(title)}</a>' in content
    assert "<p>Shanghai plans 200 EFLOPS: the details.</p>" in content
    # The story's company, first named in its body, links to its page with an absolute URL.
    assert (f'<p><a class="mention" href="{BASE}companies/goertek-002241-sz/">Goertek</a> '
            "profit up 144%: the details.</p>") in content
    assert f'src="{permalink(*SITE_ORDER[0])}chart.png"' in content
    assert content.index("Market dynamics") < content.index("Company news")
    assert len(parsed(feeds, "digest/feed.xml").entries) == 3
    assert len(json.loads(feeds["digest/feed.json"].data)["items"]) == 3


# -- hostile and empty sites ----------------------------------------------------------------

HOSTILE = 'AT&T <script>alert("x")</script> ]]> \x00\x01\x0b\x1f\ud800\ufffe end'


def hostile_site() -> Site:
    evil = Company("666666.SZ", f"Evil {HOSTILE}", "evil-666666-sz", "666666.SZ", "SZSE", "",
                   description=HOSTILE)
    topic = Topic("evil", f"Topic {HOSTILE}", description=HOSTILE)
    day = make_day("2025-03-27", [
        {"title": HOSTILE, "section": f"Desk {HOSTILE}", "summary": HOSTILE,
         "body": f"<p>{HOSTILE}</p><![CDATA[ x ]]><a href='/a?b=1&amp;c=2'>q</a>",
         "companies": ["666666.SZ"], "topics": ["evil"]},
        {"title": "\x00\x07", "body": "<p>only controls in the title</p>"},
    ], lead=f"<p>{HOSTILE}</p>", title=HOSTILE)
    config = dataclasses.replace(CONFIG, title=f"Site {HOSTILE}", author=f"Desk {HOSTILE}",
                                 description=HOSTILE)
    return make_site([day], config=config, companies=(evil,), topics=(topic,))


def test_hostile_text_keeps_every_feed_well_formed() -> None:
    feeds = feeds_of(hostile_site())
    for path, feed in feeds.items():
        if path.endswith(".xml"):
            ET.fromstring(feed.data)
            parsed(feeds, path)
        else:
            json.loads(feed.data)
        for bad in (b"\x00", b"\x01", b"\x0b", b"\x1f", b"\xef\xbf\xbe"):
            assert bad not in feed.data, path
    entry = parsed(feeds, "atom.xml").entries[0]
    assert entry.title == 'AT&T <script>alert("x")</script> ]]>  end'
    assert entry.tags[0].term.startswith("Evil AT&T <script>")
    untitled = parsed(feeds, "atom.xml").entries[1]
    assert untitled.title and untitled.link.endswith(f"/{untitled.title}/")
    item = json.loads(feeds["feed.json"].data)["items"][0]
    assert item["title"] == 'AT&T <script>alert("x")</script> ]]>  end'
    assert 'href="https://briefing.example.org/a?b=1&amp;c=2"' in item["content_html"]


def test_empty_site_still_has_stable_feeds() -> None:
    empty = make_site([], companies=(GOERTEK,), topics=())
    feeds = feeds_of(empty)
    assert set(feeds) == {f"{folder}{name}" for folder in ("", "companies/goertek-002241-sz/",
                                                           "digest/", "corrections/")
                          for name in ("feed.xml", "atom.xml", "feed.json")}
    assert parsed(feeds, "atom.xml").feed.updated == "1970-01-01T00:00:00+00:00"
    assert feeds == feeds_of(empty)


def test_a_feed_with_no_entries_is_dated_by_the_site() -> None:
    lonely = Company("000001.SZ", "Lonely", "lonely-000001-sz", "000001.SZ", "SZSE", "")
    feeds = feeds_of(make_site(mini_days(), companies=(GOERTEK, BYD, lonely)))
    result = parsed(feeds, "companies/lonely-000001-sz/atom.xml")
    assert result.entries == []
    assert result.feed.updated == "2025-03-27T08:00:00+08:00"


texts = st.lists(st.text(max_size=8) | st.sampled_from(
    ["<", ">", "&", "]]>", "\x00", "\x0c", "<![CDATA[", "&#0;", "\ufffe", "\udc80", "<a href=",
     "<img src='x'>"]), max_size=8).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=texts, body=texts, company=texts, section=texts)
def test_any_text_gives_well_formed_feeds(title: str, body: str, company: str,
                                          section: str) -> None:
    named = dataclasses.replace(GOERTEK, name=company or "x")
    day = make_day("2025-03-27", [{"title": title, "body": body, "section": section or "s",
                                   "summary": body, "companies": ["002241.SZ"]}], lead=body)
    feeds = feeds_of(make_site([day], companies=(named,), topics=()))
    for path, feed in feeds.items():
        if path.endswith(".xml"):
            ET.fromstring(feed.data)
        else:
            json.loads(feed.data)


@settings(max_examples=80, deadline=None)
@given(days=st.lists(st.tuples(st.integers(0, 40), st.integers(1, 6),
                               st.none() | st.integers(-30, 30)),
                     min_size=1, max_size=12, unique_by=lambda day: day[0]),
       length=st.integers(1, 9))
def test_feeds_hold_the_newest_stories_whatever_the_days_times(
        days: list[tuple[int, int, int | None]], length: int) -> None:
    """A feed stops reading its list early; that must pick what sorting every story picks,
    also when a day's front-matter time puts it before or after its neighbours."""
    start = dt.date(2025, 3, 1)
    briefings = []
    for offset, count, hours in days:
        day = start + dt.timedelta(days=offset)
        published = None if hours is None else \
            (dt.datetime.combine(day, dt.time(8), dt.UTC) + dt.timedelta(hours=hours)).isoformat()
        briefings.append(make_day(day.isoformat(), [
            {"title": f"Story {offset} {n}", "companies": ["002241.SZ"]}
            for n in range(count)], published=published))
    site = make_site(briefings, config=dataclasses.replace(CONFIG, feed_length=length))
    index = index_site(site)
    expected = sorted(sorted(index.stories, key=lambda story: (story.position, story.url)),
                      key=lambda story: entry_time(site.config, index, story), reverse=True)
    for plan in plan_feeds(site, index):
        if plan.base in ("/", GOERTEK.url):
            assert plan.stories == tuple(expected[:length])


def test_feeds_sharing_their_entries_make_what_each_makes_alone(monkeypatch) -> None:
    """A story's entry is made once per process for every feed that holds it (FeedPlan.entries),
    and the memo, bounded by ENTRIES_KEPT, changes no byte."""
    import site_builder.output.feeds as feeds_module

    site = mini_site()
    alone = {path: data for plan in plan_feeds(site, index_site(site))
             for path, data in dataclasses.replace(plan, entries={}).make()}
    plans = plan_feeds(site, index_site(site))
    assert len({id(plan.entries) for plan in plans}) == 1
    monkeypatch.setattr(feeds_module, "ENTRIES_KEPT", 3)
    shared = {path: data for plan in plans for path, data in plan.make()}
    assert shared == alone
    assert 0 < len(plans[0].entries) <= 3
