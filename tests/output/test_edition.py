"""The email edition (output/edition.py): its filters, and the sample site's editions read back.

The sample is built under a sub-path (base_url https://news.example.org/briefing/) so that
"absolute, and resolves in the built site" means something: each link is mapped from its URL
to the output file it names.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
import pytest
import wcwidth
from conftest import REPO_ROOT, tree_bytes

from site_builder.config import load_config
from site_builder.index import index_site
from site_builder.model import Site
from site_builder.output.edition import (
    TEXT_WIDTH,
    edition_files,
    edition_folder,
    edition_view,
    inline_css,
    wrap_text,
)
from site_builder.output.feeds import digest_title
from site_builder.output.i18n import Interfaces
from site_builder.pipeline import build, load_site
from site_builder.report import Reporter

BASE_URL = "https://news.example.org/briefing/"
UNSUBSCRIBE = "https://lists.example.org/leave?list=briefing"
SITE_TOML = f'base_url = "{BASE_URL}"\n[email]\nlist_unsubscribe = "{UNSUBSCRIBE}"\n'
CHINESE_DAY = dt.date(2025, 4, 2)
NO_LINE_START = "，。；：、）》”"  # closing marks that may not start a Chinese line


# Filters ---------------------------------------------------------------------------------------

def test_english_wraps_at_the_width_without_breaking_words():
    text = "Goertek (002241.SZ) announced that its net profit rose sharply " * 6
    lines = wrap_text(text, 40, indent="  ").split("\n")
    assert len(lines) > 4
    assert all(wcwidth.width(line) <= 40 and line.startswith("  ") for line in lines)
    assert " ".join(line.strip() for line in lines) == " ".join(text.split())


def test_chinese_wraps_by_display_width_and_never_before_a_closing_mark():
    text = ("比亚迪（002594.SZ）公告，3月新能源汽车销量为377420辆，同比增长24.8%，其中海外销量"
            "72723辆。一季度新能源汽车累计销量1000804辆，同比增长59.8%。") * 3
    lines = wrap_text(text, 40).split("\n")
    assert all(wcwidth.width(line) <= 40 for line in lines)
    assert max(wcwidth.width(line) for line in lines) >= 38  # full lines, not half ones
    assert wrap_text("中" * 50, 40).split("\n") == ["中" * 20, "中" * 20, "中" * 10]
    assert not [line for line in lines[1:] if line[0] in NO_LINE_START]
    assert "".join(lines) == text  # no space put in, nothing lost


def test_ambiguous_characters_count_two_in_a_cjk_text():
    text = "“超级e平台”" * 12
    narrow, wide = wrap_text(text, 40).split("\n"), wrap_text(text, 40, wide=True).split("\n")
    assert len(wide) > len(narrow)
    assert all(wcwidth.width(line, ambiguous_width=2) <= 40 for line in wide)


def test_paragraphs_stay_apart_a_first_line_prefix_and_urls_stay_whole():
    url = "https://news.example.org/2025/04/02/" + "a-very-long-slug-" * 6
    text = f"First paragraph.\n\nSecond one, with {url} in it."
    wrapped = wrap_text(text, 30, first="* ", indent="  ")
    paragraphs = wrapped.split("\n\n")
    assert paragraphs[0] == "* First paragraph."
    assert paragraphs[1].split("\n") == ["* Second one, with", f"  {url}", "  in it."]
    assert "\u2060" not in wrapped


def test_inline_css_moves_rules_into_attributes_and_keeps_only_the_marked_block():
    document = ("<!DOCTYPE html><html><head><style>p { color: #123456 }</style>"
                '<style data-css-inline="keep">@media (prefers-color-scheme: dark) '
                "{ p { color: #fff !important } }</style>"
                '<link rel="stylesheet" href="http://127.0.0.1:9/never-fetched.css">'
                "</head><body><p>text</p></body></html>")
    inlined = inline_css(document)
    assert '<p style="color: #123456;">text</p>' in inlined
    assert "p { color: #123456 }" not in inlined
    assert "@media (prefers-color-scheme: dark)" in inlined
    assert "never-fetched" not in inlined  # dropped, not loaded


def test_edition_files_sit_beside_the_digest_feed():
    assert edition_folder(dt.date(2025, 3, 7)) == "digest/2025/03/07/"
    assert edition_files(dt.date(2025, 3, 7)) == (
        ("digest/2025/03/07/email.html", "email.html"), ("digest/2025/03/07/email.txt",
                                                         "email.txt"))


# The sample site's editions --------------------------------------------------------------------

@dataclass
class Sample:
    site: Site
    output: Path


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    root = tmp_path_factory.mktemp("edition")
    shutil.copytree(REPO_ROOT / "content", root / "content")
    (root / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    config = load_config(root)[0]
    build(config, Reporter(0), use_cache=False)
    return Sample(load_site(config, Reporter(0)), root / "output")


@dataclass
class Parsed:
    """An edition's HTML as html.parser reads it."""

    elements: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    text_by_tag: dict[str, list[str]] = field(default_factory=dict)
    styles: list[str] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parsed = Parsed()
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parsed.elements.append((tag, {k: v or "" for k, v in attrs}))
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        while self.open and self.open.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if self.open:
            self.parsed.text_by_tag.setdefault(self.open[-1], []).append(data)
            if self.open[-1] == "style":
                self.parsed.styles.append(data)


def read_html(path: Path) -> Parsed:
    reader = _Reader()
    reader.feed(path.read_text(encoding="utf-8"))
    reader.close()
    return reader.parsed


def file_of(output: Path, url: str) -> Path | None:
    """The built file a URL under BASE_URL names; None for a URL elsewhere."""
    if not url.startswith(BASE_URL):
        return None
    path = unquote(urlsplit(url).path)[len(urlsplit(BASE_URL).path):]
    return output / (path + "index.html" if path.endswith("/") or not path else path)


def test_every_day_has_both_parts(sample: Sample):
    for briefing in sample.site.briefings:
        for path, _ in edition_files(briefing.date):
            assert (sample.output / path).stat().st_size > 1000, path


def test_every_link_is_absolute_and_resolves_in_the_built_site(sample: Sample):
    for briefing in sample.site.briefings:
        html_path, text_path = (sample.output / p for p, _ in edition_files(briefing.date))
        links = [attrs[name] for _, attrs in read_html(html_path).elements
                 for name in ("href", "src") if name in attrs]
        assert links and all(urlsplit(link).scheme == "https" for link in links)
        assert [link for link in links if link != UNSUBSCRIBE and not link.startswith(BASE_URL)
                ] == []
        missing = [link for link in links if link != UNSUBSCRIBE
                   and not file_of(sample.output, link).is_file()]
        assert missing == [], briefing.date
        urls = re.findall(r"https?://\S+", text_path.read_text(encoding="utf-8"))
        assert urls and [u for u in urls if u != UNSUBSCRIBE and
                         not (file_of(sample.output, u) or Path("/nonexistent")).is_file()] == []


def test_nothing_runs_nothing_is_fetched_and_the_layout_is_a_600px_table(sample: Sample):
    for briefing in sample.site.briefings:
        html_path = sample.output / edition_files(briefing.date)[0][0]
        parsed = read_html(html_path)
        tags = {tag for tag, _ in parsed.elements}
        assert not tags & {"script", "form", "input", "button", "svg", "iframe", "object",
                           "embed", "link", "base", "img"}, html_path
        assert not [attrs for _, attrs in parsed.elements if any(n.startswith("on")
                                                                for n in attrs)]
        css = "\n".join(parsed.styles)
        assert "@font-face" not in css and "@import" not in css and "url(" not in css
        tables = [attrs for tag, attrs in parsed.elements if tag == "table"]
        assert all(attrs.get("role") == "presentation" for attrs in tables)
        assert any("max-width: 600px" in attrs.get("style", "") for attrs in tables)
        assert "font-face" not in html_path.read_text(encoding="utf-8")


def test_head_language_charset_dark_mode_and_the_hidden_preheader(sample: Sample):
    for briefing in sample.site.briefings:
        parsed = read_html(sample.output / edition_files(briefing.date)[0][0])
        tag, html = parsed.elements[0]
        assert tag == "html" and html["lang"] == briefing.lang
        metas = [attrs for tag, attrs in parsed.elements if tag == "meta"]
        assert metas[0] == {"charset": "utf-8"}
        assert {"name": "color-scheme", "content": "light dark"} in metas
        assert any("@media (prefers-color-scheme: dark)" in css for css in parsed.styles)
        body = next(i for i, (tag, _) in enumerate(parsed.elements) if tag == "body")
        tag, preheader = parsed.elements[body + 1]
        assert tag == "div" and "display: none" in preheader["style"]
        shown = "".join(parsed.text_by_tag["div"][:1])
        assert shown.startswith(briefing.lead_text[:20])
        title = "".join(parsed.text_by_tag["title"])
        assert briefing.title in title


def test_headlines_by_section_with_summaries_tickers_and_links(sample: Sample):
    config = sample.site.config
    index = index_site(sample.site)
    for briefing in sample.site.briefings:
        html = (sample.output / edition_files(briefing.date)[0][0]).read_text("utf-8")
        parsed = read_html(sample.output / edition_files(briefing.date)[0][0])
        assert [t.strip() for t in parsed.text_by_tag["a"] if t.strip() in
                [s.name for s in briefing.sections]] == [s.name for s in briefing.sections]
        links = [attrs.get("href") for tag, attrs in parsed.elements if tag == "a"]
        story_links = [link for link in links if link in
                       [config.absolute(s.url) for s in briefing.stories]]
        assert story_links == [config.absolute(s.url) for s in briefing.stories]
        text = (sample.output / edition_files(briefing.date)[1][0]).read_text("utf-8")
        flat = re.sub(r"\s+", "", text)
        for story in briefing.stories:
            assert story.summary.replace("&", "&amp;").replace('"', "&#34;")[:12] in html or \
                story.summary[:12] in html
            assert re.sub(r"\s+", "", story.title) in flat
            assert re.sub(r"\s+", "", story.summary) in flat
            assert config.absolute(story.url) in text.split()
            for key in story.companies:
                company = index.companies[key]
                assert config.absolute(company.url) in links
                if company.ticker:
                    assert company.ticker in html and f"({company.ticker})" in text
        assert config.absolute("/digest/feed.xml") in links
        assert config.absolute(briefing.url) in links and UNSUBSCRIBE in links


def test_the_text_part_is_wrapped_and_reads_right_in_chinese(sample: Sample):
    for briefing in sample.site.briefings:
        text = (sample.output / edition_files(briefing.date)[1][0]).read_text("utf-8")
        long_lines = [line for line in text.split("\n") if wcwidth.width(line) > TEXT_WIDTH
                      and not re.fullmatch(r"\s*(?:[^:：]+(?:: |：))?https?://\S+", line)]
        assert long_lines == [], briefing.date
        assert text.startswith(f"{briefing.title}\n")
    chinese = (sample.output / edition_files(CHINESE_DAY)[1][0]).read_text("utf-8")
    assert "== 市场动态 ==" in chinese and "比亚迪" in chinese
    lines = [line.strip() for line in chinese.split("\n") if line.strip()]
    assert not [line for line in lines if line[0] in NO_LINE_START]


def test_a_chinese_day_is_marked_for_cjk_fonts_and_an_english_one_is_not(sample: Sample):
    index = index_site(sample.site)
    interfaces = Interfaces(sample.site.config)
    by_date = {b.date: b for b in sample.site.briefings}
    chinese = edition_view(sample.site.config, index, by_date[CHINESE_DAY],
                           interfaces["zh"])["edition"]
    english = edition_view(sample.site.config, index, by_date[dt.date(2025, 3, 27)],
                           interfaces["en"])["edition"]
    assert chinese["wide"] and not english["wide"]
    parsed = read_html(sample.output / edition_files(CHINESE_DAY)[0][0])
    body = next(attrs for tag, attrs in parsed.elements if tag == "body")
    h1 = next(attrs for tag, attrs in parsed.elements if tag == "h1")
    assert "cjk" in body["class"].split()
    assert "font-family: 'PingFang SC', " in h1["style"] and "Noto Sans CJK SC" in h1["style"]
    assert "".join(parsed.text_by_tag["h1"]) == by_date[CHINESE_DAY].title


def test_an_edition_names_its_day_language_where_the_renderer_looks(sample: Sample):
    """page.lang picks the catalog (templates.Environments.for_view); the dates and the
    digest feed's title are in that language too, the title spelt as the feed spells it."""
    config = sample.site.config
    index = index_site(sample.site)
    interfaces = Interfaces(config)
    by_date = {b.date: b for b in sample.site.briefings}
    chinese = edition_view(config, index, by_date[CHINESE_DAY], interfaces["zh"])
    english = edition_view(config, index, by_date[dt.date(2025, 3, 27)], interfaces["en"])
    assert chinese["page"] == {"lang": "zh"} and english["page"] == {"lang": "en"}
    assert chinese["edition"]["date_text"] == "2025年4月2日 星期三"
    assert english["edition"]["date_text"] == "Thursday, 27 March 2025"
    assert chinese["edition"]["digest_feeds"][0]["title"] == \
        f"{config.title}：每日汇总 (RSS)" == f"{digest_title(config, interfaces['zh'])} (RSS)"
    # The feed itself is the site's, titled in the site's language by the same function.
    feed = feedparser.parse((sample.output / "digest/feed.xml").read_bytes())
    assert feed.feed.title == digest_title(config, interfaces[config.language]) == \
        english["edition"]["digest_feeds"][0]["title"].removesuffix(" (RSS)")


# Every word a reader meets around the content, in each language, both parts.
EDITION_WORDS = {
    "zh": {"html": ["在网页上阅读本期</a>", "全部往期简报</a>", "每日汇总：<a", "全部报道：<a",
                    "篇报道，分属", "个栏目 · 来源：", "退订</a>"],
           "text": ["在网页上阅读本期：\n", "全部往期简报：https://", "每日汇总订阅源：https://",
                    "全部报道订阅源：https://", "\n  公司：", f"退订：{UNSUBSCRIBE}"]},
    "en": {"html": ["Read this edition on the web</a>", "Every day's briefing</a>",
                    "Daily digest: <a", "Every story: <a", " stories in ", " sections · Source: ",
                    "Unsubscribe</a>"],
           "text": ["Read this edition on the web:\n", "Every day's briefing: https://",
                    "Daily digest feed: https://", "Every story, as a feed: https://",
                    "\n  Companies: ", f"Unsubscribe: {UNSUBSCRIBE}"]},
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_edition_is_worded_in_its_day_language(sample: Sample, lang: str):
    """The subject (the HTML part's <title>), the labels, counts and footer of both parts
    come from the day's catalog; none of the other language's words are left."""
    days = [b for b in sample.site.briefings if b.lang == lang]
    other = EDITION_WORDS["en" if lang == "zh" else "zh"]
    assert days
    for briefing in days:
        html_path, text_path = (sample.output / p for p, _ in edition_files(briefing.date))
        html, text = html_path.read_text("utf-8"), text_path.read_text("utf-8")
        date = Interfaces(sample.site.config)[lang].long_date(briefing.date)
        title = "".join(read_html(html_path).text_by_tag["title"])
        assert title == (f"{briefing.title}｜{date}" if lang == "zh" else
                         f"{briefing.title} · {date}")
        assert text.startswith(f"{briefing.title}\n{date}\n")
        assert [words for words in EDITION_WORDS[lang]["html"] if words not in html] == []
        assert [words for words in EDITION_WORDS[lang]["text"] if words not in text] == []
        assert [words for words in other["html"] if words in html] == []
        assert [words for words in other["text"] if words in text] == []


def test_two_builds_give_the_same_editions(sample: Sample, tmp_path: Path):
    config = sample.site.config
    build(config, Reporter(0), output=tmp_path / "again", use_cache=False, jobs=1)
    assert tree_bytes(tmp_path / "again" / "digest") == tree_bytes(sample.output / "digest")


def test_an_edit_renders_its_day_edition_again_and_no_other(tmp_path: Path):
    root = tmp_path / "site"
    shutil.copytree(REPO_ROOT / "content", root / "content")
    config = load_config(root)[0]
    build(config, Reporter(0), jobs=1)
    before = tree_bytes(root / "output" / "digest")
    times = {path: (root / "output/digest" / path).stat().st_mtime_ns for path in before}
    day = root / "content/briefings/2025/2025-03-28.md"
    day.write_text(day.read_text("utf-8").replace("SMIC", "S.M.I.C.", 1), encoding="utf-8")
    build(config, Reporter(0), jobs=1)
    after = tree_bytes(root / "output" / "digest")
    changed = sorted(path for path in before if before[path] != after[path])
    assert [p for p in changed if p.startswith("2025/")] == [
        "2025/03/28/email.html", "2025/03/28/email.txt"]
    assert b"S.M.I.C." in after["2025/03/28/email.txt"]
    kept = [p for p in before if p.startswith("2025/") and not p.startswith("2025/03/28/")]
    assert all((root / "output/digest" / p).stat().st_mtime_ns == times[p] for p in kept)
    build(config, Reporter(0), output=tmp_path / "full", use_cache=False, jobs=1)
    assert tree_bytes(tmp_path / "full" / "digest") == after
