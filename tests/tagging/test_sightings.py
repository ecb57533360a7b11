"""Tests for site_builder.tagging.sightings: one company with several listings and names,
learned from mini-sites of stories (tagged through tag_stories, as a build does)."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

from site_builder.errors import SourcePos
from site_builder.model import Briefing, Company, Section, Story
from site_builder.tagging.registry import SiteData, load_site_data
from site_builder.tagging.tag import TaggedSite, tag_stories


def story(day: dt.date, title: str, body: str = "", position: int = 0) -> Story:
    return Story(
        day=day, section="Companies", section_slug="companies", position=position,
        headline=title, headline_html=title, title=title, body_markdown=body, body_html="",
        summary="", words=0, reading_minutes=1, slug=f"s{position}",
        url=f"/{day:%Y/%m/%d}/s{position}/", source=SourcePos(f"{day}.md", 10 + position))


def days(*stories_by_day: tuple[str, ...]) -> tuple[Briefing, ...]:
    """One briefing a day from 2025-05-01 on, each story "Title|Body"; newest first, as the
    pipeline passes them."""
    briefings = []
    for number, texts in enumerate(stories_by_day):
        day = dt.date(2025, 5, 1) + dt.timedelta(days=number)
        made = tuple(story(day, *text.split("|", 1), position=i) for i, text in enumerate(texts))
        briefings.append(Briefing(
            source=SourcePos(f"{day}.md", 1), date=day, published=None, title="Wire",
            source_name="", lang="en", draft=False, extra=(), lead_markdown="", lead_html="",
            sections=(Section("Companies", "companies", made),), body_line=5))
    return tuple(reversed(briefings))


def registry(tmp_path: Path, text: str = "") -> SiteData:
    folder = tmp_path / "content" / "_data"
    folder.mkdir(parents=True)
    if text:
        (folder / "companies.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return load_site_data(tmp_path / "content")


def tags(result: TaggedSite) -> list[tuple[str, ...]]:
    """Each story's companies, oldest day first."""
    return [s.companies for briefing in reversed(result.briefings) for s in briefing.stories]


def company(result: TaggedSite, key: str) -> Company:
    (found,) = [c for c in result.companies if c.key == key]
    return found


def test_listings_written_together_are_one_company_and_every_listing_counts(
        tmp_path: Path) -> None:
    result = tag_stories(days(
        ("BYD|BYD (002594.SZ), (1211.HK) sold 380,089 cars.",),
        ("BYD H|Hong Kong shares of BYD (1211.HK) fell.", "Chinese|比亚迪股份(01211)公告。"),
    ), registry(tmp_path))
    assert tags(result) == [("002594.SZ",), ("002594.SZ",), ("002594.SZ",)]
    byd = company(result, "002594.SZ")
    assert [(x.ticker, x.exchange, x.board) for x in byd.listings] == [
        ("002594.SZ", "SZSE", "SZSE Main Board"), ("01211.HK", "HKEX", "HKEX Main Board")]
    assert (byd.name, byd.slug) == ("BYD", "byd-002594-sz")


def test_the_first_listing_the_site_wrote_keys_the_company_and_its_page_stays(
        tmp_path: Path) -> None:
    first = (("NIO|NIO Inc (NIO.N) delivered 23,900 cars.",),)
    later = (*first, ("NIO|NIO Inc. (HKEX: 9866; NYSE: NIO) reported results.",))
    before = tag_stories(days(*first), registry(tmp_path / "a"))
    after = tag_stories(days(*later), registry(tmp_path / "b"))
    assert company(before, "NIO.N").slug == company(after, "NIO.N").slug == "nio-inc-nio-n"
    assert [x.ticker for x in company(after, "NIO.N").listings] == ["NIO.N", "09866.HK"]
    assert tags(after) == [("NIO.N",), ("NIO.N",)]


def test_the_registry_joins_listings_and_names_in_other_languages(tmp_path: Path) -> None:
    data = registry(tmp_path, """
        - name: NIO
          tickers: [NIO.N, 09866.HK]
          names: {zh: 蔚来}
    """)
    result = tag_stories(days(
        ("蔚来|蔚来-SW（09866）公告，5月交付新车23,231辆。",),
        ("NIO|NIO delivered 23,231 vehicles.", "Onvo|蔚来旗下乐道品牌交付6,281辆。"),
    ), data)
    assert tags(result) == [("NIO.N",), ("NIO.N",), ("NIO.N",)]
    nio = company(result, "NIO.N")
    assert nio.names == (("zh", "蔚来"),)
    assert [x.ticker for x in nio.listings] == ["NIO.N", "09866.HK"]
    assert "蔚来" not in nio.aliases  # its Chinese name is kept as one, not as an alias


def test_two_registry_companies_written_together_stay_two(tmp_path: Path) -> None:
    data = registry(tmp_path, """
        - name: Tencent
          ticker: 00700.HK
        - name: Alibaba
          ticker: BABA.N
    """)
    result = tag_stories(days(("Both|Tencent and Alibaba (0700.HK, BABA.N) rose.",)), data)
    assert {c.key for c in result.companies} == {"00700.HK", "BABA.N"}
    assert any("kept apart" in warning for warning in result.warnings)


def test_two_listings_of_one_market_are_two_companies(tmp_path: Path) -> None:
    result = tag_stories(days(("Two|Tencent and Alibaba (0700.HK, 9988.HK) rose.",)),
                         registry(tmp_path))
    assert tags(result) == [("00700.HK", "09988.HK")]


def test_a_name_without_its_suffix_or_with_a_possessive_is_found_elsewhere(
        tmp_path: Path) -> None:
    result = tag_stories(days(
        ("Tencent|Tencent Holdings Ltd (0700.HK) reported results.",),
        ("WeChat|Tencent's WeChat added AI agents.", "Holdings|Tencent Holdings said so."),
    ), registry(tmp_path))
    assert tags(result) == [("00700.HK",), ("00700.HK",), ("00700.HK",)]
    assert "Tencent" in company(result, "00700.HK").aliases


def test_a_variant_two_companies_share_is_neither_s(tmp_path: Path) -> None:
    result = tag_stories(days(
        ("ACM|ACM Research, Inc. (NASDAQ: ACMR) and ACM Research (Shanghai), Inc. (SSE: 688082).",),
        ("Later|ACM Research said demand was strong.",),
    ), registry(tmp_path))
    assert tags(result)[1] == ()


def test_a_defined_term_is_a_name_of_the_company(tmp_path: Path) -> None:
    result = tag_stories(days(
        ("CATL|Contemporary Amperex Technology Co Ltd (CATL) (300750.SZ) raised $4.6 billion.",),
        ("Later|CATL shares rose.", ("Hesai|Hesai Group (NASDAQ: HSAI) (\"Hesai\" or the "
         "\"Company\") said so."), "Later|Hesai shipped lidar."),
    ), registry(tmp_path))
    assert tags(result) == [("300750.SZ",), ("300750.SZ",), ("HSAI.O",), ("HSAI.O",)]
    catl = company(result, "300750.SZ")
    assert catl.name == "Contemporary Amperex Technology Co Ltd"
    assert {"CATL", "Contemporary Amperex Technology"} <= set(catl.aliases)


def test_an_announcement_header_teaches_the_short_name(tmp_path: Path) -> None:
    result = tag_stories(days(
        ("中芯国际：一季度收入|证券代码：688981　证券简称：中芯国际　公告编号：2025-008\n\n公司公告。",),
        ("先进制程|中芯国际表示产能利用率保持高位。",),
    ), registry(tmp_path))
    assert tags(result) == [("688981.SH",), ("688981.SH",)]
