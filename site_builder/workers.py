"""Worker processes that share the site model by forking, instead of copying it per task.

A map's state (the model, or the part of it a stage works over) reaches the workers through
fork: it is the pool's initializer argument, and with the fork start method a new process gets
its initializer and arguments as the parent's memory, never pickled (multiprocessing's
popen_fork runs the child's bootstrap straight after os.fork). The pool is made per map call,
so a worker holds the state of the one map it was forked for, for its life; what is sent to a
worker is only the task function and the bounds of a chunk. This process holds no state between
maps: the tasks get it as their first argument.
"""

from __future__ import annotations

import ctypes
import gc
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any, TypeVar

Result = TypeVar("Result")
Item = TypeVar("Item")
State = TypeVar("State")

# Set in a worker only, once, by the pool's initializer: the state of the map it was forked for.
# This process never sets it; a context variable, so that nothing is rebound at module level.
_WORKER_STATE: ContextVar[Any] = ContextVar("worker_state")


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


@dataclass(frozen=True, slots=True)
class Chunks:
    """How map_chunks cuts [0, count): size-long chunks, none spanning cut, and after cut
    after_cut-long ones, if given."""

    size: int
    cut: int = 0
    after_cut: int | None = None


def map_chunks(task: Callable[[State, int, int], Result], count: int, jobs: int,
               chunks: int | Chunks, state: State, here_too: bool = False) -> Iterator[Result]:
    """Run task(state, start, end) over [0, count) in chunks, results in order; in `jobs`
    forked workers, or with here_too in jobs - 1 of them and this process.

    Forking hands `state` to every worker at no copying cost (see the module docstring). No
    chunk spans `chunks.cut`, so the work before it is done as soon as its own chunks are; the
    chunks after it are `chunks.after_cut` long, if given (smaller ones share uneven work out
    more evenly).

    here_too is for work over the whole model (rendering): every page of it a forked worker
    touches (a reference count is a write) becomes a copy of its own, so each worker costs
    another copy of what it reads, some 300 MiB at ten years, while this process would only
    wait. It takes the next chunk in order when no worker has started it, and else, while
    that one is being done, chunks from the end that no worker has started. (Not for parsing:
    there this process has the workers' results to unpickle.)
    """
    # The state lives in this generator's frame and in the pool, both gone when the map ends
    # or stops: let go of at once, else the tagger's 55,000 stories, bodies and all, would stay
    # alive until the next map, and the render workers would be forked with them.
    yield from _chunks_in_order(task, count, jobs,
                                chunks if isinstance(chunks, Chunks) else Chunks(chunks), state,
                                here_too)


def _chunks_in_order(task: Callable[[State, int, int], Result], count: int, jobs: int,
                     chunks: Chunks, state: State, here_too: bool) -> Iterator[Result]:
    cut = min(max(chunks.cut, 0), count)
    bounds = [(start, min(start + size, end))
              for begin, end, size in ((0, cut, chunks.size),
                                       (cut, count, chunks.after_cut or chunks.size))
              for start in range(begin, end, size)]
    if jobs <= 1 or len(bounds) <= 1 or not _can_fork():
        for start, end in bounds:
            yield task(state, start, end)
        return
    workers = jobs - 1 if here_too else jobs
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork"),
                             initializer=_keep_state, initargs=(state,)) as pool:
        futures: list[Future[Result]] = [pool.submit(_in_worker, task, start, end)
                                         for start, end in bounds]
        done_here: dict[int, Result] = {}
        last = len(bounds) - 1  # the chunks after it are done here, or a worker has them
        try:
            for number, future in enumerate(futures):
                if number in done_here:
                    yield done_here.pop(number)
                    continue
                if here_too and future.cancel():  # no worker has started it
                    yield task(state, *bounds[number])
                    continue
                while here_too and not future.done() and last > number:
                    if futures[last].cancel():
                        done_here[last] = task(state, *bounds[last])
                    last -= 1
                yield future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def _keep_state(state: object) -> None:
    """A new worker's first act: keep the state of the map it was forked for."""
    _WORKER_STATE.set(state)


def _in_worker(task: Callable[[Any, int, int], Result], start: int, end: int) -> Result:
    """What a worker is sent for a chunk: the task, by name, and its bounds."""
    return task(_WORKER_STATE.get(), start, end)


def map_flat(task: Callable[[State, int, int], list[Item]], count: int, jobs: int,
             state: State, *, parallel_from: int, min_chunk: int) -> list[Item]:
    """task(state, start, end)'s lists over [0, count), joined in order: in `jobs` workers once
    there are parallel_from items (fewer cost more to fork for than they save), about four
    chunks a worker, no chunk smaller than min_chunk."""
    use = jobs if count >= parallel_from else 1
    chunk = max(min_chunk, count // (use * 4) + 1)
    return [item for part in map_chunks(task, count, use, chunk, state) for item in part]


def _can_fork() -> bool:
    """Fork only a single-threaded process: a lock held by another thread stays held forever
    in the child."""
    return hasattr(os, "fork") and threading.active_count() == 1
