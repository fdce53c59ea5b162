"""The layout of `registre.xlsx`: its sheets, their French column headers, and what each column holds.

One table read by the reader (`xlsx_read`), the writer (`xlsx_write`) and the « Lisez-moi » sheet:
a column is declared once, with its header, the registry key it fills, its kind, its width and
the French help text naming the DA 142 clause it serves.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from scanner.config.models import NETWORK_LABELS, Network, Role
from scanner.plumbing.french import NBSP

REGISTRY_XLSX = "registre.xlsx"
CALENDARS = ("quotidien", "hebdomadaire", "mensuel", "ponctuel")
YES = ("oui", "vrai", "o", "1", "true", "x")
NO = ("non", "faux", "n", "0", "false")


class Kind(StrEnum):
    TEXT = "text"
    LIST = "list"  # several values in one cell, separated by « ; » or line breaks
    DATE = "date"
    YES_NO = "yes_no"
    CHOICE = "choice"  # one of `choices` (the sheet's validation list)
    CALENDAR = "calendar"  # one of CALENDARS, or free text


class Entity(StrEnum):
    BOARD = "board"
    SCHOOLS = "schools"
    ACCOUNTS = "accounts"
    ADMINS = "admins"
    EXCEPTIONS = "exceptions"


# The key of the column that ties an admin or a derogation to its account (not a registry key).
ACCOUNT_LINK = ("@account",)


@dataclass(frozen=True)
class Column:
    header: str
    key: tuple[str, ...]  # where the value goes in the entity's mapping
    kind: Kind
    required: bool
    width: int
    clause: str
    help: str  # French, for the « Lisez-moi » sheet
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sheet:
    name: str
    entity: Entity
    columns: tuple[Column, ...]
    help: str
    freeze: str = "A2"

    def column_for(self, key: tuple[str | int, ...]) -> Column | None:
        """The column that holds `key` or its nearest ancestor (`("plan", "calendrier")`)."""
        by_key = {column.key: column for column in self.columns}
        for end in range(len(key), 0, -1):
            if key[:end] in by_key:
                return by_key[key[:end]]
        return None


def french_spaces(text: str) -> str:
    """No-break spaces before « : » and inside « », as the coordinator reads them."""
    return text.replace(" :", f"{NBSP}:").replace("« ", f"«{NBSP}").replace(" »", f"{NBSP}»")


def _c(header, key, kind, width, clause, help_text, *, required=False, choices=()) -> Column:
    keys = tuple(key.split(".")) if isinstance(key, str) else key
    return Column(
        header, keys, kind, required, width, french_spaces(clause), french_spaces(help_text), tuple(choices)
    )


NETWORKS = tuple(network.value for network in Network)
ROLES = tuple(role.value for role in Role)
T, L, D, YN, CH, CAL = Kind.TEXT, Kind.LIST, Kind.DATE, Kind.YES_NO, Kind.CHOICE, Kind.CALENDAR
ACCOUNT_CREATION = "« Créer un compte Facebook et Twitter »"

BOARD = Sheet(
    "Conseil",
    Entity.BOARD,
    (
        _c(
            "Nom du conseil",
            "name",
            T,
            34,
            "§5.c, §5.d",
            "Le nom du conseil, tel que les comptes doivent le présenter.",
            required=True,
        ),
        _c(
            "Suffixe",
            "suffix",
            T,
            10,
            "§5.d",
            "Le « _CSNO » que chaque nom de compte porte, sans le trait de soulignement (CSNO si vide).",
        ),
        _c(
            "Site Web",
            "website",
            T,
            28,
            "§5.g",
            "Le site du conseil, dont chaque profil doit donner le lien.",
            required=True,
        ),
        _c(
            "Domaines courriel",
            "email_domains",
            L,
            22,
            "§5.a",
            "Les domaines des adresses du personnel, séparés par « ; » : un administrateur hors de ces domaines n’est pas un membre du personnel.",
            required=True,
        ),
        _c(
            "Téléphone",
            "phone",
            T,
            16,
            "§3.b",
            "Le numéro de téléphone publié du conseil : une publication peut le montrer sans que ce soit un renseignement personnel.",
        ),
        _c(
            "Logo",
            "logo",
            T,
            20,
            "§5.f",
            "Le fichier du logo du conseil (PNG ou JPEG), relatif au dossier de configuration (ex. logos/csno.png).",
            required=True,
        ),
        _c(
            "Nom de la coordonnatrice",
            "coordinator.name",
            T,
            26,
            "§5.h",
            "La coordonnatrice des communications, qui tient ce registre et reçoit le rapport.",
            required=True,
        ),
        _c(
            "Courriel de la coordonnatrice",
            "coordinator.email",
            T,
            30,
            "§5.h",
            "Son adresse courriel.",
            required=True,
        ),
        _c(
            "Nom de la direction générale",
            "direction_generale.name",
            T,
            26,
            "§5.i",
            "La direction générale, qui reçoit les constats non réglés.",
            required=True,
        ),
        _c(
            "Courriel de la direction générale",
            "direction_generale.email",
            T,
            30,
            "§5.i",
            "Son adresse courriel.",
            required=True,
        ),
        _c(
            "Nom du technicien",
            "technician.name",
            T,
            24,
            ACCOUNT_CREATION,
            "Facultatif : la technicienne ou le technicien du conseil, nommé dans les avis quand une correction demande de l’aide technique (sans lui, c’est la coordonnatrice).",
        ),
        _c(
            "Courriel du technicien",
            "technician.email",
            T,
            28,
            ACCOUNT_CREATION,
            "Facultatif : son adresse courriel (à remplir avec le nom).",
        ),
    ),
    french_spaces("Une seule ligne : le conseil scolaire."),
)

SCHOOLS = Sheet(
    "Écoles",
    Entity.SCHOOLS,
    (
        _c(
            "Identifiant",
            "id",
            T,
            12,
            "§5.h",
            "Un identifiant court et stable, en minuscules (ex. eqv).",
            required=True,
        ),
        _c(
            "Nom",
            "name",
            T,
            32,
            "§5.c, §5.d",
            "Le nom complet de l’école (ex. École des Quatre-Vents).",
            required=True,
        ),
        _c(
            "Acronymes",
            "acronyms",
            L,
            14,
            "§5.e",
            "Les acronymes à éviter dans les noms de comptes, séparés par « ; » (ex. ÉQV).",
        ),
        _c(
            "Site Web",
            "website",
            T,
            28,
            "§5.g",
            "Le site de l’école, dont chaque profil doit donner le lien.",
            required=True,
        ),
        _c(
            "Courriel",
            "email",
            T,
            26,
            ACCOUNT_CREATION,
            "Le courriel de l’école : celui de la page officielle.",
            required=True,
        ),
        _c(
            "Téléphone",
            "phone",
            T,
            16,
            "§3.b",
            "Le numéro de téléphone publié de l’école : une publication peut le montrer sans que ce soit un renseignement personnel.",
        ),
        _c(
            "Logo",
            "logo",
            T,
            18,
            "§5.f",
            "Le fichier du logo officiel de l’école, relatif au dossier de configuration.",
            required=True,
        ),
        _c(
            "Nom de la direction",
            "principal.name",
            T,
            24,
            "§1.a",
            "La direction d’école, qui donne la permission écrite et reçoit les avis de suivi.",
            required=True,
        ),
        _c(
            "Courriel de la direction",
            "principal.email",
            T,
            28,
            "§1.a",
            "Son adresse courriel.",
            required=True,
        ),
    ),
    "Une ligne par école.",
)

ACCOUNTS = Sheet(
    "Comptes",
    Entity.ACCOUNTS,
    (
        _c(
            "Identifiant",
            "id",
            T,
            26,
            "§5.h",
            "Unique et stable (ex. eqv-facebook) : les constats y sont rattachés. Ne jamais réutiliser un identifiant.",
            required=True,
        ),
        _c("École", "school", T, 10, "§5.h", "L’identifiant de l’école (feuille Écoles).", required=True),
        _c(
            "Réseau",
            "network",
            CH,
            16,
            "§5.c",
            "facebook (page), facebook_group (groupe), instagram, x ou youtube.",
            required=True,
            choices=NETWORKS,
        ),
        _c(
            "Compte sur le réseau",
            "handle",
            T,
            26,
            "§5.h",
            "Le nom d’utilisateur de la page ou son numéro (Facebook), le nom d’utilisateur (Instagram, X), l’@identifiant (YouTube).",
            required=True,
        ),
        _c(
            "Officiel",
            "official",
            YN,
            10,
            "§5.c",
            "oui pour le seul compte officiel de l’école sur ce réseau ; non (ou vide) sinon.",
        ),
        _c(
            "Nom déclaré",
            "name",
            T,
            40,
            "§5.c, §5.d",
            "Le nom du compte inscrit sur le Formulaire DA 142.",
            required=True,
        ),
        _c(
            "Courriel d’ouverture",
            "email",
            T,
            26,
            ACCOUNT_CREATION,
            "Facultatif : l’adresse avec laquelle le compte a été ouvert (formulaire). Instagram, X et YouTube ne la montrent pas.",
        ),
        _c("Objectif", "plan.objectif", T, 34, "§5.b", "Plan d’utilisation : l’objectif général."),
        _c("Public visé", "plan.public", T, 28, "§5.b", "Plan d’utilisation : le public visé."),
        _c(
            "Nature de l’information",
            "plan.nature",
            T,
            34,
            "§5.b",
            "Plan d’utilisation : la nature de l’information partagée.",
        ),
        _c(
            "Calendrier",
            "plan.calendrier",
            CAL,
            16,
            "§5.b",
            "Plan d’utilisation : quotidien, hebdomadaire, mensuel, ponctuel, ou un texte libre (ex. deux fois par semaine).",
            choices=CALENDARS,
        ),
        _c(
            "Permission accordée par",
            "permission.approved_by",
            T,
            26,
            "§1.a",
            "Qui a signé la permission écrite (direction d’école ou superviseur).",
        ),
        _c("Date de la permission", "permission.date", D, 14, "§1.a", "La date de la permission écrite."),
    ),
    french_spaces(
        "Une ligne par compte approuvé (Formulaire DA 142), tel qu’il est, même s’il ne respecte pas "
        "encore la DA 142 : c’est l’audit qui le signale."
    ),
    freeze="B2",
)

ADMINS = Sheet(
    "Administrateurs",
    Entity.ADMINS,
    (
        _c(
            "Compte", ACCOUNT_LINK, T, 26, "§5.h", "L’identifiant du compte (feuille Comptes).", required=True
        ),
        _c(
            "Nom",
            "name",
            T,
            28,
            "§5.a, §5.h",
            "Le nom de l’administratrice ou de l’administrateur.",
            required=True,
        ),
        _c(
            "Courriel",
            "email",
            T,
            32,
            "§5.a",
            "Son adresse courriel : celle du conseil pour un membre du personnel.",
            required=True,
        ),
        _c(
            "Rôle",
            "role",
            CH,
            14,
            "§5.a",
            "enseignant, direction ou personnel (au moins un enseignant par compte).",
            required=True,
            choices=ROLES,
        ),
    ),
    "Une ligne par administrateur : deux membres du personnel par compte, dont au moins un enseignant.",
    freeze="B2",
)

EXCEPTIONS = Sheet(
    "Dérogations",
    Entity.EXCEPTIONS,
    (
        _c(
            "Compte", ACCOUNT_LINK, T, 26, "§5.i", "L’identifiant du compte (feuille Comptes).", required=True
        ),
        _c(
            "Règle",
            "check",
            T,
            22,
            "§5.i",
            "La règle dont le compte est dispensé (liste dans la feuille Lisez-moi).",
            required=True,
        ),
        _c(
            "Raison",
            "reason",
            T,
            50,
            "§5.i",
            "Pourquoi la coordonnatrice accorde la dérogation : elle figure toujours au rapport.",
            required=True,
        ),
        _c(
            "Jusqu’au",
            "until",
            D,
            14,
            "§5.i",
            "La dernière date de la dérogation : après, la règle s’applique de nouveau.",
            required=True,
        ),
    ),
    "Une ligne par dérogation accordée par la coordonnatrice.",
    freeze="B2",
)

SHEETS: tuple[Sheet, ...] = (BOARD, SCHOOLS, ACCOUNTS, ADMINS, EXCEPTIONS)
SHEET_RANK = {sheet.name: rank for rank, sheet in enumerate(SHEETS)}
COLUMN_RANK = {
    (sheet.name, column.header): rank for sheet in SHEETS for rank, column in enumerate(sheet.columns)
}
# « Facebook (page) » and the other labels of the report are accepted for a network.
NETWORK_ALIASES = {label: network.value for network, label in NETWORK_LABELS.items()}


def normalise(text: object) -> str:
    """A header or label as people type it: case, accents, apostrophes and spaces do not matter."""
    text = unicodedata.normalize("NFKD", str(text)).replace("’", "'")
    text = "".join(char for char in text if not unicodedata.combining(char))
    return re.sub(r"\s+", " ", text).strip().casefold()
