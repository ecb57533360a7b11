"""Authors' corrections of the tagger (``Companies: +BYD (002594.SZ), -X``), applied last."""

from __future__ import annotations

from dataclasses import dataclass

from site_builder.errors import Problem
from site_builder.model import Story, TagEdit
from site_builder.tagging.memo import StoryTags
from site_builder.tagging.mentions import find_mentions
from site_builder.tagging.registry import SiteData
from site_builder.tagging.tickers import parse_ticker


@dataclass(frozen=True, slots=True)
class EditLookup:
    """Resolves the values of authors' tag edits to company keys and topic slugs."""

    ticker_keys: dict[str, str]  # ticker -> company key
    name_keys: dict[str, str]  # name -> company key
    folded_names: dict[str, str]  # casefolded company name or alias -> key
    topics: dict[str, str]  # casefolded slug, name or keyword -> slug
    topic_order: dict[str, int]

    @classmethod
    def of(cls, ticker_keys: dict[str, str], name_keys: dict[str, str],
           data: SiteData) -> EditLookup:
        folded_names: dict[str, str] = {}
        for name, key in sorted(name_keys.items()):
            folded_names.setdefault(name.casefold(), key)
        topics: dict[str, str] = {}
        for topic in data.topics:  # slugs and names first: they win over keywords
            topics.update({topic.slug.casefold(): topic.slug, topic.name.casefold(): topic.slug})
        for topic in data.topics:
            for keyword in topic.keywords:
                topics.setdefault(keyword.casefold(), topic.slug)
        order = {topic.slug: index for index, topic in enumerate(data.topics)}
        return cls(ticker_keys, name_keys, folded_names, topics, order)

    def company(self, value: str) -> str | None:
        mentions = find_mentions(value)
        listings = mentions[0].listings if mentions else ()
        listing = listings[0] if listings else parse_ticker(value)
        if listing is not None:
            return self.ticker_keys.get(listing.ticker, listing.ticker)
        value = value.strip()
        return self.name_keys.get(value) or self.folded_names.get(value.casefold())

    def apply(self, story: Story, tags: StoryTags, problems: list[Problem],
              warnings: list[str]) -> StoryTags:
        """The story's tags after its edits, in order; an edit naming nothing is a problem."""
        chosen = {"companies": list(tags.companies), "topics": list(tags.topics)}
        for edit in story.tag_edits:
            value = (self.company(edit.value) if edit.kind == "companies"
                     else self.topics.get(edit.value.strip().casefold()))
            if value is None or edit.kind not in chosen:
                problems.append(_unknown(edit))
            elif edit.add and value not in chosen[edit.kind]:
                chosen[edit.kind].append(value)
            elif not edit.add and value in chosen[edit.kind]:
                chosen[edit.kind].remove(value)
            elif not edit.add:
                warnings.append(f"{edit.source}: {edit.value!r} is not among the story's "
                                f"{edit.kind}; nothing to remove")
        topics = sorted(chosen["topics"], key=self.topic_order.__getitem__)
        return StoryTags(tuple(chosen["companies"]), tuple(topics))


def _unknown(edit: TagEdit) -> Problem:
    sign = "+" if edit.add else "-"
    if edit.kind == "companies":
        return Problem(edit.source.path, edit.source.line,
                       f"tag edit {sign}{edit.value} names no company this site knows",
                       "write Name (TICKER), a ticker such as 002241.SZ, a name written with its "
                       "ticker elsewhere, or a name from _data/companies.yaml")
    return Problem(edit.source.path, edit.source.line,
                   f"tag edit {sign}{edit.value} names no topic this site knows",
                   "write a topic's slug, name or keyword from the topics table")
