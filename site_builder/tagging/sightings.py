"""What the site's mentions teach the tagger: which listings are one company, and its names.

Every ``Name (TICKER)`` on the site is a sighting. Listings written together in one mention
(``BYD (002594.SZ, 01211.HK)``, an A and H share header), or listed together in the registry
(``tickers:``), are one company: one key, one page, and every listing's mentions count for it.
Its key is the registry's first ticker, else the first of its listings the site wrote (oldest
day first), so a listing seen later never moves its page. Names come from the sightings, their
defined terms (``(CATL)``) and shorter variants (``Tencent Holdings Ltd`` -> ``Tencent``); the
registry's names win.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from site_builder.model import Company, Listing
from site_builder.tagging.memo import PlainMention
from site_builder.tagging.names import name_variants
from site_builder.tagging.registry import SiteData, company_slug
from site_builder.tagging.tickers import parse_ticker

MARKETS = {"SSE": "CN", "SZSE": "CN", "BSE": "CN", "HKEX": "HK", "NASDAQ": "US", "NYSE": "US"}
"""A company has at most one listing per market: two tickers of one market in one mention are
two companies (``(0700.HK, 9988.HK)``), and are not joined."""


@dataclass(frozen=True, slots=True)
class Seen:
    """What the first pass learned from every mention on the site and the registry."""

    ticker_keys: dict[str, str]  # every listing's ticker -> its company's key
    name_keys: dict[str, str]  # name -> company key (registry names win)
    names: dict[str, Counter[str]]  # company key -> how often each name was written with it
    listings: dict[str, tuple[str, ...]]  # company key -> its tickers, the key's first
    warnings: tuple[str, ...]


class _Groups:
    """Listings known to be one company (union-find), each group led by its key."""

    def __init__(self, registry: dict[str, str]) -> None:
        self.registry = registry  # ticker -> registry company key
        self.parent: dict[str, str] = {}
        self.order: dict[str, int] = {}  # ticker -> when it was first seen
        self.refused: list[str] = []

    def add(self, ticker: str) -> None:
        if ticker not in self.parent:
            self.parent[ticker] = ticker
            self.order[ticker] = len(self.order)

    def root(self, ticker: str) -> str:
        while self.parent[ticker] != ticker:
            self.parent[ticker] = self.parent[self.parent[ticker]]
            ticker = self.parent[ticker]
        return ticker

    def join(self, tickers: list[str]) -> None:
        first = self.root(tickers[0])
        for ticker in tickers[1:]:
            other = self.root(ticker)
            if other == first:
                continue
            a, b = self.registry.get(first), self.registry.get(other)
            if a is not None and b is not None and a != b:  # two registry companies
                self.refused.append(f"{ticker} is written with {tickers[0]}, but the registry "
                                    f"lists them as two companies ({a}, {b}); kept apart")
                continue
            # The group seen first leads, so a later listing never changes its key.
            if (self.order[other], other) < (self.order[first], first):
                first, other = other, first
            self.parent[other] = first
            if a is None and b is not None:
                self.registry[first] = b

    def keys(self) -> dict[str, str]:
        """Every ticker's company key: its group's registry key, else the group's first."""
        return {ticker: self.registry.get(root, root) for ticker in self.parent
                for root in (self.root(ticker),)}


def learn_names(mentions: Iterable[tuple[PlainMention, ...]], data: SiteData) -> Seen:
    """The site's companies from its mentions, given oldest day first, and the registry."""
    registry: dict[str, str] = {}
    groups = _Groups(registry)
    for company in data.companies:
        tickers = [listing.ticker for listing in company.all_listings]
        for ticker in tickers:
            registry[ticker] = company.key
            groups.add(ticker)
        if tickers:
            groups.join(tickers)
    # (name, ticker, written: not a defined term) of each mention, oldest first. Some 40,000
    # mentions at ten years: the usual one, with one listing, takes the short way.
    sightings: list[tuple[str, str, bool]] = []
    sighted = sightings.append
    for found in mentions:
        for name, listings, _, _, aliases in found:
            if len(listings) == 1:  # the usual mention: one listing, so one company
                ticker = listings[0][0]
                groups.add(ticker)
            else:
                tickers = [listing[0] for listing in listings]
                for ticker in tickers:
                    groups.add(ticker)
                markets = [MARKETS[listing[1]] for listing in listings]
                if not tickers or len(set(markets)) != len(markets):
                    continue  # "(0700.HK, 9988.HK)": two companies, neither named here
                groups.join(tickers)
                ticker = tickers[0]
            if name:
                sighted((name, ticker, True))
            for alias in aliases:
                sighted((alias, ticker, False))
    ticker_keys = groups.keys()
    names: dict[str, Counter[str]] = defaultdict(Counter)
    keys_of_name: dict[str, Counter[str]] = defaultdict(Counter)
    # Each distinct sighting once, in the order first seen (Counter keeps it), with its count.
    for (name, ticker, written), count in Counter(sightings).items():
        key = ticker_keys[ticker]
        if written:
            names[key][name] += count
        keys_of_name[name][key] += count
    warnings = list(groups.refused)
    name_keys: dict[str, str] = {}
    for name, counts in sorted(keys_of_name.items()):
        name_keys[name] = min(counts, key=lambda key: (-counts[key], key))
        if len(counts) > 1:
            warnings.append(f"{name!r} is written with tickers {', '.join(sorted(counts))}; "
                            f"a mention without a ticker is taken as {name_keys[name]}")
    variants: dict[str, set[str]] = defaultdict(set)
    for name, key in name_keys.items():
        for variant in name_variants(name):
            variants[variant].add(key)
    for variant, keys in sorted(variants.items()):
        if len(keys) == 1 and variant not in name_keys:  # a variant two companies share is
            name_keys[variant] = next(iter(keys))  # neither's
    for company in data.companies:
        for name in (company.name, *company.aliases, *(name for _, name in company.names)):
            name_keys[name] = company.key
    members: dict[str, list[str]] = defaultdict(list)
    for ticker in sorted(ticker_keys, key=groups.order.__getitem__):
        members[ticker_keys[ticker]].append(ticker)
    company_tickers = {key: tuple(sorted(tickers, key=lambda t: t != key))
                       for key, tickers in members.items()}
    return Seen(ticker_keys, name_keys, dict(names), company_tickers, tuple(warnings))


def tagged_companies(used: set[str], seen: Seen, data: SiteData) -> tuple[Company, ...]:
    """The companies with stories: every listing and name, registry details merged in, unique
    slugs, by name."""
    registry = {company.key: company for company in data.companies}
    known: dict[str, list[str]] = defaultdict(list)  # key -> every name that tags it
    for name, key in seen.name_keys.items():
        known[key].append(name)
    companies = []
    for key in sorted(used):
        counts = seen.names.get(key, Counter())
        written = sorted(counts, key=lambda name: (-counts[name], name))
        company = registry.get(key)
        listings = tuple(listing for ticker in seen.listings.get(key, ())
                         if (listing := parse_ticker(ticker)) is not None)
        if company is None:
            primary = listings[0] if listings else parse_ticker(key)
            company = Company(
                key=key, name=written[0] if written else key, slug="",
                ticker=primary.ticker if primary else "",
                exchange=primary.exchange if primary else "",
                board=primary.board if primary else "")
        own = {name for _, name in company.names}
        aliases = tuple(dict.fromkeys(
            name for name in (*company.aliases, *written, *sorted(known.get(key, ())))
            if name != company.name and name not in own))
        companies.append(dataclasses.replace(company, aliases=aliases,
                                             listings=_ordered(company, listings)))
    taken: set[str] = set()
    for index, company in enumerate(companies):  # in key order, so slugs stay put
        wanted = slug = company.slug or company_slug(company.name, company.ticker)
        number = 1
        while slug in taken:
            number += 1
            slug = f"{wanted}-{number}"
        taken.add(slug)
        companies[index] = dataclasses.replace(company, slug=slug)
    return tuple(sorted(companies, key=lambda company: (company.name.casefold(), company.key)))


def _ordered(company: Company, found: tuple[Listing, ...]) -> tuple[Listing, ...]:
    """The registry's listings in its order, then those the text joined to them."""
    return tuple(dict.fromkeys((*company.all_listings, *found)))
