"""Look-up night benchmark (issue 17): tonight's share of the look-alike look-ups at N accounts.

    .venv/bin/python benchmarks/bench_lookups.py --accounts 10000 --latency 0.05

Generates the scale world (`benchmarks.world_gen`, served by a child process as in
`bench_scale.py`, every answer delayed by `--latency`), then runs the look-up stage of the
night exactly as the night runs it (`build_sources(...).lookups`, real searchers over HTTP,
the configuration's `lookups.*` budgets), and prints per platform: look-ups planned and what
they cost in the budget's unit against tonight's share and the round's budget, HTTP calls,
accounts found; X's usernames sent, users returned and what X bills for them (counted by the
sandbox, docs.x.com/x-api/getting-started/pricing); YouTube's quota units; and the night's
extra time (the look-up stage's wall time: it runs before the reads, which it lengthens by
that much, plus the re-reads of the few accounts found). `--nights K` runs K consecutive
nights (the round's spread).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_scale import RemoteSandbox, cpu_seconds  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every sandbox answer")
    parser.add_argument("--seed", type=int, default=142)
    parser.add_argument("--nights", type=int, default=1)
    parser.add_argument("--workdir", help="where to generate the world (default: a new temporary folder)")
    args = parser.parse_args(argv)

    from benchmarks.world_gen import secrets
    from scanner.config.load import load_config
    from scanner.discovery.lookup_plan import all_lookups, budget
    from scanner.history.lookups import save_lookup_state
    from scanner.history.store import History
    from scanner.night.wiring import build_sources, close_sources
    from vigie_sandbox.demo import demo_settings

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="vigie-bench-lookups-"))
    began = time.perf_counter()
    with RemoteSandbox(args.accounts, workdir / "config", args.seed) as sandbox:
        sandbox.call("latency", args.latency)
        config = load_config(workdir / "config")
        settings = demo_settings(config.settings, sandbox.url, 25, workdir / "var")
        config = config.model_copy(update={"settings": settings})
        registry, lookups = config.registry, settings.lookups
        print(
            f"world: {args.accounts} accounts, {len(registry.schools)} schools {sandbox.per_network}, "
            f"generated in {time.perf_counter() - began:.1f} s; latency {args.latency * 1000:.0f} ms a request"
        )
        started = time.perf_counter()
        candidates = all_lookups(registry)
        per_platform = Counter(lookup.platform for lookup in candidates)
        print(
            f"candidates: {len(candidates)} look-ups {dict(per_platform)}, made in "
            f"{time.perf_counter() - started:.1f} s; settings every_days={lookups.every_days}, "
            f"max_x_reads={lookups.max_x_reads}, max_youtube_units={lookups.max_youtube_units}, "
            f"max_instagram_calls={lookups.max_instagram_calls}, "
            f"max_facebook_searches={lookups.max_facebook_searches}"
        )
        first = dt.datetime.now(dt.UTC)
        for number in range(args.nights):
            when = first + dt.timedelta(days=number)
            sandbox.call("clock", when.timestamp())
            sandbox.call("clear")
            sources = build_sources(
                config, secrets(), resolve={"*": f"127.0.0.1:{sandbox.port}"}, clock=lambda w=when: w
            )
            cpu_began, wall_began = cpu_seconds(), time.perf_counter()
            try:
                night = sources.lookups(registry)
            finally:
                close_sources(sources)
            wall, cpu = time.perf_counter() - wall_began, cpu_seconds() - cpu_began
            with History.in_state_dir(settings.state_dir) as history:  # as the night's publish does
                save_lookup_state(history, night.state)
            endpoints = Counter(endpoint for endpoint, _ in sandbox.call("log"))
            cost = sandbox.call("x_cost", when.date().isoformat())
            print(
                f"\n--- look-up night {number + 1} ({when.date()}): {wall:.1f} s wall, {cpu:.1f} s CPU (job)"
            )
            for platform, part in night.plan.platforms.items():
                done = night.platforms[platform]
                print(
                    f"  {platform:<10} {done.planned:>5} look-ups, {done.spent:>5} spent of tonight's share "
                    f"{part.share} (round budget {budget(lookups, platform)}, round cost {part.round_cost}), "
                    f"{done.calls} calls, {done.found} found"
                    + (f", {done.units} quota units" if platform == "youtube" else "")
                )
            sent = night.plan.platforms["x"].spent if "x" in night.plan.platforms else 0
            print(
                f"  X          {sent} usernames sent, {cost['users']} users returned and billed "
                f"({cost['posts']} posts): {cost['dollars']:.2f} $ US for the look-ups"
            )
            print(f"  requests   {dict(endpoints)}")
            for line in night.lines:
                print(f"  report: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
