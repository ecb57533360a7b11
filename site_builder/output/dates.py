"""Dates as readers see them, in English or Chinese, never through the process locale."""

from __future__ import annotations

import datetime as dt

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAYS_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def long_date(day: dt.date, lang: str) -> str:
    """'Thursday, 27 March 2025' or '2025年3月27日 星期四'."""
    if lang.startswith(("zh", "ja")):
        return f"{day.year}年{day.month}月{day.day}日 {_WEEKDAYS_ZH[day.weekday()]}"
    return f"{_WEEKDAYS[day.weekday()]}, {day.day} {_MONTHS[day.month - 1]} {day.year}"


def short_date(day: dt.date, lang: str) -> str:
    """'27 Mar 2025' or '2025年3月27日'."""
    if lang.startswith(("zh", "ja")):
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {_MONTHS[day.month - 1][:3]} {day.year}"


def month_name(month: int) -> str:
    return _MONTHS[month - 1]
