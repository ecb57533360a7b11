"""Worker processes that share the site model by forking, instead of copying it per task."""

from __future__ import annotations

import ctypes
import gc
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any, TypeVar

Result = TypeVar("Result")
Item = TypeVar("Item")

# Set in the parent just before the pool forks; children read it, never write it back.
_SHARED: dict[str, Any] = {}


def available_cpus() -> int:
    """The CPUs this process may run on (not the machine's count: containers pin fewer)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def loading_long_lived(*, thaw: bool = True) -> Iterator[None]:
    """Load what lives for the rest of the build without the cyclic garbage collector.

    The collector runs every few hundred new objects, and now and then walks the whole heap;
    while a rebuild loads 55,000 stories that is a third of the load (and a quarter of the
    plan, with its 70,000 pages), and the walks go on over them for the rest of the build,
    finding nothing: neither holds cycles. So the collector pauses inside, and what is alive
    at the end is frozen (left out of later walks, still freed by reference counting).

    thaw: first thaw and collect what an earlier build froze, so that a long-running preview
    server keeps none of it (the start of a build; later stages of it pass False).
    """
    enabled = gc.isenabled()
    if thaw and gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if enabled:
            gc.enable()


def release_freed_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's malloc_trim), where there is
    one: a full build frees the bodies of 55,000 parsed stories once they are in the cache, and
    the heap would keep their pages, and every worker forked later would share them."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # not glibc (musl, macOS), or not POSIX
        return
    trim(0)


def shared(key: str) -> Any:
    return _SHARED[key]


@dataclass(frozen=True, slots=True)
class Chunks:
    """How map_chunks cuts [0, count): size-long chunks, none spanning cut, and after cut
    after_cut-long ones, if given."""

    size: int
    cut: int = 0
    after_cut: int | None = None


def map_chunks(task: Callable[[int, int], Result], count: int, jobs: int,
               chunks: int | Chunks, state: dict[str, Any], here_too: bool = False
               ) -> Iterator[Result]:
    """Run task(start, end) over [0, count) in chunks, results in order; in `jobs` forked
    workers, or with here_too in jobs - 1 of them and this process.

    `state` is what the tasks read through shared(); forking hands it to every worker at no
    copying cost. No chunk spans `chunks.cut`, so the work before it is done as soon as its
    own chunks are; the chunks after it are `chunks.after_cut` long, if given (smaller ones
    share uneven work out more evenly).

    here_too is for work over the whole model (rendering): every page of it a forked worker
    touches (a reference count is a write) becomes a copy of its own, so each worker costs
    another copy of what it reads, some 300 MiB at ten years, while this process would only
    wait. It takes the next chunk in order when no worker has started it, and else, while
    that one is being done, chunks from the end that no worker has started. (Not for parsing:
    there this process has the workers' results to unpickle.)
    """
    _SHARED.clear()
    _SHARED.update(state)
    try:
        yield from _chunks_in_order(task, count, jobs,
                                    chunks if isinstance(chunks, Chunks) else Chunks(chunks),
                                    here_too)
    finally:
        # Let go of the state at once: else the tagger's 55,000 stories, bodies and all, stay
        # alive until the next map, and the render workers are forked with them.
        _SHARED.clear()


def _chunks_in_order(task: Callable[[int, int], Result], count: int, jobs: int,
                     chunks: Chunks, here_too: bool) -> Iterator[Result]:
    cut = min(max(chunks.cut, 0), count)
    bounds = [(start, min(start + size, end))
              for begin, end, size in ((0, cut, chunks.size),
                                       (cut, count, chunks.after_cut or chunks.size))
              for start in range(begin, end, size)]
    if jobs <= 1 or len(bounds) <= 1 or not _can_fork():
        for start, end in bounds:
            yield task(start, end)
        return
    workers = jobs - 1 if here_too else jobs
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        futures: list[Future[Result]] = [pool.submit(task, start, end) for start, end in bounds]
        done_here: dict[int, Result] = {}
        last = len(bounds) - 1  # the chunks after it are done here, or a worker has them
        try:
            for number, future in enumerate(futures):
                if number in done_here:
                    yield done_here.pop(number)
                    continue
                if here_too and future.cancel():  # no worker has started it
                    yield task(*bounds[number])
                    continue
                while here_too and not future.done() and last > number:
                    if futures[last].cancel():
                        done_here[last] = task(*bounds[last])
                    last -= 1
                yield future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def map_flat(task: Callable[[int, int], list[Item]], count: int, jobs: int,
             state: dict[str, Any], *, parallel_from: int, min_chunk: int) -> list[Item]:
    """task(start, end)'s lists over [0, count), joined in order: in `jobs` workers once
    there are parallel_from items (fewer cost more to fork for than they save), about four
    chunks a worker, no chunk smaller than min_chunk."""
    use = jobs if count >= parallel_from else 1
    chunk = max(min_chunk, count // (use * 4) + 1)
    return [item for part in map_chunks(task, count, use, chunk, state) for item in part]


def _can_fork() -> bool:
    """Fork only a single-threaded process: a lock held by another thread stays held forever
    in the child."""
    return hasattr(os, "fork") and threading.active_count() == 1
