"""The email edition in headless Chromium: no sideways scroll at phone and desktop widths,
readable colours in light and dark mode, Chinese set in a CJK font.

A browser is not a mail client, but the edition's layout (a table of at most 600 px, inlined
styles) is what clients render. Screenshots at 375 px of an English and a Chinese day go to
test-artifacts/email/ for people to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import HAVE_PLAYWRIGHT, REPO_ROOT, needs_chromium

from site_builder.config import load_config
from site_builder.pipeline import build
from site_builder.report import Reporter

if HAVE_PLAYWRIGHT:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, needs_chromium]

SCREENSHOTS = REPO_ROOT / "test-artifacts/email"
DAYS = {"en": "2025/03/27", "zh": "2025/04/02"}
TITLES = {"en": "Science and Technology Innovation Board Morning Report", "zh": "科创板早报"}
WIDTHS = (375, 600)

# The widest right edge of anything shown, and what scrolls sideways.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")].filter((e) => {
    const box = e.getBoundingClientRect();
    return box.width > 0 && box.right > width + 0.5;
  }).map((e) => `${e.tagName}.${e.className}: ${Math.round(e.getBoundingClientRect().right)}`);
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5)};
}"""
COLOURS = """() => {
  const style = (selector) => getComputedStyle(document.querySelector(selector));
  return {sheet: style(".sheet").backgroundColor, title: style("h1").color,
          summary: style(".summary").color, link: style("h3 a").color,
          font: style("h1").fontFamily, charset: document.characterSet,
          lang: document.documentElement.lang, h1: document.querySelector("h1").innerText,
          preheader: document.querySelector(".preheader").getBoundingClientRect().height};
}"""


@dataclass
class Editions:
    output: Path

    def url(self, lang: str) -> str:
        return (self.output / "digest" / DAYS[lang] / "email.html").as_uri()


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> Editions:
    output = tmp_path_factory.mktemp("edition-browser") / "output"
    build(load_config(REPO_ROOT)[0], Reporter(0), output=output, use_cache=False)
    return Editions(output)


@pytest.fixture
def open_page(browser: Browser) -> Iterator[object]:
    contexts = []

    def open_at(url: str, width: int, dark: bool = False) -> Page:
        context = browser.new_context(viewport={"width": width, "height": 800},
                                      color_scheme="dark" if dark else "light")
        contexts.append(context)
        page = context.new_page()
        page.goto(url)
        return page

    yield open_at
    for context in contexts:
        context.close()


def channels(css: str) -> tuple[float, ...]:
    return tuple(float(part) for part in css[css.index("(") + 1:css.index(")")].split(",")[:3])


def luminance(css: str) -> float:
    """WCAG relative luminance of an rgb() colour."""
    def linear(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4
    red, green, blue = map(linear, channels(css))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one: str, other: str) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("lang", sorted(DAYS))
@pytest.mark.parametrize("width", WIDTHS)
def test_no_sideways_scroll(editions: Editions, open_page, lang: str, width: int):
    page = open_page(editions.url(lang), width)
    found = page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["width"] == width and found["wide"] == []
    if width == 375:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"email-{lang}-375.png"), full_page=True)


@pytest.mark.parametrize("lang", sorted(DAYS))
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_colours_read_well_in_light_and_dark_mode(editions: Editions, open_page, lang: str,
                                                  dark: bool):
    page = open_page(editions.url(lang), 375, dark)
    found = page.evaluate(COLOURS)
    assert (luminance(found["sheet"]) < 0.05) == dark
    for text in ("title", "summary", "link"):
        assert contrast(found[text], found["sheet"]) >= 4.5, (text, found)
    if dark:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"email-{lang}-375-dark.png"))


def test_a_chinese_day_reads_right(editions: Editions, open_page):
    found = open_page(editions.url("zh"), 375).evaluate(COLOURS)
    assert found["charset"] == "UTF-8" and found["lang"] == "zh"
    assert found["h1"] == TITLES["zh"]
    assert found["font"].startswith('"PingFang SC"') and "Noto Sans CJK SC" in found["font"]
    english = open_page(editions.url("en"), 375).evaluate(COLOURS)
    assert english["h1"] == TITLES["en"] and "PingFang" not in english["font"]
    assert found["preheader"] == 0 == english["preheader"]  # hidden

