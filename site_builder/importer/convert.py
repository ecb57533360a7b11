"""The report importer: a raw daily report, as it arrives, turned into a content-format file.

``import_report`` is pure (text in, an ``ImportedReport`` or a ``ContentError`` out); the line
rules it applies are the tables in ``import_rules``. ``run_import`` is ``site-builder import``:
it reads and decodes the files, finds a year, says what it found and writes
``content/briefings/YYYY/YYYY-MM-DD.md``, never over an existing file unless forced.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TextIO

import yaml

from site_builder.content.load import EARLIEST_YEAR
from site_builder.errors import ContentError, Problem, UsageError
from site_builder.importer import rules

DATE_HINT = "pass --date YYYY-MM-DD"


@dataclass(frozen=True, slots=True)
class DroppedLine:
    """A line of the raw report left out of the briefing, and why."""

    line: int
    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class JoinedLine:
    """A line of the raw report broken mid-sentence, joined with the line after it."""

    line: int
    reason: str  # "ends on 'of'", "one word alone", ...


@dataclass(frozen=True, slots=True)
class ImportedStory:
    """A headline and its paragraphs, as plain text (escaped only when rendered)."""

    headline: str
    paragraphs: tuple[str, ...]
    line: int


@dataclass(frozen=True, slots=True)
class ImportedSection:
    """A desk of the report ("Market dynamics") and its stories."""

    name: str
    stories: tuple[ImportedStory, ...]
    line: int


@dataclass(frozen=True, slots=True)
class ImportedReport:
    """What the importer made of one raw report."""

    origin: str  # the file it came from, for messages
    date: dt.date
    year_source: str  # "--date", "file name", "lead" or "newest briefing"
    title: str
    source: str  # "Transferred from: X" -> X; "" when the report does not say
    lang: str  # "en" or "zh"
    lead: tuple[str, ...]
    sections: tuple[ImportedSection, ...]
    dropped: tuple[DroppedLine, ...] = ()
    joined: tuple[JoinedLine, ...] = ()  # lines broken mid-sentence, joined with the next
    warnings: tuple[Problem, ...] = ()

    @property
    def stories(self) -> tuple[ImportedStory, ...]:
        return tuple(story for section in self.sections for story in section.stories)

    @property
    def relative_path(self) -> PurePosixPath:
        """Where the briefing goes under the content folder."""
        return PurePosixPath("briefings", f"{self.date:%Y}", f"{self.date.isoformat()}.md")

    @property
    def markdown(self) -> str:
        """The briefing in the content format: front matter, lead, ``##`` and ``###``."""
        meta: dict[str, object] = {"title": self.title, "date": self.date}
        if self.source:
            meta["source"] = self.source
        meta["lang"] = self.lang
        front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1_000_000)
        blocks = [f"---\n{front}---", *(rules.escape_markdown(text) for text in self.lead)]
        for section in self.sections:
            blocks.append("## " + rules.escape_markdown(section.name, heading=True))
            for story in section.stories:
                blocks.append("### " + rules.escape_markdown(story.headline, heading=True))
                blocks.extend(rules.escape_markdown(text) for text in story.paragraphs)
        return "\n\n".join(blocks) + "\n"


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    text: str


def import_report(
    text: str,
    *,
    origin: str,
    date: dt.date | None = None,
    file_date: dt.date | None = None,
    fallback_year: int | None = None,
) -> ImportedReport:
    """Make sense of one raw report, or raise ``ContentError`` naming everything missing."""
    numbered = enumerate(text.splitlines(), 1)
    lines = [_Line(n, clean) for n, raw in numbered if (clean := rules.clean_line(raw))]
    if not lines:
        raise ContentError.at(origin, 1, "the report is empty", "is this the right file?")
    dropped: list[DroppedLine] = []
    source = ""
    lead: list[_Line] = []
    blocks: list[tuple[_Line, list[_Line]]] = []  # (section marker with its name, its lines)
    signed_off = False
    for line in lines:
        kind, value, reason = rules.classify_line(line.text, in_header=not blocks)
        if kind in ("junk", "signoff"):
            dropped.append(DroppedLine(line.number, line.text, reason))
            signed_off = signed_off or kind == "signoff"
        elif kind == "source" and not source:
            source = value
        elif kind == "section":
            blocks.append((_Line(line.number, value), []))
        else:
            (blocks[-1][1] if blocks else lead).append(line)
    joined: list[JoinedLine] = []
    lead = _join_broken_lines(lead, joined)
    blocks = [(marker, _join_broken_lines(body, joined)) for marker, body in blocks]
    if blocks:
        _drop_cut_off_table(blocks[-1][1], dropped, signed_off)
    sections = []
    for marker, body in blocks:
        stories = _split_stories(body, dropped)
        if stories:
            sections.append(ImportedSection(marker.text, stories, marker.number))
        else:
            dropped.append(DroppedLine(marker.number, marker.text, "section without stories"))

    problems: list[Problem] = []
    if not lead and not blocks:
        problems.append(Problem(origin, lines[0].number, "the report has no text, only lines "
                                "that were dropped", "is this the right file?"))
    elif not sections:
        where = blocks[0][0].number if blocks else lead[0].number
        problems.append(Problem(
            origin, where, "no stories found: a story is a headline line followed by its text, "
            "under a section marker", "put a line such as [Market dynamics]. or 【市场动态】 "
            "above the first headline"))
    warnings: list[Problem] = []
    day, year_source = dt.date.min, ""
    if not problems:
        try:
            day, year_source = _resolve_date(rules.find_lead_date(lead), origin, lead,
                                             _Dates(date, file_date, fallback_year), warnings)
        except ContentError as error:
            problems.extend(error.problems)
    if problems:
        raise ContentError(problems)
    lang = rules.language([line.text for line in lead] + [
        part for section in sections for story in section.stories
        for part in (story.headline, *story.paragraphs)])
    return ImportedReport(
        origin=origin, date=day, year_source=year_source,
        title=rules.find_title(lead) or rules.DEFAULT_TITLES[lang], source=source, lang=lang,
        lead=tuple(line.text for line in lead), sections=tuple(sections),
        dropped=tuple(sorted(dropped, key=lambda d: d.line)), joined=tuple(joined),
        warnings=tuple(warnings))


def _join_broken_lines(lines: list[_Line], joined: list[JoinedLine]) -> list[_Line]:
    """The lines with each one broken mid-sentence joined with the next (rules.break_reason),
    as often as a sentence was broken; every join is kept in joined."""
    result: list[_Line] = []
    before_open = False  # the kept line before ended without a sentence stop
    for previous, line in zip([None, *lines], lines):
        last = result[-1] if result else None
        reason = "" if last is None or previous is None or rules.is_table_cell(line.text) \
            else rules.break_reason(last.text, line.text, before_open=before_open)
        if last is not None and previous is not None and reason:
            tight = rules.cjk_count(last.text[-1:] + line.text[:1]) or \
                line.text[:1] in rules.CONTINUATION_STARTS or last.text[-1:] in "(（“‘《/-"
            result[-1] = _Line(last.number, last.text + ("" if tight else " ") + line.text)
            joined.append(JoinedLine(previous.number, reason))
            continue
        if last is not None:
            before_open = not (rules.ends_with_stop(last.text)
                               or rules.ends_with_question(last.text))
        result.append(line)
    return result


def _drop_cut_off_table(lines: list[_Line], dropped: list[DroppedLine], signed_off: bool) -> None:
    reason = ("after the sign-off: a table header cut off at the end" if signed_off
              else "short line at the end with no story text (a cut-off table?)")
    while lines and rules.is_table_cell(lines[-1].text):
        line = lines.pop()
        dropped.append(DroppedLine(line.number, line.text, reason))


def _split_stories(lines: list[_Line], dropped: list[DroppedLine]) -> tuple[ImportedStory, ...]:
    """Label each line headline or body: the best labelling under a few hard rules.

    A section opens with a headline, a headline is followed by body text and the section ends
    on body text; within those rules the headline cues decide, over the whole section at once,
    so two headline-like lines in a row go to whichever looks more like a headline.
    """
    if len(lines) < 2:
        dropped.extend(DroppedLine(line.number, line.text, "no story text follows this line")
                       for line in lines)
        return ()
    texts = [line.text for line in lines]
    gains = [2 * (rules.headline_score(text, after) - rules.HEADLINE_THRESHOLD) + 1
             for text, after in zip(texts, [*texts[1:], None])]
    # best_body[i] / best_head[i]: best total with line i labelled body / headline.
    best_body: list[float] = [float("-inf")] * len(lines)
    best_head: list[float] = [float("-inf")] * len(lines)
    body_after_head = [False] * len(lines)
    best_head[0] = 0
    for i in range(1, len(lines)):
        body_after_head[i] = best_head[i - 1] > best_body[i - 1]
        best_body[i] = max(best_head[i - 1], best_body[i - 1])
        best_head[i] = best_body[i - 1] + gains[i]
    is_head = [False] * len(lines)
    head = False  # the last line is body
    for i in range(len(lines) - 1, -1, -1):
        is_head[i] = head
        head = False if head else body_after_head[i]
    is_head[0] = True
    stories: list[ImportedStory] = []
    for line, starts in zip(lines, is_head):
        if starts:
            bracketed = rules.BRACKETED_HEADLINE.fullmatch(line.text)
            headline = bracketed.group("value") if bracketed else line.text
            stories.append(ImportedStory(headline, (), line.number))
        else:
            last = stories[-1]
            stories[-1] = ImportedStory(last.headline, (*last.paragraphs, line.text), last.line)
    return tuple(stories)


@dataclass(frozen=True, slots=True)
class _Dates:
    """What else tells a report's day: --date, the file's name, the newest briefing's year."""

    given: dt.date | None
    file: dt.date | None
    fallback_year: int | None


def _resolve_date(found: rules.LeadDate | None, origin: str, lead: list[_Line], dates: _Dates,
                  warnings: list[Problem]) -> tuple[dt.date, str]:
    """The report's day and where its year came from; month and day from --date or the lead."""
    date, file_date, fallback_year = dates.given, dates.file, dates.fallback_year
    line = found.line if found else (lead[0].number if lead else 1)
    if date is not None:
        day, source = date, "--date"
        if found and ((found.month, found.day) != (date.month, date.day)
                      or found.year not in (None, date.year)):
            warnings.append(Problem(origin, line, f"--date {date} disagrees with the lead's "
                                    f"date {found.text!r}", "--date wins"))
    elif found is None:
        if file_date is None:
            raise ContentError.at(origin, line, 'the lead gives no date (such as "on March 27" '
                                  'or "3月31日")', DATE_HINT)
        day, source = file_date, "file name"
    else:
        day, source = _date_from_lead(found, origin, file_date, fallback_year, warnings)
    if day.year < EARLIEST_YEAR:
        raise ContentError.at(origin, line, f"the date {day} is before {EARLIEST_YEAR}, which "
                              "the site does not accept", DATE_HINT)
    return day, source


def _date_from_lead(found: rules.LeadDate, origin: str, file_date: dt.date | None,
                    fallback_year: int | None, warnings: list[Problem]) -> tuple[dt.date, str]:
    year_sources = (("file name", file_date.year if file_date else None),
                    ("lead", found.year), ("newest briefing", fallback_year))
    year, source = next(((y, s) for s, y in year_sources if y is not None), (None, ""))
    if year is None:
        raise ContentError.at(origin, found.line, f"the lead says {found.text!r} but nothing "
                              "gives the year: no --date, no date in the file name and no "
                              "briefings yet", DATE_HINT)
    try:
        day = dt.date(year, found.month, found.day)
    except ValueError:
        raise ContentError.at(origin, found.line, f"the lead's date {found.text!r} does not "
                              f"exist in {year}", DATE_HINT) from None
    if file_date is not None and file_date != day:
        warnings.append(Problem(origin, found.line, f"the file name says {file_date} but the "
                                f"lead says {found.text!r}; using {day}", DATE_HINT + " to choose"))
    return day, source


# --- site-builder import -------------------------------------------------------------------

def newest_briefing_day(content_dir: Path) -> dt.date | None:
    """The date of the newest ``briefings/**/YYYY-MM-DD.md`` under the content folder."""
    days = []
    for path in (content_dir / "briefings").rglob("*.md"):
        try:
            days.append(dt.date.fromisoformat(path.stem))
        except ValueError:
            continue
    return max(days) if days else None


@dataclass(frozen=True, slots=True)
class Streams:
    """Where an import writes its report (out) and reads a report named "-" (stdin)."""

    out: TextIO
    stdin: TextIO


def run_import(paths: list[str], *, content_dir: Path, date: dt.date | None, dry_run: bool,
               force: bool, streams: Streams) -> int:
    """``site-builder import``: every report is read and checked before anything is written."""
    out, stdin = streams.out, streams.stdin
    if not paths:
        raise UsageError("name at least one report file (or - for standard input)")
    newest = newest_briefing_day(content_dir)
    reports: list[ImportedReport] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            reports.append(_import_file(path, stdin, date, newest))
        except ContentError as error:
            problems.extend(error.problems)
    targets: dict[Path, str] = {}
    notes: dict[Path, str] = {}
    for report in reports:
        target = content_dir / report.relative_path
        if target in targets:
            problems.append(Problem(report.origin, 0, f"would write {target}, as "
                                    f"{targets[target]} does", "import one report per day"))
        elif target.exists() and not force:
            if not dry_run:
                problems.append(Problem(str(target), 0, f"already exists, not replaced by "
                                        f"{report.origin}", "pass --force to replace it"))
            notes[target] = " (it exists: --force would replace it)"
        targets.setdefault(target, report.origin)
    for report in reports:
        out.write(describe(report, content_dir / report.relative_path))
    if problems:
        raise ContentError(problems)
    for report in reports:
        target = content_dir / report.relative_path
        if dry_run:
            out.write(f"dry run, would write {target}{notes.get(target, '')}:\n{report.markdown}")
        else:
            _write_atomically(target, report.markdown.encode("utf-8"))
            out.write(f"wrote {target}\n")
    return 0


def _import_file(path: str, stdin: TextIO, date: dt.date | None,
                 newest: dt.date | None) -> ImportedReport:
    text = _read_stdin(stdin) if path == "-" else rules.decode_report(_read(path), path)
    origin, file_date = ("<stdin>", None) if path == "-" else (path, rules.date_in_name(path))
    report = import_report(text, origin=origin, date=date, file_date=file_date,
                           fallback_year=newest.year if newest else None)
    if newest and report.year_source == "newest briefing":
        # Around New Year the nearest year is the right one: a "January 2" report imported
        # after the December 30 briefing is next year's.
        nearest = min((candidate for year in (newest.year - 1, newest.year + 1)
                       if (candidate := _same_day_in(report.date, year))),
                      key=lambda day: abs(day - newest), default=report.date)
        if abs(nearest - newest) < abs(report.date - newest):
            report = import_report(text, origin=origin, date=date, file_date=file_date,
                                   fallback_year=nearest.year)
    return report


def _same_day_in(day: dt.date, year: int) -> dt.date | None:
    try:
        return day.replace(year=year)
    except ValueError:
        return None


def describe(report: ImportedReport, target: Path) -> str:
    """What the importer found in one report, for the person running it."""
    stories = report.stories
    rows = [f"{report.origin} -> {target}",
            f"  date: {report.date} (year from {report.year_source})",
            f"  source: {report.source or '(none given)'}",
            f"  title: {report.title} [{report.lang}]",
            f"  {len(report.sections)} sections, {len(stories)} stories"]
    for section in report.sections:
        rows.append(f"    {section.name} ({len(section.stories)})")
        rows.extend(f"      - {story.headline}" for story in section.stories)
    rows.extend(f"  dropped line {d.line}: {d.text!r} ({d.reason})" for d in report.dropped)
    rows.extend(f"  joined line {j.line} with the line after it ({j.reason})"
                for j in report.joined)
    rows.extend(f"  warning: {warning}" for warning in report.warnings)
    return "\n".join(rows) + "\n"


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise ContentError.at(path, 0, f"cannot read the report: {error.strerror}",
                              "check the path") from None


def _read_stdin(stdin: TextIO) -> str:
    buffer = getattr(stdin, "buffer", None)
    return rules.decode_report(buffer.read(), "<stdin>") if buffer is not None else stdin.read()


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        os.fchmod(handle, 0o644)  # mkstemp makes the file private; a briefing is not
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
