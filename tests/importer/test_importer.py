"""Tests of the report importer: raw reports in tests/fixtures/reports/ to content files."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import itertools
import subprocess
import sys
from pathlib import Path
from typing import TextIO

import pytest
import yaml
from conftest import TESTS_DIR
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from site_builder.errors import ContentError
from site_builder.importer.convert import (
    ImportedReport,
    JoinedLine,
    Streams,
    import_report,
    run_import,
)
from site_builder.importer.rules import classify_line, clean_line, escape_markdown

REPORTS = TESTS_DIR / "fixtures" / "reports"
SEED_DAY = dt.date(2025, 3, 27)
# The site's dialect with raw HTML on: the strictest reading of what the importer writes.
MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def raw(name: str) -> str:
    return (REPORTS / name).read_text(encoding="utf-8")


def headlines(report: ImportedReport) -> list[list[str]]:
    return [[story.headline for story in section.stories] for section in report.sections]


def split_front_matter(markdown: str) -> tuple[dict[str, object], str]:
    assert markdown.startswith("---\n")
    front, body = markdown[4:].split("\n---\n", 1)
    return yaml.safe_load(front), body


def blocks(markdown: str) -> list[tuple[str, str]]:
    """(tag, text) of every block, failing on any inline markup: the text must be literal."""
    found = []
    tokens = MD.parse(markdown)
    for opening, inline in itertools.pairwise(tokens):
        if inline.type == "inline" and opening.type.endswith("_open"):
            kinds = {child.type for child in inline.children or []}
            assert kinds <= {"text"}, (markdown, kinds)
            found.append((opening.tag, inline.content and "".join(
                child.content for child in inline.children or [])))
    assert len([t for t in tokens if t.nesting == 1]) == len(found), [t.type for t in tokens]
    return found


def run(paths: list[str], content: Path, *, date: dt.date | None = None, dry_run: bool = False,
        force: bool = False, stdin: TextIO | None = None) -> str:
    out = io.StringIO()
    code = run_import(paths, content_dir=content, date=date, dry_run=dry_run, force=force,
                      streams=Streams(out, stdin or io.StringIO("")))
    assert code == 0
    return out.getvalue()


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --- the seed report ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed() -> ImportedReport:
    return import_report(raw("seed.txt"), origin="seed.txt", date=SEED_DAY)


def test_seed_has_three_sections_and_sixteen_stories(seed: ImportedReport) -> None:
    assert [s.name for s in seed.sections] == [
        "Market dynamics", "Company Aspect", "Frontier of science and technology"]
    assert [len(s.stories) for s in seed.sections] == [6, 7, 3]
    assert len(seed.stories) == 16
    assert all(story.paragraphs for story in seed.stories)


def test_seed_headlines(seed: ImportedReport) -> None:
    market, company, frontier = headlines(seed)
    assert market[0] == (
        "Ministry of Commerce: Promote the deepening application of artificial intelligence, "
        "virtual reality, big data and other technologies in the consumer field to create a "
        'number of "artificial intelligence + consumption" scenarios')
    assert market[1] == (
        "Shanghai: By 2027, the scale of intelligent computing will reach 200EFLOPS, and the "
        "proportion of independent and controllable computing power will exceed 70%.")
    assert market[3] == "OpenAI expects revenue to reach $12.7 billion in 2025"
    assert market[-1] == ("Chengdu: Strive to reach 130 billion yuan in the scale of artificial "
                          "intelligence core industry by 2025")
    assert company[0] == ("SenseTime: Net loss in 2024 will be 4.3 billion yuan, narrowing by "
                          "33.7%, and generative AI revenue will exceed 2.4 billion yuan")
    assert company[-1] == ("Debang Technology: The chairman proposed to repurchase shares for 40 "
                           "million yuan to 80 million yuan")
    assert frontier[0] == ("The Chinese team successfully transplanted the gene-edited pig liver "
                           "into the human body for the first time in the world")
    assert frontier[-1] == ("Quantum computers simulate two-dimensional quantum field theory at "
                            "full scale")


def test_seed_joins_the_paragraph_broken_after_its_first_word(seed: ImportedReport) -> None:
    story = seed.sections[2].stories[0]
    assert story.paragraphs == ((
        "The Chinese research team published a paper online in the British journal Nature on "
        "the 26th, London time, reporting the world's first successful case of transplanting the "
        "liver of a gene-edited pig into a brain-dead person."),)
    assert seed.joined == (JoinedLine(35, "one word alone"),)


def test_seed_front_matter_and_lead(seed: ImportedReport) -> None:
    meta, _ = split_front_matter(seed.markdown)
    assert meta == {"title": "Science and Technology Innovation Board Morning Report",
                    "date": SEED_DAY, "source": "Finance Associated Press", "lang": "en"}
    assert list(meta) == ["title", "date", "source", "lang"]
    assert seed.year_source == "--date"
    assert len(seed.lead) == 2
    assert seed.lead[1].endswith("anchor Xiao K will broadcast for you.")
    assert seed.warnings == ()


@pytest.mark.parametrize("junk", ["} ?>", "Transferred from", "Board Daily).", "Ticker Name",
                                  "Percentage Change", "Inclusion Date"])
def test_seed_leaves_out_the_junk(seed: ImportedReport, junk: str) -> None:
    assert junk not in seed.markdown


def test_seed_says_which_lines_it_dropped_and_why(seed: ImportedReport) -> None:
    assert [(d.line, d.text, d.reason.split(":")[0]) for d in seed.dropped] == [
        (1, "} ?>", "code fragment"),
        (41, "(Science and Technology Innovation Board Daily).", "sign-off"),
        (42, "Ticker Name", "after the sign-off"),
        (43, "Percentage Change", "after the sign-off"),
        (44, "Inclusion Date", "after the sign-off"),
    ]


def test_seed_markdown_means_what_the_report_said(seed: ImportedReport) -> None:
    _, body = split_front_matter(seed.markdown)
    expected = [("p", text) for text in seed.lead]
    for section in seed.sections:
        expected.append(("h2", section.name))
        for story in section.stories:
            expected.append(("h3", story.headline))
            expected.extend(("p", text) for text in story.paragraphs)
    assert blocks(body) == expected


def test_seed_lead_date_disagreeing_with_date_is_a_warning() -> None:
    report = import_report(raw("seed.txt"), origin="seed.txt", date=dt.date(2025, 3, 28))
    assert report.date == dt.date(2025, 3, 28)
    assert [str(w) for w in report.warnings] == [
        "seed.txt:3: --date 2025-03-28 disagrees with the lead's date 'March 27' (--date wins)"]


# --- more raw reports -----------------------------------------------------------------------

def test_english_report_with_other_sections_and_quirks() -> None:
    report = import_report(raw("en_2025-04-02.txt"), origin="en.txt",
                           file_date=dt.date(2025, 4, 2))
    assert (report.date, report.year_source, report.source, report.lang) == (
        dt.date(2025, 4, 2), "file name", "Cailian Press", "en")
    assert headlines(report) == [
        ["CSRC: Support qualified technology companies to list on the STAR Market",
         ("Ministry of Industry and Information Technology: Humanoid robot standards to be "
          "issued this year."),
         "#1 in shipments: Chinese humanoid robot makers lead global sales",
         "Will solid-state batteries reach mass production by 2027?"],
        ["Cambricon: Revenue in 2024 rose 65.56% year-on-year, and the net loss narrowed",
         "BYD: Plans to build a third plant in Europe"],
        ["Unitree Robotics completes a new financing round"],
    ]
    assert [s.name for s in report.sections] == [
        "Market dynamics", "Company Aspect", "Investment and financing"]
    stories = report.stories
    assert stories[2].paragraphs[1] == "- Analysts said the trend would continue through 2026."
    assert stories[4].paragraphs[1] == ("The company said demand for its training chips "
                                        "exceeded supply in the fourth quarter.")
    assert stories[5].paragraphs[1] == "1. The plant will make batteries; 2. it will open in 2027."
    assert stories[6].paragraphs[0].startswith("In a filing on April 1, Unitree Robotics said")
    assert {d.text for d in report.dropped} == {
        "<?php", "[]", "---", "(Science and Technology Innovation Board Daily).",
        "Stock Code", "Company Name", "Closing Price"}
    _, body = split_front_matter(report.markdown)
    assert ("h3", "#1 in shipments: Chinese humanoid robot makers lead global sales") in blocks(body)
    assert ("p", "1. The plant will make batteries; 2. it will open in 2027.") in blocks(body)
    assert "\n\\- Analysts said" in body and "\n1\\. The plant" in body


def test_chinese_report() -> None:
    report = import_report(raw("zh_report.txt"), origin="zh.txt", fallback_year=2025)
    assert (report.date, report.year_source, report.source, report.lang, report.title) == (
        dt.date(2025, 3, 31), "newest briefing", "财联社", "zh", "科创板早报")
    assert [s.name for s in report.sections] == ["市场动态", "公司动态", "科技前沿"]
    assert headlines(report) == [
        ["工信部：加快推动人工智能终端产品创新应用", "北京：到2027年具身智能产业规模突破千亿元。"],
        ["寒武纪：2024年营收11.74亿元，同比增长65.56%", "中芯国际：预计一季度营收环比增长6%至8%"],
        ["我国科研团队在量子纠错领域取得新突破"],
    ]
    assert report.sections[0].stories[1].paragraphs[1] == (
        "计划还提出，建设具身智能中试验证平台，推动不少于100款产品落地应用。")
    assert report.stories[-1].paragraphs[0].startswith("据新华社报道，中国科学技术大学")
    assert report.lead[1] == "《科创板日报》主播小K为您播报。"
    for junk in ("<?php", "转自", "【】", "（科创板日报）", "股票代码", "涨跌幅", "\n。\n"):
        assert junk not in report.markdown
    meta, body = split_front_matter(report.markdown)
    assert meta == {"title": "科创板早报", "date": dt.date(2025, 3, 31), "source": "财联社",
                    "lang": "zh"}
    assert [tag for tag, _ in blocks(body)].count("h3") == 5


# --- rules, one stanza per case -------------------------------------------------------------

def stanzas(name: str) -> list[tuple[int, list[str]]]:
    """(first line number, lines) of each case in a fixture file; "# " lines are comments."""
    cases: list[tuple[int, list[str]]] = []
    lines: list[str] = []
    start = 0
    for number, line in enumerate(raw(name).splitlines(), 1):
        if line == ".":
            cases.append((start, lines))
            lines = []
        elif not line.startswith("#"):
            start = start if lines else number
            lines.append(line)
    return cases


@pytest.mark.parametrize(("line", "case"), stanzas("line_rules.txt"),
                         ids=lambda value: f"line_rules.txt:{value}" if isinstance(value, int)
                         else "")
def test_line_rules(line: int, case: list[str]) -> None:
    text, expected, *where = case
    kind, value, reason = classify_line(clean_line(text), in_header=where != ["in: body"])
    assert f"{kind}: {reason or value}" == expected


@pytest.mark.parametrize(("line", "case"), stanzas("headline_cases.txt"),
                         ids=lambda value: f"headline_cases.txt:{value}"
                         if isinstance(value, int) else "")
def test_headline_or_body(line: int, case: list[str]) -> None:
    text = "[Desk].\n" + "\n".join(row[2:] for row in case)
    report = import_report(text, origin="case.txt", date=SEED_DAY)
    labels = [label for story in report.stories for label in "H" + "B" * len(story.paragraphs)]
    assert labels == [row[0] for row in case]


def test_a_headline_in_brackets_loses_them() -> None:
    text = "【公司动态】\n【寒武纪：2024年营收增长】\n寒武纪公告，2024年营收同比增长65.56%。公司表示，收入大幅增长。\n"
    report = import_report(text, origin="r.txt", date=SEED_DAY)
    assert headlines(report) == [["寒武纪：2024年营收增长"]]


# --- dates and years ------------------------------------------------------------------------

LEAD = "[Desk].\nHeadline of the day\nThe story text of the day, told in one sentence.\n"


@pytest.mark.parametrize(("lead", "kwargs", "day", "source"), [
    ("On March 27, the report.", {"date": SEED_DAY}, SEED_DAY, "--date"),
    ("On March 27, the report.", {"file_date": dt.date(2024, 1, 1)}, dt.date(2024, 3, 27),
     "file name"),
    ("On March 27, 2023, the report.", {"fallback_year": 2025}, dt.date(2023, 3, 27), "lead"),
    ("On March 27, the report.", {"fallback_year": 2025}, SEED_DAY, "newest briefing"),
    ("On 27 March the report.", {"fallback_year": 2025}, SEED_DAY, "newest briefing"),
    ("《科创板日报》3月31日讯", {"fallback_year": 2025}, dt.date(2025, 3, 31), "newest briefing"),
    ("2024年2月29日，早报。", {}, dt.date(2024, 2, 29), "lead"),
    ("No date here.", {"file_date": SEED_DAY}, SEED_DAY, "file name"),
])
def test_year_sources(lead: str, kwargs: dict[str, object], day: dt.date, source: str) -> None:
    report = import_report(lead + "\n" + LEAD, origin="r.txt", **kwargs)  # type: ignore[arg-type]
    assert (report.date, report.year_source) == (day, source)


@pytest.mark.parametrize(("text", "kwargs", "message"), [
    ("", {}, "r.txt:1: the report is empty"),
    ("\n \n\t\n", {"date": SEED_DAY}, "r.txt:1: the report is empty"),
    (raw("only_junk.txt"), {"date": SEED_DAY}, "r.txt:1: the report has no text"),
    (raw("no_stories.txt"), {"date": SEED_DAY}, "r.txt:3: no stories found"),
    ("[Desk].\n[Other].\n", {"date": SEED_DAY}, "r.txt:1: no stories found"),
    (raw("no_date.txt"), {"fallback_year": 2025}, "r.txt:2: the lead gives no date"),
    (raw("seed.txt"), {}, "r.txt:3: the lead says 'March 27' but nothing gives the year"),
    ("On February 29 the report.\n" + LEAD, {"fallback_year": 2025},
     "r.txt:1: the lead's date 'February 29' does not exist in 2025"),
    ("On March 27, 1985, the report.\n" + LEAD, {}, "r.txt:1: the date 1985-03-27 is before"),
])
def test_reports_that_make_no_sense(text: str, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ContentError) as caught:
        import_report(text, origin="r.txt", **kwargs)  # type: ignore[arg-type]
    assert str(caught.value).startswith(message)
    assert all(problem.hint for problem in caught.value.problems)


def test_no_date_error_says_to_pass_date() -> None:
    with pytest.raises(ContentError) as caught:
        import_report(raw("seed.txt"), origin="seed.txt")
    assert "(pass --date YYYY-MM-DD)" in str(caught.value)


# --- site-builder import --------------------------------------------------------------------

def test_import_writes_the_briefing_and_says_what_it_found(tmp_path: Path) -> None:
    content = tmp_path / "content"
    out = run([str(REPORTS / "seed.txt")], content, date=SEED_DAY)
    target = content / "briefings" / "2025" / "2025-03-27.md"
    expected = import_report(raw("seed.txt"), origin="seed.txt", date=SEED_DAY).markdown
    assert target.read_bytes() == expected.encode("utf-8")
    assert "date: 2025-03-27 (year from --date)" in out
    assert "source: Finance Associated Press" in out
    assert "3 sections, 16 stories" in out
    assert "- Quantum computers simulate two-dimensional quantum field theory at full scale" in out
    for number, text in [(1, "} ?>"), (41, "(Science and Technology Innovation Board Daily)."),
                         (42, "Ticker Name"), (43, "Percentage Change"), (44, "Inclusion Date")]:
        assert f"dropped line {number}: {text!r}" in out
    assert f"wrote {target}" in out
    assert target.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["2025-03-27.md"]


def test_import_never_overwrites_unless_forced(tmp_path: Path) -> None:
    content = tmp_path / "content"
    target = content / "briefings" / "2025" / "2025-03-27.md"
    target.parent.mkdir(parents=True)
    target.write_text("an author's edits\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        run([str(REPORTS / "seed.txt")], content, date=SEED_DAY)
    assert str(caught.value) == (f"{target}: already exists, not replaced by "
                                 f"{REPORTS / 'seed.txt'} (pass --force to replace it)")
    assert target.read_text(encoding="utf-8") == "an author's edits\n"
    run([str(REPORTS / "seed.txt")], content, date=SEED_DAY, force=True)
    assert target.read_text(encoding="utf-8").startswith("---\ntitle: Science")
    assert [p.name for p in target.parent.iterdir()] == ["2025-03-27.md"]


def test_importing_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for content in (first, second):
        run([str(REPORTS / "en_2025-04-02.txt")], content)
        run([str(REPORTS / "seed.txt")], content, date=SEED_DAY)
    assert files_under(first) == files_under(second)
    before = files_under(first)
    run([str(REPORTS / "seed.txt")], first, date=SEED_DAY, force=True)
    assert files_under(first) == before


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    content = tmp_path / "content"
    out = run([str(REPORTS / "seed.txt")], content, date=SEED_DAY, dry_run=True)
    assert not content.exists()
    assert f"dry run, would write {content / 'briefings' / '2025' / '2025-03-27.md'}:\n" in out
    assert out.endswith(import_report(raw("seed.txt"), origin="x", date=SEED_DAY).markdown)


def test_the_year_comes_from_the_newest_briefing(tmp_path: Path) -> None:
    content = tmp_path / "content"
    for day in ("2024-12-30", "2025-01-02"):
        path = content / "briefings" / day[:4] / f"{day}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ndate: {day}\n---\n", encoding="utf-8")
    out = run([str(REPORTS / "zh_report.txt")], content)
    assert "date: 2025-03-31 (year from newest briefing)" in out
    assert (content / "briefings" / "2025" / "2025-03-31.md").is_file()


@pytest.mark.parametrize(("newest", "lead", "day"), [
    ("2024-12-30", "On January 2, the report.", "2025-01-02"),
    ("2025-01-02", "On December 30, the report.", "2024-12-30"),
    ("2025-06-30", "On March 27, the report.", "2025-03-27"),
])
def test_the_newest_briefing_gives_the_nearest_year(tmp_path: Path, newest: str, lead: str,
                                                    day: str) -> None:
    content = tmp_path / "content"
    path = content / "briefings" / newest[:4] / f"{newest}.md"
    path.parent.mkdir(parents=True)
    path.write_text(f"---\ndate: {newest}\n---\n", encoding="utf-8")
    (tmp_path / "report.txt").write_text(lead + "\n" + LEAD, encoding="utf-8")
    out = run([str(tmp_path / "report.txt")], content)
    assert f"date: {day} (year from newest briefing)" in out
    assert (content / "briefings" / day[:4] / f"{day}.md").is_file()


def test_dry_run_says_when_the_file_exists(tmp_path: Path) -> None:
    content = tmp_path / "content"
    run([str(REPORTS / "seed.txt")], content, date=SEED_DAY)
    before = files_under(content)
    out = run([str(REPORTS / "seed.txt")], content, date=SEED_DAY, dry_run=True)
    assert "(it exists: --force would replace it)" in out
    assert files_under(content) == before


def test_the_year_comes_from_the_file_name(tmp_path: Path) -> None:
    report = tmp_path / "report_20240327.txt"
    report.write_bytes((REPORTS / "seed.txt").read_bytes())
    out = run([str(report)], tmp_path / "content")
    assert "date: 2024-03-27 (year from file name)" in out


def test_stdin(tmp_path: Path) -> None:
    content = tmp_path / "content"
    out = run(["-"], content, date=SEED_DAY, stdin=io.StringIO(raw("seed.txt")))
    assert out.startswith("<stdin> -> ")
    assert (content / "briefings" / "2025" / "2025-03-27.md").is_file()


def test_stdin_bytes_are_decoded_like_files(tmp_path: Path) -> None:
    data = codecs.BOM_UTF16_LE + raw("zh_report.txt").encode("utf-16-le")
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="latin-1")
    run(["-"], tmp_path / "content", date=dt.date(2025, 3, 31), stdin=stdin)
    written = (tmp_path / "content" / "briefings" / "2025" / "2025-03-31.md").read_text("utf-8")
    assert "## 市场动态" in written


@pytest.mark.parametrize("encode", [
    lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    lambda text: text.replace("\n", "\r\n").encode("utf-8"),
    lambda text: text.replace("\n", "\r").encode("utf-8"),
], ids=["utf-8-bom", "utf-16-le", "utf-16-be", "crlf", "cr"])
def test_encodings_and_line_ends(tmp_path: Path, encode: object) -> None:
    path = tmp_path / "zh.txt"
    path.write_bytes(encode(raw("zh_report.txt")))  # type: ignore[operator]
    run([str(path)], tmp_path / "content", date=dt.date(2025, 3, 31))
    written = (tmp_path / "content" / "briefings" / "2025" / "2025-03-31.md").read_text("utf-8")
    expected = import_report(raw("zh_report.txt"), origin="x", date=dt.date(2025, 3, 31))
    assert written == expected.markdown


@pytest.mark.parametrize(("data", "message"), [
    ("转自：财联社\n【市场动态】\n".encode("gbk"), "r.txt:1: the report is not UTF-8 text"),
    ("ok\nfine\n".encode("utf-16-le"), "r.txt:1: the report has NUL bytes"),
    (codecs.BOM_UTF32_LE + "ok".encode("utf-32-le"), "r.txt:1: the report is UTF-32 text"),
    (codecs.BOM_UTF16_LE + b"\x00\xd8", "r.txt:1: the report is not UTF-16 text"),
], ids=["gbk", "utf-16-without-bom", "utf-32", "broken-utf-16"])
def test_undecodable_reports(tmp_path: Path, data: bytes, message: str) -> None:
    (tmp_path / "r.txt").write_bytes(data)
    with pytest.raises(ContentError) as caught:
        run([str(tmp_path / "r.txt")], tmp_path / "content", date=SEED_DAY)
    assert str(caught.value).replace(str(tmp_path / "r.txt"), "r.txt").startswith(message)
    assert not (tmp_path / "content").exists()


def test_one_bad_report_means_nothing_is_written(tmp_path: Path) -> None:
    content = tmp_path / "content"
    paths = [str(REPORTS / "en_2025-04-02.txt"), str(REPORTS / "no_stories.txt"),
             str(REPORTS / "no_date.txt"), str(tmp_path / "missing.txt")]
    with pytest.raises(ContentError) as caught:
        run(paths, content)
    messages = [str(problem) for problem in caught.value.problems]
    assert messages[0].startswith(f"{paths[1]}:3: no stories found")
    assert messages[1].startswith(f"{paths[2]}:2: the lead gives no date")
    assert messages[2].startswith(f"{paths[3]}: cannot read the report")
    assert not content.exists()


def test_two_reports_for_the_same_day_is_an_error(tmp_path: Path) -> None:
    paths = [str(REPORTS / "seed.txt"), str(REPORTS / "en_2025-04-02.txt")]
    with pytest.raises(ContentError, match="as .*seed.txt does"):
        run(paths, tmp_path / "content", date=SEED_DAY)
    assert not (tmp_path / "content").exists()


@pytest.mark.parametrize("name", ["seed.txt", "en_2025-04-02.txt", "zh_report.txt"])
def test_imported_reports_pass_check(tmp_path: Path, name: str) -> None:
    pytest.importorskip("site_builder.pipeline")
    site = tmp_path / "site"
    days = {"seed.txt": SEED_DAY, "zh_report.txt": dt.date(2025, 3, 31)}
    run([str(REPORTS / name)], site / "content", date=days.get(name))
    result = subprocess.run([sys.executable, "-m", "site_builder", "check", "--site", str(site)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning" not in (result.stdout + result.stderr).lower()


# --- properties -----------------------------------------------------------------------------

MARKUP = st.lists(st.sampled_from([
    "*", "_", "`", "#", "# ", "> ", "- ", "+ ", "1. ", "1) ", "[", "]", "(", ")", "<", ">", "!",
    "\\", "&amp;", "&#35;", "~", "|", ":", "$", " ", "\t", "\u3000", "a", "word", "http://x.y",
    "<b>", "---", "===", "[^1]: x", "{.c}", "，", "。",
]), max_size=12).map("".join)


@settings(derandomize=True, max_examples=500, deadline=None)
@given(st.one_of(MARKUP, st.text()))
def test_escaped_text_renders_as_itself(text: str) -> None:
    line = clean_line(text)
    if line:
        assert blocks(escape_markdown(line)) == [("p", line)]
        assert blocks("### " + escape_markdown(line, heading=True)) == [("h3", line)]


def outcome(text: str) -> ImportedReport | str:
    try:
        report = import_report(text, origin="any.txt", fallback_year=2025)
    except ContentError as error:
        assert error.problems
        return str(error)
    assert report.markdown.startswith("---\n")
    return report


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.text())
def test_any_text_gives_a_report_or_a_content_error(text: str) -> None:
    assert outcome(text) == outcome(text)


REPORT_LINES = sorted({line for name in ("seed.txt", "en_2025-04-02.txt", "zh_report.txt")
                       for line in raw(name).splitlines()})


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(REPORT_LINES), st.text(max_size=40)), max_size=30))
def test_shuffled_report_lines_give_a_report_or_a_content_error(lines: list[str]) -> None:
    result = outcome("\n".join(lines))
    assert result == outcome("\n".join(lines))
    if isinstance(result, ImportedReport):
        meta, body = split_front_matter(result.markdown)
        assert meta["date"] == result.date and meta["lang"] == result.lang
        tags = [tag for tag, _ in blocks(body)]
        assert tags.count("h2") == len(result.sections)
        assert tags.count("h3") == len(result.stories)


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.text(), st.text())
def test_front_matter_is_valid_yaml(title: str, source: str) -> None:
    report = ImportedReport(origin="x", date=SEED_DAY, year_source="--date", title=title,
                            source=source, lang="en", lead=(), sections=())
    meta, _ = split_front_matter(report.markdown)
    assert meta == {"title": title, "date": SEED_DAY, "lang": "en",
                    **({"source": source} if source else {})}


def broken_line_cases() -> list[tuple[int, list[str]]]:
    return stanzas("broken_lines.txt")


@pytest.mark.parametrize(("line", "case"), broken_line_cases(),
                         ids=lambda value: f"broken_lines.txt:{value}"
                         if isinstance(value, int) else "")
def test_lines_broken_mid_sentence_are_joined(line: int, case: list[str]) -> None:
    cut = case.index(">")
    raw_lines, expected, joins = case[:cut], case[cut + 1:-1], case[-1]
    report = import_report("[Desk].\n" + "\n".join(raw_lines), origin="case.txt",
                           date=SEED_DAY)
    made = [f"{kind} {text}" for story in report.stories
            for kind, text in (("H", story.headline), *(("B", p) for p in story.paragraphs))]
    assert made == expected
    wanted = [] if joins == "joined: -" else [int(n) + 1 for n in joins[8:].split(",")]
    assert [j.line for j in report.joined] == wanted  # + 1: the section marker is line 1
    assert all(j.reason for j in report.joined)


def test_the_import_report_lists_every_join(tmp_path: Path) -> None:
    report = tmp_path / "2025-03-27.txt"
    report.write_text("On March 27, the report.\n[Desk].\nGoertek: Profit rose\nGoertek "
                      "(002241.SZ) said that its profit rose in\n2024, by a lot.\n",
                      encoding="utf-8")
    said = run([str(report)], tmp_path / "content", dry_run=True)
    assert "  joined line 4 with the line after it (ends on 'in')\n" in said
