"""Faces looked at in a recycled worker process (the detector's binding keeps each picture it sees)."""

from __future__ import annotations

import resource
from pathlib import Path

from scanner.publications import face_pool, faces
from scanner.publications.face_pool import FacePool

PICTURES = Path(__file__).resolve().parent / "corpus" / "publications" / "pictures"


def test_the_worker_answers_as_the_detector_does_and_the_night_does_not_grow(monkeypatch):
    monkeypatch.setattr(face_pool, "TASKS_PER_WORKER", 20)  # a worker replaced several times below
    pictures = [p.read_bytes() for p in sorted(PICTURES.glob("*.jpg"))[:12]]
    here = [faces.detect_faces(data).count for data in pictures]
    pool = FacePool()
    try:
        for data in pictures:
            pool.prefetch(data)
        grown_from = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        there = [pool.detect(data).count for data in pictures]
        for _ in range(5):
            for data in pictures:
                assert pool.detect(data).count == here[pictures.index(data)]
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - grown_from
    finally:
        pool.close()
    assert there == here and any(here) and not all(here)
    assert pool.pictures == 72 and pool.cpu > 0
    assert grown < 20_000  # kB: 72 pictures in this process would keep about 40 MB
