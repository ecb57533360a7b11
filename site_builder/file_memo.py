"""Results kept per content file between builds (in the build cache), by a key of their inputs.

A stage whose result for one file's stories depends on that file and a few site-wide stamps
keys it by them; a rebuild then computes only the files whose key is new. Values are plain
tuples of strings and numbers: a rebuild reads some 55,000 stories' worth, and plain tuples
unpickle several times faster than records.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from site_builder.model import Briefing


class FileMemo(Protocol):
    """Where per-file results are kept between builds (the build cache), keyed by content."""

    def get_many(self, kind: str, keys: list[str]) -> dict[str, Any]: ...

    def put_many(self, kind: str, items: dict[str, Any]) -> None: ...

    def retain(self, kind: str, keys: set[str]) -> None: ...


def file_keys(briefings: Sequence[Briefing], digests: dict[str, str] | None) -> list[str]:
    """Each briefing's memo key: its file's digest ("" means: not kept)."""
    if digests is None:
        return [""] * len(briefings)
    return [digests.get(b.source.path, "") for b in briefings]


def per_story(briefings: Sequence[Briefing], keys: list[str], memo: FileMemo | None,
              kind: str, compute: Callable[[list[int]], list[Any]]) -> list[Any]:
    """One plain result per story, from the memo by file where it has them, computed
    otherwise; compute(indexes) returns plain values (tuples of str and int) too."""
    kept = memo.get_many(kind, [k for k in keys if k]) if memo is not None else {}
    results: list[Any] = []
    todo: list[int] = []
    spans = []
    for briefing, key in zip(briefings, keys, strict=True):
        start = len(results)
        count = sum(len(section.stories) for section in briefing.sections)
        found = kept.get(key) if key else None
        if isinstance(found, tuple) and len(found) == count:
            results.extend(found)
        else:
            results.extend([None] * count)
            todo.extend(range(start, start + count))
            spans.append((key, start, count))
    for index, value in zip(todo, compute(todo), strict=True):
        results[index] = value
    if memo is not None:
        memo.put_many(kind, {key: tuple(results[start:start + count])
                             for key, start, count in spans if key})
        memo.retain(kind, {key for key in keys if key})
    return results
