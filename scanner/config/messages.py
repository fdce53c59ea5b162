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
    return f"valeur invalide ({error.get('msg', kind)})"
