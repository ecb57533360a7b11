"""Stage 2, split: a briefing's Markdown becomes its lead, sections and stories."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass

from markdown_it.token import Token

from site_builder.config import SiteConfig
from site_builder.content.load import ContentFile, parse_content
from site_builder.content.markdown import MarkdownRenderer, make_renderer, plain_text
from site_builder.content.notes import take_notes, take_publish
from site_builder.content.slugs import make_slug, unique_slugs
from site_builder.errors import ContentError, Problem, SourcePos
from site_builder.model import Briefing, Section, Story, TagEdit

SUMMARY_LENGTH = 220
ENGLISH_WORDS_PER_MINUTE = 230
CJK_CHARACTERS_PER_MINUTE = 400

_WORD_CHAR = r"[^\W_\u3000-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]"
_LATIN_WORD = re.compile(rf"{_WORD_CHAR}+(?:[.'’-]{_WORD_CHAR}+)*")
_CJK_CHARACTER = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# "Companies: +BYD (002594.SZ), -Goertek" on the last lines of a story (see docs/content-format.md)
_TAG_EDIT_LINE = re.compile(r"^(Companies|Topics)\s*[:：]\s*([+\-−].*)$", re.IGNORECASE)
_TAG_EDIT_ITEM = re.compile(r"([+\-−])\s*([^,，;；]+)")


@dataclass(slots=True)
class _Heading:
    level: int
    index: int  # token index of heading_open
    line: int  # 1-based line in the file
    inline: Token


def split_briefing(content: ContentFile, renderer: MarkdownRenderer,
                   zone: dt.tzinfo = dt.UTC) -> Briefing:
    """Parse the body once; slice its token stream at top-level ## and ### headings.

    zone: the site's, for Publish lines and notes written without an offset.
    """
    env: dict[str, object] = {}
    tokens = renderer.parse(content.body, env)
    headings = [
        _Heading(int(tok.tag[1]), i, _line(tok, content), tokens[i + 1])
        for i, tok in enumerate(tokens)
        if tok.type == "heading_open" and tok.level == 0
    ]
    problems: list[Problem] = []
    for heading in headings:
        if heading.level == 1:
            problems.append(Problem(content.path, heading.line, "a '#' heading has no place in a "
                                    "briefing", "the title goes in front matter; use '## ' for a "
                                    "section, '### ' for a story"))
    cuts = [h for h in headings if h.level in (2, 3)]
    lead_end = cuts[0].index if cuts else len(tokens)
    lead_html = renderer.render_blocks(tokens[:lead_end], env)
    lead_markdown = _source_lines(content, tokens[:lead_end])
    lead_text = _body_text(tokens[:lead_end])

    sections: list[tuple[str, int, list[dict[str, object]]]] = []
    section_times: list[dt.datetime | None] = []
    for number, heading in enumerate(cuts):
        end = cuts[number + 1].index if number + 1 < len(cuts) else len(tokens)
        title = plain_text(heading.inline)
        if heading.level == 2:
            if not title:
                problems.append(Problem(content.path, heading.line, "section heading is empty",
                                        'write "## <section name>"'))
            under, publish = take_publish(tokens[heading.index + 3:end], content.path,
                                          content.body_line, zone, problems)
            section_times.append(publish)
            # text between a section heading and its first story would be in no page at all
            stray = [tok for tok in under if tok.map and tok.level == 0]
            if stray:
                problems.append(Problem(content.path, _line(stray[0], content), "this text is "
                                        "under a section heading but in no story", 'put a "### '
                                        '<headline>" above it, or move it to the lead'))
            sections.append((title, heading.line, []))
            continue
        if not sections:
            problems.append(Problem(content.path, heading.line, "story comes before any section",
                                    'add a "## <section name>" line above it'))
            continue
        if not title:
            problems.append(Problem(content.path, heading.line, "story heading is empty",
                                    'write "### <headline>"'))
            continue
        body, publish = take_publish(tokens[heading.index + 3:end], content.path,
                                     content.body_line, zone, problems)
        body, edits = _take_tag_edits(body, content, problems)
        body, notes = take_notes(body, content.path, content.body_line, renderer, zone,
                                 problems)
        sections[-1][2].append({
            "title": title,
            "headline": heading.inline.content,
            "headline_html": renderer.render_inline(heading.inline, env, links=False),
            "body": body,
            "line": heading.line,
            "edits": edits,
            "notes": notes,
            "publish": publish or section_times[-1] or content.publish,
        })
    if problems:
        raise ContentError(problems)
    return _assemble(content, renderer, env, {"lead_markdown": lead_markdown,
                     "lead_html": lead_html, "lead_text": lead_text}, sections)


def _shared(text: str, same: str) -> str:
    """same when text equals it: a plain headline is its own HTML and title, and one string
    object for the three is pickled once, so the cache's 55,000 stories unpickle faster and
    the model they make is smaller."""
    return same if text == same else text


def _assemble(content: ContentFile, renderer: MarkdownRenderer, env: dict[str, object],
              lead: dict[str, str], sections: list[tuple[str, int, list[dict[str, object]]]]
              ) -> Briefing:
    """The briefing, its lead given as the Briefing fields lead_markdown, _html and _text."""
    drafts = [story for _, _, stories in sections for story in stories]
    slugs = unique_slugs(make_slug(str(story["title"])) for story in drafts)
    section_slugs = unique_slugs(make_slug(name, "section") for name, _, _ in sections)
    built_sections = []
    position = 0
    for (name, _, stories), section_slug in zip(sections, section_slugs, strict=True):
        built = []
        for story in stories:
            body: list[Token] = story["body"]  # type: ignore[assignment]
            text = _body_text(body)
            words = count_words(str(story["title"]) + " " + text)
            slug = slugs[position]
            headline = str(story["headline"])
            title = _shared(str(story["title"]), headline)
            built.append(Story(
                day=content.date,
                section=name,
                section_slug=section_slug,
                position=position,
                headline=headline,
                headline_html=_shared(str(story["headline_html"]), headline),
                title=title,
                body_markdown=_source_lines(content, body),
                body_html=renderer.render_blocks(body, env),
                summary=summarise(text) or title,
                words=words,
                reading_minutes=reading_minutes(str(story["title"]) + " " + text),
                slug=slug,
                url=f"/{content.date:%Y/%m/%d}/{slug}/",
                source=SourcePos(content.path, int(story["line"])),  # type: ignore[call-overload]
                tag_edits=story["edits"],  # type: ignore[arg-type]
                publish=story["publish"],  # type: ignore[arg-type]
                notes=story["notes"],  # type: ignore[arg-type]
            ))
            position += 1
        built_sections.append(Section(name, section_slug, tuple(built)))
    return Briefing(
        source=SourcePos(content.path, 1),
        date=content.date,
        published=content.published,
        title=content.title,
        source_name=content.source_name,
        lang=content.lang,
        draft=content.draft,
        extra=content.extra,
        lead_markdown=lead["lead_markdown"],
        lead_html=lead["lead_html"],
        sections=tuple(built_sections),
        body_line=content.body_line,
        lead_text=lead["lead_text"],
        publish=content.publish,
    )


def _take_tag_edits(body: list[Token], content: ContentFile,
                    problems: list[Problem]) -> tuple[list[Token], tuple[TagEdit, ...]]:
    """A story's last paragraph, when every line of it is a tag edit, is an edit, not text."""
    if len(body) < 3 or body[-1].type != "paragraph_close" or body[-3].type != "paragraph_open":
        return body, ()
    opening, inline = body[-3], body[-2]
    if opening.level != 0:
        return body, ()
    lines = inline.content.split("\n")
    matches = [_TAG_EDIT_LINE.match(line.strip()) for line in lines]
    if not all(matches):
        return body, ()
    first_line = _line(opening, content)
    edits = []
    for offset, match in enumerate(matches):
        assert match is not None
        kind = match.group(1).lower()
        for sign, value in _TAG_EDIT_ITEM.findall(match.group(2)):
            value = value.strip()
            if value:
                edits.append(TagEdit(kind, sign == "+", value,
                                     SourcePos(content.path, first_line + offset)))
            else:
                problems.append(Problem(content.path, first_line + offset, "tag edit names "
                                        "nothing", f'write "{match.group(1)}: +name, -name"'))
    return body[:-3], tuple(edits)


def _line(token: Token, content: ContentFile) -> int:
    return (token.map[0] if token.map else 0) + content.body_line


def _source_lines(content: ContentFile, tokens: list[Token]) -> str:
    """The Markdown source of a run of block tokens, as the author wrote it."""
    starts = [t.map[0] for t in tokens if t.map]
    ends = [t.map[1] for t in tokens if t.map]
    if not starts:
        return ""
    lines = content.body.split("\n")
    return "\n".join(lines[min(starts):max(ends)]).strip("\n")


def _body_text(body: list[Token]) -> str:
    return " ".join(plain_text(tok) for tok in body if tok.type == "inline")


def count_words(text: str) -> int:
    """English (and other spaced) words plus CJK characters: each is about one unit of reading."""
    return len(_LATIN_WORD.findall(text)) + len(_CJK_CHARACTER.findall(text))


def reading_minutes(text: str) -> int:
    latin = len(_LATIN_WORD.findall(text))
    cjk = len(_CJK_CHARACTER.findall(text))
    minutes = latin / ENGLISH_WORDS_PER_MINUTE + cjk / CJK_CHARACTERS_PER_MINUTE
    return max(1, math.ceil(minutes))


def summarise(text: str) -> str:
    """The opening of the story, within SUMMARY_LENGTH columns, cut at a sentence end.

    A CJK character takes two columns (as it does on screen, and it says about as much as a
    short word), so a Chinese summary holds some 110 characters. The cut is at the last
    sentence end (。！？ . ! ?, with any closing quote after it) past half the budget, else at a
    clause end (；;), else after a whole word, or for CJK text after a whole character (never
    between a letter and its combining marks), with an ellipsis.
    """
    text = " ".join(text.split())
    fits = _fitting(text, SUMMARY_LENGTH)
    if fits == len(text):
        return text
    cut = text[:fits]
    for stops in (_SENTENCE_ENDS, _CLAUSE_ENDS):
        end = max((cut.rfind(stop) + 1 for stop in stops), default=0)
        if end > fits // 2:
            while end < len(text) and text[end] in _CLOSERS:
                end += 1
            return text[:end].strip()
    space = cut.rfind(" ")
    if space > fits // 2 and not _CJK_CHARACTER.match(text, fits):
        cut = cut[:space]
    else:
        while cut and (_extends(text[len(cut)]) or cut[-1] == _ZWJ):
            cut = cut[:-1]  # the next character belongs to the last: keep them together
    return cut.rstrip(" ,;:，；、") + "…"


_SENTENCE_ENDS = ("。", "！", "？", ". ", "! ", "? ")
_CLAUSE_ENDS = ("；", "; ")
_CLOSERS = "”’」』）》〉】\"')"
_ZWJ = "\u200d"


def _extends(character: str) -> bool:
    """A character that belongs with the one before it on screen: a combining mark, a joiner,
    a variation selector or an emoji skin tone (the common grapheme extenders)."""
    return (unicodedata.category(character) in ("Mn", "Me", "Mc")
            or character in "\u200d\ufe0e\ufe0f" or "\U0001f3fb" <= character <= "\U0001f3ff")


def _fitting(text: str, columns: int) -> int:
    """How many characters of text fit in columns, a wide (CJK) character taking two."""
    used = 0
    for count, character in enumerate(text):
        used += 2 if unicodedata.east_asian_width(character) in "WF" else 1
        if used > columns:
            return count
    return len(text)


class BriefingParser:
    """Stage load+split for one file: its bytes, checked and parsed (load.py), split into
    sections and stories. The pipeline hands one to the incremental layer's cached loading,
    which calls it on the files whose parse it does not hold. Its Markdown renderer is made on
    first use, in whichever process parses."""

    def __init__(self, config: SiteConfig) -> None:
        self.config = config
        self._renderer: MarkdownRenderer | None = None

    def __call__(self, data: bytes, shown: str) -> Briefing:
        if self._renderer is None:
            self._renderer = make_renderer(self.config)
        return split_briefing(parse_content(data, shown, self.config), self._renderer,
                              self.config.zone)

