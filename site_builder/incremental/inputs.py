"""Everything a build reads, seen cheaply: the input signature and cached source parsing."""

from __future__ import annotations

import functools
import hashlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from site_builder import __version__
from site_builder.bodies import lightened, stored_rows
from site_builder.config import CONFIG_NAME, SiteConfig
from site_builder.content.load import display_path, find_content_files, read_content_file
from site_builder.errors import ContentError, Problem
from site_builder.incremental.cache import BuildCache, FileState, digest_bytes, file_state
from site_builder.model import Briefing
from site_builder.stamps import text_stamp
from site_builder.workers import map_flat

PACKAGE = Path(__file__).resolve().parent.parent  # the whole site_builder package
# Files changed this recently may change again within the file system's timestamp tick, so
# their size and time prove nothing (git calls this "racily clean"): read them instead.
RACY_NS = 2_000_000_000
PARALLEL_PARSE_THRESHOLD = 48


def builder_key(config: SiteConfig) -> str:
    """Changes with the builder's code and with every option that changes how files parse."""
    return hashlib.sha256(f"{__version__}|{config.allow_raw_html}|{code_digest()}".encode()
                          ).hexdigest()


@functools.cache
def code_digest() -> str:
    """The builder's own source, by content: a changed line of it may change any output."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix in (".py", ".yaml") and "__pycache__" not in path.parts:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def input_signature(config: SiteConfig, theme_dirs: Sequence[Path], *, drafts: bool,
                    output: Path) -> str | None:
    """One hash of every input's name, size and time, and of the options; None if racy.

    Equal signatures (and an untouched output folder) mean a rebuild would write the same
    bytes, so it can stop before reading a single file.
    """
    now = time.time_ns()
    digest = hashlib.sha256(builder_key(config).encode())
    digest.update(repr((sorted((k, str(v)) for k, v in config_items(config)), drafts,
                        str(output))).encode())
    folders = [config.content_path, *theme_dirs]
    files = [config.root / CONFIG_NAME]
    for folder in folders:
        for root, dirs, names in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            files.extend(Path(root) / name for name in sorted(names))
    for path in files:
        try:
            state = file_state(path)
        except OSError:
            digest.update(f"{path}:absent".encode())
            continue
        if now - state.mtime_ns < RACY_NS:
            return None
        digest.update(f"{path}:{state.size}:{state.mtime_ns}\n".encode())
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Parsed:
    """A file's parse as the cache keeps it: its briefing, its stories' text stamps (taken
    while their bodies were at hand: a rebuild holds most stories without them), and whether
    its bodies are in the cache's body table, under the file's digest, not in its stories."""

    briefing: Briefing
    text_stamps: tuple[str, ...]
    stored: bool


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What the incremental layer knows of each content file beside its briefing, filled by
    the load stage for the stages after it: the model's records carry content, and this the
    cache's bookkeeping."""

    digests: dict[str, str] = field(default_factory=dict)  # path -> sha256 of its bytes
    text_stamps: dict[str, tuple[str, ...]] = field(default_factory=dict)  # its stories'
    stored: dict[str, str] = field(default_factory=dict)  # path -> digest its bodies are under

    def update(self, other: FileFacts) -> None:
        self.digests.update(other.digests)
        self.text_stamps.update(other.text_stamps)
        self.stored.update(other.stored)


@dataclass(frozen=True, slots=True)
class Sources:
    """Every content file's briefing (or problems), and what the cache should learn of it."""

    briefings: list[Briefing]
    problems: list[Problem]
    facts: FileFacts  # of the files read from the cache; remember() adds the new ones'
    fresh: dict[str, tuple[FileState, Briefing]]  # parsed this build, not in the cache yet

    @property
    def digests(self) -> dict[str, str]:
        """Each file's sha256 by its shown path: the stamp of its parse."""
        return self.facts.digests


def load_sources(config: SiteConfig, cache: BuildCache, jobs: int,
                 parse: Callable[[bytes, str], Briefing]) -> Sources:
    """Every content file parsed and split by parse(bytes, shown path) (the pipeline's
    content.split.BriefingParser), from the cache where its bytes are unchanged.

    The cache is read in two queries (every file's stat and digest, then the hits' parses),
    not two per file; new parses are stored by ``remember``, once tagged.
    """
    now = time.time_ns()
    problems: list[Problem] = []
    known = cache.source_states()
    files: list[tuple[Path, str, FileState, bool]] = []  # path, shown, state, racy
    digests: dict[str, str] = {}
    reread: list[tuple[Path, str, FileState, bool]] = []
    for path in find_content_files(config):
        shown = display_path(path, config)
        try:
            state = file_state(path)
        except OSError as error:
            problems.append(Problem(shown, 0, f"cannot read the file: {error.strerror}"))
            continue
        racy = now - state.mtime_ns < RACY_NS
        files.append((path, shown, state, racy))
        if not racy and shown in known and known[shown][0] == state:
            digests[shown] = known[shown][1]
        else:
            reread.append(files[-1])
    fresh: list[tuple[Path, str, FileState, str, bytes]] = []
    restamped: list[tuple[str, FileState]] = []  # same bytes, new time: one write at the end
    for path, shown, state, racy in reread:
        try:
            if path.is_symlink():  # read_content_file checks where the link leads
                read_content_file(path, config)
            data = path.read_bytes()
        except ContentError as error:
            problems.extend(error.problems)
            continue
        except OSError as error:
            problems.append(Problem(shown, 0, f"cannot read the file: {error.strerror}"))
            continue
        digest = digests[shown] = digest_bytes(data)
        if shown in known and known[shown][1] == digest:
            restamped.append((shown, _trusted(state, racy)))
        else:
            fresh.append((path, shown, _trusted(state, racy), digest, data))
    fresh_paths = {shown for _, shown, _, _, _ in fresh}
    kept = cache.parsed_many({shown for _, shown, _, _ in files
                              if shown in digests and shown not in fresh_paths})
    stored = cache.body_digests()
    for path, shown, state, racy in files:  # a damaged cache row: read the file after all
        if shown in digests and shown not in fresh_paths \
                and not _whole(kept.get(shown), stored, digests[shown]):
            try:
                data = path.read_bytes()
            except OSError as error:
                problems.append(Problem(shown, 0, f"cannot read the file: {error.strerror}"))
                continue
            fresh.append((path, shown, _trusted(state, racy), digest_bytes(data), data))
            fresh_paths.add(shown)
    parsed = dict(zip((shown for _, shown, _, _, _ in fresh), _parse_all(parse, fresh, jobs),
                      strict=True))
    briefings: list[Briefing] = []
    store = {}
    for _, shown, state, _, _ in fresh:
        result = parsed[shown]
        if isinstance(result, Briefing):
            store[shown] = (state, result)
        else:
            problems.extend(result)
    facts = FileFacts(digests)
    for _, shown, _, _ in files:
        found = parsed[shown] if shown in parsed else kept.get(shown)
        if isinstance(found, Briefing):
            briefings.append(found)
        elif isinstance(found, Parsed):
            briefings.append(found.briefing)
            facts.text_stamps[shown] = found.text_stamps
            if found.stored:
                facts.stored[shown] = digests[shown]
    cache.restamp(restamped)
    cache.forget_sources_except({shown for _, shown, _, _ in files})
    return Sources(briefings, problems, facts, store)


def remember(cache: BuildCache, sources: Sources, tagged: Sequence[Briefing]
             ) -> list[Briefing]:
    """Store this build's new parses, and every briefing whose tags changed, tagged: the next
    build then finds each story's tags in place and copies none. A briefing that was not
    tagged (a draft, or a build stopped by an error) is stored as parsed.

    New parses are stored without their bodies, which go to the cache's body table first
    (bodies.py), and with their stories' text stamps, taken now that the bodies are at hand;
    sources.facts learns both. The briefings to build with are returned, without bodies where
    those are stored, so the model this build holds is as light as the next one's.
    """
    facts = sources.facts
    loaded = {briefing.source.path: briefing for briefing in sources.briefings}
    tagged_paths = {briefing.source.path for briefing in tagged}
    new = [*(b for b in tagged if b.source.path in sources.fresh),
           *(parsed for path, (_, parsed) in sources.fresh.items() if path not in tagged_paths)]
    for briefing in new:
        facts.text_stamps[briefing.source.path] = tuple(map(text_stamp, briefing.stories))
    light = cache.store_bodies(row for briefing in new for row in
                               stored_rows(briefing, sources.digests[briefing.source.path]))
    lightened_by_path = {b.source.path: lightened(b) for b in new} if light else {}
    rows, updates = [], []
    for briefing in new:
        path = briefing.source.path
        if light:
            facts.stored[path] = sources.digests[path]
        rows.append((path, sources.fresh[path][0], sources.digests[path],
                     Parsed(lightened_by_path.get(path, briefing), facts.text_stamps[path],
                            light)))
    for briefing in tagged:
        path = briefing.source.path
        if path not in sources.fresh and briefing is not loaded.get(path, briefing) \
                and path in sources.digests and path in facts.text_stamps:
            updates.append((path, sources.digests[path],
                            Parsed(briefing, facts.text_stamps[path], path in facts.stored)))
    cache.store_parsed(rows)
    cache.update_parsed(updates)
    cache.retain_bodies(set(sources.digests.values()))
    return [lightened_by_path.get(briefing.source.path, briefing) for briefing in tagged]


def _whole(parsed: object, stored: set[str], digest: str) -> bool:
    """A cached parse that can be used: one whose stored bodies are all there."""
    return isinstance(parsed, Parsed) and (not parsed.stored or digest in stored)


def _trusted(state: FileState, racy: bool) -> FileState:
    """A racy file's time is stored as unknown, so next time its bytes are compared."""
    return FileState(state.size, -1) if racy else state


@dataclass(frozen=True, slots=True)
class ParseWork:
    """What the parse workers share: the parser, and each file to parse (shown path, bytes)."""

    parse: Callable[[bytes, str], Briefing]
    files: list[tuple[str, bytes]]


def _parse_all(parse: Callable[[bytes, str], Briefing],
               fresh: list[tuple[Path, str, FileState, str, bytes]],
               jobs: int) -> list[Briefing | tuple[Problem, ...]]:
    if not fresh:
        return []
    work = [(shown, data) for _, shown, _, _, data in fresh]
    return map_flat(_parse_chunk, len(work), jobs, ParseWork(parse, work),
                    parallel_from=PARALLEL_PARSE_THRESHOLD, min_chunk=8)


def _parse_chunk(state: ParseWork, start: int, end: int
                 ) -> list[Briefing | tuple[Problem, ...]]:
    parse = state.parse
    results: list[Briefing | tuple[Problem, ...]] = []
    for shown, data in state.files[start:end]:
        try:
            results.append(parse(data, shown))
        except ContentError as error:  # returned, not raised, so every file gets reported
            results.append(error.problems)
    return results


def config_items(config: SiteConfig) -> list[tuple[str, object]]:
    """The config's values without its location: two checkouts of one site build alike."""
    return [(name, getattr(config, name)) for name in config.__dataclass_fields__
            if name != "root"]
