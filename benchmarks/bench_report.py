"""The coordinator's side of the publish stage (issue 12): CPU to record a night, build its report,
save it (JSON, HTML, workbook) and render its e-mail, at `--accounts` accounts.

    .venv/bin/python benchmarks/bench_report.py [--accounts 10000] [--rounds 2]

A registry of `--accounts` accounts (`benchmarks/registry_gen.py`), a snapshot per account and a
verdict per (account, account check of the catalogue) — nine in ten conforme, the others
non_conforme, non_verifiable or manuel — recorded into a real SQLite history as
`scanner.night.publish` does (`History.record_night`, then `build_report`, `save_report`,
`render_report`), each round into a new history (a first night: every failure a new finding).
Prints each stage's CPU milliseconds (the best of `--rounds`). Speed lives here, never in tests.
`--keep DIR` leaves the last round's files there (the report's JSON, HTML, workbook, and the
e-mail as `report.eml`), to compare two versions' outputs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from benchmarks.registry_gen import registry_data  # noqa: E402
from scanner.checks.base import Result, Status  # noqa: E402
from scanner.checks.catalogue import CATALOGUE  # noqa: E402
from scanner.config.models import Registry, Settings  # noqa: E402
from scanner.history.store import UNFINISHED, History  # noqa: E402
from scanner.mail.render import render_report, secret_variables  # noqa: E402
from scanner.night.outcomes import AccountOutcome  # noqa: E402
from scanner.night.publish import not_counted  # noqa: E402
from scanner.platforms.snapshot import FetchStatus, Snapshot  # noqa: E402
from scanner.report.archive import save_report  # noqa: E402
from scanner.report.model import RunInfo, build_report  # noqa: E402

NOW = dt.datetime(2026, 12, 3, 11, 0, tzinfo=dt.UTC)
DETAILS = ("Nom actuel : « École numéro 3 »", "1 administrateur : il en faut au moins 2", None)


def night(n_accounts: int, seed: int = 12):
    rng = random.Random(seed)
    registry = Registry.model_validate(registry_data(n_accounts))
    checks = [c for c in CATALOGUE.values() if not c.per_post]
    accounts, results, snapshots = [], [], {}
    for account in registry.accounts:
        network = str(account.network)
        accounts.append(AccountOutcome(account.id, account.school, network, True, None))
        snapshots[account.id] = Snapshot(
            network=network, handle=account.handle, status=FetchStatus.OK, name=account.name,
            description=f"Compte de {account.name}. https://www.csno.ab.ca/?ref=profil", followers=rng.randrange(5000),
        )  # fmt: skip
        for check in checks:
            if not check.applies_to(account):
                continue
            roll = rng.random()
            status = (
                Status.CONFORME if roll < 0.9 else Status.NON_CONFORME if roll < 0.97
                else Status.NON_VERIFIABLE if roll < 0.99 else Status.MANUEL
            )  # fmt: skip
            detail = rng.choice(DETAILS) if status is not Status.CONFORME else None
            results.append(Result(account=account.id, check=check.id, status=status, detail=detail))
    return registry, accounts, results, snapshots


def settings_for(state_dir: Path) -> Settings:
    return Settings(
        state_dir=state_dir,
        report={"to": ("communications@csno.ab.ca",)},
        smtp={
            "host": "127.0.0.1",
            "port": 2525,
            "security": "none",
            "sender": "Vigie DA 142 <audit@csno.ab.ca>",
        },
    )


def one_round(
    registry, accounts, results, snapshots, folder: Path, keep: Path | None = None
) -> dict[str, float]:
    settings = settings_for(folder)
    times: dict[str, float] = {}
    cpu = time.process_time()

    def tick(stage: str) -> None:
        nonlocal cpu
        now = time.process_time()
        times[stage] = (now - cpu) * 1000
        cpu = now

    with History(folder / "history.sqlite3") as history:
        recorded = history.record_night(
            "bench", NOW, NOW, UNFINISHED, accounts, results, snapshots, not_counted=not_counted(CATALOGUE)
        )
        tick("record_night")
        report = build_report(
            run=RunInfo("bench", NOW, NOW, "complete"), registry=registry, catalogue=CATALOGUE,
            accounts=accounts, results=results, findings=recorded.findings, timezone=settings.timezone,
            generated_at=NOW, snapshots=snapshots, trend=history.trend(30),
        )  # fmt: skip
        tick("build_report")
        files = save_report(report, folder, variables=secret_variables(settings))  # as publish does
        tick("save_report")
        message = render_report(report, registry, settings, NOW, workbook=files.xlsx.read_bytes())
        data = message.as_bytes()
        tick("render_report")
    if keep is not None:
        shutil.copytree(folder / "reports", keep, dirs_exist_ok=True)
        (keep / "report.eml").write_bytes(data)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="leave the last round's files in this folder")
    args = parser.parse_args()
    registry, accounts, results, snapshots = night(args.accounts)
    rounds = []
    for n in range(args.rounds):
        keep = args.keep if n == args.rounds - 1 else None
        with tempfile.TemporaryDirectory() as tmp:
            rounds.append(one_round(registry, accounts, results, snapshots, Path(tmp), keep))
    print(f"{args.accounts} accounts, {len(results)} verdicts, best of {args.rounds} rounds, CPU ms:")
    total = 0.0
    for stage in rounds[0]:
        best = min(r[stage] for r in rounds)
        total += best
        print(f"  {stage:<14}{best:8.0f}")
    print(f"  {'total':<14}{total:8.0f}")


if __name__ == "__main__":
    main()
