"""Unit tests of the process helpers: chunked work in forked workers, and the collector
pause around loading the model."""

from __future__ import annotations

import gc
import os
import time

import pytest

from site_builder.workers import Chunks, loading_long_lived, map_chunks, shared


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


def _squares(start: int, end: int) -> tuple[int, int, list[int]]:
    return start, end, [n * n for n in shared("numbers")[start:end]]


@pytest.mark.parametrize("jobs", [1, 2])
def test_chunks_come_back_in_order_and_never_span_the_cut(jobs: int):
    numbers = list(range(23))
    chunks = list(map_chunks(_squares, len(numbers), jobs, Chunks(5, cut=7), {"numbers": numbers}))
    assert [(start, end) for start, end, _ in chunks] == \
        [(0, 5), (5, 7), (7, 12), (12, 17), (17, 22), (22, 23)]
    assert [n for _, _, part in chunks for n in part] == [n * n for n in numbers]
    whole = list(map_chunks(_squares, len(numbers), jobs, 5, {"numbers": numbers}))
    assert [(start, end) for start, end, _ in whole] == \
        [(0, 5), (5, 10), (10, 15), (15, 20), (20, 23)]
    finer = list(map_chunks(_squares, len(numbers), jobs, Chunks(5, cut=7, after_cut=3),
                            {"numbers": numbers}))
    assert [(start, end) for start, end, _ in finer] == \
        [(0, 5), (5, 7), (7, 10), (10, 13), (13, 16), (16, 19), (19, 22), (22, 23)]
    assert [n for _, _, part in finer for n in part] == [n * n for n in numbers]


def _slow_pids(start: int, end: int) -> tuple[int, int, int]:
    time.sleep(0.05)
    return start, end, os.getpid()


def test_this_process_works_beside_the_workers_and_results_stay_in_order():
    """A worker copies every page of the model it touches: the parent takes chunks itself
    rather than start another worker and wait."""
    chunks = list(map_chunks(_slow_pids, 12, 2, 1, {}, here_too=True))
    assert [(start, end) for start, end, _ in chunks] == [(n, n + 1) for n in range(12)]
    pids = {pid for _, _, pid in chunks}
    assert os.getpid() in pids and len(pids) == 2  # this one and its one worker
    elsewhere = {pid for _, _, pid in map_chunks(_slow_pids, 6, 2, 1, {})}
    assert os.getpid() not in elsewhere and len(elsewhere) == 2


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_shared_state_is_let_go_when_the_work_ends_or_stops(jobs: int):
    """The tagger shares every story, bodies and all: held on to, they would stay alive
    through planning and rendering, and in every worker forked for them."""
    import weakref

    class Stories(list):  # type: ignore[type-arg]
        pass

    stories = Stories(range(23))
    gone = weakref.ref(stories)
    assert len(list(map_chunks(_squares, 23, jobs, 5, {"numbers": stories}))) == 5
    del stories
    assert gone() is None
    stopped = map_chunks(_squares, 23, jobs, 5, {"numbers": Stories(range(23))})
    next(stopped)
    stopped.close()  # a consumer that stops early, as on an error
    with pytest.raises(KeyError):
        shared("numbers")
