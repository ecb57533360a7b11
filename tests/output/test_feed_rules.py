"""The rules feed validators enforce, checked on every feed we write.

JSON Feed 1.1 as its spec states them, and for RSS 2.0 and Atom 1.0 the errors the W3C Feed
Validation Service reports, read with a real XML parser rather than feedparser's forgiving one.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import functools
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from test_feeds import CONFIG, feeds_of, hostile_site, make_day, make_site, mini_days

from site_builder.config import load_config
from site_builder.output.feeds import FeedFile
from site_builder.pipeline import build
from site_builder.report import Reporter

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)\Z")
RFC822 = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|"
                    r"Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d ([+-]\d{4}|GMT|UT)\Z")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
LANGUAGE = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*\Z")
TAG_URI = re.compile(r"tag:[A-Za-z0-9.-]+,\d{4}(-\d\d(-\d\d)?)?:[A-Za-z0-9/:@!$&'()*+,;=._~%?-]*"
                     r"\Z")
URL_ATTRIBUTES = {"href", "src", "cite", "poster", "action", "formaction", "longdesc",
                  "background"}


# -- shared checks --------------------------------------------------------------------------

def is_absolute(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        return bool(parts.netloc)
    return bool(parts.scheme)


def is_rfc3339(text: str | None) -> bool:
    if text is None or not RFC3339.match(text):
        return False
    try:
        return dt.datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False


def is_rfc822(text: str | None) -> bool:
    if text is None or not RFC822.match(text):
        return False
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return False
    return WEEKDAYS[moment.weekday()] == text[:3]  # the weekday must be the date's own


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in URL_ATTRIBUTES and value is not None:
                self.urls.append(value)
            elif name == "srcset" and value:
                self.urls += [c.split()[0] for c in value.split(",") if c.strip()]


def relative_links(fragment: str | None) -> list[str]:
    """URLs in an HTML fragment that a reader would resolve against the wrong base."""
    parser = _Links()
    parser.feed(fragment or "")
    parser.close()
    return [url for url in parser.urls if not is_absolute(url.strip())]


def duplicates(values: list[str]) -> list[str]:
    return sorted(value for value, count in Counter(values).items() if count > 1)


# -- JSON Feed 1.1 --------------------------------------------------------------------------

def check_json_feed(data: bytes, url: str) -> list[str]:
    """Problems by the JSON Feed 1.1 spec; an empty list means the feed is valid."""
    try:
        feed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return [f"not UTF-8 JSON: {error}"]
    if not isinstance(feed, dict):
        return ["top level is not an object"]
    problems = []
    if feed.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append(f"version is {feed.get('version')!r}")
    if not isinstance(feed.get("title"), str) or not feed["title"]:
        problems.append("title is required")
    for key in ("home_page_url", "feed_url", "icon", "favicon"):
        if key in feed and not (isinstance(feed[key], str) and is_absolute(feed[key])):
            problems.append(f"{key} {feed[key]!r} is not an absolute URL")
    if feed.get("feed_url") != url:
        problems.append(f"feed_url {feed.get('feed_url')!r} is not the file's URL {url}")
    for key in ("description", "language", "user_comment", "next_url"):
        if key in feed and not isinstance(feed[key], str):
            problems.append(f"{key} must be a string")
    if "language" in feed and not LANGUAGE.match(feed["language"]):
        problems.append(f"language {feed['language']!r} is not a language tag")
    if "author" in feed:
        problems.append("author is 1.0; 1.1 uses authors")
    problems += _check_authors(feed.get("authors"), "feed")
    items = feed.get("items")
    if not isinstance(items, list):
        return [*problems, "items is required and must be an array"]
    ids = []
    for number, item in enumerate(items):
        where = f"item {number}"
        if not isinstance(item, dict):
            problems.append(f"{where} is not an object")
            continue
        if not isinstance(item.get("id"), str) or not item["id"]:
            problems.append(f"{where}: id is required and must be a string")
        else:
            ids.append(item["id"])
        if not any(isinstance(item.get(k), str) for k in ("content_html", "content_text")):
            problems.append(f"{where}: content_html or content_text is required")
        for key in ("url", "external_url", "image", "banner_image"):
            if key in item and not (isinstance(item[key], str) and is_absolute(item[key])):
                problems.append(f"{where}: {key} {item[key]!r} is not an absolute URL")
        for key in ("title", "summary", "content_html", "content_text", "language"):
            if key in item and not isinstance(item[key], str):
                problems.append(f"{where}: {key} must be a string")
        for key in ("date_published", "date_modified"):
            if key in item and not is_rfc3339(item[key]):
                problems.append(f"{where}: {key} {item[key]!r} is not RFC 3339")
        if "tags" in item and not (isinstance(item["tags"], list)
                                   and all(isinstance(t, str) for t in item["tags"])):
            problems.append(f"{where}: tags must be an array of strings")
        problems += _check_authors(item.get("authors"), where)
        problems += [f"{where}: relative link {link!r} in content_html"
                     for link in relative_links(item.get("content_html"))]
    problems += [f"id {value!r} is not unique" for value in duplicates(ids)]
    return problems


def _check_authors(authors: Any, where: str) -> list[str]:
    if authors is None:
        return []
    if not isinstance(authors, list) or not authors:
        return [f"{where}: authors must be a non-empty array"]
    problems = []
    for author in authors:
        if not isinstance(author, dict) or not any(
                isinstance(author.get(k), str) and author[k] for k in ("name", "url", "avatar")):
            problems.append(f"{where}: an author needs a name, url or avatar")
    return problems


# -- RSS 2.0 --------------------------------------------------------------------------------

def check_rss(data: bytes, url: str) -> list[str]:
    """Errors the W3C validator reports for RSS 2.0, as far as our feeds could make them."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        return [f"not well-formed: {error}"]
    if root.tag != "rss" or root.get("version") != "2.0":
        return ["root element is not <rss version=\"2.0\">"]
    channels = root.findall("channel")
    if len(channels) != 1:
        return ["there must be exactly one channel"]
    channel = channels[0]
    problems = []
    for name in ("title", "link", "description"):
        if len(channel.findall(name)) != 1 or not (channel.findtext(name) or "").strip():
            problems.append(f"channel needs exactly one non-empty <{name}>")
    for name in ("language", "lastBuildDate", "pubDate", "generator", "docs", "image"):
        if len(channel.findall(name)) > 1:
            problems.append(f"channel has more than one <{name}>")
    if not is_absolute(channel.findtext("link") or ""):
        problems.append("channel link is not an absolute URL")
    selves = [link for link in channel.findall(f"{ATOM}link") if link.get("rel") == "self"]
    if [link.get("href") for link in selves] != [url]:
        problems.append(f"channel needs one atom:link rel=self with href={url}")
    elif selves[0].get("type") != "application/rss+xml":
        problems.append("atom:link rel=self should have type application/rss+xml")
    if channel.find("language") is not None and not LANGUAGE.match(
            channel.findtext("language") or ""):
        problems.append("language is not a language tag")
    for name in ("lastBuildDate", "pubDate"):
        if channel.find(name) is not None and not is_rfc822(channel.findtext(name)):
            problems.append(f"channel {name} {channel.findtext(name)!r} is not RFC 822")
    image = channel.find("image")
    if image is not None:
        if not is_absolute(image.findtext("url") or ""):
            problems.append("image url is not absolute")
        if image.findtext("title") != channel.findtext("title"):
            problems.append("image title differs from the channel title")
        if image.findtext("link") != channel.findtext("link"):
            problems.append("image link differs from the channel link")
    guids = []
    for number, item in enumerate(channel.findall("item")):
        where = f"item {number}"
        if not (item.findtext("title") or item.findtext("description")):
            problems.append(f"{where} needs a title or a description")
        for name in ("title", "link", "description", "guid", "pubDate", CONTENT_ENCODED):
            if len(item.findall(name)) > 1:
                problems.append(f"{where} has more than one <{name}>")
        if not is_absolute(item.findtext("link") or ""):
            problems.append(f"{where}: link is not an absolute URL")
        guid = item.find("guid")
        if guid is None or not (guid.text or "").strip():
            problems.append(f"{where}: no guid")
        else:
            guids.append(guid.text or "")
            if guid.get("isPermaLink", "true") == "true" and not is_absolute(guid.text or ""):
                problems.append(f"{where}: a permalink guid must be an absolute URL")
        if not is_rfc822(item.findtext("pubDate")):
            problems.append(f"{where}: pubDate {item.findtext('pubDate')!r} is not RFC 822")
        for author in item.findall("author"):  # RSS authors are email addresses
            if "@" not in (author.text or ""):
                problems.append(f"{where}: author {author.text!r} has no email address")
        for category in item.findall("category"):
            if not (category.text or "").strip():
                problems.append(f"{where}: empty category")
        for name in ("description", CONTENT_ENCODED):
            problems += [f"{where}: relative link {link!r} in {name}"
                         for link in relative_links(item.findtext(name))]
    problems += [f"guid {value!r} is not unique" for value in duplicates(guids)]
    return problems


# -- Atom 1.0 -------------------------------------------------------------------------------

def check_atom(data: bytes, url: str) -> list[str]:
    """Errors the W3C validator reports for Atom 1.0 (RFC 4287)."""
    try:
        feed = ET.fromstring(data)
    except ET.ParseError as error:
        return [f"not well-formed: {error}"]
    if feed.tag != f"{ATOM}feed":
        return ["root element is not atom:feed"]
    problems = _check_atom_common(feed, "feed")
    if not _has_author(feed) and not all(_has_author(e) for e in feed.findall(f"{ATOM}entry")):
        problems.append("no author at feed level and not on every entry")
    links = feed.findall(f"{ATOM}link")
    selves = [link.get("href") for link in links if link.get("rel") == "self"]
    if selves != [url]:
        problems.append(f"feed needs one link rel=self with href={url}, has {selves}")
    for name in ("icon", "logo"):
        if feed.find(f"{ATOM}{name}") is not None and not is_absolute(
                feed.findtext(f"{ATOM}{name}") or ""):
            problems.append(f"{name} is not an absolute URL")
    if feed.get(XML_LANG) is not None and not LANGUAGE.match(feed.get(XML_LANG) or ""):
        problems.append("xml:lang is not a language tag")
    ids, updated = [], []
    for number, entry in enumerate(feed.findall(f"{ATOM}entry")):
        where = f"entry {number}"
        problems += _check_atom_common(entry, where)
        ids.append(entry.findtext(f"{ATOM}id") or "")
        updated.append(entry.findtext(f"{ATOM}updated") or "")
        published = entry.find(f"{ATOM}published")
        if published is not None and not is_rfc3339(published.text):
            problems.append(f"{where}: published {published.text!r} is not RFC 3339")
        content = entry.find(f"{ATOM}content")
        alternates = [link for link in entry.findall(f"{ATOM}link")
                      if link.get("rel", "alternate") == "alternate"]
        if content is None and not alternates:
            problems.append(f"{where}: no content and no alternate link")
        for name in ("content", "summary"):
            element = entry.find(f"{ATOM}{name}")
            if element is not None and element.get("type") == "html":
                problems += [f"{where}: relative link {link!r} in {name}"
                             for link in relative_links(element.text)]
        for category in entry.findall(f"{ATOM}category"):
            if not category.get("term"):
                problems.append(f"{where}: category without a term")
            if category.get("scheme") is not None and not is_absolute(category.get("scheme", "")):
                problems.append(f"{where}: category scheme is not an absolute IRI")
    problems += [f"id {value!r} is not unique" for value in duplicates(ids)]
    # The validator warns of entries sharing an updated time: readers cannot order them.
    problems += [f"two entries updated at {value}" for value in duplicates(updated)]
    return problems


def _check_atom_common(element: ET.Element, where: str) -> list[str]:
    """What feeds and entries share: one id, title and updated; sound links."""
    problems = []
    for name in ("id", "title", "updated"):
        if len(element.findall(f"{ATOM}{name}")) != 1:
            problems.append(f"{where} needs exactly one atom:{name}")
    identifier = (element.findtext(f"{ATOM}id") or "").strip()
    if identifier.startswith("tag:"):
        if not TAG_URI.match(identifier):
            problems.append(f"{where}: id {identifier!r} is not a valid tag URI")
    elif not is_absolute(identifier):
        problems.append(f"{where}: id {identifier!r} is not an absolute IRI")
    if not (element.findtext(f"{ATOM}title") or "").strip():
        problems.append(f"{where}: title is empty")
    if not is_rfc3339(element.findtext(f"{ATOM}updated")):
        problems.append(f"{where}: updated {element.findtext(f'{ATOM}updated')!r} is not "
                        "RFC 3339")
    seen = set()
    for link in element.findall(f"{ATOM}link"):
        if not is_absolute(link.get("href", "")):
            problems.append(f"{where}: link {link.get('href')!r} is not absolute")
        if link.get("rel", "alternate") == "alternate":
            key = (link.get("type"), link.get("hreflang"))
            if key in seen:
                problems.append(f"{where}: two alternate links with the same type and hreflang")
            seen.add(key)
    return problems


def _has_author(element: ET.Element) -> bool:
    return any((author.findtext(f"{ATOM}name") or "").strip()
               for author in element.findall(f"{ATOM}author"))


def check_feed(path: str, data: bytes, url: str) -> list[str]:
    if path.endswith("feed.json"):
        return check_json_feed(data, url)
    if path.endswith("atom.xml"):
        return check_atom(data, url)
    return check_rss(data, url)


# -- the feeds under test -------------------------------------------------------------------

@functools.cache
def site_feeds(name: str) -> tuple[dict[str, FeedFile], str]:
    """A mini-site's feeds and base URL: the plain one, one with a day in another language,
    and one full of hostile text."""
    if name == "hostile":
        return feeds_of(hostile_site()), hostile_site().config.base_url
    days = mini_days()
    if name == "mixed":
        days.append(make_day("2025-03-28", [{"title": "Another day",
                                             "companies": ["002594.SZ"]}], lang="zh"))
    return feeds_of(make_site(days)), CONFIG.base_url


@pytest.mark.parametrize("site", ["mini", "mixed", "hostile"])
def test_every_feed_follows_the_rules(site: str) -> None:
    feeds, base = site_feeds(site)
    problems = {path: check_feed(path, feed.data, base + path) for path, feed in feeds.items()}
    assert {path: found for path, found in problems.items() if found} == {}


@pytest.fixture(scope="session")
def sample_output(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    config, _ = load_config(repo_root)
    output = tmp_path_factory.mktemp("rules") / "out"
    # No cache: it lives in the site folder, and this is the repository itself.
    build(config, Reporter(0), output=output, use_cache=False)
    return output


def test_sample_site_feeds_follow_the_rules(repo_root: Path, sample_output: Path) -> None:
    config, _ = load_config(repo_root)
    paths = sorted(p for p in sample_output.rglob("*")
                   if p.name in ("feed.xml", "atom.xml", "feed.json"))
    assert paths
    problems = {}
    for path in paths:
        relative = path.relative_to(sample_output).as_posix()
        found = check_feed(relative, path.read_bytes(), config.absolute(relative))
        if found:
            problems[relative] = found
    assert problems == {}


# -- the checkers catch what they should -----------------------------------------------------

def test_checkers_catch_broken_feeds() -> None:
    feeds, base = site_feeds("mini")
    rss, atom = feeds["feed.xml"].data, feeds["atom.xml"].data
    relative = rss.replace(b'href="https://briefing.example.org/topics/', b'href="/topics/')
    assert any("relative link" in p for p in check_rss(relative, base + "feed.xml"))
    assert any("pubDate" in p for p in check_rss(
        rss.replace(b"Thu, 27 Mar 2025 08:00:00 +0800", b"2025-03-27 08:00"),
        base + "feed.xml"))
    assert any("weekday" in p or "RFC 822" in p for p in check_rss(
        rss.replace(b"Thu, 27 Mar 2025 08:00:00 +0800", b"Fri, 27 Mar 2025 08:00:00 +0800"),
        base + "feed.xml"))
    assert any("rel=self" in p for p in check_rss(rss, base + "other.xml"))
    assert any("rel=self" in p for p in check_atom(atom, base + "other.xml"))
    assert any("updated" in p for p in check_atom(
        atom.replace(b"2025-03-27T08:00:00+08:00", b"Thu, 27 Mar 2025"), base + "atom.xml"))
    first_id = ET.fromstring(atom).find(f"{ATOM}entry/{ATOM}id")
    assert first_id is not None and first_id.text
    second = ET.fromstring(atom).findall(f"{ATOM}entry/{ATOM}id")[1].text or ""
    duplicated = atom.replace(second.encode(), first_id.text.encode())
    assert any("not unique" in p for p in check_atom(duplicated, base + "atom.xml"))
    assert any("two entries updated" in p for p in check_atom(
        atom.replace(b"2025-03-27T07:59:00+08:00", b"2025-03-27T08:00:00+08:00"),
        base + "atom.xml"))
    assert any("author" in p for p in check_atom(
        re.sub(rb"<author>.*?</author>", b"", atom, flags=re.DOTALL), base + "atom.xml"))
    assert check_json_feed(b'{"version": "https://jsonfeed.org/version/1", "items": [{}]}',
                           base + "feed.json") != []
    item = json.loads(feeds["feed.json"].data)
    item["items"][0]["date_published"] = "2025-03-27 08:00"
    item["items"][0].pop("content_html")
    found = check_json_feed(json.dumps(item).encode(), base + "feed.json")
    assert any("RFC 3339" in p for p in found) and any("content_html" in p for p in found)
