"""French messages for pydantic's validation errors, for the coordinator who edits the registry."""

from __future__ import annotations

from typing import Any

from scanner.plumbing.french import NBSP, quoted


def _quote(value: Any) -> str:
    text = str(value)
    if len(text) > 60:
        text = text[:57] + "…"
    return quoted(text)


def _expected_values(ctx: dict[str, Any]) -> str:
    expected = str(ctx.get("expected", ""))
    # pydantic writes "'a', 'b' or 'c'": make it French.
    return expected.replace("'", "").replace(" or ", " ou ")


def translate(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    value = error.get("input")
    simple = {
        "missing": "champ obligatoire manquant",
        "extra_forbidden": "clé inconnue",
        "string_type": "texte attendu",
        "int_type": "nombre entier attendu",
        "int_parsing": "nombre entier attendu",
        "int_from_float": "nombre entier attendu (sans décimales)",
        "float_type": "nombre attendu",
        "url_parsing": "adresse Web invalide",
        "url_scheme": "adresse Web invalide (http ou https)",
        "datetime_parsing": "date et heure invalides",
        "time_parsing": "heure invalide (format attendu : HH:MM)",
        "union_tag_invalid": "valeur inconnue",
        "float_parsing": "nombre attendu",
        "bool_type": "vrai ou faux attendu (true ou false)",
        "bool_parsing": "vrai ou faux attendu (true ou false)",
        "model_type": "section attendue (des clés et des valeurs)",
        "model_attributes_type": "section attendue (des clés et des valeurs)",
        "dict_type": "section attendue (des clés et des valeurs)",
        "tuple_type": "liste attendue",
        "list_type": "liste attendue",
        "date_type": "date attendue au format AAAA-MM-JJ",
        "date_parsing": "date invalide (format attendu : AAAA-MM-JJ)",
        "date_from_datetime_parsing": "date invalide (format attendu : AAAA-MM-JJ)",
        "date_from_datetime_inexact": "date attendue sans heure (AAAA-MM-JJ)",
        "string_pattern_mismatch": "format invalide",
        "path_type": "chemin de fichier attendu",
    }
    if kind in simple:
        message = simple[kind].replace(" :", f"{NBSP}:")
        if kind == "string_pattern_mismatch":
            message += f" ({_quote(value)})"
        return message
    if kind == "enum" or kind == "literal_error":
        return f"valeur inconnue {_quote(value)} (valeurs permises{NBSP}: {_expected_values(ctx)})"
    if kind in ("too_short", "string_too_short"):
        return "valeur vide" if isinstance(value, str) else f"liste vide{NBSP}: au moins un élément attendu"
    if kind in ("too_long", "string_too_long"):
        return f"trop long (au plus {ctx.get('max_length')})"
    if kind in ("greater_than_equal", "greater_than"):
        return f"valeur trop petite (minimum{NBSP}: {ctx.get('ge', ctx.get('gt'))})"
    if kind in ("less_than_equal", "less_than"):
        return f"valeur trop grande (maximum{NBSP}: {ctx.get('le', ctx.get('lt'))})"
    if kind == "value_error":
        # Our own validators raise ValueError with a French message.
        return str(ctx.get("error", error.get("msg", "valeur invalide")))
    return "valeur invalide"  # pydantic's own message is English: never shown to the coordinator


# PyYAML's problems (English; the C and Python loaders word them differently) -> what to fix,
# in French. Matched on a part of `problem`.
YAML_PROBLEMS = (
    ("',' or ']'", "une liste ouverte par un crochet « [ » n’est pas fermée par « ] », "
     "ou il manque une virgule entre deux éléments"),
    ("',' or '}'", "une section ouverte par une accolade « { » n’est pas fermée par « } », "
     "ou il manque une virgule entre deux éléments"),
    ("'\t'", "caractère de tabulation : indentez avec des espaces, jamais avec la touche Tab"),
    ("tab character", "caractère de tabulation : indentez avec des espaces, jamais avec la touche Tab"),
    ("mapping values are not allowed", "deux-points inattendu : une valeur qui contient « : » doit "
     "être entre guillemets, ou l’indentation de cette ligne est décalée"),
    ("found unexpected end of stream", "fin du fichier inattendue : un guillemet ouvert n’est pas refermé"),
    ("<block end>", "indentation incohérente : cette ligne n’est pas alignée avec celles de sa section"),
    ("expected key", "indentation incohérente : cette ligne n’est pas alignée avec celles de sa "
     "section"),
    ("expected '-'", "élément de liste attendu (« -  » au début de la ligne)"),
    ("found undefined alias", "alias inconnu (un « * » au début d’une valeur doit être entre guillemets)"),
    ("found character '@'", "une valeur qui commence par « @ » doit être entre guillemets"),
    ("found character '`'", "une valeur qui commence par « ` » doit être entre guillemets"),
    ("found unknown escape character", "caractère d’échappement inconnu entre guillemets doubles : utilisez des "
     "guillemets simples"),
    ("found duplicate anchor", "ancre « & » en double"),
)  # fmt: skip


def yaml_problem(error: Exception, text: str = "") -> str:
    """A French reading of a PyYAML error (its `problem`), never the English text itself."""
    problem = str(getattr(error, "problem", "") or "")
    mark = getattr(error, "problem_mark", None)
    lines = text.splitlines()
    if mark is not None and mark.line < len(lines) and "\t" in lines[mark.line][: mark.column + 1]:
        problem = "tab character"  # the C loader only says « cannot start any token »
    for start, french in YAML_PROBLEMS:
        if start in problem:
            return french
    return "syntaxe invalide à cet endroit (guillemets, deux-points, indentation)"
