"""Tagging: which companies and topics each story is about.

Owns the registry and topic table (registry, default_topics.yaml), the ticker styles (tickers),
company names as copy writes them (names), the mentions of companies with their tickers
(mentions), what the site's mentions teach about companies, their listings and names
(sightings), the tagger (tag), authors' corrections of it (edits) and what it keeps per file
between builds (memo).

May import: content and the core.
"""
