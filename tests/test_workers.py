"""Unit tests of the process helpers: chunked work in forked workers, and the collector
pause around loading the model."""

from __future__ import annotations

import gc
import os
import pickle
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from site_builder import workers
from site_builder.workers import Chunks, loading_long_lived, map_chunks


def test_loading_pauses_the_collector_then_freezes_what_lives_on():
    gc.unfreeze()
    with loading_long_lived():
        assert not gc.isenabled()
        kept = [[n] for n in range(100)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(kept)
    with loading_long_lived():  # the next load thaws the last one's objects first
        assert gc.get_freeze_count() == 0
    gc.unfreeze()


def test_a_later_stage_keeps_the_model_frozen_and_a_new_build_collects_old_cycles():
    import weakref

    class Node:
        pass

    gc.unfreeze()
    with loading_long_lived():
        model = [[n] for n in range(100)]
        cycle = Node()
        cycle.self = cycle  # type: ignore[attr-defined]
        gone = weakref.ref(cycle)
        del cycle
    frozen = gc.get_freeze_count()
    assert frozen >= len(model)
    with loading_long_lived(thaw=False):  # the plan: the model stays frozen
        assert gc.get_freeze_count() == frozen and not gc.isenabled()
        plan = [[n] for n in range(50)]
    assert gc.get_freeze_count() >= frozen + len(plan)
    assert gone() is not None  # a frozen cycle lives on while the build does
    with loading_long_lived():  # a preview server's next build
        assert gone() is None  # ...collects what the last one left in cycles
    gc.unfreeze()


def test_a_failed_load_freezes_nothing_and_restores_the_collector():
    gc.unfreeze()
    with pytest.raises(ValueError), loading_long_lived():
        raise ValueError("broken site")
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_disabled_collector_stays_disabled():
    gc.disable()
    try:
        with loading_long_lived():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


@dataclass(frozen=True)
class Numbers:
    numbers: list[int]


def _squares(state: Numbers, start: int, end: int) -> tuple[int, int, list[int]]:
    return start, end, [n * n for n in state.numbers[start:end]]


@pytest.mark.parametrize("jobs", [1, 2])
def test_chunks_come_back_in_order_and_never_span_the_cut(jobs: int):
    numbers = Numbers(list(range(23)))
    chunks = list(map_chunks(_squares, 23, jobs, Chunks(5, cut=7), numbers))
    assert [(start, end) for start, end, _ in chunks] == \
        [(0, 5), (5, 7), (7, 12), (12, 17), (17, 22), (22, 23)]
    assert [n for _, _, part in chunks for n in part] == [n * n for n in numbers.numbers]
    whole = list(map_chunks(_squares, 23, jobs, 5, numbers))
    assert [(start, end) for start, end, _ in whole] == \
        [(0, 5), (5, 10), (10, 15), (15, 20), (20, 23)]
    finer = list(map_chunks(_squares, 23, jobs, Chunks(5, cut=7, after_cut=3), numbers))
    assert [(start, end) for start, end, _ in finer] == \
        [(0, 5), (5, 7), (7, 10), (10, 13), (13, 16), (16, 19), (19, 22), (22, 23)]
    assert [n for _, _, part in finer for n in part] == [n * n for n in numbers.numbers]


def _slow_pids(state: None, start: int, end: int) -> tuple[int, int, int]:
    time.sleep(0.05)
    return start, end, os.getpid()


def test_this_process_works_beside_the_workers_and_results_stay_in_order():
    """A worker copies every page of the model it touches: the parent takes chunks itself
    rather than start another worker and wait."""
    chunks = list(map_chunks(_slow_pids, 12, 2, 1, None, here_too=True))
    assert [(start, end) for start, end, _ in chunks] == [(n, n + 1) for n in range(12)]
    pids = {pid for _, _, pid in chunks}
    assert os.getpid() in pids and len(pids) == 2  # this one and its one worker
    elsewhere = {pid for _, _, pid in map_chunks(_slow_pids, 6, 2, 1, None)}
    assert os.getpid() not in elsewhere and len(elsewhere) == 2


class Unpicklable:
    """A state no pickle can carry: a lock and a lambda in it, and a __reduce__ that says so."""

    def __init__(self, numbers: list[int]) -> None:
        self.numbers = numbers
        self.lock = threading.Lock()
        self.square: Callable[[int], int] = lambda n: n * n

    def __reduce__(self) -> Any:
        raise AssertionError("the state was pickled")


def _squares_with_pids(state: Unpicklable, start: int, end: int) -> tuple[int, list[int]]:
    with state.lock:
        return os.getpid(), [state.square(n) for n in state.numbers[start:end]]


@pytest.mark.parametrize("here_too", [False, True])
def test_the_state_reaches_the_workers_through_fork_never_pickled(here_too: bool):
    """Pickling the model for every worker would cost what forking saves: the pool's
    initializer argument goes to a forked child as memory, and only the task and the bounds of
    a chunk are sent."""
    state = Unpicklable(list(range(40)))
    with pytest.raises(AssertionError, match="pickled"):
        pickle.dumps(state)
    done = list(map_chunks(_squares_with_pids, 40, 3, 4, state, here_too=here_too))
    assert [n for _, part in done for n in part] == [n * n for n in range(40)]
    assert {pid for pid, _ in done} - {os.getpid()}  # workers did some of it


def _state_here(state: object, start: int, end: int) -> object:
    time.sleep(0.05)  # so that the worker has time to start and take chunks too
    return workers._WORKER_STATE.get(None)


def test_this_process_keeps_no_state_of_its_own():
    """Tasks in this process get the state as their argument: nothing is set in the module,
    so no map's state can leak into the next."""
    here = list(map_chunks(_state_here, 4, 1, 1, Numbers([1])))
    assert here == [None] * 4
    mixed = list(map_chunks(_state_here, 8, 2, 1, Numbers([1]), here_too=True))
    assert Numbers([1]) in mixed  # the worker's own copy, set by its initializer
    assert workers._WORKER_STATE.get(None) is None
    assert not [name for name, value in vars(workers).items()
                if isinstance(value, (dict, list, set)) and not name.startswith("__")]


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_state_is_let_go_when_the_work_ends_or_stops(jobs: int):
    """The tagger shares every story, bodies and all: held on to, they would stay alive
    through planning and rendering, and in every worker forked for them. Let go of by
    reference counting alone: the build runs with the collector paused."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        numbers = Numbers(list(range(23)))
        gone = weakref.ref(numbers)
        assert len(list(map_chunks(_squares, 23, jobs, 5, numbers))) == 5
        del numbers
        assert gone() is None
        numbers = Numbers(list(range(23)))
        gone = weakref.ref(numbers)
        stopped = map_chunks(_squares, 23, jobs, 5, numbers)
        del numbers
        next(stopped)
        stopped.close()  # a consumer that stops early, as on an error
        assert gone() is None
    finally:
        if enabled:
            gc.enable()
