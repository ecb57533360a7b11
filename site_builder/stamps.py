"""Short content hashes ("stamps") of model parts: every cache key in the builder is made of them."""

from __future__ import annotations

import hashlib

from site_builder.model import Story

_SEPARATOR = "\x1f"


def stamp(*parts: object) -> str:
    """A short hash of parts: repr is stable for the str, int and tuple values used here."""
    return hashlib.blake2b(repr(parts).encode("utf-8", "surrogatepass"),
                           digest_size=12).hexdigest()


def stamp_text(*parts: str) -> str:
    """stamp() of strings alone, joined rather than repr'd: a third of the cost, for the
    hundreds of thousands of stamps a site of ten years takes. Parts holding the separator
    take stamp() instead (its repr never starts with the marker byte, so the two never meet).
    """
    joined = _SEPARATOR.join(parts)
    if joined.count(_SEPARATOR) != len(parts) - 1:
        return stamp(*parts)
    return hashlib.blake2b(("\x1e" + joined).encode("utf-8", "surrogatepass"),
                           digest_size=12).hexdigest()


def text_stamp(story: Story) -> str:
    """What a story says, as parsed from its file (its tags, edits and place in the file
    aside): taken while its body is at hand, and kept by the incremental layer
    (incremental/inputs.py) for the builds that hold the story without its body."""
    return stamp_text(
        story.day.isoformat(), story.section, story.section_slug, str(story.position),
        story.headline, story.headline_html, story.title, story.body_markdown, story.body_html,
        story.summary, str(story.words), str(story.reading_minutes), story.slug, story.url,
        story.publish.isoformat() if story.publish else "",
        repr([(n.kind, n.time.isoformat(), n.text_html) for n in story.notes]))
