"""Tests for site_builder.tag: inline mini-sites of Briefing/Story records, one behaviour each."""

from __future__ import annotations

import datetime as dt
import pickle
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.errors import ContentError, SourcePos
from site_builder.model import Briefing, Company, Section, Story, TagEdit, Topic
from site_builder.tagging.registry import SiteData, load_site_data
from site_builder.tagging.sightings import Seen
from site_builder.tagging.tag import (
    TaggedSite,
    _matcher_for,
    build_matcher,
    extract_tags,
    tag_stories,
)

DAY = dt.date(2025, 3, 27)
PATH = "content/briefings/2025/2025-03-27.md"

# The company and policy stories of the seed report of 2025-03-27, bodies shortened: a
# headline line, then the body, stories separated by blank lines.
SEED_TEXT = """
Ministry of Commerce: Promote the deepening application of artificial intelligence, virtual reality, big data and other technologies in the consumer field
The General Office of the State Council forwarded the Ministry of Commerce's "Several Measures
to Support the Cultivation and Construction of International Consumption Center Cities".
Promote the deepening application of artificial intelligence, virtual reality, big data and
other technologies in the consumer field.

Shanghai: By 2027, the scale of intelligent computing will reach 200EFLOPS
The "Implementation Opinions of Shanghai Municipality on Promoting the Innovation and
Development of the Intelligent Computing Cloud Industry (2025-2027)" was released.

OpenAI expects revenue to reach $12.7 billion in 2025
OpenAI is close to finalizing a $40 billion funding round led by SoftBank.

GAC Group: It has never had any form of contact with Evergrande Automobile
GAC Group issued a statement about rumors that "Huawang Automobile (GH Project) will acquire
Evergrande Automobile's Nansha plant".

Chengdu: Strive to reach 130 billion yuan in the scale of artificial intelligence core industry by 2025
On March 25, the Chengdu Artificial Intelligence Industry Chain Work Office held a briefing.

SenseTime: Net loss in 2024 will be 4.3 billion yuan
SenseTime Group released its results for the year ended December 31, 2024.

Goertek: Net profit in 2024 will increase by 144.93% year-on-year
Goertek (002241.SZ) announced that in 2024, it will achieve operating income of 100.954 billion
yuan. The company plans to distribute a cash dividend of 1.50 yuan.

Tianqi Lithium: Net loss of 7.905 billion yuan in 2024
Tianqi Lithium (002466.SZ) announced that the company will achieve operating income of 13.063
billion yuan in 2024.

Xunjiexing: Planning to purchase 100% of Jiazhihong's shares
Xunjiexing (688655.SH) announced that the company is planning to purchase 100% of the shares of
Shenzhen Jiazhihong Electronics Co., Ltd. (hereinafter referred to as "Jiazhihong"). Trading in
the Company's shares will be suspended.

NOVOSENSE: It plans to issue H shares and list them on the Hong Kong Stock Exchange
NOVOSENSE Micro (688052.SH) announced that the company intends to issue shares (H shares)
overseas and list on the main board of the Hong Kong Stock Exchange.

JinkoSolar: JinkoSolar Holdings, the indirect controlling shareholder, will have total revenue of RMB 92.26 billion in 2024
JinkoSolar (688223.SH) announced that JinkoSolar Holdings, the indirect controlling
shareholder, disclosed its results.

Debang Technology: The chairman proposed to repurchase shares
Debang Technology (688035.SH) announced that Xie Haihua, chairman of the company, proposed that
the company repurchase part of its shares.
"""
SEED = tuple(
    (headline, " ".join(body))
    for headline, *body in (stanza.splitlines() for stanza in SEED_TEXT.strip().split("\n\n"))
)


def story(title: str, body: str = "", *edits: TagEdit, line: int = 10) -> Story:
    return Story(
        day=DAY, section="Company Aspect", section_slug="company-aspect", position=0,
        headline=title, headline_html=title, title=title, body_markdown=body, body_html="",
        summary="", words=0, reading_minutes=1, slug="s", url="/2025/03/27/s/",
        source=SourcePos(PATH, line), tag_edits=edits)


def site(*stories: Story) -> tuple[Briefing, ...]:
    return (Briefing(
        source=SourcePos(PATH, 1), date=DAY, published=None, title="Morning Report",
        source_name="", lang="en", draft=False, extra=(), lead_markdown="", lead_html="",
        sections=(Section("Company Aspect", "company-aspect", stories),), body_line=5),)


def edit(kind: str, text: str, line: int = 20) -> TagEdit:
    return TagEdit(kind, text.startswith("+"), text[1:], SourcePos(PATH, line))


@pytest.fixture(scope="module")
def defaults(tmp_path_factory: pytest.TempPathFactory) -> SiteData:
    return load_site_data(tmp_path_factory.mktemp("empty"))


def data_with(tmp_path: Path, companies: str = "", topics: str = "") -> SiteData:
    folder = tmp_path / "content" / "_data"
    folder.mkdir(parents=True)
    for name, text in (("companies", companies), ("topics", topics)):
        if text:
            (folder / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return load_site_data(tmp_path / "content")


def tagged_stories(result: TaggedSite) -> list[Story]:
    return [s for briefing in result.briefings for s in briefing.stories]


def tags(result: TaggedSite) -> list[tuple[str, ...]]:
    return [s.companies for s in tagged_stories(result)]


def test_the_seed_companies_and_no_ministry_or_city(defaults: SiteData) -> None:
    result = tag_stories(site(*(story(t, b) for t, b in SEED)), defaults)
    assert [(c.key, c.name, c.exchange, c.board) for c in result.companies] == [
        ("688035.SH", "Debang Technology", "SSE", "STAR Market"),
        ("002241.SZ", "Goertek", "SZSE", "SZSE Main Board"),
        ("688223.SH", "JinkoSolar", "SSE", "STAR Market"),
        ("688052.SH", "NOVOSENSE Micro", "SSE", "STAR Market"),
        ("002466.SZ", "Tianqi Lithium", "SZSE", "SZSE Main Board"),
        ("688655.SH", "Xunjiexing", "SSE", "STAR Market"),
    ]
    by_title = {s.title.split(":")[0]: s for s in tagged_stories(result)}
    for untagged in ("Ministry of Commerce", "Shanghai", "Chengdu", "GAC Group", "SenseTime",
                     "OpenAI expects revenue to reach $12.7 billion in 2025"):
        assert by_title[untagged].companies == (), untagged
    assert by_title["Goertek"].companies == ("002241.SZ",)
    assert by_title["Xunjiexing"].companies == ("688655.SH",)  # not Shenzhen Jiazhihong
    assert result.companies[1].slug == "goertek-002241-sz"
    assert "earnings" in by_title["Goertek"].topics
    assert "policy" in by_title["Shanghai"].topics


def test_the_briefings_keep_their_shape(defaults: SiteData) -> None:
    briefings = site(story("A (002241.SZ)"), story("B"))
    result = tag_stories(briefings, defaults)
    assert [s.title for s in tagged_stories(result)] == ["A (002241.SZ)", "B"]
    assert result.briefings[0].date == DAY
    assert [t.name for t in result.topics] == sorted(t.name for t in defaults.topics)


def test_a_name_seen_with_its_ticker_is_recognised_everywhere(defaults: SiteData) -> None:
    result = tag_stories(site(
        story("Goertek: Net profit rose", "The company said shipments of headsets grew."),
        story("VR makers", "Goertek's shipments and Goertek Inc. rose; Goertekx did not."),
        story("Results", "Goertek (002241.SZ) announced its results."),
    ), defaults)
    assert tags(result) == [("002241.SZ",), ("002241.SZ",), ("002241.SZ",)]


def test_names_respect_word_boundaries(defaults: SiteData) -> None:
    result = tag_stories(site(
        story("Results", "BYD (002594.SZ) sold cars."),
        story("Other", "BYDX and XBYD and byd are not it."),
    ), defaults)
    assert tags(result) == [("002594.SZ",), ()]


def test_companies_in_order_of_first_mention(defaults: SiteData) -> None:
    result = tag_stories(site(
        story("Deal", "Tianqi Lithium (002466.SZ) and Goertek (002241.SZ)."),
        story("Goertek and Tianqi Lithium", "Tianqi Lithium (002466.SZ) first in the body."),
    ), defaults)
    assert tags(result) == [("002466.SZ", "002241.SZ"), ("002241.SZ", "002466.SZ")]


def test_registry_names_aliases_and_unlisted_companies(tmp_path: Path) -> None:
    data = data_with(tmp_path, companies="""
        - name: NOVOSENSE Micro
          ticker: 688052.SH
          aliases: [NOVOSENSE, 纳芯微]
          description: Designer of analog chips.
          website: https://www.novosns.com
        - name: OpenAI
    """)
    result = tag_stories(site(
        story("NOVOSENSE: It plans to issue H shares", "The company intends to list."),
        story("纳芯微：递交H股上市申请"),
        story("OpenAI expects revenue to grow", "SenseTime did not comment."),
    ), data)
    assert tags(result) == [("688052.SH",), ("688052.SH",), ("name:openai",)]
    novosense, openai = sorted(result.companies, key=lambda c: c.key)
    assert (novosense.name, novosense.website) == ("NOVOSENSE Micro", "https://www.novosns.com")
    assert novosense.aliases == ("NOVOSENSE", "纳芯微")
    assert (openai.key, openai.slug, openai.ticker) == ("name:openai", "openai", "")
    assert "semiconductors" in tagged_stories(result)[0].topics  # from the registry's trade


def test_the_registry_name_wins_else_the_most_common(tmp_path: Path) -> None:
    result = tag_stories(site(
        story("A", "Goertek Inc. (002241.SZ) and Goertek (2241.HK)."),
        story("B", "Goertek (002241.SZ) and Goertek Group (02241.HK)."),
        story("C", "Goertek (002241.SZ) and Goertek Group (02241.HK)."),
    ), data_with(tmp_path, companies="- name: Acme\n  ticker: 002241.SZ\n"))
    names = {c.key: (c.name, c.aliases) for c in result.companies}
    assert names["002241.SZ"] == ("Acme", ("Goertek", "Goertek Inc."))
    assert names["02241.HK"] == ("Goertek Group", ("Goertek",))
    assert any("'Goertek' is written with tickers" in w for w in result.warnings)


def test_two_listings_of_one_company_are_one_company(defaults: SiteData) -> None:
    result = tag_stories(site(
        story("BYD", "BYD (002594.SZ, 01211.HK) sold cars."),
        story("BYD H", "比亚迪（1211.HK）涨了。"),
        story("Two companies", "Tianqi and Ganfeng (002466.SZ, 002460.SZ) fell."),
    ), defaults)
    assert tags(result) == [("002594.SZ",), ("002594.SZ",), ("002460.SZ", "002466.SZ")]


def test_chinese_names_and_keywords(defaults: SiteData) -> None:
    result = tag_stories(site(
        story("比亚迪：3月新能源汽车销量37.74万辆", "公告称比亚迪（002594.SZ）一季度销量突破100万辆。"),
        story("新势力交付量公布", "比亚迪销量第一，零跑汽车第二。"),
        story("集邦咨询：互联网企业加大AI芯片采购"),
    ), defaults)
    assert tags(result) == [("002594.SZ",), ("002594.SZ",), ()]
    first, _, third = tagged_stories(result)
    assert "new-energy-vehicles" in first.topics
    assert "semiconductors" in third.topics
    assert result.companies[0].slug == "bi-ya-di-002594-sz"


def test_acronyms_match_their_case_and_words_match_whole(tmp_path: Path) -> None:
    data = data_with(tmp_path, topics="""
        - name: AI
          slug: ai
          keywords: [AI, artificial intelligence]
          mentions: 1
        - name: Chips
          slug: chips
          keywords: [chip]
          mentions: 1
    """)
    result = tag_stories(site(
        story("We maintain our view", "Ai Weiwei spoke; the rain fell."),
        story("The AI boom", ""),
        story("Artificial Intelligence rules", ""),
        story("Chips and chipmakers", ""),
        story("Microchip", ""),
    ), data)
    assert [s.topics for s in tagged_stories(result)] == [(), ("ai",), ("ai",), ("chips",), ()]


def test_a_subject_needs_the_headline_or_two_mentions(defaults: SiteData) -> None:
    result = tag_stories(site(
        story("Weather", "A robot was seen."),
        story("Weather", "A robot was seen, then another robot."),
        story("Robot makers gather", ""),
        story("Results", "Net profit rose."),  # an event needs one mention
    ), defaults)
    assert [s.topics for s in tagged_stories(result)] == [
        (), ("robotics",), ("robotics",), ("earnings",)]


def test_topics_come_in_table_order(defaults: SiteData) -> None:
    result = tag_stories(site(story("Policy on quantum chips and AI")), defaults)
    (tagged,) = tagged_stories(result)
    order = [t.slug for t in defaults.topics]
    assert list(tagged.topics) == sorted(tagged.topics, key=order.index)
    assert {"artificial-intelligence", "semiconductors", "quantum", "policy"} <= set(tagged.topics)


def test_tag_edits_add_and_remove(tmp_path: Path) -> None:
    data = data_with(tmp_path, companies="- name: OpenAI\n  aliases: [Open AI]\n")
    result = tag_stories(site(
        story("Goertek: Results", "Goertek (002241.SZ) rose; robots.",
              edit("companies", "+BYD (002594.SZ)"), edit("companies", "-Goertek"),
              edit("companies", "+open ai"), edit("companies", "+00700.HK"),
              edit("topics", "+earnings"), edit("topics", "-Robotics"),
              edit("topics", "+Artificial intelligence"), edit("topics", "+芯片")),
        story("BYD sells cars", "Nothing else."),
    ), data)
    first, second = tagged_stories(result)
    assert first.companies == ("002594.SZ", "name:openai", "00700.HK")
    assert first.topics == ("artificial-intelligence", "semiconductors", "earnings")
    assert second.companies == ("002594.SZ",)  # the edit taught the site BYD's ticker
    names = {c.key: c.name for c in result.companies}
    assert names == {"002594.SZ": "BYD", "name:openai": "OpenAI", "00700.HK": "00700.HK"}
    assert "002241.SZ" not in names  # no story left
    assert next(c for c in result.companies if c.key == "00700.HK").slug == "00700-hk"


def test_removing_what_is_not_there_warns(defaults: SiteData) -> None:
    result = tag_stories(site(
        story("A", "Goertek (002241.SZ)."),
        story("B", "Nothing.", edit("companies", "-Goertek", line=31)),
    ), defaults)
    assert result.warnings == (
        f"{PATH}:31: 'Goertek' is not among the story's companies; nothing to remove",)


def test_an_edit_naming_nothing_known_is_an_error(defaults: SiteData) -> None:
    with pytest.raises(ContentError) as caught:
        tag_stories(site(
            story("A", "x", edit("companies", "+Nobody Inc", line=14)),
            story("B", "y", edit("topics", "-knitting", line=27), edit("topics", "+policy")),
        ), defaults)
    problems = caught.value.problems
    assert [(p.path, p.line) for p in problems] == [(PATH, 14), (PATH, 27)]
    assert problems[0].message == "tag edit +Nobody Inc names no company this site knows"
    assert problems[1].message == "tag edit -knitting names no topic this site knows"
    assert "Name (TICKER)" in problems[0].hint


def test_company_slugs_are_unique(tmp_path: Path) -> None:
    data = data_with(tmp_path, companies="- name: Ab B N\n")
    result = tag_stories(site(story("Ab (B.N) and Ab B N", "")), data)
    assert [(c.key, c.slug) for c in sorted(result.companies, key=lambda c: c.key)] == [
        ("B.N", "ab-b-n"), ("name:ab-b-n", "ab-b-n-2")]


def test_the_matcher_pickles_for_worker_processes(defaults: SiteData) -> None:
    matcher = build_matcher({"002241.SZ": "002241.SZ"}, {"Goertek": "002241.SZ"}, defaults)
    copy = pickle.loads(pickle.dumps(matcher))
    text = "Goertek: robots\nGoertek sells robots and chips."
    assert extract_tags(text, copy) == extract_tags(text, matcher)
    assert extract_tags(text, matcher).companies == ("002241.SZ",)


@settings(derandomize=True, max_examples=200, deadline=None)
@given(title=st.text(), body=st.text())
def test_any_text_tags_without_crashing_and_deterministically(
        defaults: SiteData, title: str, body: str) -> None:
    briefings = site(story(title, body), story("Goertek (002241.SZ)", title + body))
    first = tag_stories(briefings, defaults)
    assert tag_stories(briefings, defaults) == first
    assert all(isinstance(key, str) for s in tagged_stories(first) for key in s.companies)


def test_a_rebuilds_matcher_keeps_the_words_its_texts_hold_in_any_case() -> None:
    """_matcher_for compiles only the words found in the texts, found as the matcher finds
    them: upper-case text for lower-case keywords (non-ASCII too), and the registry's
    descriptions, which give a company's trade."""
    registry = (Company(key="name:acme", name="Acme", slug="acme", ticker="", exchange="",
                        board="", description="Maker of widgets"),)
    data = SiteData(registry, (Topic("fruit", "Fruit", keywords=("äpfel",)),
                               Topic("widgets", "Widgets", keywords=("widgets",)),
                               Topic("unused", "Unused", keywords=("nowhere",))))
    seen = Seen({}, {"Acme": "name:acme"}, {}, {}, ())
    text = "Acme: ÄPFEL\nÄPFEL sold."
    subset = _matcher_for(seen, data, [text])
    assert extract_tags(text, subset) == extract_tags(text, build_matcher(
        {}, seen.name_keys, data))
    assert extract_tags(text, subset).topics == ("fruit", "widgets")
    assert {m.group("word") for p in subset.keywords if p for m in p.finditer(
        " äpfel widgets nowhere")} == {"äpfel", "widgets"}
