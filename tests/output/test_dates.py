"""Tests for site_builder.output.dates: dates and numbers as a page's readers see them, by its
language with Babel (never the process locale), English for a tag Babel does not know."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.output.dates import (
    date_locale,
    long_date,
    month_year,
    number,
    parse_locale,
    script_of,
    short_date,
)

DAY = dt.date(2025, 3, 27)
ENGLISH_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ENGLISH_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December"]
CHINESE_DAYS = "一二三四五六日"


@pytest.mark.parametrize(("lang", "locale"), [
    ("en", "en_GB"),  # day before month, as the site always has
    ("EN", "en_GB"),
    ("en-US", "en_US"),  # a territory is taken as written
    ("en_GB", "en_GB"),
    ("zh", "zh_Hans"),  # a bare zh is written in Simplified characters
    ("zh-CN", "zh_Hans_CN"),
    ("zh_CN", "zh_Hans_CN"),
    ("zh-TW", "zh_Hant_TW"),
    ("zh-Hant", "zh_Hant"),
    ("fr", "fr"),
    ("xx", "en_GB"),  # unknown to Babel: English
    ("", "en_GB"),
    ("not a tag", "en_GB"),
    ("zh-", "en_GB"),
])
def test_a_language_tag_picks_the_locale_its_pages_are_dated_in(lang: str, locale: str) -> None:
    assert str(date_locale(lang)) == locale


def test_a_script_is_the_locale_s_own_or_its_language_s_likely_one() -> None:
    assert script_of(parse_locale("zh")) == "Hans"
    assert script_of(parse_locale("zh-TW")) == "Hant"
    assert script_of(parse_locale("zh-Hant")) == "Hant"
    assert script_of(parse_locale("en")) == "Latn"


@pytest.mark.parametrize(("lang", "long", "short", "month"), [
    ("en", "Thursday, 27 March 2025", "27 Mar 2025", "March 2025"),
    ("en-US", "Thursday, March 27, 2025", "Mar 27, 2025", "March 2025"),
    ("zh", "2025年3月27日 星期四", "2025年3月27日", "2025年3月"),  # a space before the weekday
    ("zh-CN", "2025年3月27日 星期四", "2025年3月27日", "2025年3月"),
    ("fr", "jeudi 27 mars 2025", "27 mars 2025", "mars 2025"),
    ("de-DE", "Donnerstag, 27. März 2025", "27.03.2025", "März 2025"),
    ("klingon", "Thursday, 27 March 2025", "27 Mar 2025", "March 2025"),
])
def test_dates_in_each_language(lang: str, long: str, short: str, month: str) -> None:
    assert long_date(DAY, lang) == long
    assert short_date(DAY, lang) == short
    assert month_year(2025, 3, lang) == month


@pytest.mark.parametrize(("lang", "written"), [
    ("en", "1,234,567"), ("zh", "1,234,567"), ("fr", "1\u202f234\u202f567"),
    ("de", "1.234.567"), ("xx", "1,234,567")])
def test_numbers_are_grouped_the_language_s_way(lang: str, written: str) -> None:
    assert number(1234567, lang) == written
    assert number(0, lang) == "0"


@settings(deadline=None)
@given(st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)))
def test_english_and_chinese_long_dates_name_the_right_weekday(day: dt.date) -> None:
    weekday = day.weekday()
    assert long_date(day, "en") == (f"{ENGLISH_DAYS[weekday]}, {day.day} "
                                    f"{ENGLISH_MONTHS[day.month - 1]} {day.year}")
    assert long_date(day, "zh") == (f"{day.year}年{day.month}月{day.day}日 "
                                    f"星期{CHINESE_DAYS[weekday]}")


@settings(deadline=None)
@given(st.text(max_size=20))
def test_any_language_tag_dates_and_never_raises(lang: str) -> None:
    assert long_date(DAY, lang) and short_date(DAY, lang) and month_year(2025, 3, lang)
    assert number(12345, lang)
