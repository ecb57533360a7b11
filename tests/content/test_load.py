"""Unit tests of the load stage: front matter, encodings, and errors that name file and line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from site_builder.config import SiteConfig
from site_builder.content.load import (
    find_content_files,
    future_dates,
    parse_content,
    read_content_file,
)
from site_builder.errors import ContentError

CONFIG = SiteConfig(root=Path("/site"))
GOOD = b"---\ntitle: Report\ndate: 2025-03-27\nsource: FAP\nmood: sunny\n---\n\nLead\n"


def parse(data: bytes):
    return parse_content(data, "content/day.md", CONFIG)


def test_good_file_has_date_title_source_and_keeps_unknown_keys():
    content = parse(GOOD)
    assert content.date == dt.date(2025, 3, 27)
    assert (content.title, content.source_name, content.lang) == ("Report", "FAP", "en")
    assert dict(content.extra) == {"mood": "sunny"}
    assert content.body_line == 7 and content.body.strip() == "Lead"


def test_datetime_with_offset_is_accepted():
    content = parse(b"---\ndate: 2025-03-27T07:30:00+08:00\n---\n")
    assert content.date == dt.date(2025, 3, 27)
    assert content.published is not None and content.published.utcoffset() == dt.timedelta(hours=8)


def test_bom_and_crlf_line_endings_are_accepted():
    content = parse(b"\xef\xbb\xbf" + GOOD.replace(b"\n", b"\r\n"))
    assert content.date == dt.date(2025, 3, 27) and "\r" not in content.body


BROKEN = [
    # (case, bytes, line, words in the message)
    ("empty file", b"", 1, "empty"),
    ("only blanks", b"\n  \n", 1, "empty"),
    ("no front matter", b"# Title\n\ntext\n", 1, "no front matter"),
    ("front matter never closed", b"---\ndate: 2025-03-27\n", 1, "never closed"),
    ("missing date", b"---\ntitle: x\n---\n", 1, "no date"),
    ("impossible date", b"---\ntitle: x\ndate: 2025-02-30\n---\n", 3, "not a real date"),
    ("date before 1990", b"---\ndate: 1989-12-31\n---\n", 2, "before 1990"),
    ("time without offset", b"---\ndate: 2025-03-27T08:00:00\n---\n", 2, "no offset"),
    ("invalid yaml", b"---\ntitle: [unclosed\ndate: 2025-03-27\n---\n", 3, "not valid YAML"),
    ("not a mapping", b"---\n- a\n- b\n---\n", 2, "key: value"),
    ("yaml aliases", b"---\na: &x [1, 2]\nb: *x\ndate: 2025-03-27\n---\n", 3, "aliases"),
    ("python tag", b"---\ndate: 2025-03-27\nx: !!python/object/apply:os.system [ls]\n---\n", 3,
     "YAML tag that is not allowed"),
    ("custom tag", b"---\ndate: 2025-03-27\nx: !include secrets.yaml\n---\n", 3, "YAML tag"),
    ("set tag", b"---\ndate: 2025-03-27\nx: !!set {a, b}\n---\n", 3, "is a set"),
    ("binary tag", b"---\ndate: 2025-03-27\nx: !!binary aGk=\n---\n", 3, "is a bytes"),
    ("surrogate", b'---\ndate: 2025-03-27\ntitle: "a \\ud800"\n---\n', 3, "unpaired surrogate"),
    ("nested surrogate", b'---\ndate: 2025-03-27\nx: {y: ["\\udc80"]}\n---\n', 3, "surrogate"),
    ("nested too deeply", b"---\ndate: 2025-03-27\nx: " + b"[" * 100_000 + b"\n---\n", 3,
     "nested too deeply"),  # refused before PyYAML, whose scanner would take hours
    ("blocks nested too deeply", b"---\ndate: 2025-03-27\nx:\n" + b"".join(
        b" " * level + b"-\n" for level in range(1, 1200)) + b"---\n", 2, "nested too deeply"),
    ("key given twice", b"---\ndate: 2025-03-27\ntitle: a\ndate: 2025-03-28\n---\n", 4,
     "given twice"),
    ("compact date", b"---\ndate: 20250327\n---\n", 2, "not a real date"),
    ("year 9999", b"---\ndate: 9999-12-31T23:00:00-12:00\n---\n", 2, "after 9998"),
    ("draft not a bool", b"---\ndate: 2025-03-27\ndraft: maybe\n---\n", 3, "true or false"),
    ("bad lang", b"---\ndate: 2025-03-27\nlang: not a language\n---\n", 3, "language tag"),
    ("not utf-8 (GBK)", "---\ndate: 2025-03-27\n---\n\n比亚迪\n".encode("gbk"), 5, "not UTF-8"),
    ("utf-16", "---\ndate: 2025-03-27\n---\n".encode("utf-16"), 1, "UTF-16"),
    ("utf-16 without BOM", "---\ndate: 2025-03-27\n---\n".encode("utf-16-le"), 1, "UTF-16"),
    ("utf-16 BE without BOM", "---\ndate: 2025-03-27\n---\n\n比亚迪\n".encode("utf-16-be"), 1,
     "UTF-16"),
    ("utf-32", "---\ndate: 2025-03-27\n---\n".encode("utf-32"), 1, "UTF-32"),
    ("NUL bytes", b"---\ndate: 2025-03-27\n---\n\nab\x00cd\n", 5, "NUL"),
    ("binary", bytes(range(256)) * 4, 1, "NUL"),
]


@pytest.mark.parametrize("case,data,line,words", BROKEN, ids=[c[0] for c in BROKEN])
def test_broken_file_names_path_line_and_problem(case, data, line, words):
    with pytest.raises(ContentError) as raised:
        parse(data)
    problem = raised.value.problems[0]
    assert problem.path == "content/day.md"
    assert problem.line == line, str(problem)
    assert words in problem.message
    assert str(problem).startswith(f"content/day.md:{line}: ")


def test_a_date_far_ahead_is_a_warning_not_an_error():
    zone = dt.timezone(dt.timedelta(hours=8))
    today = dt.datetime.now(zone).date()
    near, far = today + dt.timedelta(days=7), today + dt.timedelta(days=8)
    assert future_dates([("a.md", near), ("b.md", today)], zone) == []
    (warning,) = future_dates([("a.md", near), ("c.md", far)], zone)
    assert warning.startswith(f"c.md: date {far.isoformat()} is 8 days after today")
    assert parse(b"---\ndate: 2999-01-01\n---\n").date == dt.date(2999, 1, 1)


def test_several_front_matter_problems_are_reported_together():
    with pytest.raises(ContentError) as raised:
        parse(b"---\ndate: 2025-13-01\ndraft: often\n---\n")
    assert [p.line for p in raised.value.problems] == [2, 3]


def test_find_skips_data_hidden_and_non_markdown(tmp_path: Path):
    content = tmp_path / "content"
    for name in ("briefings/2025/a.md", "_data/companies.md", ".hidden/x.md", "b.txt",
                 "briefings/.swap.md", "z.md"):
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).write_text("x")
    found = [p.relative_to(content).as_posix()
             for p in find_content_files(SiteConfig(root=tmp_path))]
    assert found == ["briefings/2025/a.md", "z.md"]


def test_symlink_to_outside_content_is_refused(tmp_path: Path):
    outside = tmp_path / "secret.md"
    outside.write_bytes(GOOD)
    (tmp_path / "site" / "content").mkdir(parents=True)
    link = tmp_path / "site" / "content" / "day.md"
    link.symlink_to(outside)
    config = SiteConfig(root=tmp_path / "site")
    with pytest.raises(ContentError, match="link to outside content"):
        read_content_file(link, config)
