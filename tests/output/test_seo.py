"""What search engines and link previews read: sitemaps, robots.txt, meta tags and JSON-LD."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit
from xml.sax.saxutils import escape

import pytest
from conftest import REPO_ROOT, write_site
from hypothesis import example, given
from hypothesis import strategies as st

from site_builder.config import load_config
from site_builder.index import index_site
from site_builder.output import sitemaps
from site_builder.pipeline import build, load_site
from site_builder.report import Reporter

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
HOSTILE = 'Quotes: </script><script>alert("x")</script> & <!-- in a headline'


@dataclass
class Head:
    """The parts of a page that machines read."""

    meta: dict[str, list[str]] = field(default_factory=dict)  # property or name -> contents
    canonical: str = ""
    linked_data: list[str] = field(default_factory=list)  # raw text of ld+json scripts
    other_scripts: list[dict[str, str | None]] = field(default_factory=list)
    crumbs: list[str] = field(default_factory=list)  # visible breadcrumb texts


class _HeadParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.head = Head()
        self._script: str | None = None
        self._in_crumbs = False
        self._crumb: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and (values.get("property") or values.get("name")):
            key = values.get("property") or values.get("name") or ""
            self.head.meta.setdefault(key, []).append(values.get("content") or "")
        elif tag == "link" and values.get("rel") == "canonical":
            self.head.canonical = values.get("href") or ""
        elif tag == "script":
            if values.get("type") == "application/ld+json":
                self._script = ""
            else:
                self.head.other_scripts.append(values)
        elif tag == "nav" and "breadcrumbs" in (values.get("class") or "").split():
            self._in_crumbs = True
        elif tag == "li" and self._in_crumbs:
            self._crumb = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.head.linked_data.append(self._script)
            self._script = None
        elif tag == "li" and self._crumb is not None:
            self.head.crumbs.append("".join(self._crumb).strip())
            self._crumb = None
        elif tag == "nav":
            self._in_crumbs = False

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script += data
        elif self._crumb is not None:
            self._crumb.append(data)


def read_head(path: Path) -> Head:
    parser = _HeadParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.head


def linked_data(head: Head) -> dict[str, dict]:
    """JSON-LD objects by @type."""
    found = {}
    for text in head.linked_data:
        data = json.loads(text)
        found[data["@type"]] = data
    return found


@pytest.fixture(scope="module")
def config():
    return load_config(REPO_ROOT, {"base_url": "https://news.example.org/"})[0]


@pytest.fixture(scope="module")
def site(config):
    return load_site(config, Reporter(0))


@pytest.fixture(scope="module")
def built(config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("seo") / "output"
    build(config, Reporter(0), output=output, use_cache=False)
    return output


def page_of(output: Path, url: str) -> Path:
    path = urlsplit(url).path
    relative = path.lstrip("/")
    return output / relative / "index.html" if path.endswith("/") else output / relative


def html_pages(output: Path) -> list[Path]:
    """The web pages: not the search bundle's files, nor the email editions (messages for
    mail clients, test_edition.py), which no search engine is sent to."""
    return sorted(p for p in output.rglob("*.html")
                  if "pagefind" not in p.parts and p.name != "email.html")


# Sitemaps and robots.txt -------------------------------------------------------------------

def test_sitemap_lists_every_page_but_404_with_its_content_date(built: Path, site, config):
    root = ET.parse(built / "sitemap.xml").getroot()
    assert root.tag == f"{SM}urlset"
    entries = {url.findtext(f"{SM}loc"): url.findtext(f"{SM}lastmod") for url in root}
    files = {page_of(built, loc) for loc in entries}
    assert all(loc.startswith("https://news.example.org/") for loc in entries)
    assert files == {p for p in html_pages(built) if p.name != "404.html"}
    newest = site.briefings[0].date.isoformat()
    assert entries["https://news.example.org/"] == newest
    noted = 0
    for briefing in site.briefings:
        # A story's lastmod is its newest correction or update, else its day; a day's, the
        # newest of its stories'.
        modified = [s.modified.isoformat() for s in briefing.stories if s.modified]
        assert entries[config.absolute(briefing.url)] == max(modified,
                                                             default=briefing.date.isoformat())
        for story in briefing.stories:
            assert entries[config.absolute(story.url)] == (
                story.modified.isoformat() if story.modified else story.day.isoformat())
            noted += story.modified is not None
    assert noted == 2  # the sample's corrected and updated stories
    for lastmod in entries.values():
        assert dt.date.fromisoformat(lastmod[:10]) <= dt.date.fromisoformat(newest)


def test_news_sitemap_holds_the_last_two_days_from_the_newest_briefing(built: Path, site):
    root = ET.parse(built / "news-sitemap.xml").getroot()
    newest = site.briefings[0].date
    expected = [s for b in site.briefings if (newest - b.date).days < 2 for s in b.stories]
    urls = list(root)
    assert [u.findtext(f"{SM}loc") for u in urls] == \
        [f"https://news.example.org{s.url}" for s in expected]
    for url, story in zip(urls, expected, strict=True):
        news = url.find(f"{NEWS}news")
        assert news.findtext(f"{NEWS}title") == story.title
        assert news.findtext(f"{NEWS}publication/{NEWS}name") == site.config.title
        assert news.findtext(f"{NEWS}publication/{NEWS}language") in ("en", "zh-cn")
        published = dt.datetime.fromisoformat(news.findtext(f"{NEWS}publication_date"))
        assert published.tzinfo is not None and published.date() == story.day


def test_robots_txt_names_the_sitemaps(built: Path):
    lines = (built / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "User-agent: *" in lines
    named = [line.split(": ", 1)[1] for line in lines if line.startswith("Sitemap: ")]
    assert named == ["https://news.example.org/sitemap.xml",
                     "https://news.example.org/news-sitemap.xml"]
    for url in named:
        assert page_of(built, url).is_file()


def test_a_big_sitemap_becomes_an_index_of_files(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sitemaps, "MAX_URLS", 3)
    entries = tuple((f"https://x.org/{n}/", f"2025-03-{n + 1:02d}") for n in range(7))
    job = sitemaps.Sitemap(entries, "https://x.org/")
    made = dict(job.make())
    assert list(made) == list(job.paths) == ["sitemap.xml", "sitemap-1.xml", "sitemap-2.xml",
                                             "sitemap-3.xml"]
    index = ET.fromstring(made["sitemap.xml"])
    assert index.tag == f"{SM}sitemapindex"
    assert [(s.findtext(f"{SM}loc"), s.findtext(f"{SM}lastmod")) for s in index] == [
        ("https://x.org/sitemap-1.xml", "2025-03-03"), ("https://x.org/sitemap-2.xml",
                                                        "2025-03-06"),
        ("https://x.org/sitemap-3.xml", "2025-03-07")]
    urls = [u.findtext(f"{SM}loc") for name in job.paths[1:]
            for u in ET.fromstring(made[name])]
    assert urls == [loc for loc, _ in entries]


def test_the_site_sitemap_names_the_files_it_makes(monkeypatch: pytest.MonkeyPatch, site):
    """Its files are named while planning (to check collisions) and made later, in a worker."""
    from site_builder.output.pages import plan_pages

    monkeypatch.setattr(sitemaps, "MAX_URLS", 7)
    pages = plan_pages(site, index_site(site))
    paths = [page.path for page in pages]
    job = sitemaps.plan_sitemaps(site, pages)[0]
    made = dict(job.make())
    assert list(made) == list(job.paths) and len(made) > 2
    listed = [u.findtext(f"{SM}loc") for name in job.paths[1:]
              for u in ET.fromstring(made[name])]
    # every page but 404.html and the two files of each day's email edition
    assert len(listed) == len(paths) - 1 - 2 * len(site.briefings)
    assert isinstance(job, sitemaps.SiteSitemap) and len(job.sitemap.entries) == len(listed)


@given(st.text())
@example("/q?a=1&b=2")
@example("/café/")
@example("/<x>/")
@example("/a b/")
def test_a_sitemap_location_is_quoted_then_escaped_whatever_the_url(url: str):
    """The shortcut for plain URLs gives what quoting and escaping every URL gives."""
    assert sitemaps._loc(url) == escape(quote(url, safe=sitemaps._URL_SAFE))


def test_the_site_sitemap_inputs_change_with_a_page_its_date_or_the_base_url(site):
    """Its fingerprint is made from the pages' paths and dates, not from the entries; each
    of those, and the base URL, must still change it, and the same pages must not."""
    from site_builder.output.pages import plan_pages

    pages = plan_pages(site, index_site(site))
    inputs = sitemaps.SiteSitemap(pages, site.config).inputs()
    story = next(n for n, page in enumerate(pages) if page.template == "story.html")
    moved = pages[story]._replace(path="elsewhere/index.html")
    redated = pages[story]._replace(lastmod="1999-01-01")
    assert sitemaps.SiteSitemap(list(pages), site.config).inputs() == inputs
    for changed in (pages[:story] + [moved] + pages[story + 1:],
                    pages[:story] + [redated] + pages[story + 1:], pages[:-2] + pages[-1:]):
        assert sitemaps.SiteSitemap(changed, site.config).inputs() != inputs
    elsewhere = replace(site.config, base_url="https://elsewhere.example/")
    assert sitemaps.SiteSitemap(pages, elsewhere).inputs() != inputs


def test_sitemaps_of_a_site_under_a_sub_path(tmp_path: Path):
    site = write_site(tmp_path / "site", {
        "site.toml": 'base_url = "https://example.org/news/"\n',
        "content/briefings/2025/2025-03-27.md": """\
            ---
            date: 2025-03-27
            ---

            ## Desk

            ### Café: a story with an accent
            """})
    build(load_config(site)[0], Reporter(0), use_cache=False)
    output = site / "output"
    robots = (output / "robots.txt").read_text(encoding="utf-8")
    assert "Disallow: /news/pagefind/" in robots
    assert "Sitemap: https://example.org/news/sitemap.xml" in robots
    locs = [u.findtext(f"{SM}loc") for u in ET.parse(output / "sitemap.xml").getroot()]
    assert "https://example.org/news/" in locs
    assert all(loc.startswith("https://example.org/news/") and loc.isascii() for loc in locs)


def test_news_language_codes():
    assert sitemaps.news_language("en-GB") == "en"
    assert sitemaps.news_language("zh") == "zh-cn"
    assert sitemaps.news_language("zh-Hant-TW") == "zh-tw"


def test_a_news_title_with_markup_and_characters_xml_forbids_stays_well_formed():
    hostile = 'AT&T <b>"up"</b> ]]> \x00\x0b\ud800\ufffe end'
    news = sitemaps.NewsSitemap("Pub & Co", (("https://example.com/a/", hostile,
                                              "2025-03-27T08:00:00+08:00", "en"),))
    [(path, data)] = news.make()
    title = ET.fromstring(data).find(".//{http://www.google.com/schemas/sitemap-news/0.9}title")
    assert path == sitemaps.NEWS_SITEMAP
    assert title is not None and title.text == 'AT&T <b>"up"</b> ]]>  end'


def test_a_site_without_briefings_has_empty_but_valid_sitemaps(tmp_path: Path):
    site = write_site(tmp_path / "site", {"content/briefings/.keep": ""})
    config = load_config(site)[0]
    loaded = load_site(config, Reporter(0))
    jobs = sitemaps.plan_sitemaps(loaded, [])
    for job in jobs:
        for path, data in job.make():
            if path.endswith(".xml"):
                assert ET.fromstring(data).tag == f"{SM}urlset"


# Meta tags and JSON-LD -----------------------------------------------------------------------

def test_every_page_has_a_canonical_url_opengraph_and_a_twitter_card(built: Path):
    for path in html_pages(built):
        head = read_head(path)
        where = path.relative_to(built)
        assert head.canonical.startswith("https://news.example.org/"), where
        assert head.meta["og:url"] == [head.canonical], where
        for key in ("og:title", "og:description", "og:type", "og:site_name", "og:image",
                    "twitter:card", "twitter:title", "twitter:description"):
            assert head.meta.get(key, [""])[0], f"{where} has no {key}"
        assert head.meta["twitter:card"] == ["summary_large_image"]
        # Day and story pages show their own share image (test_share_images.py), the
        # others the theme's; each is a file of the site, with its size and words.
        [image] = head.meta["og:image"]
        assert image.startswith("https://news.example.org/"), where
        assert (built / image.removeprefix("https://news.example.org/")).is_file(), where
        if path.parent.parent.parent.parent == built and path.parent.parent.parent.name == "2025":
            assert image.endswith(f"/{path.parent.relative_to(built).as_posix()}/share.png")
        assert head.meta["og:image:width"] == ["1200"] and head.meta["og:image:height"] == ["630"]
        assert head.meta["og:image:alt"][0].strip(), where
        for text in head.linked_data:
            json.loads(text)


def test_story_pages_are_news_articles(built: Path, site, config):
    index = index_site(site)
    for briefing in site.briefings:
        for story in briefing.stories:
            head = read_head(page_of(built, story.url))
            data = linked_data(head)
            article = data["NewsArticle"]
            assert article["headline"] == story.title
            assert article["url"] == config.absolute(story.url)
            assert article["mainEntityOfPage"]["@id"] == config.absolute(story.url)
            published = dt.datetime.fromisoformat(article["datePublished"])
            assert published.date() == story.day and published.tzinfo is not None
            assert article["inLanguage"] == briefing.lang
            assert article["publisher"]["name"] == config.title
            assert [a["url"] for a in article["about"]] == \
                [config.absolute(index.companies[key].url) for key in story.companies]
            assert head.meta["og:type"] == ["article"]
            assert head.meta["article:published_time"] == [article["datePublished"]]
            crumbs = data["BreadcrumbList"]["itemListElement"]
            assert [c["name"] for c in crumbs] == head.crumbs
            assert [c["position"] for c in crumbs] == list(range(1, len(crumbs) + 1))
            assert crumbs[-1]["item"] == config.absolute(story.url)


def test_company_topic_and_section_pages_are_collection_pages(built: Path, site, config):
    index = index_site(site)
    lists = [(c.url, index.by_company.get(c.key, ())) for c in index.companies.values()]
    lists += [(t.url, index.by_topic.get(t.slug, ())) for t in index.topics.values()]
    lists += [(f"/sections/{s.slug}/", s.stories) for s in index.sections]
    for url, stories in lists:
        data = linked_data(read_head(page_of(built, url)))
        page = data["CollectionPage"]
        assert page["url"] == config.absolute(url)
        items = page["mainEntity"]["itemListElement"]
        numbered = max(0, len(stories) // config.per_page - 1)  # front: the rest, newest
        assert [i["url"] for i in items] == \
            [config.absolute(s.url) for s in stories[:len(stories) - numbered * config.per_page]]
        assert page["mainEntity"]["numberOfItems"] == len(items)
        assert "BreadcrumbList" in data


def test_home_page_is_the_website_with_its_search(built: Path, config):
    data = linked_data(read_head(built / "index.html"))
    action = data["WebSite"]["potentialAction"]
    template = action["target"]["urlTemplate"]
    assert template == "https://news.example.org/search/?q={search_term_string}"
    assert page_of(built, template).is_file()
    assert read_head(built / "index.html").meta["og:type"] == ["website"]


def test_script_end_tags_in_a_headline_stay_inside_json_ld(tmp_path: Path):
    site = write_site(tmp_path / "site", {"content/briefings/2025/2025-03-27.md": f"""\
        ---
        date: 2025-03-27
        ---

        ## Desk

        ### {HOSTILE}

        Goertek (002241.SZ) said so.
        """})
    build(load_config(site)[0], Reporter(0), use_cache=False)
    story = next((site / "output/2025/03/27").glob("*/index.html"))
    text = story.read_text(encoding="utf-8")
    head = read_head(story)
    assert head.other_scripts == []  # the headline opened no script of its own
    article = linked_data(head)["NewsArticle"]
    assert article["headline"] == HOSTILE
    assert "</script><script>" not in text
    assert head.meta["og:title"] == [HOSTILE]
