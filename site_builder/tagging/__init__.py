"""Tagging: which companies and topics each story is about.

Owns the registry and topic table (registry, default_topics.yaml), the ticker rules
(tickers), the tagger (tag), authors' corrections of it (edits) and what it keeps per file
between builds (memo).

May import: content and the core.
"""
