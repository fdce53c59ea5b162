"""Content stage benchmark (issue 16): CPU per post and per picture of the content checks.

    .venv/bin/python benchmarks/bench_publications.py [--rounds 3] [--staff 17000] [--night 2000]

Runs `scanner.checks.publications.assess_post` on every post of the labelled corpus
(`tests/corpus/publications/posts.txt`) and the faces check on every labelled picture
(`tests/corpus/publications/pictures/`), `--rounds` times, after one warm-up round, and
prints per post and per picture the CPU milliseconds (process CPU time: every thread
counted) apart from the wall milliseconds (which a busy machine inflates), the mean, the
median and the 95th percentile, the text checks' share each, the one-off loading time of
the tools (Grammalecte, spaCy's model, word lists) and the peak RSS.

Each post is read cold: the verdicts the night remembers per distinct text and the
spelling suggestions per word are forgotten before it, so the figure is a new text's.
`--night N` then judges N posts drawn as `benchmarks/world_gen.py` draws a night's (nine in
ten clean, texts repeating across accounts) with the memory on, as the night does.
`--staff N` loads the tools with N staff names, as a registry of 10,000 accounts holds
(its administrators and principals: 17,071 distinct names). Aims (issue 16): <= 10 ms a post,
<= 120 ms a picture. Speed lives here, never in timed tests.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from corpus.publications import labelled  # noqa: E402

from scanner.checks.publications import TEXT_CHECKS, assess_post, content_faces  # noqa: E402
from scanner.publications import language  # noqa: E402
from scanner.publications.post import ContentTools, Post, load_tools  # noqa: E402

CORPUS_STAFF = ["Julie Côté", "Olivier Fortin", "Rémi Gauthier"]  # as `labelled.tools`
FIRST = ["Sophie", "Marc", "Isabelle", "Luc", "Nathalie", "Pierre", "Chantal", "Denis", "Annie", "Éric"]
LAST = ["Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin", "Gagné"]


def measure(work: Callable[[], object]) -> tuple[float, float]:
    """(CPU ms, wall ms) of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    work()
    return (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(values: list[float]) -> str:
    return (
        f"mean {statistics.mean(values):.1f} ms, median {statistics.median(values):.1f} ms, "
        f"p95 {percentile(values, 0.95):.1f} ms"
    )


def staff_names(count: int) -> list[str]:
    """`count` distinct staff names (a first name, a family name and a number of homonyms)."""
    return CORPUS_STAFF + [
        f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]}-{i // 100}" for i in range(count)
    ]


def night_posts(count: int, seed: int = 7) -> list[Post]:
    """Posts drawn as `world_gen.add_posts` draws a night's texts: nine in ten clean."""
    rng = random.Random(seed)
    corpus = labelled.posts()
    clean = [p.text for p in corpus if not p.labels]
    faulty = [p.text for p in corpus if p.labels]
    return [Post(id=str(n), text=rng.choice(clean if rng.random() < 0.9 else faulty)) for n in range(count)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--staff", type=int, default=17_000, help="staff names in the tools (registry's size)"
    )
    parser.add_argument("--night", type=int, default=2_000, help="posts of the night mix (0: skipped)")
    args = parser.parse_args(argv)

    def tools_for_night() -> ContentTools:
        loaded = load_tools(
            ROOT / "config",
            published_numbers=[labelled.SCHOOL_NUMBER, labelled.BOARD_NUMBER],
            board_domains=["csno.ab.ca"],
            staff=staff_names(args.staff),
        )
        language.detector()  # as the night does once it has posts (the first call reads the models)
        return loaded

    load_cpu, _ = measure(tools_for_night)
    tools = tools_for_night()
    posts = [Post(id=str(p.line), text=p.text) for p in labelled.posts()]
    pictures = [Post(id=p.path.name, pictures=(p.path.read_bytes(),)) for p in labelled.pictures()]

    for post in posts:  # warm-up: lazy tables of Grammalecte and Lingua
        assess_post(post, tools)
    content_faces(pictures[0], tools)

    post_cpu: list[float] = []
    post_wall: list[float] = []
    picture_cpu: list[float] = []
    picture_wall: list[float] = []
    per_check: dict[str, float] = {}
    for _ in range(args.rounds):
        for post in posts:
            tools.forget()  # cold: a text never read this night
            cpu, wall = measure(lambda p=post: assess_post(p, tools, per_check))
            post_cpu.append(cpu)
            post_wall.append(wall)
        for picture in pictures:
            cpu, wall = measure(lambda p=picture: content_faces(p, tools))
            picture_cpu.append(cpu)
            picture_wall.append(wall)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    judged = len(posts) * args.rounds
    shares = ", ".join(f"{check} {1000 * per_check.get(check, 0.0) / judged:.1f} ms" for check in TEXT_CHECKS)
    print(f"tools loaded once: {load_cpu:.0f} ms CPU (Grammalecte, spaCy fr_core_news_sm, Lingua, lists, "
          f"{args.staff} staff names)")  # fmt: skip
    print(f"posts:    {len(posts)} distinct texts x {args.rounds} rounds, each read cold")
    print(f"  CPU per post:  {summary(post_cpu)} (aim <= 10 ms)")
    print(f"  wall per post: {summary(post_wall)}")
    print(f"  CPU per check (this thread): {shares}")
    print(f"pictures: {len(pictures)} x {args.rounds} rounds")
    print(f"  CPU per picture:  {summary(picture_cpu)} (aim <= 120 ms)")
    print(f"  wall per picture: {summary(picture_wall)}")
    if args.night:
        night = night_posts(args.night)
        tools.forget()
        cpu, wall = measure(lambda: [assess_post(post, tools) for post in night])
        distinct = len({post.text for post in night})
        print(f"night mix: {args.night} posts, {distinct} distinct texts (world_gen's draw, remembered per text): "
              f"CPU {cpu / args.night:.2f} ms a post, wall {wall / args.night:.2f} ms a post")  # fmt: skip
    print(f"peak RSS: {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
