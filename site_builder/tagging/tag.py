"""Stage 3, tag: the companies and topics of every story, and the site's company list.

Two passes. The first reads every mention of a company with its tickers on the site (in any
style, mentions.py) to learn which listings are one company and which names belong to it
(sightings.py); the second compiles one matcher for the site (names, tickers, topic keywords)
and runs the pure function ``extract_tags`` over each story, so a name written with its ticker
anywhere is recognised everywhere. Authors' ``Companies:``/``Topics:`` edits are applied last.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from site_builder.bodies import INLINE, Bodies
from site_builder.errors import ContentError, Problem
from site_builder.file_memo import FileMemo, file_keys, per_story
from site_builder.model import Briefing, Company, Story, Topic, with_stories
from site_builder.stamps import stamp
from site_builder.tagging.edits import EditLookup
from site_builder.tagging.memo import (
    LAST,
    MENTIONS,
    TAG_TABLE,
    NameTable,
    PlainMention,
    PlainTags,
    StoryTags,
    StoryTexts,
    carried_tags,
    earlier_table,
    mentions_of,
    plain_mentions,
    run_chunks,
)
from site_builder.tagging.mentions import Mention, find_mentions
from site_builder.tagging.names import ASCII_WORD, CJK
from site_builder.tagging.registry import SiteData
from site_builder.tagging.sightings import Seen, learn_names, tagged_companies

FOLDED_ENDINGS = "(?:e?s|e?d)?"
"""What may follow a lower-case keyword: "chips", "acquired", "suspended"."""
CASED_ENDINGS = "s?"
"""What may follow a keyword with capitals: "IPOs", "EVs"."""
SUBSET_LIMIT = 2_000_000
"""Texts times words (names and keywords) up to which a matcher is compiled with only the words
found in the texts."""
HEADLINE_WEIGHT = 2
"""A keyword in the headline counts as this many in the body; so does the trade (registry
description) of the company a headline leads with. A topic needs ``Topic.mentions`` (default 2):
one passing mention in the body does not make a story about a subject."""
_WORD_CHAR = re.compile(f"[{ASCII_WORD}]")
_RIGHT_EDGE = f"(?![{ASCII_WORD}])"
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_LEFT_EDGE = f"[^{ASCII_WORD}]"  # consumed: much faster than a look-behind at every position
_HAS_CJK = re.compile(f"[{CJK}]")


@dataclass(frozen=True, slots=True)
class TaggedSite:
    """The briefings with every story's companies and topics filled in, and the tag lists."""

    briefings: tuple[Briefing, ...]
    companies: tuple[Company, ...]  # every company with a story, by name
    topics: tuple[Topic, ...]  # every topic of the table, by name
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Matcher:
    """What per-story extraction needs, compiled once per site; picklable for workers."""

    names: re.Pattern[str] | None  # company names and aliases, longest first
    name_keys: dict[str, str]  # name as written -> company key
    ticker_keys: dict[str, str]  # canonical ticker -> company key (dual listings merge)
    keywords: tuple[re.Pattern[str] | None, ...]  # cased English, lower-case English, Chinese
    keyword_topics: dict[str, tuple[int, ...]]  # keyword -> topic indexes
    topic_slugs: tuple[str, ...]  # in table order
    topic_mentions: tuple[int, ...]  # the score each topic needs, in table order
    company_topics: dict[str, tuple[int, ...]]  # registry company key -> its description's topics


def story_text(story: Story, bodies: Bodies = INLINE) -> str:
    """The text that is tagged: the headline, then the body."""
    return f"{story.title}\n{bodies.markdown(story)}"


def tag_stories(briefings: tuple[Briefing, ...], data: SiteData, *,
                memo: FileMemo | None = None, digests: dict[str, str] | None = None,
                jobs: int = 1, bodies: Bodies = INLINE) -> TaggedSite:
    """Tag every story of the site; raise one ContentError for every edit naming nothing.

    With a memo and each file's digest, a file's mentions (which depend on its text alone) and
    its tags (its text and the site's matcher) are computed once and kept; what is left to do
    runs in `jobs` processes.
    """
    stories = [story for briefing in briefings for story in briefing.stories]
    keys = file_keys(briefings, digests)
    mentions: list[tuple[PlainMention, ...]] = per_story(
        briefings, keys, memo, MENTIONS,
        lambda todo: run_chunks(_mentions_chunk, MentionWork(stories, bodies, todo), jobs))
    edit_mentions = [plain_mentions(find_mentions(edit.value)) for story in stories
                     for edit in story.tag_edits if edit.kind == "companies" and edit.add]
    seen = learn_names([*(mentions[i] for i in _oldest_first(briefings)), *edit_mentions], data)
    data_stamp = stamp(data.companies, data.topics)
    table = NameTable(stamp(sorted(seen.ticker_keys.items()), sorted(seen.name_keys.items()),
                            data_stamp), data_stamp, seen.ticker_keys, seen.name_keys)
    earlier = earlier_table(memo)

    def extract(todo: list[int]) -> list[PlainTags]:
        carried = carried_tags(memo, earlier, table, briefings, todo, StoryTexts(
            keys, mentions, lambda i: story_text(stories[i], bodies))) \
            if memo is not None and earlier is not None else {}
        rest = [i for i in todo if i not in carried]
        matcher = _matcher_for(seen, data, [story_text(stories[i], bodies) for i in rest])
        work = ExtractWork(stories, bodies, rest, mentions, matcher)
        made = dict(zip(rest, ((tags.companies, tags.topics) for tags in
                               run_chunks(_extract_chunk, work, jobs)), strict=True))
        return [carried[i] if i in carried else made[i] for i in todo]

    found_tags = per_story(briefings, [f"{key}:{table.stamp}" if key else "" for key in keys],
                           memo, "tags", extract)
    if memo is not None and (earlier is None or earlier.stamp != table.stamp):
        memo.put_many(TAG_TABLE, {LAST: table.plain()})
    edits = EditLookup.of(seen.ticker_keys, seen.name_keys, data)
    warnings = list(seen.warnings)
    problems: list[Problem] = []
    tagged = []
    retagged = False
    for story, (companies, topics) in zip(stories, found_tags, strict=True):
        if story.tag_edits:
            found = edits.apply(story, StoryTags(companies, topics), problems, warnings)
            companies, topics = found.companies, found.topics
        if (story.companies, story.topics) != (companies, topics):  # a cached parse may
            story = story.tagged(companies, topics)  # have them already
            retagged = True
        tagged.append(story)
    if problems:
        raise ContentError(problems)
    used = {key for story in tagged for key in story.companies}
    return TaggedSite(
        # A rebuild's cached parses carry their tags: usually no briefing is made anew.
        briefings=with_stories(briefings, iter(tagged)) if retagged else briefings,
        companies=tagged_companies(used, seen, data),
        topics=tuple(sorted(data.topics, key=lambda t: (t.name.casefold(), t.slug))),
        warnings=tuple(warnings),
    )


def _oldest_first(briefings: tuple[Briefing, ...]) -> list[int]:
    """The indexes of the site's stories, oldest day first, then reading order: the order in
    which the site came to know its companies (the first listing seen keys a company)."""
    starts = []
    start = 0
    for briefing in briefings:
        starts.append(start)
        start += len(briefing.stories)
    order = sorted(range(len(briefings)),
                   key=lambda n: (briefings[n].date, briefings[n].source.path))
    return [starts[n] + i for n in order for i in range(len(briefings[n].stories))]


def _matcher_for(seen: Seen, data: SiteData, texts: list[str]) -> Matcher:
    """The site's matcher; for a few texts, with only the names and keywords in them.

    A word that occurs in none of the texts can match nowhere, and leaving it out of an
    alternation changes no other word's match; compiling thousands of names and hundreds of
    keywords costs more than tagging the one day a rebuild usually has to. (The registry's
    descriptions are searched too: they give each company its trade.)
    """
    names = seen.name_keys
    words = len(names) + sum(len(topic.keywords) for topic in data.topics)
    if len(texts) * words > SUBSET_LIMIT:
        return build_matcher(seen.ticker_keys, names, data)
    names = {name: key for name, key in names.items() if any(name in t for t in texts)}
    searched = [*texts, *(company.description for company in data.companies)]
    # As the text, and lower-cased both ways _keyword_hits may match it.
    haystack = "\0".join([*searched, *(t.lower() for t in searched),
                          *(t.translate(_ASCII_LOWER) for t in searched)])
    return build_matcher(seen.ticker_keys, names, data, haystack.__contains__)


@dataclass(frozen=True, slots=True)
class MentionWork:
    """What the first pass's workers share: every story of the site, its bodies, and the
    indexes of the stories to read (those whose file's mentions the memo lacks)."""

    stories: list[Story]
    bodies: Bodies
    todo: list[int]


@dataclass(frozen=True, slots=True)
class ExtractWork:
    """What the second pass's workers share: MentionWork's, and every story's mentions and the
    site's matcher."""

    stories: list[Story]
    bodies: Bodies
    todo: list[int]
    mentions: list[tuple[PlainMention, ...]]
    matcher: Matcher


def _mentions_chunk(work: MentionWork, start: int, end: int) -> list[tuple[PlainMention, ...]]:
    stories, bodies = work.stories, work.bodies
    return [plain_mentions(find_mentions(story_text(stories[i], bodies)))
            for i in work.todo[start:end]]


def _extract_chunk(work: ExtractWork, start: int, end: int) -> list[StoryTags]:
    stories, bodies, mentions, matcher = work.stories, work.bodies, work.mentions, work.matcher
    return [extract_tags(story_text(stories[i], bodies), matcher, mentions_of(mentions[i]))
            for i in work.todo[start:end]]


def extract_tags(text: str, matcher: Matcher,
                 mentions: tuple[Mention, ...] | None = None) -> StoryTags:
    """The companies and topics of one story's text: pure, linear in the text's length.

    The text is ``story_text``: the headline on the first line, then the body. ``mentions``
    is ``find_mentions(text)`` when the caller has it already.
    """
    first = _find_companies(text, matcher, mentions)
    headline_end = text.find("\n") % (len(text) + 1)
    scores: Counter[int] = Counter()
    subject = min(first, key=lambda key: (first[key], key), default=None)
    if subject is not None and first[subject] < headline_end:
        for index in matcher.company_topics.get(subject, ()):  # a story about a company
            scores[index] += HEADLINE_WEIGHT  # is about its trade
    for position, keyword in _keyword_hits(text, matcher):
        weight = HEADLINE_WEIGHT if position < headline_end else 1
        for index in matcher.keyword_topics.get(keyword, ()):
            scores[index] += weight
    return StoryTags(
        companies=tuple(sorted(first, key=lambda key: (first[key], key))),
        topics=tuple(matcher.topic_slugs[index] for index in sorted(scores)
                     if scores[index] >= matcher.topic_mentions[index]),
    )


def _find_companies(text: str, matcher: Matcher,
                    mentions: tuple[Mention, ...] | None) -> dict[str, int]:
    """Each company's key and the position where the text first names it."""
    first: dict[str, int] = {}
    spans: list[tuple[int, int]] = []
    for mention in find_mentions(text) if mentions is None else mentions:
        spans.append((mention.start, mention.end))
        for listing in mention.listings:
            first.setdefault(matcher.ticker_keys.get(listing.ticker, listing.ticker), mention.start)
    if matcher.names is not None:
        span = 0
        for match in _bounded(matcher.names, text):
            while span < len(spans) and spans[span][1] <= match.start():
                span += 1
            if span < len(spans) and spans[span][0] <= match.start():
                continue  # the name of a "Name (TICKER)": the ticker decides
            key = matcher.name_keys[match.group()]
            if match.start() < first.get(key, len(text) + 1):
                first[key] = match.start()
    return first


def _keyword_hits(text: str, matcher: Matcher) -> Iterator[tuple[int, str]]:
    """(position in text, keyword) of every topic keyword, pattern by pattern."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters lower-case to two; keep positions
        lowered = text.translate(_ASCII_LOWER)
    # English patterns consume the character before a word, so the text gets one to start with.
    for pattern, haystack, shift in zip(matcher.keywords, (" " + text, " " + lowered, text),
                                        (1, 1, 0)):
        if pattern is not None:
            for match in pattern.finditer(haystack):
                yield match.start("word") - shift, match.group("word")


def build_matcher(ticker_keys: dict[str, str], name_keys: dict[str, str],
                  data: SiteData, occurs: Callable[[str], bool] | None = None) -> Matcher:
    """Compile the site's name alternation and keyword alternations once; with occurs, only
    the keywords it is true of (those in the texts to tag)."""
    keyword_topics: dict[str, list[int]] = defaultdict(list)
    cased: list[tuple[str, str]] = []
    folded: list[tuple[str, str]] = []
    chinese: list[tuple[str, str]] = []
    for index, topic in enumerate(data.topics):
        for keyword in topic.keywords:
            if occurs is not None and not occurs(keyword):
                continue
            if _HAS_CJK.search(keyword):
                chinese.append((keyword, ""))
            elif keyword.lower() == keyword:
                folded.append((keyword, FOLDED_ENDINGS + _RIGHT_EDGE))
            else:
                cased.append((keyword, CASED_ENDINGS + _RIGHT_EDGE))
            if index not in keyword_topics[keyword]:
                keyword_topics[keyword].append(index)
    names = [(name, "" if _HAS_CJK.search(name) else _RIGHT_EDGE) for name in name_keys]
    matcher = Matcher(
        names=_compile(names),
        name_keys=dict(name_keys),
        ticker_keys=dict(ticker_keys),
        keywords=(_compile(cased, _LEFT_EDGE), _compile(folded, _LEFT_EDGE), _compile(chinese)),
        keyword_topics={keyword: tuple(v) for keyword, v in keyword_topics.items()},
        topic_slugs=tuple(topic.slug for topic in data.topics),
        topic_mentions=tuple(topic.mentions for topic in data.topics),
        company_topics={},
    )
    company_topics = {}
    for company in data.companies:
        found = {index for _, keyword in _keyword_hits(company.description, matcher)
                 for index in matcher.keyword_topics.get(keyword, ())}
        if found:
            company_topics[company.key] = tuple(sorted(found))
    return dataclasses.replace(matcher, company_topics=company_topics)


def _compile(words: Iterable[tuple[str, str]], left: str = "") -> re.Pattern[str] | None:
    """One alternation written as a trie: shared prefixes once, longer words tried first.

    Each word carries its ending, a zero-width assertion (a right word boundary for Latin
    script, nothing for CJK), so group "word" is exactly the word. The pattern starts with a
    character or a character class (``left``), which lets ``re`` skip positions fast; without
    ``left``, ``_bounded`` checks the left boundary.
    """
    trie: dict[str, Any] = {}
    for word, ending in sorted(set(words)):
        if word:
            node = trie
            for char in word:
                node = node.setdefault(char, {})
            node[""] = ending
    return re.compile(f"{left}(?P<word>{_trie(trie)})") if trie else None


def _trie(node: dict[str, Any]) -> str:
    branches = [re.escape(char) + _trie(child) for char, child in sorted(node.items()) if char]
    if "" not in node:
        return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    ending = node[""]
    if not branches:
        return f"(?={ending})" if ending else ""
    if not ending:
        return f"(?:{'|'.join(branches)})?"
    return f"(?:{'|'.join(branches)}|(?={ending}))"


def _bounded(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Matches of pattern that do not start inside a Latin-script word."""
    position = 0
    while (match := pattern.search(text, position)) is not None:
        start = match.start()
        if start and _WORD_CHAR.match(text, start) and _WORD_CHAR.match(text, start - 1):
            position = start + 1
            continue
        yield match
        position = match.end()
