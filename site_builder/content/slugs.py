"""Slugs: safe, stable URL path segments from headlines and names in any script."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from slugify import slugify

MAX_SLUG_LENGTH = 80


def make_slug(text: str, fallback_prefix: str = "story") -> str:
    """A lowercase ASCII slug cut at a word boundary near 80 characters; CJK transliterated.

    Text that transliterates to nothing (emoji, punctuation) gets a stable slug from its hash,
    so the URL does not depend on what else the day holds.
    """
    slug = slugify(text, max_length=MAX_SLUG_LENGTH, word_boundary=True, save_order=True)
    if slug:
        return slug
    digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{fallback_prefix}-{digest}"


def unique_slugs(wanted: Iterable[str]) -> list[str]:
    """Disambiguate repeats in order: the first keeps its slug, later ones get -2, -3, ..."""
    taken: set[str] = set()
    result = []
    for slug in wanted:
        candidate, number = slug, 1
        while candidate in taken:
            number += 1
            candidate = f"{slug}-{number}"
        taken.add(candidate)
        result.append(candidate)
    return result
