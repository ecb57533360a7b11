"""Unit tests of the process helpers: the collector pause around loading the model."""

from __future__ import annotations

import gc

import pytest

from site_builder.workers import loading_long_lived


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
