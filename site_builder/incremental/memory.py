"""What the builder remembers of its builds of one output folder, behind one object.

The pipeline asks BuildMemory four things, in this order, and nothing else of the cache:

1. `unchanged(signature, as_of)`: did the last build see these very inputs, is its folder
   still the live one, and does as_of fall in its due window (between the latest publication
   time it had passed and the next one it held back)? Then the build is a no-op, answered
   before a file is read. `hold(schedule)` tells the memory the window of this build.
2. `recall()`: what the live site was made from (each file's key or fingerprint, its files,
   its spare, its search bundles), trusted only if the live folder is the one recorded; the
   old record is forgotten at once, so no fingerprint outlives the output it described.
3. `record(made)`: what this build made, written *before* the swap and under the identity of
   the folder about to be swapped in: a record that cannot be written (a full disk) leaves the
   old site in place, and one written by a build that dies before its swap describes no live
   folder (issue 20; tests/site/test_faults.py, tests/incremental/test_lock.py).
4. `confirm()`: after the swap, where the folder swapped in is not quite what `record` was
   told (a file system that stamps a folder it renames).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from site_builder.config import SiteConfig
from site_builder.content.schedule import Schedule
from site_builder.incremental.cache import CACHE_DIR, BuildCache, output_identity
from site_builder.incremental.inputs import builder_key
from site_builder.report import Reporter

COUNTS = ("days", "stories", "pages", "feeds")
"""What a no-op build reports of the build it repeats."""


@dataclass(frozen=True, slots=True)
class LiveRecord:
    """What the last build recorded of the live site and of the spare it left beside it.

    files: every file of the live site. spare: the token written into the spare folder (the
    site before that one), and changed: the files where the spare differs from the live site.
    """

    files: frozenset[str]
    spare: str = ""
    changed: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Recalled:
    """What the memory holds of the live site, when it can be trusted (else empty)."""

    trusted: bool
    fingerprints: dict[str, str]  # output path -> what its file was made from
    live: LiveRecord | None
    search: dict[str, str]  # search bundle -> its stamp


@dataclass(frozen=True, slots=True)
class Made:
    """What a build made, for the memory: written before the swap (record)."""

    counts: dict[str, int]  # COUNTS of the summary
    fingerprints: dict[str, str]
    files: frozenset[str]  # the new site's files
    spare: str  # the token of the folder that becomes the spare
    changed: frozenset[str]  # files where the new site differs from the spare
    search: dict[str, str] = field(default_factory=dict)


class BuildMemory:
    """The cache's record of one output folder's builds; see the module docstring."""

    def __init__(self, cache: BuildCache, output: Path) -> None:
        self.cache = cache  # also the memo of parses, tags, stamps and bodies (the stages')
        self.output = output
        self._where = str(output)
        self._signature = ""
        self._recalled: Recalled | None = None
        self._identity = ""
        self._window = ""  # the due window of this build (hold), as JSON
        self._held = ""  # the summary's line on what it holds back

    @classmethod
    def open(cls, config: SiteConfig, reporter: Reporter, *, output: Path,
             use_cache: bool) -> BuildMemory:
        """The site's memory, or without use_cache a throwaway one (--no-cache)."""
        if not use_cache:
            cache = BuildCache.throwaway(builder_key(config), reporter.warn)
        else:
            cache = BuildCache(config.root / CACHE_DIR, builder_key(config), reporter.warn)
        return cls(cache, output)

    def close(self) -> None:
        self.cache.close()

    def unchanged(self, signature: str | None, as_of: dt.datetime | None = None
                  ) -> dict[str, int] | None:
        """The last build's counts if it saw this signature, its folder is live and as_of is
        in its due window, else None; the signature (None: some input too fresh to judge) is
        recorded by record(). as_of defaults to now. The instant reaches the output only through which stories are
        due, so a build as of any instant of the window would make the same files."""
        self._signature = signature or ""
        cache, where = self.cache, self._where
        if signature is None or cache.build_meta(where, "signature") != signature \
                or cache.build_meta(where, "identity") != output_identity(self.output) \
                or not in_window(cache.build_meta(where, "due-window"),
                                 as_of or dt.datetime.now(dt.UTC)):
            return None
        previous = json.loads(cache.build_meta(where, "summary") or "{}")
        return {name: int(previous.get(name, 0)) for name in COUNTS}

    def held_line(self) -> str:
        """The last build's line on what it held back ("2 stories scheduled; next at ..."),
        for the summary of a build that repeats it."""
        return self.cache.build_meta(self._where, "scheduled") or ""

    def hold(self, schedule: Schedule, zone: dt.tzinfo) -> str:
        """Note what this build holds back, for record(); its summary line is returned."""
        self._window = due_window(schedule)
        self._held = schedule.summary(zone)
        return self._held

    def recall(self) -> Recalled:
        """What the live site was made from; the record is then forgotten until record()."""
        cache, where = self.cache, self._where
        trusted = cache.build_meta(where, "identity") == output_identity(self.output)
        fingerprints = cache.outputs(where) if trusted else {}
        cache.forget_build(where)
        search = json.loads(cache.build_meta(where, "search") or "{}") if trusted else {}
        self._recalled = Recalled(trusted, fingerprints,
                                  self._live_record() if trusted else None, search)
        return self._recalled

    def _live_record(self) -> LiveRecord | None:
        """The live site's files and its spare, as the build that made them recorded."""
        cache, where = self.cache, self._where
        files = cache.live_files(where)
        try:
            changed = json.loads(cache.build_meta(where, "changed") or "[]")
        except ValueError:
            return None
        if files is None or not isinstance(changed, list):
            return None
        return LiveRecord(files, cache.build_meta(where, "spare") or "", frozenset(changed))

    def record(self, made: Made, aside: Path) -> None:
        """Record made under the identity of aside, the folder about to become the site."""
        recalled = self._recalled or Recalled(False, {}, None, {})
        self._identity = output_identity(aside)
        self.cache.record_build(self._where, made.fingerprints, {
            "signature": self._signature, "identity": self._identity, "spare": made.spare,
            "search": json.dumps(made.search, sort_keys=True),
            "changed": json.dumps(sorted(made.changed)),
            "due-window": self._window, "scheduled": self._held,
            "summary": json.dumps(made.counts)}, made.files,
            recalled.fingerprints if recalled.trusted else None,
            recalled.live.files if recalled.live is not None else None)

    def recorded(self) -> bool:
        """Whether a build of this folder is recorded (deploy/ping.py asks)."""
        return self.cache.build_meta(self._where, "changed") is not None

    def last_changed(self) -> frozenset[str] | None:
        """The files the last build changed from the site before it; None when it had none
        to compare with (no spare) or its record cannot be read: then every file is new."""
        changed = self.cache.build_meta(self._where, "changed")
        if changed is None or not self.cache.build_meta(self._where, "spare"):
            return None
        try:
            return frozenset(str(path) for path in json.loads(changed))
        except (ValueError, TypeError):
            return None

    def confirm(self) -> bool:
        """After the swap: note the live folder's identity if it is not the one recorded;
        False if it could not be noted (the next build then renders every page again)."""
        identity = output_identity(self.output)
        return identity == self._identity or self.cache.confirm_identity(self._where, identity)


def due_window(schedule: Schedule) -> str:
    """The instants a build's output holds for: from the latest publication time passed to
    the next one pending (either end open), as JSON for the cache."""
    return json.dumps([schedule.latest_due.isoformat() if schedule.latest_due else "",
                       schedule.next_due.isoformat() if schedule.next_due else ""])


def in_window(window: str | None, as_of: dt.datetime) -> bool:
    """Whether as_of falls in a window due_window made (no window: a build made before any
    held story, whose output holds for every instant)."""
    try:
        start, end = json.loads(window or '["", ""]')
        return (not start or dt.datetime.fromisoformat(start) <= as_of) \
            and (not end or as_of < dt.datetime.fromisoformat(end))
    except (ValueError, TypeError):
        return False
