"""Who manages the account (§5.a, §5.h): two staff admins, a teacher, board addresses, as declared."""

from __future__ import annotations

from scanner.checks.base import Context, Outcome, Severity, conforme, manuel, non_conforme, non_verifiable
from scanner.checks.catalogue import check
from scanner.checks.unicode_names import fold
from scanner.config.models import Account, Role
from scanner.platforms.snapshot import Snapshot
from scanner.plumbing.french import listing, quoted

MIN_ADMINS = 2


@check(
    id="admins.count",
    clause="§5.a",
    severity=Severity.MAJEURE,
    title="Au moins deux administrateurs",
    verifies="""Le registre déclare au moins deux membres du personnel différents comme administrateurs
    du compte.""",
    why="""La DA 142 (§5.a) exige deux membres du personnel comme administrateurs, responsables des
    mises à jour et du contrôle du contenu et des commentaires\u00a0: avec une seule personne, le
    compte reste sans surveillance pendant son absence et devient inaccessible à son départ.""",
    fix="""Ajoutez un deuxième membre du personnel comme administrateur du compte sur la plateforme,
    puis communiquez son nom et son adresse courriel du CSNO à la coordonnatrice des
    communications (§5.h).""",
    needs_platform=False,
)
def admins_count(account: Account, snapshot: Snapshot | None, ctx: Context) -> Outcome:
    people = {admin.email.casefold() for admin in account.admins}
    if len(people) < MIN_ADMINS:
        declared = "aucun administrateur déclaré" if not people else "un seul administrateur déclaré"
        return non_conforme(f"{declared}; il en faut au moins {MIN_ADMINS}")
    return conforme(f"{len(people)} administrateurs déclarés")


@check(
    id="admins.teacher",
    clause="§5.a",
    severity=Severity.MAJEURE,
    title="Un enseignant parmi les administrateurs",
    verifies="""Au moins un des administrateurs déclarés au registre est un enseignant ou une
    enseignante.""",
    why="""La DA 142 (§5.a) demande qu’au moins un enseignant ou une enseignante figure parmi les deux
    administrateurs du compte.""",
    fix="""Ajoutez un enseignant ou une enseignante comme administrateur du compte et communiquez son
    nom à la coordonnatrice des communications.""",
    needs_platform=False,
)
def admins_teacher(account: Account, snapshot: Snapshot | None, ctx: Context) -> Outcome:
    if any(admin.role is Role.ENSEIGNANT for admin in account.admins):
        return conforme()
    return non_conforme("aucun administrateur déclaré n’est enseignant ou enseignante")


@check(
    id="admins.staff",
    clause="§5.a",
    severity=Severity.MAJEURE,
    title="Administrateurs avec une adresse du CSNO",
    verifies="""Chaque administrateur déclaré a une adresse courriel du CSNO (un des domaines du conseil
    ou l’un de leurs sous-domaines).""",
    why="""La DA 142 (§5.a) confie l’administration aux membres du personnel; une adresse
    personnelle (Gmail, Hotmail…) échappe au conseil et l’accès au compte se perd au départ de la
    personne.""",
    fix="""Remplacez, sur la plateforme et au registre, l’adresse personnelle de l’administrateur par
    son adresse courriel du CSNO.""",
    needs_platform=False,
)
def admins_staff(account: Account, snapshot: Snapshot | None, ctx: Context) -> Outcome:
    domains = ctx.registry.board.email_domains
    outside = [
        f"{admin.name} utilise l’adresse {admin.email}"
        for admin in account.admins
        if not on_board_domain(admin.email, domains)
    ]
    if outside:
        which = (
            "qui n’est pas une adresse du CSNO"
            if len(outside) < 2
            else "qui ne sont pas des adresses du CSNO"
        )
        return non_conforme(f"{listing(outside)}, {which}")
    return conforme()


def on_board_domain(email: str, domains: tuple[str, ...]) -> bool:
    host = email.rpartition("@")[2].lower().rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in domains)


@check(
    id="admins.platform",
    clause="§5.a, §5.h",
    severity=Severity.MAJEURE,
    title="Administrateurs réels conformes au registre",
    verifies="""Quand la plateforme indique qui gère le compte, ces personnes sont exactement les
    administrateurs déclarés au registre (noms comparés sans tenir compte des accents ni des
    majuscules).""",
    why="""La DA 142 (§5.h) demande aux écoles de communiquer le nom des administrateurs à la
    coordonnatrice des communications; une personne non déclarée qui gère le compte échappe au
    contrôle du contenu (§5.a).""",
    fix="""Retirez sur la plateforme les personnes qui ne devraient plus gérer le compte, ou déclarez-les
    à la coordonnatrice des communications si elles sont autorisées.""",
)
def admins_platform(account: Account, snapshot: Snapshot, ctx: Context) -> Outcome:
    if snapshot.admins is None:
        if "admins" in snapshot.withheld:
            return non_verifiable(snapshot.withheld["admins"])  # a permission is missing
        return manuel("la plateforme ne publie pas la liste des administrateurs")
    declared = {fold(admin.name): admin.name for admin in account.admins}
    declared_emails = {admin.email.casefold(): fold(admin.name) for admin in account.admins}
    seen: set[str] = set()
    unknown = []
    for person in snapshot.admins:
        key = fold(person.name)
        if key not in declared and person.email:
            key = declared_emails.get(person.email.casefold(), key)
        if key in declared:
            seen.add(key)
        else:
            unknown.append(quoted(person.name))
    absent = [quoted(name) for key, name in declared.items() if key not in seen]
    problems = []
    if unknown:
        verb = "gère le compte sans figurer" if len(unknown) < 2 else "gèrent le compte sans figurer"
        problems.append(f"{listing(unknown)} {verb} au registre")
    if absent and snapshot.admins_partial:
        # The platform's list is known to leave people out (Facebook's roles omit those who manage
        # the page through Business Manager): an absence from it proves nothing on its own.
        verb = "figure au registre" if len(absent) < 2 else "figurent au registre"
        missing = (
            f"{listing(absent)} {verb} sans être dans la liste de la plateforme ({snapshot.admins_partial})"
        )
        if not problems:
            return manuel(missing)
        problems.append(missing)
    elif absent:
        verb = "figure au registre" if len(absent) < 2 else "figurent au registre"
        problems.append(f"{listing(absent)} {verb} sans être parmi les administrateurs sur la plateforme")
    if problems:
        return non_conforme("; ".join(problems))
    return conforme()
