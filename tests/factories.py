"""Small factories for tests (and tools): registry pieces, settings, checks, results, snapshots.

Everything takes keyword overrides; nothing touches the disk or the network.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from scanner.checks.base import Check, Outcome, PictureEvidence, Result, Severity, Status, conforme
from scanner.config.models import Account, Admin, Board, Person, Plan, Registry, School, Settings
from scanner.night.outcomes import AccountOutcome
from scanner.platforms.snapshot import FetchStatus, Snapshot

NIGHT = dt.datetime(2026, 11, 24, 11, 0, tzinfo=dt.UTC)  # 4 h 00 in Edmonton
GROUPS = ("4e année", "Bibliothèque", "Volleyball", "Robotique", "Théâtre", "Conseil étudiant", "Musique")
NETWORKS = ("facebook", "instagram", "x", "youtube", "facebook_group")
SCHOOL_NAMES = (
    ("eqv", "École des Quatre-Vents", "ÉQV"),
    ("eh", "École Héritage", "ÉH"),
    ("enf", "École Nouvelle-Frontière", "ÉNF"),
    ("els", "École La Source", "ÉLS"),
    ("ebo", "École Boréale", "ÉB"),
    ("esm", "École du Sommet", "ÉS"),
)


def night(n: int) -> dt.datetime:
    """The start of the n-th nightly run (0 is `NIGHT`)."""
    return NIGHT + dt.timedelta(days=n)


def person(name: str = "Julie Côté", email: str = "julie.cote@csno.ab.ca") -> Person:
    return Person(name=name, email=email)


def make_board(**over) -> Board:
    values = {
        "name": "Conseil scolaire du Nord-Ouest",
        "suffix": "CSNO",
        "website": "https://www.csno.ab.ca",
        "email_domains": ("csno.ab.ca",),
        "logo": Path("logos/csno.png"),
        "coordinator": person("Isabelle Gagnon", "communications@csno.ab.ca"),
        "direction_generale": person("Marc-André Lavoie", "dg@csno.ab.ca"),
    }
    return Board(**(values | over))


def make_school(id: str = "eqv", name: str | None = None, **over) -> School:
    known = {sid: (sname, acronym) for sid, sname, acronym in SCHOOL_NAMES}
    default_name, acronym = known.get(id, (f"École {id.upper()}", id.upper()))
    values = {
        "id": id,
        "name": name or default_name,
        "acronyms": (acronym,),
        "website": f"https://{id}.csno.ab.ca",
        "email": f"{id}@csno.ab.ca",
        "logo": Path(f"logos/{id}.png"),
        "principal": person(f"Direction {id.upper()}", f"direction.{id}@csno.ab.ca"),
    }
    return School(**(values | over))


def make_account(id: str = "eqv-facebook", school: str = "eqv", network: str = "facebook", **over) -> Account:
    values = {
        "id": id,
        "school": school,
        "network": network,
        "handle": over.pop("handle", id.replace("-", "_")),
        "official": False,
        "name": f"{id}_CSNO",
        "admins": (
            Admin(name="Julie Côté", email="julie.cote@csno.ab.ca", role="enseignant"),
            Admin(name="Luc Roy", email="luc.roy@csno.ab.ca", role="direction"),
        ),
        "plan": Plan(objectif="Informer", public="Familles", nature="Annonces", calendrier="hebdomadaire"),
    }
    return Account(**(values | over))


def make_registry(
    schools: int = 3, accounts_per_school: int = 4, extra: Iterable[Account] = (), school_names: Sequence = ()
) -> Registry:
    """`schools` schools (known CSNO names first), each with `accounts_per_school` accounts over the networks."""
    school_list = []
    for index in range(schools):
        if index < len(SCHOOL_NAMES) and not school_names:
            school_list.append(make_school(SCHOOL_NAMES[index][0]))
        else:
            name = school_names[index] if index < len(school_names) else None
            school_list.append(make_school(f"s{index:03d}", name=name))
    accounts = []
    for school in school_list:
        for n, network in zip(range(accounts_per_school), itertools.cycle(NETWORKS), strict=False):
            account_id = f"{school.id}-{network.replace('_', '-')}-{n}"
            official = n < len(NETWORKS) - 1  # the first of each network is the official one
            if official:
                name = (
                    f"{school.name}_CSNO (page officielle)"
                    if network == "facebook"
                    else f"{school.name}_CSNO"
                )
            else:
                name = f"{school.name} {GROUPS[n % len(GROUPS)]}_CSNO"
            accounts.append(make_account(account_id, school.id, network, official=official, name=name))
    accounts.extend(extra)
    return Registry(board=make_board(), schools=tuple(school_list), accounts=tuple(accounts))


def make_settings(state_dir: Path = Path("var"), **smtp) -> Settings:
    smtp_values = {
        "host": "127.0.0.1",
        "port": 2525,
        "security": "none",
        "sender": "Vigie DA 142 <audit@csno.ab.ca>",
    }
    return Settings(
        state_dir=state_dir,
        report={"to": ("communications@csno.ab.ca",)},
        smtp=smtp_values | smtp,
    )


def make_check(
    id: str = "name.suffix",
    clause: str = "§5.d",
    severity: Severity = Severity.MAJEURE,
    title: str | None = None,
    fix: str = "Renommer le compte selon le format « (nom)_CSNO ».",
    needs_platform: bool = True,
    fn: Callable[..., Outcome] | None = None,
    evidence: PictureEvidence | None = None,
) -> Check:
    return Check(
        id=id,
        clause=clause,
        severity=severity,
        title=title or f"Règle {id}",
        verifies=f"Ce que vérifie {id}.",
        why=f"La DA 142 l’exige ({clause}).",
        fix=fix,
        needs_platform=needs_platform,
        fn=fn or (lambda account, snapshot, context: conforme()),
        evidence=evidence,
    )


def make_catalogue() -> dict[str, Check]:
    """A small hand-made catalogue, in the image of `scanner.checks.catalogue.CATALOGUE`."""
    checks = (
        make_check("permission.on-file", "§1.a", Severity.MAJEURE, "Permission écrite au dossier",
                   "Remplir le Formulaire DA 142 et le faire signer par la direction d’école.", False),
        make_check("admins.count", "§5.a", Severity.MAJEURE, "Au moins deux administrateurs",
                   "Ajouter un deuxième membre du personnel comme administrateur du compte.", False),
        make_check("name.suffix", "§5.d", Severity.MAJEURE, "Nom au format (nom)_CSNO",
                   "Renommer le compte pour qu’il se termine par « _CSNO ».", True),
        make_check("logo.school", "§5.f", Severity.MINEURE, "Logo officiel de l’école",
                   "Remplacer la photo de profil par le logo officiel de l’école.", True,
                   evidence=PictureEvidence("avatar", "school")),
        make_check("account.reachable", "§5.i", Severity.CRITIQUE, "Compte public et accessible",
                   "Rendre le compte public ou signaler sa fermeture à la coordonnatrice.", True),
        make_check("links.board", "§5.g", Severity.INFO, "Lien vers le site du CSNO",
                   "Ajouter www.csno.ab.ca dans les liens du profil.", True),
    )  # fmt: skip
    return {check.id: check for check in checks}


def make_result(
    account: str, check: str = "name.suffix", status: Status = Status.CONFORME, detail=None
) -> Result:
    return Result(account=account, check=check, status=Status(status), detail=detail)


def all_results(
    accounts: Iterable[str], checks: Iterable[str], status_of: Callable[[str, str], Status] | None = None
) -> list[Result]:
    """One result per (account, check); `status_of(account, check)` decides (conforme by default)."""
    checks = list(checks)
    return [
        make_result(a, c, status_of(a, c) if status_of else Status.CONFORME) for a in accounts for c in checks
    ]


def make_snapshot(network: str = "facebook", handle: str = "EQVCSNO", **over) -> Snapshot:
    values = {"network": network, "handle": handle, "status": FetchStatus.OK, "name": f"{handle}_CSNO"}
    return Snapshot(**(values | over))


def outcome(account: Account, verified: bool = True, reason: str | None = None) -> AccountOutcome:
    return AccountOutcome(account.id, account.school, str(account.network), verified, reason)


def outcomes(
    registry: Registry, unverified: Callable[[Account], str | None] | None = None
) -> list[AccountOutcome]:
    """An outcome for every account; `unverified(account)` returns a reason to leave one unverified."""
    result = []
    for account in registry.accounts:
        reason = unverified(account) if unverified else None
        result.append(outcome(account, verified=reason is None, reason=reason))
    return result


def make_report(
    registry: Registry | None = None,
    status_of: Callable[[str, str], Status] | None = None,
    *,
    history=None,
    nights: int = 1,
    first_night: int = 0,
    unverified: Callable[[Account], str | None] | None = None,
    catalogue: dict[str, Check] | None = None,
    **build,
):
    """A report for `nights` nights recorded in `history` (a `scanner.history.store.History`, or a fresh
    in-memory-like one under a temporary folder when None); `status_of(account, check)` per result."""
    import tempfile

    from scanner.history.store import History
    from scanner.report.model import RunInfo, build_report

    registry = registry or make_registry()
    catalogue = catalogue or make_catalogue()
    accounts = outcomes(registry, unverified)
    unverified_ids = {a.id for a in accounts if not a.verified}

    def status(account: str, check: str) -> Status:
        if account in unverified_ids and catalogue[check].needs_platform:
            return Status.NON_VERIFIABLE
        return status_of(account, check) if status_of else Status.CONFORME

    def record(h) -> tuple:
        findings, results = [], []
        for n in range(first_night, first_night + nights):
            results = [make_result(a.id, c, status(a.id, c)) for a in registry.accounts for c in catalogue]
            findings = h.record_run(f"run-{n}", night(n), night(n) + dt.timedelta(minutes=5), "complete",
                                    accounts, results, {})  # fmt: skip
        return findings, results, h.trend(), h.last_run()

    if history is None:
        with tempfile.TemporaryDirectory() as folder, History(Path(folder) / "h.sqlite3") as h:
            findings, results, trend, last = record(h)
    else:
        findings, results, trend, last = record(history)
    values = {
        "run": RunInfo(
            last.id, last.started_at, last.finished_at, "partial" if unverified_ids else "complete"
        ),
        "registry": registry,
        "catalogue": catalogue,
        "accounts": accounts,
        "results": results,
        "findings": findings,
        "timezone": "America/Edmonton",
        "generated_at": last.finished_at,
        "trend": trend,
    }
    return build_report(**(values | build))
