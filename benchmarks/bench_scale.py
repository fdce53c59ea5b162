"""Scale benchmark (issue 7): N accounts, a latency on every sandbox request, two nights.

    .venv/bin/python benchmarks/bench_scale.py --accounts 10000 --latency 0.05

Generates a world (`benchmarks.world_gen`) and serves it from a child process (the
sandbox), receives mail on loopback in this one (like `run_audit.py --demo`), then runs
the whole job twice on the unchanged world, each night in a fresh process as cron would
start it, and prints per night: wall time (configuration loading included), CPU seconds of
the job and of the sandbox, API calls per platform against the batched minimum (counted
from the sandbox's request log), image downloads (full vs 304), the night's peak RSS, and
the size of the coordinator's e-mail HTML body, and what X charges for the night (distinct
users and posts of the night's UTC day, docs.x.com/x-api/getting-started/pricing).
Night 2 runs twenty-four simulated hours after night 1 (the sandbox's clock and the job's
both move on): every signed picture URL has rotated, the CDN's one-day max-age has run out,
and it is another UTC day for X. `--audit-only` measures the audit stage
alone (`scanner.night.audit.audit` with `build_sources`), without history, report and e-mails.
`--posts N` puts N new posts (two pictures each) on as many Facebook, Instagram and X accounts
(`world_gen.add_posts`): night 1 then judges them, and prints the content stage's CPU per post and
per picture. `--profile FILE` writes a cProfile of the first night (its main thread). `--revalidate`
expires the CDN's `max-age` in the image cache before night 2, so that every picture is
asked again (`If-None-Match`): the second night then shows 304s, never a full download.
The nights make no look-alike look-up unless `--lookups` is given (then with the configuration's
`lookups.*` budgets); `benchmarks/bench_lookups.py` measures a look-up night's share alone.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import logging
import math
import multiprocessing
import resource
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@dataclass
class Night:
    seconds: float
    calls: dict[str, int]
    minimum: dict[str, int]
    images_full: int
    images_304: int
    web_pages: int
    exit_status: int | None = None
    x_cost: dict[str, float] = field(default_factory=dict)  # users, posts, dollars of the night's UTC day
    html_bytes: int | None = None
    mail_bytes: int | None = None  # the coordinator's whole e-mail, attachments included
    mails: int = 0
    cpu_job: float = 0.0  # CPU seconds of the job's process and of its pictures' process
    cpu_pictures: float = 0.0  # of which the pictures' process (`scanner.net.image_process`)
    cpu_sandbox: float = 0.0  # CPU seconds of the sandbox's (the platforms' side)
    peak_rss_mb: float = 0.0  # of the night's own process
    config_seconds: float = 0.0  # reading and validating the configuration, part of `seconds`
    extra: dict[str, object] = field(default_factory=dict)


def batched_minimum(per_network: dict[str, int], first_night: bool, managed: int = 0) -> dict[str, int]:
    """The fewest calls the platforms' APIs allow for these accounts (issues 7 and 12).

    Facebook: `/me/accounts` once, the pages the token does not manage 50 per call, and one call
    per managed page with its page token (its last post and roles); Instagram one per account;
    X one per 100 (the last post comes in the same call); YouTube: handles resolved the first
    night, then 50 channels per call, and one playlist call per channel."""
    fb, ig = per_network.get("facebook", 0), per_network.get("instagram", 0)
    x, yt = per_network.get("x", 0), per_network.get("youtube", 0)
    youtube_channels = yt if first_night else math.ceil(yt / 50)
    return {
        "facebook": math.ceil((fb - managed) / 50) + (1 if fb else 0) + managed,
        "instagram": ig,
        "x": math.ceil(x / 100),
        "youtube": youtube_channels + yt,
    }


def count_requests(log: list[tuple]) -> tuple[dict[str, int], Counter]:
    """API calls per platform, and every (endpoint, status) pair, from the sandbox's request log
    ((endpoint, status, …) entries)."""
    calls: Counter = Counter()
    detail: Counter = Counter((entry[0], entry[1]) for entry in log)
    for endpoint, *_ in log:
        if endpoint == "graph.ig_discovery":
            calls["instagram"] += 1
        elif endpoint.startswith("graph"):
            calls["facebook"] += 1
        elif endpoint.startswith("x."):
            calls["x"] += 1
        elif endpoint.startswith("youtube"):
            calls["youtube"] += 1
    return {k: calls.get(k, 0) for k in ("facebook", "instagram", "x", "youtube")}, detail


def timeline(log: list[tuple[str, int, float, str]], began: float, step: float = 5.0) -> list[str]:
    """Requests answered per slice of `step` seconds since the night began, per kind of endpoint
    (the part before its first dot: graph, x, youtube, web; pictures per CDN host): which reads
    and downloads fill the night, and when each ends."""
    slices: dict[int, Counter] = {}
    for endpoint, _status, at, host in log:
        kind = endpoint.partition(".")[0]
        if kind == "media":  # scontent.sandbox.fbcdn.net -> cdn:fbcdn
            kind = "cdn:" + (host.split(".")[-2] if host.count(".") >= 1 else host)
        slices.setdefault(int((at - began) // step), Counter())[kind] += 1
    kinds = sorted({kind for counts in slices.values() for kind in counts})
    lines = ["  timeline   " + "".join(f"{kind:>8}" for kind in kinds)]
    for index in sorted(slices):
        counts = slices[index]
        lines.append(
            f"  {index * step:>5.0f}–{(index + 1) * step:<3.0f}s " + "".join(f"{counts[k]:>8}" for k in kinds)
        )
    return lines


def cpu_seconds() -> float:
    """User + system CPU time of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def coordinator_html_size(paths: list[Path], coordinator: str) -> tuple[int | None, int | None]:
    """(size of the HTML body, size of the whole message) of the coordinator's e-mail."""
    for path in paths:
        data = path.read_bytes()
        message = message_from_bytes(data, policy=policy.default)
        if coordinator in str(message.get("To", "")):
            body = message.get_body(preferencelist=("html",))
            if body is not None:
                return len(body.get_content().encode("utf-8")), len(data)
    return None, None


def run_nights(args: argparse.Namespace) -> list[Night]:
    from aiosmtpd.controller import Controller

    from vigie_sandbox.demo import MailFolder, free_port

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="vigie-bench-"))
    started = time.perf_counter()
    nights: list[Night] = []
    # The world is generated and served by one child process, the mail received by this one,
    # and each night runs in a fresh process, as cron starts it: its peak RSS and CPU are the
    # job's alone (configuration loading included).
    with RemoteSandbox(args.accounts, workdir / "config", args.seed, args.posts) as sandbox:
        per_network = sandbox.per_network
        night_one = dt.datetime.now(dt.UTC)
        print(
            f"world: {args.accounts} accounts {per_network}, generated in "
            f"{time.perf_counter() - started:.1f} s under {workdir}"
        )
        sandbox.call("latency", args.latency)
        for number in (1, 2):
            if number == 2 and args.revalidate:
                expire_image_cache(workdir / "var")
            hours = 24.0 * (number - 1)  # night 2: a day later, for the sandbox and for the job
            sandbox.call("clock", (night_one + dt.timedelta(hours=hours)).timestamp())
            mail = MailFolder(workdir / f"mail-{number}")
            controller = Controller(mail, hostname="127.0.0.1", port=free_port())
            controller.start()
            try:
                sandbox.call("clear")
                sandbox_began = sandbox.call("cpu")
                wall_began = time.time()  # the sandbox's log times are the machine's clock
                job = run_in_fresh_process(
                    _night,
                    workdir=workdir,
                    sandbox_url=sandbox.url,
                    sandbox_port=sandbox.port,
                    smtp_port=controller.port,
                    lookups=args.lookups,
                    content=not args.no_content,
                    audit_only=args.audit_only,
                    profile=args.profile if number == 1 else None,
                    hours_later=hours,
                )
                cpu_sandbox = sandbox.call("cpu") - sandbox_began
            finally:
                controller.stop()
            log = sandbox.call("log")
            calls, detail = count_requests(log)
            html_bytes, mail_bytes = coordinator_html_size(mail.received, job["coordinator"])
            nights.append(
                Night(
                    seconds=job["seconds"],
                    calls=calls,
                    minimum=batched_minimum(per_network, first_night=number == 1, managed=sandbox.managed),
                    x_cost=sandbox.call("x_cost", (night_one + dt.timedelta(hours=hours)).date().isoformat()),
                    images_full=detail[("media", 200)],
                    images_304=detail[("media", 304)],
                    web_pages=sum(v for (e, _), v in detail.items() if e == "web.page"),
                    exit_status=job["status"],
                    html_bytes=html_bytes,
                    mail_bytes=mail_bytes,
                    mails=len(mail.received),
                    cpu_job=job["cpu"],
                    cpu_pictures=job["cpu_pictures"],
                    cpu_sandbox=cpu_sandbox,
                    peak_rss_mb=job["peak_rss_mb"],
                    config_seconds=job["config_seconds"],
                    extra={**job["extra"], "endpoints": dict(sorted(detail.items()))},
                )
            )
            report(nights[-1], number, args.verbose)
            if args.timeline:
                print("\n".join(timeline(log, wall_began)))
    return nights


def expire_image_cache(state_dir: Path) -> int:
    """As if the CDN's `max-age` had run out: every cached picture must be asked again (a 304)."""
    from scanner.net.images import default_cache_path

    path = default_cache_path(state_dir)
    data = json.loads(path.read_text(encoding="utf-8"))
    for entry in data["entries"].values():
        entry["fresh_until"] = 0
    path.write_text(json.dumps(data), encoding="utf-8")
    return len(data["entries"])


def run_in_fresh_process(target, **kwargs):
    """`target(**kwargs)` in a new interpreter (spawned, not forked: nothing inherited)."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_answer, args=(sender, target, kwargs))
    process.start()
    sender.close()
    try:
        answer = receiver.recv()
    except EOFError:
        answer = RuntimeError(f"the night's process died (exit status {process.exitcode})")
    process.join()
    if isinstance(answer, BaseException):
        raise answer
    return answer


def _answer(sender, target, kwargs) -> None:
    try:
        sender.send(target(**kwargs))
    except BaseException as exc:
        sender.send(RuntimeError(f"{type(exc).__name__}: {exc}"))
        raise


def _night(*, workdir: Path, sandbox_url: str, sandbox_port: int, smtp_port: int, audit_only: bool,
           profile: str | None, hours_later: float = 0.0, lookups: bool = False,
           content: bool = True) -> dict:  # fmt: skip
    """One night, in its own process: what `run_audit.py` does, against the sandbox."""
    from scanner.plumbing.runtime import limit_malloc_arenas

    limit_malloc_arenas()  # as `run_audit.py` does first
    # the job's own log, each line with its millisecond since the night began: where the time goes
    logging.basicConfig(
        filename=workdir / f"night-{1 + int(hours_later // 24)}.log",
        level=logging.INFO,
        format="%(relativeCreated)7.0f ms %(threadName)s %(name)s: %(message)s",
    )
    began, cpu_began = time.perf_counter(), cpu_seconds()
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    from benchmarks.world_gen import secrets
    from scanner.config.load import load_config
    from scanner.config.models import LookupSettings
    from scanner.net.image_process import children_cpu
    from vigie_sandbox.demo import demo_settings

    config = load_config(workdir / "config")
    config_seconds = time.perf_counter() - began
    settings = demo_settings(config.settings, sandbox_url, smtp_port, workdir / "var")
    if not content:  # the profiles' night alone, as issue 12 measured it before the publications
        settings = settings.model_copy(
            update={"content": settings.content.model_copy(update={"enabled": False})}
        )
    if not lookups:  # the reads' figures, comparable night to night (look-up nights: --lookups)
        settings = settings.model_copy(update={"lookups": LookupSettings.off()})
    night_config = config.model_copy(update={"settings": settings})
    offset = dt.timedelta(hours=hours_later)
    clock = lambda: dt.datetime.now(dt.UTC) + offset  # noqa: E731 - the night's simulated time
    status, extra = _one_night(night_config, secrets(), sandbox_port, audit_only, clock)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    return {
        "seconds": time.perf_counter() - began,
        "config_seconds": config_seconds,
        "cpu": cpu_seconds() - cpu_began + children_cpu(),  # the pictures' process included
        "cpu_pictures": children_cpu(),
        "peak_rss_mb": peak_rss_mb(),
        "status": status,
        "extra": extra,
        "coordinator": config.registry.board.coordinator.email,
    }


class RemoteSandbox:
    """The sandbox in a child process: the platforms' CPU is not the job's (nor its memory).

    The child generates the world (config folder written to disk) and serves it; commands go through a pipe: `call("latency", s)`,
    `call("clear")`, `call("log")` -> [(endpoint, status), …].
    """

    def __init__(self, accounts: int, folder: Path, seed: int, posts: int = 0):
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(accounts, folder, seed, child, posts), daemon=True
        )

    def __enter__(self) -> RemoteSandbox:
        self._process.start()
        self.per_network = self._conn.recv()
        self.managed = self._conn.recv()
        self.port = self._conn.recv()
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.call("stop")
        self._process.join(timeout=10)

    def call(self, *command):
        self._conn.send(command)
        return self._conn.recv()


def _serve(accounts: int, folder: Path, seed: int, conn, posts: int = 0) -> None:
    from benchmarks.world_gen import generate
    from vigie_sandbox.server import SandboxServer
    from vigie_sandbox.twitter import billing

    generated = generate(accounts, folder, seed=seed, posts=posts)
    conn.send(generated.per_network)
    conn.send(generated.managed_pages)
    clock = [time.time()]  # the world's time, moved by the "clock" command
    with SandboxServer(generated.world, now=lambda: dt.datetime.fromtimestamp(clock[0], dt.UTC)) as sandbox:
        conn.send(sandbox.port)
        while True:
            command, *args = conn.recv()
            answer = None
            if command == "latency" and args[0]:
                for endpoint in ("graph", "x.", "youtube", "web", "media"):
                    sandbox.faults.set(endpoint, latency=args[0])
            elif command == "clear":
                sandbox.clear_log()
            elif command == "log":
                answer = [(entry.endpoint, entry.status, entry.at, entry.host) for entry in sandbox.log]
            elif command == "cpu":
                answer = cpu_seconds()
            elif command == "clock":
                clock[0] = args[0]
            elif command == "x_cost":
                day = dt.date.fromisoformat(args[0])
                users, posts = billing(sandbox).reads(day)
                answer = {"users": users, "posts": posts, "dollars": billing(sandbox).dollars(day)}
            conn.send(answer)
            if command == "stop":
                return


def _one_night(config, secrets, sandbox_port: int, audit_only: bool, clock) -> tuple[int | None, dict]:
    resolve = {"*": f"127.0.0.1:{sandbox_port}"}
    if audit_only:
        from scanner.night.audit import audit
        from scanner.night.wiring import build_sources, close_sources

        sources = build_sources(config, secrets, resolve=resolve, clock=clock)
        try:
            outcome = audit(config.registry, config.settings, sources, clock)
        finally:
            close_sources(sources)
        unverified = sum(not a.verified for a in outcome.accounts)
        failing = Counter(r.check for r in outcome.results if r.status == "non_conforme")
        not_verifiable = Counter(r.check for r in outcome.results if r.status == "non_verifiable")
        return None, {
            "unverified": unverified,
            "non_conforme": dict(failing.most_common()),
            "non_verifiable": dict(not_verifiable.most_common()),
        }
    from scanner.night.job import run_job

    outcome = run_job(config, secrets, resolve=resolve, clock=clock)
    summary = dict(outcome.summary)
    extra: dict = {"summary": summary}
    stats = summary.pop("publications", None)
    if stats:
        extra["posts_calls"] = {
            k.removeprefix("calls_"): int(v) for k, v in stats.items() if k.startswith("calls_")
        }
        extra["posts_not_asked"] = int(stats.get("not_asked", 0))
    if stats and stats.get("posts"):
        posts, pictures = stats["posts"], stats.get("pictures", 0)
        extra["publications"] = (
            f"{posts:.0f} posts judged ({stats.get('texts', 0):.0f} distinct texts, each read once), "
            f"{pictures:.0f} pictures ({stats.get('downloads', 0):.0f} downloaded); "
            f"CPU {1000 * stats['text_cpu'] / posts:.1f} ms a post (text checks), "
            f"{1000 * stats['faces_cpu'] / max(pictures, 1):.1f} ms a picture (faces); "
            f"the stage's whole CPU {stats['judge_cpu']:.1f} s (loading the tools {stats.get('tools_cpu', 0):.1f} s)"
        )
    return outcome.exit_status, extra


def report(night: Night, number: int, verbose: bool) -> None:
    print(
        f"\n--- night {number}: {night.seconds:.1f} s wall (configuration {night.config_seconds:.1f} s), "
        f"exit status {night.exit_status}"
    )
    print(
        f"  CPU        {night.cpu_job:>6.1f} s job ({night.cpu_pictures:.1f} s of it downloading pictures "
        f"in its own process), {night.cpu_sandbox:.1f} s sandbox (2 cores: "
        f"{(night.cpu_job + night.cpu_sandbox) / max(night.seconds, 1e-9) / 2:.0%} busy)"
    )
    for platform, calls in night.calls.items():
        minimum = night.minimum[platform]
        # the publications' reading is its own budget (issue 16): the profiles' calls are compared
        # with the batched minimum of the profiles (issues 7 and 12)
        posts_calls = night.extra.get("posts_calls", {}).get(platform, 0)
        profiles = calls - posts_calls
        ratio = profiles / minimum if minimum else float("nan")
        print(
            f"  {platform:<10} {calls:>6} calls: profiles {profiles:>5} (batched minimum {minimum:>5}, "
            f"×{ratio:.2f}), publications {posts_calls:>5}"
        )
    print(f"  images     {night.images_full:>6} full, {night.images_304} not modified (304)")
    cost = night.x_cost
    if cost:
        print(
            f"  X cost     {cost['dollars']:>6.2f} $ US ({cost['users']} users at $0.010, "
            f"{cost['posts']} posts at $0.005, distinct in the night's UTC day)"
        )
    print(f"  web pages  {night.web_pages:>6} (discovery and links)")
    print(f"  peak RSS   {night.peak_rss_mb:>6.0f} MB (the night's process)")
    if night.html_bytes is not None:
        print(
            f"  coordinator e-mail HTML body {night.html_bytes / 1000:.1f} kB "
            f"({(night.mail_bytes or 0) / 1e6:.1f} MB with its attachments), {night.mails} e-mails sent"
        )
    for key, value in night.extra.items():
        if key == "posts_calls":
            continue
        if key != "endpoints" or verbose:
            print(f"  {key}: {value}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every sandbox answer")
    parser.add_argument("--seed", type=int, default=142)
    parser.add_argument("--workdir", help="where to generate the world (default: a new temporary folder)")
    parser.add_argument("--audit-only", action="store_true", help="the audit stage only, no publish")
    parser.add_argument("--profile", help="write a cProfile of the first night to this file")
    parser.add_argument("--verbose", action="store_true", help="every endpoint and status counted")
    parser.add_argument(
        "--timeline", action="store_true", help="requests per kind of endpoint in each 5 s of the night"
    )
    parser.add_argument(
        "--posts", type=int, default=0, help="new posts of the last week in the world (2 pictures each)"
    )
    parser.add_argument(
        "--revalidate",
        action="store_true",
        help="before night 2, expire the CDN's max-age in the image cache: every picture is asked again",
    )
    parser.add_argument(
        "--no-content",
        action="store_true",
        help="no publications stage (content.enabled: false): the profiles' audit, report and notices",
    )
    parser.add_argument(
        "--lookups",
        action="store_true",
        help="the nights make their look-alike look-ups (settings' lookups.*); without it, none",
    )
    args = parser.parse_args(argv)
    nights = run_nights(args)
    first, second = nights
    print(
        f"\nsecond night (24 h later, every signed URL rotated): {second.seconds / first.seconds:.0%} "
        f"of the first; {second.images_full} full image downloads"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
