"""Is the declared account there at all (§5.i)?"""

from __future__ import annotations

from scanner.checks.base import Context, Outcome, Severity, conforme, non_conforme
from scanner.checks.catalogue import check
from scanner.config.models import Account
from scanner.platforms.snapshot import FetchStatus, Snapshot

_GONE = {
    FetchStatus.NOT_FOUND: "la plateforme indique que ce compte n’existe pas (ou plus)",
    FetchStatus.SUSPENDED: "la plateforme indique que ce compte est suspendu",
    FetchStatus.PRIVATE: "le compte existe mais n’est pas public",
}


@check(
    id="account.reachable",
    clause="§5.i",
    severity=Severity.MAJEURE,
    title="Compte accessible",
    verifies="""Le compte déclaré au registre existe sur la plateforme, est public et n’est pas
    suspendu.""",
    why="""Un compte supprimé, suspendu ou devenu privé ne joue plus son rôle auprès des familles, et
    son nom peut être repris par quelqu’un d’autre. La DA 142 (§5.i) réserve au CSNO le droit de
    supprimer les comptes qui ne respectent pas les critères\u00a0: le registre doit refléter ce qui
    existe vraiment.""",
    fix="""Vérifiez le nom d’utilisateur déclaré au registre. Si le compte a été fermé, demandez à la
    coordonnatrice des communications de le retirer du registre; s’il a été suspendu ou rendu
    privé, rétablissez-le ou signalez-le à la coordonnatrice.""",
    gone_accounts=True,
)
def account_reachable(account: Account, snapshot: Snapshot, ctx: Context) -> Outcome:
    if snapshot.ok:
        return conforme()
    detail = _GONE.get(snapshot.status, "compte inaccessible")
    if snapshot.reason:
        detail += f" ({snapshot.reason})"
    return non_conforme(detail)
