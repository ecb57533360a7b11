"""The email command's message (newsletter/message.py, command.py): read back from the built
site, written as an .eml that parses back whole, with the headers a newsletter needs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import textwrap
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.policy import default
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from conftest import ONE_DAY, write_site

from site_builder.cli import main
from site_builder.config import EmailConfig, SiteConfig, load_config
from site_builder.errors import MailError
from site_builder.newsletter.command import EmailRequest, email_edition
from site_builder.newsletter.message import make_message, read_edition
from site_builder.pipeline import build
from site_builder.report import Reporter

CHINESE_DAY = textwrap.dedent("""\
    ---
    title: 科创板早报
    date: 2025-04-02
    lang: zh
    ---

    《科创板日报》4月2日讯，今日科创板早报主要内容有：比亚迪3月新能源汽车销量37.74万辆。

    ## 公司动态

    ### 比亚迪：3月新能源汽车销量37.74万辆

    比亚迪（002594.SZ）公告，3月新能源汽车销量为377420辆，同比增长24.8%。
    """)
SITE_TOML = """\
base_url = "https://news.example.org/"
[email]
from = "news@example.org"
list_unsubscribe = ["https://news.example.org/unsubscribe", "mailto:leave@example.org"]
"""
NOW = dt.datetime(2025, 4, 2, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SiteConfig:
    root = write_site(tmp_path_factory.mktemp("message") / "site", {
        "content/briefings/2025/2025-03-27.md": ONE_DAY,
        "content/briefings/2025/2025-04-02.md": CHINESE_DAY,
        "content/briefings/2025/2025-04-09.md": ONE_DAY.replace("2025-03-27", "2025-04-09")
        .replace("title: Morning Report", "title: Morning Report\n    draft: true"),
        "site.toml": SITE_TOML})
    config = load_config(root)[0]
    build(config, Reporter(0), use_cache=False, jobs=1)
    return config


def parsed(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, policy=default)
    assert isinstance(message, EmailMessage)
    return message


def test_the_eml_parses_back_with_both_parts(built: SiteConfig, tmp_path: Path):
    out = tmp_path / "edition.eml"
    assert main(["email", "2025-03-27", "--site", str(built.root), "--out", str(out), "-q"]) == 0
    message = parsed(out.read_bytes())
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain", "text/html"]
    folder = built.output_path / "digest/2025/03/27"
    for part, name in zip(message.iter_parts(), ("email.txt", "email.html"), strict=True):
        assert isinstance(part, EmailMessage) and part.get_content_charset() == "utf-8"
        assert part.get_content().replace("\r\n", "\n") == \
            (folder / name).read_text(encoding="utf-8")
    assert message["Subject"] == "Morning Report · Thursday, 27 March 2025"
    assert message["From"].addresses[0].addr_spec == "news@example.org"
    assert message["From"].addresses[0].display_name == built.title
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message["Message-ID"].startswith("<edition.2025-03-27.")
    assert message["Message-ID"].endswith("@news.example.org>")
    # (folded after the colon, as it does not fit on the line: the leading space is the fold's)
    assert message["List-Unsubscribe"].strip() == (
        "<https://news.example.org/unsubscribe>, <mailto:leave@example.org>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Content-Language"] == "en"
    assert "To" not in message


def test_a_chinese_subject_is_encoded_for_the_header_and_decodes_back(built: SiteConfig):
    message = make_message(built, read_edition(built, dt.date(2025, 4, 2)), NOW,
                           ("ana@example.org",))
    data = message.as_bytes()
    head = data.split(b"\r\n\r\n", 1)[0]
    assert head.isascii() and b"Subject: =?utf-8?" in head
    assert b"\r\n" in data and b"\r\n.\r\n" not in data
    # The header's RFC 2047 encoded words, decoded by hand, are the Chinese title and date.
    found = re.search(rb"^Subject: ([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", head,
                      re.MULTILINE)
    assert found is not None
    words = found.group(1).decode("ascii").replace("\r\n", "")
    assert str(make_header(decode_header(words))) == "科创板早报｜2025年4月2日 星期三"
    back = parsed(data)
    assert back["Subject"] == "科创板早报｜2025年4月2日 星期三"
    assert back["Content-Language"] == "zh" and back["To"] == "ana@example.org"
    text = back.get_body(("plain",))
    assert isinstance(text, EmailMessage) and "比亚迪：3月新能源汽车销量37.74万辆" in \
        text.get_content()


def test_a_chinese_day_message_reads_in_chinese_in_both_parts(built: SiteConfig):
    """Its words, not only its content: labels, counts and footer come from the Chinese
    catalog, in the text part and in the HTML part alike."""
    back = parsed(make_message(built, read_edition(built, dt.date(2025, 4, 2)), NOW
                               ).as_bytes())
    text, html = (back.get_body((kind,)) for kind in ("plain", "html"))
    assert isinstance(text, EmailMessage) and isinstance(html, EmailMessage)
    day_url = "https://news.example.org/2025/04/02/"
    lines = text.get_content().replace("\r\n", "\n").split("\n")
    assert lines[:2] == ["科创板早报", "2025年4月2日 星期三"]
    assert ["在网页上阅读本期：", day_url] == lines[lines.index("在网页上阅读本期："):][:2]
    assert "  公司：比亚迪 (002594.SZ)" in lines
    assert {f"在网页上阅读本期：{day_url}", "全部往期简报：https://news.example.org/archive/",
            "每日汇总订阅源：https://news.example.org/digest/feed.xml",
            "全部报道订阅源：https://news.example.org/feed.xml",
            "退订：https://news.example.org/unsubscribe"} <= set(lines)
    page = html.get_content()
    assert "1篇报道，分属1个栏目" in page
    for words in ("在网页上阅读本期</a>", "全部往期简报</a>", "每日汇总：<a", "全部报道：<a",
                  "退订</a>"):
        assert words in page
    english = ("Read this edition", "Every day", "Daily digest", "Every story", "Unsubscribe",
               "Companies", "1 story in 1 section")
    assert [word for word in english if word in text.get_content() + page] == []


def test_the_same_edition_has_the_same_message_id(built: SiteConfig):
    edition = read_edition(built, dt.date(2025, 3, 27))
    first = make_message(built, edition, NOW)
    later = make_message(built, edition, NOW + dt.timedelta(days=1), ("bo@example.org",))
    other = make_message(built, read_edition(built, dt.date(2025, 4, 2)), NOW)
    assert first["Message-ID"] == later["Message-ID"] != other["Message-ID"]


def test_one_click_unsubscribe_needs_an_https_link(built: SiteConfig):
    edition = read_edition(built, dt.date(2025, 3, 27))
    mailto = dataclasses.replace(built, email=dataclasses.replace(
        built.email, list_unsubscribe=("mailto:leave@example.org",)))
    message = make_message(mailto, edition, NOW)
    assert message["List-Unsubscribe"] == "<mailto:leave@example.org>"
    assert "List-Unsubscribe-Post" not in message
    none = dataclasses.replace(built, email=dataclasses.replace(built.email,
                                                                list_unsubscribe=()))
    assert "List-Unsubscribe" not in make_message(none, edition, NOW)


def test_a_sender_is_required(built: SiteConfig):
    edition = read_edition(built, dt.date(2025, 3, 27))
    with pytest.raises(MailError, match=r"\[email\] table with from ="):
        make_message(dataclasses.replace(built, email=EmailConfig()), edition, NOW)


@pytest.mark.parametrize("day,words", [
    ("2025-03-30", "no briefing for 2025-03-30; the nearest are 2025-03-27 and 2025-04-02"),
    ("2025-05-01", "no briefing for 2025-05-01; the nearest is 2025-04-02"),  # 04-09: a draft
    ("2025-04-09", "no briefing for 2025-04-09; the nearest is 2025-04-02"),
])
def test_a_day_without_a_briefing_names_the_nearest(built: SiteConfig, day: str, words: str,
                                                    capsys: pytest.CaptureFixture[str]):
    assert main(["email", day, "--site", str(built.root)]) == 1
    error = capsys.readouterr().err
    assert words in error and "Traceback" not in error


def test_a_day_written_but_not_built_says_to_build(built: SiteConfig, tmp_path: Path):
    root = write_site(tmp_path / "site", {"content/briefings/2025/2025-03-27.md": ONE_DAY,
                                          "site.toml": SITE_TOML})
    with pytest.raises(MailError, match="not built in .*: run `site-builder build` first"):
        read_edition(load_config(root)[0], dt.date(2025, 3, 27))


def test_a_dry_run_says_what_it_would_write_and_writes_nothing(built: SiteConfig,
                                                               tmp_path: Path):
    printed = io.StringIO()
    out = tmp_path / "edition.eml"
    email_edition(built, Reporter(0), EmailRequest(dt.date(2025, 4, 2), out=out, dry_run=True),
                  printed, {})
    shown = printed.getvalue()
    assert not out.exists()
    assert f"would write {out}" in shown and "Subject: 科创板早报" in shown
    assert "text/html part: digest/2025/04/02/email.html" in shown


def test_with_nowhere_to_go_the_message_is_printed(built: SiteConfig):
    printed = io.StringIO()
    email_edition(built, Reporter(0), EmailRequest(dt.date(2025, 3, 27)), printed, {}, now=NOW)
    message = parsed(printed.getvalue().encode())
    assert message["Date"] == "Wed, 02 Apr 2025 08:00:00 +0800"
    assert message.get_content_type() == "multipart/alternative"


def test_writing_into_a_missing_folder_is_a_usage_error(built: SiteConfig, tmp_path: Path):
    assert main(["email", "2025-03-27", "--site", str(built.root), "--out",
                 str(tmp_path / "nowhere/edition.eml")]) == 2
