"""Corrections and updates, and the Publish line, taken out of a story's Markdown.

A note is a paragraph of its own in a story, written

    Correction (2025-03-29 09:10): The figure was 12%, not 21%.
    Update (2025-03-29 11:00 +08:00): The company confirmed the deal.
    更正（2025-03-29 09:10）：数据应为12%，而非21%。

(the time in the site's zone unless an offset is given; the text is inline Markdown). Notes
are shown apart from the body, with their times, on the story's page and its day's; they move
the story's modified time (JSON-LD, Atom <updated>, JSON Feed date_modified, sitemap lastmod).
"""

from __future__ import annotations

import datetime as dt
import re

from markdown_it.token import Token

from site_builder.content.markdown import MarkdownRenderer, plain_text
from site_builder.content.schedule import PUBLISH_LINE, TIME_HINT, parse_time
from site_builder.errors import Problem, SourcePos
from site_builder.model import Note

KINDS = {"correction": "correction", "update": "update", "更正": "correction", "更新": "update"}
_NOTE = re.compile(r"^(Correction|Update|更正|更新)\s*[(（]([^()（）]*)[)）]\s*[:：]\s*(.*)$",
                   re.IGNORECASE | re.DOTALL)
_LOOKS_LIKE_NOTE = re.compile(r"^(Correction|Update|更正|更新)\s*[(（]", re.IGNORECASE)
NOTE_HINT = 'write "Correction (YYYY-MM-DD HH:MM): what was wrong and what is right"'


def take_notes(body: list[Token], path: str, first_line: int, renderer: MarkdownRenderer,
               zone: dt.tzinfo, problems: list[Problem]) -> tuple[list[Token], tuple[Note, ...]]:
    """The body without its note paragraphs, and the notes, oldest first.

    first_line: the file's line of the body's first line (token maps count from it).
    """
    kept: list[Token] = []
    notes: list[Note] = []
    index = 0
    while index < len(body):
        token = body[index]
        inline = body[index + 1] if index + 1 < len(body) else None
        if token.type == "paragraph_open" and token.level == 0 and inline is not None \
                and _LOOKS_LIKE_NOTE.match(inline.content):
            line = (token.map[0] if token.map else 0) + first_line
            note = _note(inline.content, SourcePos(path, line), renderer, zone, problems)
            if note is not None:
                notes.append(note)
            index += 3
            continue
        kept.append(token)
        index += 1
    notes.sort(key=lambda note: note.time)
    return kept, tuple(notes)


def _note(text: str, where: SourcePos, renderer: MarkdownRenderer, zone: dt.tzinfo,
          problems: list[Problem]) -> Note | None:
    match = _NOTE.match(text.strip())
    if match is None:
        problems.append(Problem(where.path, where.line, "this correction or update is not "
                                "written as the format asks", NOTE_HINT))
        return None
    kind, when, said = match.groups()
    try:
        moment = parse_time(when, zone)
    except ValueError as error:
        problems.append(Problem(where.path, where.line, f"the {kind.lower()}'s time: {error}",
                                TIME_HINT))
        return None
    said = " ".join(said.split())
    if not said:
        problems.append(Problem(where.path, where.line, f"the {kind.lower()} says nothing",
                                NOTE_HINT))
        return None
    env: dict[str, object] = {}
    inline = next((tok for tok in renderer.parse(said, env) if tok.type == "inline"), None)
    if inline is None:
        problems.append(Problem(where.path, where.line, f"the {kind.lower()} says nothing",
                                NOTE_HINT))
        return None
    return Note(KINDS[kind.lower()], moment, renderer.render_inline(inline, env),
                plain_text(inline), where)


def take_publish(body: list[Token], path: str, first_line: int, zone: dt.tzinfo,
                 problems: list[Problem]) -> tuple[list[Token], dt.datetime | None]:
    """A first paragraph that is one ``Publish: <time>`` line: the time, out of the body."""
    if len(body) < 3 or body[0].type != "paragraph_open" or body[0].level != 0:
        return body, None
    content = body[1].content.strip()
    match = PUBLISH_LINE.match(content)
    if match is None or "\n" in content:
        return body, None
    line = (body[0].map[0] if body[0].map else 0) + first_line
    try:
        return body[3:], parse_time(match.group(1), zone)
    except ValueError as error:
        problems.append(Problem(path, line, f"the publication time: {error}", TIME_HINT))
        return body[3:], None
