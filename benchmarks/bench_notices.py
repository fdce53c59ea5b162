"""Notices benchmark (issue 12): CPU per notice to render, record and send, as the night does.

    .venv/bin/python benchmarks/bench_notices.py [--accounts 2000] [--rounds 3]

Builds a registry of `--accounts` accounts (`benchmarks/registry_gen.py`, 20 a school), gives
every school findings as a night at 10,000 accounts does (one to four accounts with one or two
majeure/mineure non-conformities; one school in seven open for more than 30 days, so an
escalation with its Cc; one in four with posts with faces « à vérifier » and their JPEG
thumbnails), plans the notices with `plan_notices`, then for each notice, as
`scanner.notices.deliver.send_notices` does:

- render: `render_notice` (templates, typography, CSS inlined, headers, MIME tree);
- record: `queue` (the message's bytes and recipients, into a real SQLite history);
- send: `deliver_records` over one reused SMTP connection to an aiosmtpd (a `Sink`) in a
  child process on loopback, so the server's CPU is not counted.

It prints, per stage, the main process's CPU milliseconds per notice (the mean over the notices
of the best of `--rounds` rounds) and the wall milliseconds per notice; the SMTP server's waits
show in the wall time only. Speed lives here, never in timed tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from PIL import Image  # noqa: E402

from benchmarks.registry_gen import registry_data  # noqa: E402
from scanner.checks.base import Severity, Status  # noqa: E402
from scanner.checks.catalogue import CATALOGUE  # noqa: E402
from scanner.config.models import Registry, Settings  # noqa: E402
from scanner.history.findings import Finding, FindingState, finding_id  # noqa: E402
from scanner.history.posts import Review  # noqa: E402
from scanner.history.store import History  # noqa: E402
from scanner.mail.delivery import ReusedConnection  # noqa: E402
from scanner.notices.deliver import deliver_records, queue  # noqa: E402
from scanner.notices.plan import NoticeLog, plan_notices  # noqa: E402
from scanner.notices.render import render_notice  # noqa: E402
from scanner.notices.thumbnails import faces_posts  # noqa: E402

NOW = dt.datetime(2026, 12, 3, 11, 0, tzinfo=dt.UTC)
ACCOUNT_CHECKS = sorted(
    c.id for c in CATALOGUE.values() if not c.per_post and c.severity in (Severity.MAJEURE, Severity.MINEURE)
)
DETAILS = ("Nom actuel : « École numéro 3 »", "2 administrateurs : il en faut au moins 2 de l’école", None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sink(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-u",
            "-c",
            "aiosmtpd.handlers.Sink",
            "-l",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("aiosmtpd did not start")


def jpeg(rng: random.Random) -> bytes:
    picture = Image.effect_noise((240, 180), rng.randrange(20, 80)).convert("RGB")
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=80)
    return out.getvalue()


def world(n_accounts: int, seed: int = 12):
    """The registry, the night's findings and reviews, and the reviews' thumbnails."""
    rng = random.Random(seed)
    registry = Registry.model_validate(registry_data(n_accounts))
    findings, reviews, thumbnails = [], [], {}
    pictures = [jpeg(rng) for _ in range(8)]
    for number, school in enumerate(registry.schools):
        accounts = registry.accounts_of(school.id)
        old = number % 7 == 3  # open for 31 days: an escalation (Cc the coordinator, the admins)
        for account in rng.sample(accounts, min(len(accounts), rng.randint(1, 4))):
            for check in rng.sample(ACCOUNT_CHECKS, rng.randint(1, 2)):
                since = NOW - dt.timedelta(days=31 if old else 0)
                state = FindingState.OPEN if old else FindingState.NEW
                findings.append(
                    Finding(
                        finding_id(account.id, check),
                        account.id,
                        check,
                        Status.NON_CONFORME,
                        state,
                        since,
                        NOW,
                        detail=rng.choice(DETAILS),
                    )  # fmt: skip
                )
        if number % 4 == 1:
            for k in range(rng.randint(1, 6)):
                account = rng.choice(accounts)
                post = f"{account.id}_{k}"
                reviews.append(
                    Review(
                        account.id,
                        post,
                        f"https://www.facebook.com/{post}",
                        "content.faces",
                        f"{k + 1} visages",
                        NOW - dt.timedelta(days=k),
                    )  # fmt: skip
                )
                thumbnails[(account.id, post)] = rng.choice(pictures)
    return registry, findings, reviews, thumbnails


def settings_for(port: int, state_dir: Path) -> Settings:
    return Settings(
        state_dir=state_dir,
        report={"to": ("communications@csno.ab.ca",)},
        smtp={
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "sender": "Vigie DA 142 <audit@csno.ab.ca>",
        },
    )


def one_round(registry, findings, reviews, thumbnails, settings, folder: Path, run: int) -> dict[str, list]:
    notices = plan_notices(
        findings, registry, settings, NOW, NoticeLog(), catalogue=CATALOGUE, reviews=reviews
    )
    times: dict[str, list] = {"render": [], "record": [], "send": []}
    run_id = f"bench-{run}"
    with History(folder / f"history-{run}.sqlite") as history, ReusedConnection() as send:
        history.record_run(run_id, NOW, NOW, "complete", [], [], {})  # the notices' run
        for notice in notices:
            shown = {k: thumbnails[k] for k in faces_posts(notice.reviews)[:4]}
            cpu, wall = time.process_time(), time.perf_counter()
            message = render_notice(notice, registry, settings, run_id=run_id, now=NOW, thumbnails=shown)
            cpu, wall = tick(times["render"], cpu, wall)
            records = queue(history, [(notice, message)], run_id=run_id, now=NOW)
            cpu, wall = tick(times["record"], cpu, wall)
            [delivery] = deliver_records(history, records, settings.smtp, None, NOW, send=send)
            tick(times["send"], cpu, wall)
            if delivery.state != "sent":
                raise SystemExit(f"notice not sent: {delivery}")
    return times


def tick(into: list, cpu: float, wall: float) -> tuple[float, float]:
    now_cpu, now_wall = time.process_time(), time.perf_counter()
    into.append(((now_cpu - cpu) * 1000, (now_wall - wall) * 1000))
    return now_cpu, now_wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    registry, findings, reviews, thumbnails = world(args.accounts)
    port = free_port()
    server = start_sink(port)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = settings_for(port, Path(tmp))
            rounds = [
                one_round(registry, findings, reviews, thumbnails, settings, Path(tmp), run)
                for run in range(args.rounds + 1)
            ][1:]  # the first round warms up (templates compiled, modules imported)
    finally:
        server.terminate()
        server.wait(10)
    count = len(rounds[0]["render"])
    print(f"{count} notices ({args.accounts} accounts), best of {args.rounds} rounds, per notice:")
    total_cpu = total_wall = 0.0
    for stage in ("render", "record", "send"):
        cpu = sum(min(r[stage][i][0] for r in rounds) for i in range(count)) / count
        wall = sum(min(r[stage][i][1] for r in rounds) for i in range(count)) / count
        total_cpu, total_wall = total_cpu + cpu, total_wall + wall
        print(f"  {stage:<7} CPU {cpu:6.2f} ms   wall {wall:6.2f} ms")
    print(f"  {'total':<7} CPU {total_cpu:6.2f} ms   wall {total_wall:6.2f} ms")


if __name__ == "__main__":
    main()
