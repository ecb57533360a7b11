"""Dates and numbers as readers see them, by the page's language with Babel (CLDR), never
through the process locale.

A language tag picks a Babel locale: "zh" and "zh-CN" date in Simplified Chinese, "zh-TW" in
Traditional, a bare "en" day before month ("Thursday, 27 March 2025", CLDR's en_GB), as the
site always has; a tag Babel does not know dates in English.
"""

from __future__ import annotations

import datetime as dt
import functools

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal

FALLBACK = "en"
# Babel locales for dates where the bare language would date otherwise than the site always
# has: "Thursday, 27 March 2025", "27 Mar 2025".
DATE_LOCALES = {"en": "en_GB"}
# Long dates where CLDR's "full" form is not the one the briefings print: a space before the
# weekday, "2025年3月27日 星期四", as the reports' own datelines have it.
LONG_DATES = {"zh_Hans": "y年M月d日 EEEE"}


def parse_locale(lang: str) -> Locale:
    """The Babel locale of a language tag ("zh-CN" or "zh_CN"); English for one Babel does
    not know."""
    try:
        return Locale.parse(lang.replace("_", "-"), sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(FALLBACK)


def script_of(locale: Locale) -> str:
    """The locale's script, or its language's likely one: a bare "zh" is written in Hans."""
    if locale.script:
        return str(locale.script)
    likely = str(get_global("likely_subtags").get(str(locale.language), "")).split("_")
    return likely[1] if len(likely) > 2 else ""


@functools.lru_cache(maxsize=64)
def date_locale(lang: str) -> Locale:
    """The locale a page in this language is dated in."""
    locale = parse_locale(lang)
    language = str(locale.language)
    if not locale.territory and not locale.script and language in DATE_LOCALES:
        return Locale.parse(DATE_LOCALES[language])
    if not locale.script and script_of(locale) and language == "zh":
        return Locale.parse(f"zh_{script_of(locale)}")
    return locale


def _pattern_key(locale: Locale) -> str:
    script = script_of(locale)
    return f"{locale.language}_{script}" if script else str(locale.language)


@functools.lru_cache(maxsize=8192)  # a day is dated on many pages
def long_date(day: dt.date, lang: str) -> str:
    """'Thursday, 27 March 2025' or '2025年3月27日 星期四'."""
    locale = date_locale(lang)
    return str(format_date(day, LONG_DATES.get(_pattern_key(locale), "full"), locale=locale))


@functools.lru_cache(maxsize=8192)  # a day is dated on many pages
def short_date(day: dt.date, lang: str) -> str:
    """'27 Mar 2025' or '2025年3月27日'."""
    return str(format_date(day, "medium", locale=date_locale(lang)))


@functools.lru_cache(maxsize=8192)  # a day is dated on many pages
def month_year(year: int, month: int, lang: str) -> str:
    """'March 2025' or '2025年3月'."""
    return str(format_skeleton("yMMMM", dt.date(year, month, 1), locale=date_locale(lang)))


@functools.lru_cache(maxsize=8192)  # counts repeat: a chart's table has 52 of them
def number(value: int, lang: str) -> str:
    """'12,345' in either language; other locales group their own way."""
    return str(format_decimal(value, locale=date_locale(lang)))
