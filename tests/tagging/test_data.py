"""Tests for site_builder.data: the company registry and the topic table, and their errors."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from site_builder.errors import ContentError
from site_builder.tagging.registry import company_slug, load_site_data

DEFAULT_SLUGS = (
    "artificial-intelligence", "computing-power", "semiconductors", "consumer-electronics",
    "new-energy-vehicles", "lithium-batteries", "energy-storage", "photovoltaics", "robotics",
    "biotech", "medical-devices", "quantum", "space", "low-altitude-economy", "communications",
    "new-materials", "software-and-cloud", "earnings", "dividends", "buybacks",
    "mergers-acquisitions", "ipos-listings", "trading-suspensions", "policy", "financing",
    "shareholding-changes",
)
CJK = re.compile("[\u4e00-\u9fff]")


def content(tmp_path: Path, **files: str) -> Path:
    """A content folder whose _data/ holds the given files (name without .yaml -> text)."""
    data = tmp_path / "content" / "_data"
    data.mkdir(parents=True)
    for name, text in files.items():
        (data / f"{name}.yaml").write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return tmp_path / "content"


def problems_of(content_path: Path) -> list[tuple[str, int, str]]:
    with pytest.raises(ContentError) as caught:
        load_site_data(content_path)
    return [(Path(p.path).name, p.line, p.message) for p in caught.value.problems]


def test_default_topics_when_the_site_has_none(tmp_path: Path) -> None:
    data = load_site_data(content(tmp_path))
    assert tuple(topic.slug for topic in data.topics) == DEFAULT_SLUGS
    assert data.topics_path.endswith("default_topics.yaml")
    assert data.companies == ()
    for topic in data.topics:
        assert topic.name and topic.description.endswith(".")
        assert any(CJK.search(k) for k in topic.keywords), topic.slug
        assert any(not CJK.search(k) for k in topic.keywords), topic.slug
        assert topic.mentions in (1, 2)


def test_no_data_folder_at_all(tmp_path: Path) -> None:
    data = load_site_data(tmp_path / "missing")
    assert len(data.topics) == len(DEFAULT_SLUGS)


def test_registry_entries_become_companies(tmp_path: Path) -> None:
    data = load_site_data(content(tmp_path, companies="""
        - name: Xiaomi
          ticker: 1810.HK
          aliases: [小米集团, Xiaomi Corporation]
          description: Maker of smartphones.
          website: https://www.mi.com
        - name: OpenAI
        - name: 比亚迪
          ticker: 002594.sz
    """))
    xiaomi, openai, byd = data.companies
    assert (xiaomi.key, xiaomi.ticker, xiaomi.exchange, xiaomi.board) == (
        "01810.HK", "01810.HK", "HKEX", "HKEX Main Board")
    assert xiaomi.aliases == ("小米集团", "Xiaomi Corporation")
    assert (xiaomi.description, xiaomi.website) == ("Maker of smartphones.", "https://www.mi.com")
    assert xiaomi.slug == "xiaomi-01810-hk"
    assert (openai.key, openai.ticker, openai.slug) == ("name:openai", "", "openai")
    assert (byd.key, byd.slug) == ("002594.SZ", "bi-ya-di-002594-sz")


def test_a_company_with_several_listings_and_names_in_other_languages(tmp_path: Path) -> None:
    data = load_site_data(content(tmp_path, companies="""
        - name: NIO
          tickers: [NIO.N, "HKEX: 9866"]
          names: {zh: 蔚来, zh-Hant: 蔚來}
        - name: Kweichow Moutai
          tickers: [600519.SS]
    """))
    nio, moutai = data.companies
    assert (nio.key, nio.ticker, nio.exchange, nio.slug) == ("NIO.N", "NIO.N", "NYSE", "nio-nio-n")
    assert [(x.ticker, x.exchange, x.board) for x in nio.listings] == [
        ("NIO.N", "NYSE", ""), ("09866.HK", "HKEX", "HKEX Main Board")]
    assert nio.names == (("zh", "蔚来"), ("zh-Hant", "蔚來"))
    assert (moutai.key, [x.ticker for x in moutai.all_listings]) == ("600519.SH", ["600519.SH"])


def test_company_slug() -> None:
    assert company_slug("Goertek", "002241.SZ") == "goertek-002241-sz"
    assert company_slug("OpenAI") == "openai"
    assert company_slug("!!!", "") == "company"


def test_site_topics_replace_the_defaults(tmp_path: Path) -> None:
    data = load_site_data(content(tmp_path, topics="""
        - name: Chips
          slug: chips
          description: Semiconductors.
          keywords: [chip, 芯片]
          mentions: 1
        - name: Cars
          slug: cars
    """))
    assert [(t.slug, t.keywords, t.mentions) for t in data.topics] == [
        ("chips", ("chip", "芯片"), 1), ("cars", (), 2)]
    assert data.topics_path.endswith("topics.yaml")


def test_the_sample_registry_loads() -> None:
    data = load_site_data(REPO_ROOT / "content")
    assert any(company.key == "002241.SZ" for company in data.companies)


@pytest.mark.parametrize(("files", "expected"), [
    pytest.param({"companies": "- name: [unclosed\n"}, [
        ("companies.yaml", 2, "not valid YAML")], id="yaml syntax"),
    pytest.param({"companies": "name: Goertek\n"}, [
        ("companies.yaml", 1, "expected a list of entries")], id="not a list"),
    pytest.param({"companies": "- Goertek\n"}, [
        ("companies.yaml", 1, "entry is not a mapping of keys to values")], id="not a mapping"),
    pytest.param({"companies": "- name: A\n- ticker: 002241.SZ\n"}, [
        ("companies.yaml", 2, "entry has no name")], id="missing name"),
    pytest.param({"companies": "- name: A\n  ticker: 2241.SZ\n"}, [
        ("companies.yaml", 2, "ticker '2241.SZ' is not a ticker we know")], id="bad ticker"),
    pytest.param({"companies": "- name: A\n  ticker: 1810.HK\n- name: B\n  ticker: 01810.HK\n"}, [
        ("companies.yaml", 3, "ticker 01810.HK is listed twice in companies.yaml")],
        id="duplicate ticker"),
    pytest.param({"companies": "- name: A\n  tickers: [1810.HK]\n- name: B\n  tickers: [NIO.N, "
                                "01810.HK]\n"}, [
        ("companies.yaml", 3, "ticker 01810.HK is listed twice in companies.yaml")],
        id="a second listing listed twice"),
    pytest.param({"companies": "- name: A\n  ticker: 1810.HK\n  tickers: [1810.HK]\n"}, [
        ("companies.yaml", 3, "entry has both ticker and tickers")], id="ticker and tickers"),
    pytest.param({"companies": "- name: A\n  tickers: [1810.HK, 01810.HK]\n"}, [
        ("companies.yaml", 2, "ticker 01810.HK is given twice")], id="one listing twice"),
    pytest.param({"companies": "- name: A\n  tickers: [1810.HK, 'TWSE: 2330']\n"}, [
        ("companies.yaml", 2, "ticker 'TWSE: 2330' is not a ticker we know")],
        id="a listing we do not know"),
    pytest.param({"companies": "- name: A\n  tickers: []\n"}, [
        ("companies.yaml", 2, "tickers is empty")], id="no listings"),
    pytest.param({"companies": "- name: A\n  tickers: 1810.HK\n"}, [
        ("companies.yaml", 2, "tickers must be a list, not str")], id="tickers not a list"),
    pytest.param({"companies": "- name: A\n  names: [蔚来]\n"}, [
        ("companies.yaml", 2, "names must be a mapping, not list")], id="names not a mapping"),
    pytest.param({"companies": "- name: A\n  names: {Chinese: 蔚来}\n"}, [
        ("companies.yaml", 2, "names: 'Chinese' is not a language tag")],
        id="not a language code"),
    pytest.param({"companies": "- name: A\n  names: {zh: ''}\n"}, [
        ("companies.yaml", 2, "names: the zh name must be non-empty text")],
        id="empty name in a language"),
    pytest.param({"companies": "- name: Open AI\n- name: open-ai\n"}, [
        ("companies.yaml", 2, "company name 'open-ai' is listed twice in companies.yaml")],
        id="duplicate name without ticker"),
    pytest.param({"companies": "- name: A\n  aliases: B\n"}, [
        ("companies.yaml", 2, "aliases must be a list, not str")], id="wrong type"),
    pytest.param({"companies": "- name: 2024\n"}, [
        ("companies.yaml", 1, "name must be a text, not int")], id="name not text"),
    pytest.param({"companies": "- name: A\n  aliases: [B, '']\n"}, [
        ("companies.yaml", 2, "every item of aliases must be non-empty text")], id="empty alias"),
    pytest.param({"companies": "- name: A\n  alias: [B]\n"}, [
        ("companies.yaml", 2, "unknown key 'alias'")], id="unknown key"),
    pytest.param({"companies": "- name: A\n  name: B\n"}, [
        ("companies.yaml", 2, "key 'name' is given twice in one entry")], id="duplicate key"),
    pytest.param({"topics": "- name: A\n  slug: a\n- name: B\n  slug: a\n"}, [
        ("topics.yaml", 4, "topic slug 'a' is used twice")], id="duplicate slug"),
    pytest.param({"topics": "- name: A\n  slug: Not A Slug\n"}, [
        ("topics.yaml", 2, "slug 'Not A Slug' is not a slug")], id="bad slug"),
    pytest.param({"topics": "- slug: a\n"}, [
        ("topics.yaml", 1, "entry has no name")], id="topic without name"),
    pytest.param({"topics": "- name: A\n  slug: a\n  keywords: chip\n"}, [
        ("topics.yaml", 3, "keywords must be a list, not str")], id="keywords not a list"),
    pytest.param({"topics": "- name: A\n  slug: a\n  keywords: [Beijing:]\n"}, [
        ("topics.yaml", 3, "every item of keywords must be non-empty text")],
        id="unquoted colon keyword"),
    pytest.param({"topics": "- name: A\n  slug: a\n  mentions: 0\n"}, [
        ("topics.yaml", 3, "mentions must be a whole number of at least 1")], id="mentions 0"),
    pytest.param({"topics": "- name: A\n  slug: a\n  mentions: yes\n"}, [
        ("topics.yaml", 3, "mentions must be a whole number, not bool")], id="mentions bool"),
    pytest.param({"companies": "- name: A\n  website: 'javascript:alert(1)'\n"}, [
        ("companies.yaml", 2, "website 'javascript:alert(1)' is not an http(s) address")],
        id="javascript website"),
    pytest.param({"companies": "- name: A\n  website: /local/page\n"}, [
        ("companies.yaml", 2, "website '/local/page' is not an http(s) address")],
        id="website not absolute"),
    pytest.param({"companies": '- name: "A \\ud800"\n'}, [
        ("companies.yaml", 1, "name holds an unpaired surrogate")], id="surrogate"),
    pytest.param({"topics": '- name: A\n  slug: a\n  keywords: ["\\udfff"]\n'}, [
        ("topics.yaml", 3, "keywords holds an unpaired surrogate")], id="surrogate keyword"),
    pytest.param({"companies": "- name: A\n- name: " + "[" * 100_000 + "\n"}, [
        ("companies.yaml", 2, "nested too deeply")], id="nested too deeply"),
])
def test_every_mistake_names_file_line_and_problem(
        tmp_path: Path, files: dict[str, str], expected: list[tuple[str, int, str]]) -> None:
    found = problems_of(content(tmp_path, **files))
    assert [(name, line) for name, line, _ in found] == [(n, line) for n, line, _ in expected]
    for (_, _, message), (_, _, wanted) in zip(found, expected):
        assert message.startswith(wanted), message


def test_all_problems_are_reported_at_once_with_hints(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as caught:
        load_site_data(content(tmp_path, companies="""
            - name: A
              ticker: bad
            - ticker: 002241.SZ
        """, topics="""
            - name: B
              slug: B B
        """))
    problems = caught.value.problems
    assert [(Path(p.path).name, p.line) for p in problems] == [
        ("companies.yaml", 2), ("companies.yaml", 3), ("topics.yaml", 2)]
    assert "002241.SZ" in problems[0].hint
    assert str(problems[0]).startswith(f"{problems[0].path}:2: ticker 'bad'")


def test_not_utf8(tmp_path: Path) -> None:
    path = content(tmp_path) / "_data" / "companies.yaml"
    path.write_bytes(b"- name: \xff\n")
    assert problems_of(path.parent.parent) == [("companies.yaml", 0, "file is not UTF-8 text")]


def test_empty_files_are_empty_lists(tmp_path: Path) -> None:
    data = load_site_data(content(tmp_path, companies="# nothing yet\n", topics=""))
    assert data.companies == () and data.topics == ()
