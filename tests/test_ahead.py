"""`scanner.plumbing.ahead`: items produced in a background thread, in order, a bounded few ahead."""

from __future__ import annotations

import threading
import time

import pytest

from scanner.plumbing.ahead import ahead


def test_items_come_in_order_and_are_produced_in_another_thread():
    producers = set()

    def items():
        for n in range(50):
            producers.add(threading.current_thread().name)
            yield n

    assert list(ahead(items(), depth=3, name="rendering")) == list(range(50))
    assert producers == {"rendering"}


def test_at_most_depth_items_wait_to_be_taken():
    produced = []

    def items():
        for n in range(100):
            produced.append(n)
            yield n

    taken = ahead(items(), depth=2)
    assert next(taken) == 0
    time.sleep(0.3)  # the producer runs as far as it may
    # item 0 taken, two waiting in the queue, one more held by the producer waiting for room
    assert len(produced) <= 4
    taken.close()


def test_an_error_while_producing_is_raised_where_the_item_is_taken():
    def items():
        yield 1
        raise ValueError("template broken")

    taken = ahead(items())
    assert next(taken) == 1
    with pytest.raises(ValueError, match="template broken"):
        next(taken)


def test_a_consumer_that_stops_early_stops_the_producer():
    def items():
        n = 0
        while True:
            yield n
            n += 1

    before = threading.active_count()
    for n in ahead(items(), depth=1, name="endless"):
        if n == 5:
            break
    deadline = time.monotonic() + 5
    while any(t.name == "endless" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(t.name == "endless" for t in threading.enumerate())
    assert threading.active_count() <= before
