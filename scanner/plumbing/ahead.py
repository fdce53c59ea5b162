"""`ahead(items, depth)`: an iterable produced in a background thread, a few items ahead.

For work that alternates computing and waiting: the night's notices are rendered (Jinja2, the
CSS inliner: CPU) while the previous one is sent (SMTP: waiting on the relay), so the two
overlap instead of adding up. At most `depth` items wait to be taken (memory stays bounded);
the order is kept; an exception raised while producing is raised where the item is taken; a
consumer that stops early stops the producer at its next item.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_END = object()


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error


def ahead(items: Iterable[T], depth: int = 2, name: str = "ahead") -> Iterator[T]:
    waiting: queue.Queue[object] = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        waiting.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            waiting.put(_END)
        except BaseException as error:  # handed to the consumer, raised there
            waiting.put(_Failed(error))

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item = waiting.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue, then let it end
            try:
                waiting.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.1)
