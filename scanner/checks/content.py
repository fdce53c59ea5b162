"""What the account says about itself and how it lives: description, contact, activity, page kind."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from scanner.checks.base import (
    Context,
    Outcome,
    Severity,
    conforme,
    manuel,
    non_conforme,
    non_verifiable,
    platform_gate,
)
from scanner.checks.cadence import allowed_days, parse
from scanner.checks.catalogue import check
from scanner.checks.texts import mentions_board
from scanner.checks.unicode_names import fold
from scanner.config.models import Account, Network
from scanner.platforms.snapshot import Snapshot
from scanner.plumbing.french import date_long, listing, quoted

_OFFICIAL_WORDS = re.compile(r"\b(?:officiel|officielle|officiels|officielles|classe|organisme)\b")


@check(
    id="description.official",
    clause="Créer un compte",
    severity=Severity.MINEURE,
    title="Description\u00a0: classe ou organisme officiel du Conseil scolaire du Nord-Ouest",
    verifies="""La description (biographie, «\u00a0À propos\u00a0») présente le compte comme une classe ou
    un organisme officiel du Conseil scolaire du Nord-Ouest\u00a0: elle contient le nom du conseil et
    un des mots «\u00a0officiel\u00a0», «\u00a0officielle\u00a0», «\u00a0classe\u00a0» ou
    «\u00a0organisme\u00a0». Le seul sigle «\u00a0CSNO\u00a0» est accepté, avec une note qui invite à
    écrire le nom en toutes lettres.""",
    why="""La DA 142 («\u00a0Créer un compte Facebook et Twitter\u00a0») demande de définir la page, dans sa
    description, comme une «\u00a0classe\u00a0» ou un «\u00a0organisme\u00a0» officiel du «\u00a0Conseil
    scolaire du Nord-Ouest\u00a0»\u00a0: les familles savent ainsi qui parle.""",
    fix="""Ajoutez à la description une phrase comme «\u00a0Page officielle de l’École des Quatre-Vents,
    Conseil scolaire du Nord-Ouest\u00a0» (ou «\u00a0Classe de 4e année de l’École …, Conseil scolaire
    du Nord-Ouest\u00a0»).""",
)
def description_official(account: Account, snapshot: Snapshot, ctx: Context) -> Outcome:
    text = snapshot.description or ""
    if not text.strip():
        return non_conforme("la description du compte est vide")
    board = ctx.registry.board
    full, acronym_only = mentions_board(text, board.name, board.suffix)
    official = _OFFICIAL_WORDS.search(fold(text)) is not None
    if (full or acronym_only) and official:
        if acronym_only:
            return conforme(
                f"le conseil n’est nommé que par son sigle\u00a0: écrivez plutôt {quoted(board.name)}"
            )
        return conforme()
    missing = []
    if not (full or acronym_only):
        missing.append(f"le nom du conseil ({quoted(board.name)})")
    if not official:
        missing.append("la mention d’une classe ou d’un organisme officiel")
    return non_conforme(f"il manque à la description {listing(missing)}")


_NO_EMAIL = {
    "facebook": "la page n’affiche aucune adresse courriel de contact",
    "instagram": "Instagram ne montre pas l’adresse courriel du compte",
    "x": "X ne montre pas l’adresse courriel du compte",
    "youtube": "YouTube ne montre pas l’adresse courriel de la chaîne",
}
_DECLARE_EMAIL = (
    "\u00a0: vérifiez-la à la main, puis inscrivez-la au registre (champ «\u00a0email\u00a0» du compte)"
    " pour que l’audit la vérifie chaque nuit"
)


@check(
    id="contact.school-email",
    clause="Créer un compte",
    severity=Severity.MAJEURE,
    title="Courriel de l’école pour la page officielle",
    verifies="""L’adresse courriel de contact que montre la page officielle de l’école est l’adresse de
    l’école (par exemple eqv@csno.ab.ca). Quand la plateforme ne montre aucune adresse (Instagram,
    X et YouTube ne la montrent jamais), c’est l’adresse du compte inscrite au registre (champ
    «\u00a0email\u00a0» du compte, tirée du formulaire DA 142) qui est vérifiée; sans elle, la
    vérification se fait à la main. Ne s’applique pas aux comptes qui ne sont pas officiels.""",
    why="""La DA 142 («\u00a0Créer un compte Facebook et Twitter\u00a0») demande d’utiliser le courriel de
    l’école pour la page officielle\u00a0: une adresse personnelle fait sortir les messages des
    familles du contrôle de l’école et l’accès au compte se perd avec la personne.""",
    fix="""Dans les paramètres de la page, remplacez l’adresse de contact par celle de l’école;
    pour changer l’adresse de connexion du compte, communiquez avec {soutien}.""",
)
def contact_school_email(account: Account, snapshot: Snapshot, ctx: Context) -> Outcome | None:
    if not account.official:
        return None
    school_email = ctx.registry.school(account.school).email.casefold()
    shown = [email.strip() for email in snapshot.emails]
    if shown:  # what families see comes first
        if any(email.casefold() == school_email for email in shown):
            return conforme()
        return non_conforme(f"adresse de contact {listing(shown)} au lieu de {school_email}")
    if account.email:
        if account.email.casefold() == school_email:
            return conforme("adresse du compte inscrite au registre")
        return non_conforme(
            f"adresse du compte inscrite au registre\u00a0: {account.email} au lieu de {school_email}"
        )
    return manuel(_NO_EMAIL.get(account.network.platform, "aucune adresse courriel visible") + _DECLARE_EMAIL)


@check(
    id="activity.calendar",
    clause="§5.b, §5.i",
    severity=Severity.MINEURE,
    title="Publications au rythme du calendrier déclaré",
    verifies="""La dernière publication n’est pas plus ancienne que ce que permet le calendrier du plan
    d’utilisation\u00a0: par défaut 7 jours pour «\u00a0quotidien\u00a0», 21 pour «\u00a0hebdomadaire\u00a0»
    (et «\u00a0deux fois par semaine\u00a0»), 62 pour «\u00a0mensuel\u00a0» (et «\u00a0chaque mois\u00a0»),
    entre les deux pour «\u00a0aux deux semaines\u00a0». Un calendrier «\u00a0ponctuel\u00a0» n’a pas de
    délai.""",
    why="""Le calendrier des mises à jour fait partie du plan d’utilisation (§5.b); un compte laissé
    à l’abandon n’est plus contrôlé adéquatement et peut être supprimé (§5.i).""",
    fix="""Publiez selon le calendrier déclaré, ou faites corriger le calendrier du plan d’utilisation
    auprès de la coordonnatrice des communications. Si le compte n’est plus utilisé, demandez sa
    fermeture.""",
)
def activity_calendar(account: Account, snapshot: Snapshot, ctx: Context) -> Outcome:
    declared = account.plan.calendrier
    if not declared:
        return manuel("aucun calendrier déclaré dans le plan d’utilisation")
    cadence = parse(declared)
    if cadence is None:
        return manuel(f"calendrier {quoted(declared)} non reconnu\u00a0: vérifiez le rythme à la main")
    limit = allowed_days(cadence, ctx.settings.activity)
    last = snapshot.last_post_at
    if last is None and "last_post_at" in snapshot.withheld:
        return non_verifiable(snapshot.withheld["last_post_at"])  # a permission is missing
    if last is None:
        if limit is None:
            return conforme(f"calendrier {quoted(declared)}\u00a0: aucun délai")
        return manuel("la plateforme n’indique pas la date de la dernière publication")
    zone = ZoneInfo(ctx.settings.timezone)
    days = (ctx.now.astimezone(zone).date() - last.astimezone(zone).date()).days
    ago = "aujourd’hui" if days == 0 else f"il y a {days}\u00a0jour{'s' if days > 1 else ''}"
    when = f"dernière publication le {date_long(last.astimezone(zone).date())}, {ago}"
    if limit is None:
        return conforme(f"calendrier {quoted(declared)}, sans délai; {when}")
    if days > limit:
        return non_conforme(
            f"{when}, alors que le calendrier {quoted(declared)} demande une publication au moins tous les "
            f"{limit}\u00a0jours"
        )
    return conforme(when)


_PERSON_CATEGORIES = (
    "personnalite publique",
    "public figure",
    "blogueur",
    "blogger",
    "personal blog",
    "artiste",
)


@check(
    id="facebook.page-kind",
    clause="Créer un compte Facebook",
    severity=Severity.MAJEURE,
    title="Page d’organisme pour l’école, groupe pour une classe",
    verifies="""Sur Facebook, le compte officiel de l’école est une page «\u00a0Entreprise, Organisme ou
    Association\u00a0» (pas un profil personnel ni une page de personnalité); un compte de classe,
    d’équipe ou de projet est un groupe. Ne s’applique qu’à Facebook.""",
    why="""La DA 142 («\u00a0Créer un compte Facebook\u00a0») prévoit une page d’organisme pour l’école et un
    groupe pour une classe, une équipe ou un projet\u00a0: un profil personnel expose l’employé et
    mêle sa vie privée au compte de l’école.""",
    fix="""Pour l’école, créez une page «\u00a0Entreprise, Organisme ou Association\u00a0» et fermez le
    profil ou la page de personnalité; pour une classe, une équipe ou un projet, utilisez un
    groupe Facebook. Informez la coordonnatrice des communications du changement.""",
    needs_platform=False,
    networks=("facebook", "facebook_group"),
)
def facebook_page_kind(account: Account, snapshot: Snapshot | None, ctx: Context) -> Outcome:
    if account.network is Network.FACEBOOK_GROUP:
        if account.official:
            return non_conforme(
                "le compte officiel de l’école est un groupe\u00a0: il doit être une page d’organisme"
            )
        return conforme("groupe de classe, d’équipe ou de projet")
    if not account.official:
        return non_conforme("un compte de classe, d’équipe ou de projet doit être un groupe, pas une page")
    blocked = platform_gate(account, snapshot)
    if blocked is not None or snapshot is None:
        return blocked or non_verifiable("aucune donnée de la plateforme")
    if snapshot.page_kind and snapshot.page_kind != "page":
        kind = {"profile": "un profil personnel", "group": "un groupe"}.get(
            snapshot.page_kind, snapshot.page_kind
        )
        return non_conforme(f"le compte officiel est {kind}, pas une page d’organisme")
    category = fold(snapshot.category or "")
    if any(word in category for word in _PERSON_CATEGORIES):
        return non_conforme(f"page de catégorie {quoted(snapshot.category or '')}, pas une page d’organisme")
    return conforme(f"catégorie {quoted(snapshot.category)}" if snapshot.category else None)
