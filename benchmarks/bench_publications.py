"""Content stage benchmark (issue 16): CPU per post and per picture of the content checks.

    .venv/bin/python benchmarks/bench_publications.py [--rounds 3]

Runs `scanner.checks.publications.assess_post` on every post of the labelled corpus
(`tests/corpus/publications/posts.txt`) and the faces check on every labelled picture
(`tests/corpus/publications/pictures/`), `--rounds` times, after one warm-up round, and
prints CPU milliseconds per post and per picture (process CPU time: every thread counted),
the median and the 95th percentile, the one-off loading time of the tools (Grammalecte,
spaCy's model, word lists) and the peak RSS. Aims (issue 16): <= 10 ms a post, <= 120 ms
a picture. Speed lives here, never in timed tests.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from corpus.publications import labelled  # noqa: E402

from scanner.checks.publications import assess_post, content_faces  # noqa: E402
from scanner.publications.post import Post  # noqa: E402


def cpu_ms(work) -> float:
    start = time.process_time()
    work()
    return (time.process_time() - start) * 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    load_ms = cpu_ms(labelled.tools)
    tools = labelled.tools()
    posts = [Post(id=str(p.line), text=p.text) for p in labelled.posts()]
    pictures = [Post(id=p.path.name, pictures=(p.path.read_bytes(),)) for p in labelled.pictures()]

    for post in posts:  # warm-up: lazy tables of Grammalecte and Lingua
        assess_post(post, tools)
    content_faces(pictures[0], tools)

    per_post: list[float] = []
    per_picture: list[float] = []
    for _ in range(args.rounds):
        per_post += [cpu_ms(lambda p=post: assess_post(p, tools)) for post in posts]
        per_picture += [cpu_ms(lambda p=picture: content_faces(p, tools)) for picture in pictures]

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"tools loaded once: {load_ms:.0f} ms CPU (Grammalecte, spaCy fr_core_news_sm, Lingua, lists)")
    print(
        f"posts:    {len(posts)} x {args.rounds} rounds, CPU per post: mean {statistics.mean(per_post):.1f} ms, "
        f"median {statistics.median(per_post):.1f} ms, p95 {percentile(per_post, 0.95):.1f} ms (aim <= 10 ms)"
    )
    print(
        f"pictures: {len(pictures)} x {args.rounds} rounds, CPU per picture: mean {statistics.mean(per_picture):.1f} ms, "
        f"median {statistics.median(per_picture):.1f} ms, p95 {percentile(per_picture, 0.95):.1f} ms (aim <= 120 ms)"
    )
    print(f"peak RSS: {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
