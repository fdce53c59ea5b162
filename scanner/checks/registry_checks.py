"""Checks of the registry itself (the DA 142 forms): permission, usage plan, one official account."""

from __future__ import annotations

from collections import defaultdict

from scanner.checks.base import Context, Outcome, Severity, board_today, conforme, non_conforme
from scanner.checks.catalogue import check
from scanner.config.models import Account
from scanner.platforms.snapshot import Snapshot
from scanner.plumbing.french import date_long, listing, quoted


@check(
    id="permission.on-file",
    clause="§1.a",
    severity=Severity.MAJEURE,
    title="Permission écrite au dossier",
    verifies="""Le registre indique qui a donné la permission écrite (Formulaire DA 142) d’utiliser
    ce compte au nom de l’école ou du CSNO, et à quelle date.""",
    why="""La DA 142 (§1.a) exige la permission écrite de la direction d’école ou du superviseur
    avant d’utiliser les médias sociaux au nom de l’école ou du CSNO.""",
    fix="""Remplissez le Formulaire DA 142 avec les administrateurs du compte et signez-le (direction
    d’école ou superviseur), puis transmettez-le à la coordonnatrice des communications, qui
    inscrira au registre le nom de la personne qui a approuvé et la date.""",
    needs_platform=False,
)
def permission_on_file(account: Account, snapshot: Snapshot | None, ctx: Context) -> Outcome:
    permission = account.permission
    if permission is None:
        return non_conforme("aucune permission écrite (Formulaire DA 142) au registre")
    missing = []
    if not permission.approved_by:
        missing.append("le nom de la personne qui a approuvé")
    if permission.date is None:
        missing.append("la date")
    if missing:
        return non_conforme(f"permission incomplète\u00a0: il manque {listing(missing)}")
    if permission.date > board_today(ctx):
        return non_conforme(f"permission datée du {date_long(permission.date)}, une date future")
    return conforme(f"approuvée par {permission.approved_by} le {date_long(permission.date)}")


_PART_LABELS = {
    "objectif": "l’objectif général",
    "public": "le public visé",
    "nature": "la nature de l’information partagée",
    "calendrier": "le calendrier des mises à jour",
}


@check(
    id="plan.complete",
    clause="§5.b",
    severity=Severity.MINEURE,
    title="Plan d’utilisation complet",
    verifies="""Le plan d’utilisation du compte (Formulaire DA 142) a ses quatre parties\u00a0: l’objectif
    général, le public visé, la nature de l’information partagée et le calendrier des
    interactions ou mises à jour.""",
    why="""La DA 142 (§5.b) exige que chaque compte ait un plan d’utilisation qui inclut ces quatre
    parties; le calendrier sert aussi à vérifier que le compte est tenu à jour (§5.i).""",
    fix="""Complétez le plan d’utilisation dans le Formulaire DA 142 et transmettez les parties
    manquantes à la coordonnatrice des communications.""",
    needs_platform=False,
)
def plan_complete(account: Account, snapshot: Snapshot | None, ctx: Context) -> Outcome:
    missing = account.plan.missing_parts()
    if missing:
        labels = [_PART_LABELS[part] for part in missing]
        return non_conforme(f"il manque au plan d’utilisation {listing(labels)}")
    return conforme()


@check(
    id="official.unique",
    clause="§5.c",
    severity=Severity.MAJEURE,
    title="Un seul compte officiel par école et par réseau",
    verifies="""Une école n’a qu’un seul compte marqué officiel sur chaque réseau social (une page et un
    groupe Facebook comptent pour le même réseau).""",
    why="""La DA 142 (§5.c) prévoit un seul compte officiel par école pour chaque réseau social\u00a0:
    deux pages officielles divisent le public et l’une d’elles finit souvent abandonnée.""",
    fix="""Choisissez le compte qui reste officiel. Fermez l’autre (ou retirez-lui la mention
    «\u00a0page officielle\u00a0») et demandez à la coordonnatrice des communications de mettre le
    registre à jour.""",
    needs_platform=False,
)
def official_unique(account: Account, snapshot: Snapshot | None, ctx: Context) -> Outcome | None:
    if not account.official:
        return None
    officials = ctx.memo("registry.officials", lambda: _officials_by_school_and_platform(ctx))
    others = [other for other in officials[(account.school, account.network.platform)] if other != account.id]
    if others:
        declared = {a.id: a for a in ctx.registry.accounts}
        shown = [_described(declared[other]) if other in declared else other for other in others]
        return non_conforme(f"l’école a un autre compte officiel sur ce réseau\u00a0: {listing(shown)}")
    return conforme()


def _described(account: Account) -> str:
    """« « École …_CSNO (page officielle) » (@ENFCSNO) »: the declared name and the handle, not the id."""
    return f"{quoted(account.name)} (@{account.handle.lstrip('@')})"


def _officials_by_school_and_platform(ctx: Context) -> dict[tuple[str, str], list[str]]:
    index: dict[tuple[str, str], list[str]] = defaultdict(list)
    for other in ctx.registry.accounts:
        if other.official:
            index[(other.school, other.network.platform)].append(other.id)
    return index
