"""The built sample site in headless Chromium: layout, search, keyboard and accessibility.

One browser for the whole module and one static server (http.server) for the built site.
Screenshots of every page checked go to test-artifacts/screenshots/ for people to look at.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import HAVE_PLAYWRIGHT, ONE_DAY, REPO_ROOT, TESTS_DIR, needs_chromium, write_site

from site_builder.config import load_config
from site_builder.index import SiteIndex, index_site
from site_builder.pipeline import build, load_site
from site_builder.report import Reporter

if HAVE_PLAYWRIGHT:
    from playwright.sync_api import Browser, BrowserContext, Page

AXE = TESTS_DIR / "js/node_modules/axe-core/axe.min.js"
SCREENSHOTS = REPO_ROOT / "test-artifacts/screenshots"
WAIT_MS = 15_000
WIDTHS = (390, 1280)
COMPANY = "Goertek"  # in English and Chinese stories of the sample site

pytestmark = [pytest.mark.browser, needs_chromium]

# Pages of each kind; {story}, {company} and {topic} are filled from the model.
PAGES = {
    "home": "/",
    "day": "/2025/03/27/",
    "story": "{story}",
    "company": "{company}",
    "topic": "{topic}",
    "search": f"/search/?q={COMPANY}",
}
MORE_PAGES = {"companies": "/companies/", "archive": "/archive/", "404": "/404.html",
              "trends": "/trends/",
              "story in Chinese": "{story_zh}", "search without a query": "/search/",
              "corrections": "/corrections/", "corrected story": "{corrected}"}

# Reports the page makes about itself: CSP violations (also in the console, but this is
# the authoritative list) and uncaught errors.
WATCH = """
window.__problems = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__problems.push(`CSP: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


@dataclass
class Sample:
    root: str  # the server's address
    index: SiteIndex
    urls: dict[str, str] = field(default_factory=dict)

    def url(self, kind: str) -> str:
        return self.root + self.urls[kind]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sample]:
    output = tmp_path_factory.mktemp("browser") / "output"
    config = load_config(REPO_ROOT)[0]
    build(config, Reporter(0), output=output, use_cache=False)
    site = load_site(config, Reporter(0))
    index = index_site(site)
    handler = functools.partial(_Quiet, directory=str(output))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    company = next(c for c in index.companies.values() if c.name == COMPANY)
    chinese = next(b for b in site.briefings if b.lang.startswith("zh"))
    fill = {"story": next(s.url for s in index.stories if "####" in s.body_markdown),
            "story_zh": chinese.stories[0].url, "company": company.url,
            "topic": index.topics["artificial-intelligence"].url,
            "corrected": next(s.url for s in index.stories if s.notes)}
    urls = {kind: url.format(**fill) for kind, url in {**PAGES, **MORE_PAGES}.items()}
    yield Sample(f"http://127.0.0.1:{server.server_address[1]}", index, urls)
    server.shutdown()
    server.server_close()


@dataclass
class Tab:
    context: BrowserContext
    page: Page
    console: list[str]

    def problems(self) -> list[str]:
        return [*self.console, *self.page.evaluate("window.__problems")]

    def close(self) -> None:
        self.context.close()


def open_tab(browser: Browser, url: str, width: int = 1280, dark: bool = False,
             bypass_csp: bool = False) -> Tab:
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  color_scheme="dark" if dark else "light",
                                  bypass_csp=bypass_csp)
    context.add_init_script(WATCH)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    console: list[str] = []
    page.on("console", lambda m: console.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console.append(f"uncaught: {e}"))
    page.goto(url, wait_until="load")
    if "/search/" in url:
        page.wait_for_selector(".pagefind-ui" if "?q=" not in url else
                               ".pagefind-ui__result, .pagefind-ui__message")
    return Tab(context, page, console)


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{re.sub(r'[^a-z0-9]+', '-', name.lower())}.png"),
                    full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", [*PAGES, *MORE_PAGES])
def test_page_renders_without_errors_or_sideways_scrolling(browser: Browser, sample: Sample,
                                                           kind: str, width: int):
    tab = open_tab(browser, sample.url(kind), width)
    try:
        page = tab.page
        assert tab.problems() == []
        scroll, inner = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{kind} is {scroll}px wide in a {inner}px window"
        wider = page.evaluate("""() => [...document.querySelectorAll('main *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .map(e => e.tagName + '.' + e.className).slice(0, 5)""")
        assert wider == []
        shoot(page, f"{kind}-{width}")
    finally:
        tab.close()


def test_narrowest_supported_screen_has_no_sideways_scrolling(browser: Browser,
                                                              sample: Sample):
    for kind in [*PAGES, "companies", "archive"]:
        tab = open_tab(browser, sample.url(kind), 360)
        try:
            assert tab.page.evaluate(
                "document.documentElement.scrollWidth <= window.innerWidth"), kind
        finally:
            tab.close()


def test_dark_pages_render_without_errors(browser: Browser, sample: Sample):
    for kind in ("home", "story", "search"):
        tab = open_tab(browser, sample.url(kind), 1280, dark=True)
        try:
            assert tab.problems() == []
            shoot(tab.page, f"{kind}-1280-dark")
        finally:
            tab.close()


# Search -------------------------------------------------------------------------------------

def result_links(page: Page) -> set[str]:
    """Every result's link, with "Load more results" pressed until all are shown."""
    page.wait_for_selector(".pagefind-ui__result-link")
    more = page.locator(".pagefind-ui__button")
    for _ in range(20):
        if not more.count() or not more.first.is_visible():
            break
        shown = page.locator(".pagefind-ui__result-link").count()
        more.first.click()
        page.locator(".pagefind-ui__result-link").nth(shown).wait_for()
    hrefs = page.eval_on_selector_all(".pagefind-ui__result-link",
                                      "links => links.map(a => a.getAttribute('href'))")
    return set(hrefs)


def test_searching_a_company_name_finds_all_its_stories(browser: Browser, sample: Sample):
    company = next(c for c in sample.index.companies.values() if c.name == COMPANY)
    expected = {s.url for s in sample.index.by_company[company.key]}
    assert len(expected) >= 2
    tab = open_tab(browser, sample.url("search"))
    try:
        assert expected <= result_links(tab.page)
        tags = tab.page.inner_text(".pagefind-ui__results")
        assert f"Companies: {COMPANY}" in tags and "Date: " in tags
        assert tab.problems() == []
    finally:
        tab.close()


def test_search_finds_a_companys_stories_in_every_year_newest_first(
        browser: Browser, tmp_path: Path):
    """Each half of an older year is a bundle of its own (and the newest month's weeks); the
    search page merges them, the newest first."""
    site = write_site(tmp_path / "site", {
        "content/briefings/2024/2024-03-04.md": ONE_DAY.replace("2025-03-27", "2024-03-04"),
        "content/briefings/2024/2024-12-30.md": ONE_DAY.replace("2025-03-27", "2024-12-30"),
        "content/briefings/2025/2025-03-27.md": ONE_DAY})
    build(load_config(site)[0], Reporter(0), output=site / "output", use_cache=False)
    handler = functools.partial(_Quiet, directory=str(site / "output"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    tab = open_tab(browser, f"http://127.0.0.1:{server.server_address[1]}/search/?q=Goertek")
    try:
        # A locator, not wait_for_function: that evaluates a string, which the CSP forbids.
        links = tab.page.locator(".pagefind-ui__result-link")
        links.nth(2).wait_for(timeout=30_000)
        hrefs = [links.nth(n).get_attribute("href") or "" for n in range(links.count())]
        assert [href[:9] for href in hrefs] == ["/2025/03/", "/2024/12/", "/2024/03/"]
        assert tab.problems() == []
    finally:
        tab.close()
        server.shutdown()
        server.server_close()


def test_the_header_search_box_is_a_plain_form_to_the_search_page(browser: Browser,
                                                                  sample: Sample):
    tab = open_tab(browser, sample.url("home"))
    try:
        tab.page.fill("#site-search-q", "BYD")
        tab.page.press("#site-search-q", "Enter")
        tab.page.wait_for_url("**/search/?q=BYD")
        byd = next(c for c in sample.index.companies.values() if c.name == "BYD")
        assert {s.url for s in sample.index.by_company[byd.key]} <= result_links(tab.page)
        assert tab.problems() == []
    finally:
        tab.close()


def test_filters_narrow_results_by_company_topic_and_section(browser: Browser,
                                                             sample: Sample):
    tab = open_tab(browser, sample.url("search without a query"))
    try:
        found = tab.page.evaluate("""async () => {
            // Every bundle in every language, as search.js merges them.
            const {shards, languages} = await (await fetch('/pagefind/shards.json')).json();
            const pagefind = await import(`/pagefind/${shards[0]}/pagefind.js`);
            for (const [older, shard] of shards.entries()) {
              for (const language of languages[shard]) {
                if (older === 0 && language === 'en') continue;
                await pagefind.mergeIndex(`/pagefind/${older ? '' : './'}${shard}/`, {language});
              }
            }
            const urls = async (filters) => Promise.all(
              (await pagefind.search(null, {filters})).results.map(async r => (await r.data()).url));
            return {filters: await pagefind.filters(),
                    company: await urls({company: 'BYD'}),
                    both: await urls({company: 'BYD', section: 'Company Aspect'})};
        }""")
        assert set(found["filters"]) == {"company", "topic", "section"}
        byd = next(c for c in sample.index.companies.values() if c.name == "BYD")
        assert set(found["company"]) == {s.url for s in sample.index.by_company[byd.key]}
        assert set(found["both"]) == {s.url for s in sample.index.by_company[byd.key]
                                      if s.section == "Company Aspect"}
    finally:
        tab.close()


# Keyboard and accessibility -------------------------------------------------------------------

FOCUSED = """() => {
  const e = document.activeElement;
  const style = getComputedStyle(e);
  return {tag: e.tagName, id: e.id, cls: e.className, href: e.getAttribute('href') || '',
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
          top: e.getBoundingClientRect().top};
}"""


def test_tab_from_the_top_reaches_skip_link_search_box_and_stories(browser: Browser,
                                                                   sample: Sample):
    tab = open_tab(browser, sample.url("home"))
    try:
        page = tab.page
        page.keyboard.press("Tab")
        first = page.evaluate(FOCUSED)
        assert first["cls"] == "skip-link" and first["top"] >= 0 and first["outline"]
        stories = {s.url for s in sample.index.stories}
        reached = [first]
        while reached[-1]["href"] not in stories and len(reached) < 200:
            page.keyboard.press("Tab")
            reached.append(page.evaluate(FOCUSED))
        assert any(f["id"] == "site-search-q" for f in reached)
        assert reached[-1]["href"] in stories, "no story link within 200 tabs"
        assert all(f["outline"] for f in reached if f["tag"] == "A"), "a focus was invisible"
        page.reload()
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # the skip link
        assert page.evaluate("document.activeElement.id") == "main"
    finally:
        tab.close()


AXE_PAGES = [("home", 1280, False), ("home", 390, False), ("home", 1280, True),
             ("day", 1280, False), ("story", 1280, False), ("story", 390, True),
             ("story in Chinese", 1280, False), ("company", 1280, False),
             ("topic", 1280, True), ("search", 1280, False), ("search", 1280, True),
             ("companies", 1280, False), ("archive", 390, False), ("404", 1280, False),
             ("company", 1280, True), ("company", 390, False), ("trends", 1280, False),
             ("trends", 390, True), ("corrections", 1280, False), ("corrected story", 390, True)]


@pytest.mark.skipif(not AXE.is_file(), reason=f"{AXE} is missing: npm ci --prefix tests/js")
@pytest.mark.parametrize(("kind", "width", "dark"), AXE_PAGES)
def test_axe_finds_nothing_serious(browser: Browser, sample: Sample, kind: str, width: int,
                                   dark: bool):
    # axe is injected as an inline script, which the site's policy rightly refuses.
    tab = open_tab(browser, sample.url(kind), width, dark=dark, bypass_csp=True)
    try:
        tab.page.add_script_tag(path=str(AXE))
        violations = tab.page.evaluate("""async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }""")
        serious = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert serious == []
    finally:
        tab.close()


# The Chinese edition: the sample site with language = "zh" -------------------------------------

CHINESE_SITE = {"language": "zh", "title": "科技财经早报", "description": "每日科技公司、市场与科学简报。"}
# A two-character word from the middle of a sentence of a Chinese story ("国家数据局有关负责人
# 表示"): found only when Pagefind's extended build has segmented the text into words.
MIDDLE_WORD = "负责"
ZH_PAGES = {"zh home": "/", "zh day": "/2025/04/02/", "zh story": "{story_zh}",
            "zh company": "{company}", "zh topic": "{topic}", "zh archive": "/archive/",
            "zh trends": "/trends/",
            "zh search": f"/search/?q={MIDDLE_WORD}", "zh 404": "/404.html"}


@pytest.fixture(scope="module")
def sample_zh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sample]:
    output = tmp_path_factory.mktemp("browser-zh") / "output"
    config = load_config(REPO_ROOT, CHINESE_SITE)[0]
    build(config, Reporter(0), output=output, use_cache=False)
    site = load_site(config, Reporter(0))
    index = index_site(site)
    handler = functools.partial(_Quiet, directory=str(output))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    chinese = next(b for b in site.briefings if b.lang.startswith("zh"))
    fill = {"story_zh": chinese.stories[0].url,
            "company": next(c for c in index.companies.values() if c.name == COMPANY).url,
            "topic": index.topics["artificial-intelligence"].url,
            "corrected": next(s.url for s in index.stories if s.notes)}
    urls = {kind: url.format(**fill) for kind, url in ZH_PAGES.items()}
    yield Sample(f"http://127.0.0.1:{server.server_address[1]}", index, urls)
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", ZH_PAGES)
def test_chinese_pages_render_without_errors_or_sideways_scrolling(
        browser: Browser, sample_zh: Sample, kind: str, width: int):
    tab = open_tab(browser, sample_zh.url(kind), width)
    try:
        page = tab.page
        assert tab.problems() == []
        assert page.evaluate("document.documentElement.lang") == "zh"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        shoot(page, f"{kind}-{width}")
    finally:
        tab.close()


@pytest.mark.skipif(not AXE.is_file(), reason=f"{AXE} is missing: npm ci --prefix tests/js")
@pytest.mark.parametrize("kind", ["zh home", "zh story", "zh search", "zh archive",
                                  "zh company", "zh trends"])
def test_axe_finds_nothing_serious_on_chinese_pages(browser: Browser, sample_zh: Sample,
                                                     kind: str):
    tab = open_tab(browser, sample_zh.url(kind), 1280, bypass_csp=True)
    try:
        tab.page.add_script_tag(path=str(AXE))
        violations = tab.page.evaluate("""async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.filter(v => ['serious', 'critical'].includes(v.impact))
                .map(v => v.id + ': ' + v.help);
        }""")
        assert violations == []
    finally:
        tab.close()


def test_a_word_from_the_middle_of_a_chinese_sentence_finds_its_story(
        browser: Browser, sample: Sample, sample_zh: Sample):
    """On the Chinese site and on the English one (whose search page merges the Chinese
    index of each bundle too), in a Chinese interface on the first."""
    story = sample_zh.urls["zh story"]
    for where in (sample_zh, sample):
        tab = open_tab(browser, f"{where.root}/search/?q={MIDDLE_WORD}")
        try:
            assert story in result_links(tab.page)
            assert tab.problems() == []
        finally:
            tab.close()
    tab = open_tab(browser, f"{sample_zh.root}/search/?q={MIDDLE_WORD}")
    try:
        page = tab.page
        page.wait_for_selector(".pagefind-ui__result-link")
        assert page.get_attribute(".pagefind-ui__search-input", "placeholder") == \
            "搜索公司、主题、报道"
        assert "条结果" in page.inner_text(".pagefind-ui__message")
        assert "日期: " in page.inner_text(".pagefind-ui__results")
        names = page.eval_on_selector_all(".pagefind-ui__filter-name",
                                          "items => items.map(e => e.textContent.trim())")
        assert set(names) == {"公司", "主题", "栏目"}
    finally:
        tab.close()


def test_english_words_are_still_found_by_their_stem(browser: Browser, sample: Sample):
    """Each page is indexed in its own language: English keeps its stemming ("foundries"
    finds "foundry") beside Chinese segmentation."""
    stories = {s.url for s in sample.index.stories
               if "foundries" in s.body_markdown.lower() or "foundry" in s.body_markdown.lower()
               or "foundry" in s.title.lower()}
    assert stories
    tab = open_tab(browser, f"{sample.root}/search/?q=foundries")
    try:
        assert result_links(tab.page) & stories
    finally:
        tab.close()


# Charts and trends -----------------------------------------------------------------------------

TREND_SHOTS = REPO_ROOT / "test-artifacts/trends"


@pytest.mark.parametrize("scheme", ["light", "dark", "print"])
def test_a_chart_takes_the_page_colours_in_light_dark_and_print(browser: Browser,
                                                                 sample: Sample, scheme: str):
    tab = open_tab(browser, sample.url("company"), dark=scheme == "dark")
    try:
        page = tab.page
        if scheme == "print":
            page.emulate_media(media="print")
        colours = page.evaluate("""() => {
            const style = (selector, property) =>
                getComputedStyle(document.querySelector(selector))[property];
            return {bar: style('.chart-bar-newest', 'fill'), accent: style('a', 'color'),
                    label: style('.chart-label', 'fill'), body: style('body', 'color'),
                    background: style('body', 'backgroundColor'),
                    width: document.querySelector('.chart-svg').getBoundingClientRect().width};
        }""")
        assert tab.problems() == []
        assert colours["width"] > 200
        if scheme == "print":
            assert colours["bar"] == "rgb(0, 0, 0)" and colours["label"] == "rgb(0, 0, 0)"
        else:  # the accent of the scheme, on its background: never the other scheme's
            accent = {"light": "rgb(10, 79, 150)", "dark": "rgb(143, 195, 255)"}[scheme]
            assert colours["bar"] == accent
            assert colours["background"] == {"light": "rgb(247, 245, 240)",
                                              "dark": "rgb(18, 20, 23)"}[scheme]
        page.set_viewport_size({"width": 1280, "height": 900})
        TREND_SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(TREND_SHOTS / f"company-{scheme}.png"), full_page=False)
    finally:
        tab.close()


def test_the_trends_page_shows_rising_subjects_with_sparklines(browser: Browser,
                                                               sample: Sample):
    tab = open_tab(browser, sample.url("trends"))
    try:
        page = tab.page
        assert tab.problems() == []
        assert page.locator("#table-rising-companies tbody tr").count() >= 1
        sparks = page.locator("#table-rising-companies svg.sparkline")
        assert sparks.first.get_attribute("aria-label", timeout=WAIT_MS).startswith(
            "Stories per week, the last 12 weeks: ")
        assert sparks.first.bounding_box()["width"] > 50  # type: ignore[index]
        assert page.locator(".most-mentioned li").count() >= 2
        TREND_SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(TREND_SHOTS / "trends.png"), full_page=True)
    finally:
        tab.close()
