"""How the intake thread gathers a batch: everything queued, and under load the rest of a burst."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from typing import Any

from sqlalchemy import create_engine

from flexchain.entrypoints.api.background.intake import Batcher


def entry(n: int) -> Any:
    return (n, Future())  # the batcher only queues them: any webhook stand-in will do here


def batcher(linger: float) -> Batcher:
    return Batcher(create_engine("sqlite://"), max_batch=4, linger=linger)


def test_takes_what_is_queued_without_waiting_when_the_last_batch_was_small() -> None:
    intake = batcher(linger=5.0)
    for n in (2, 3):
        intake._queue.put(entry(n))
    began = time.monotonic()
    waiting, stopping = intake._collect(entry(1), expected=1)
    assert [n for n, _ in waiting] == [1, 2, 3]
    assert not stopping
    assert time.monotonic() - began < 1.0


def test_waits_for_the_rest_of_a_burst_after_a_bigger_batch() -> None:
    intake = batcher(linger=5.0)
    late = threading.Timer(0.05, lambda: intake._queue.put(entry(2)))
    late.start()
    waiting, _ = intake._collect(entry(1), expected=2)
    late.join()
    assert [n for n, _ in waiting] == [1, 2]  # one batch, not a batch of 1 and another of 1


def test_waits_no_longer_than_the_linger() -> None:
    intake = batcher(linger=0.05)
    began = time.monotonic()
    waiting, _ = intake._collect(entry(1), expected=4)
    assert [n for n, _ in waiting] == [1]
    assert 0.04 <= time.monotonic() - began < 1.0


def test_stops_at_max_batch_and_at_the_stop_marker() -> None:
    intake = batcher(linger=5.0)
    for n in range(2, 7):
        intake._queue.put(entry(n))
    waiting, stopping = intake._collect(entry(1), expected=10)
    assert [n for n, _ in waiting] == [1, 2, 3, 4]  # max_batch
    intake._queue.put(None)
    waiting, stopping = intake._collect(entry(7), expected=10)
    assert [n for n, _ in waiting] == [7, 5, 6]
    assert stopping
