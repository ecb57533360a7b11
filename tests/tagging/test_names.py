"""Tests for site_builder.tagging.names: company names as copy writes them."""

from __future__ import annotations

import pytest

from site_builder.tagging.names import defined_terms, is_company_name, name_before, name_variants


@pytest.mark.parametrize(("name", "variants"), [
    ("Tencent Holdings Ltd", ("Tencent Holdings", "Tencent")),
    ("Alibaba Group Holding Limited", ("Alibaba Group Holding", "Alibaba Group", "Alibaba")),
    ("Baidu, Inc.", ("Baidu",)),
    ("JD.com, Inc.", ("JD.com",)),
    ("Xiaomi Corp", ("Xiaomi",)),
    ("Contemporary Amperex Technology Co. Ltd.", ("Contemporary Amperex Technology",)),
    ("Sunny Optical Technology (Group) Co Ltd", ("Sunny Optical Technology",)),
    ("Global Holdings", ()),  # a generic word is no name on its own
    ("Goertek", ()),
    ("比亚迪股份有限公司", ("比亚迪",)),
    ("赛力斯集团股份有限公司", ("赛力斯",)),
    ("宁德时代新能源科技股份有限公司", ("宁德时代新能源科技",)),
    ("腾讯控股", ()),  # 腾讯 is too short to find safely inside other words
])
def test_corporate_suffixes_do_not_hide_a_name(name: str, variants: tuple[str, ...]) -> None:
    assert name_variants(name) == variants


@pytest.mark.parametrize(("content", "quoted_only", "terms"), [
    ('"Li Auto" or the "Company"', False, ("Li Auto",)),
    ('the "Company" or "Yum China"', False, ("Yum China",)),
    ('"XPENG" or the "Company," NYSE: XPEV', False, ("XPENG",)),
    ('"TME," or the "Company"', False, ("TME",)),
    ("以下简称“宁德时代”", False, ("宁德时代",)),
    ("以下简称“公司”", False, ()),
    ("CATL", False, ("CATL",)),
    ("CATL", True, ()),
    ("Sinopec", False, ("Sinopec",)),
    ("2025-2027", False, ()),
    ("30%", False, ()),
    ("the Company", False, ()),
])
def test_defined_terms(content: str, quoted_only: bool, terms: tuple[str, ...]) -> None:
    assert defined_terms(content, quoted_only=quoted_only) == terms


@pytest.mark.parametrize(("text", "name"), [
    ("Shares of Apple's ", "Apple"),
    ("Tencent Holdings Ltd's ", "Tencent Holdings Ltd"),
    ("Baidu, Inc. ", "Baidu, Inc."),
    ("its subsidiary ACM Research (Shanghai), Inc. ", "ACM Research (Shanghai), Inc."),
    ("Hong Kong-listed Xiaomi ", "Xiaomi"),
    ("Meanwhile Goertek", "Goertek"),
    ("公告称比亚迪", "比亚迪"),
    ("小米集团-W", "小米集团"),
    ("蔚来-SW", "蔚来"),
    ("宁德时代H股", "宁德时代"),
    ("京东方A", "京东方A"),
    ("美的集团", "美的集团"),  # 的 is no lead when only 集团 would be left
    ("软通动力、润和软件", "润和软件"),
    ("贵州茅台和腾讯控股", "腾讯控股"),
    ("公司近日收到特斯拉", "特斯拉"),
    ("the company", ""),
    ("Inc.", ""),  # a corporate suffix alone names nothing
])
def test_the_name_before_the_tickers(text: str, name: str) -> None:
    found, start = name_before(text, len(text))
    assert found == name
    if name:
        assert text[start:start + len(name)] == name


def test_what_names_a_company() -> None:
    assert is_company_name("NIO")
    assert not is_company_name("Company")
    assert not is_company_name("Co., Ltd.")
    assert not is_company_name("X")
