"""Content: files on disk into briefings, each split into sections and stories.

Owns reading and checking a content file (load), Markdown (markdown), splitting a briefing
into stories with their slugs, summaries and word counts (split, slugs).

May import: the core.
"""
