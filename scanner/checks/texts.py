"""What the checks read in an account's own texts (its description): shared by several checks.

The French the checks write (dates, quotes, lists) is `scanner.plumbing.french`.
"""

from __future__ import annotations

import re

from scanner.checks.unicode_names import fold

_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+|\b[\w.-]+\.(?:ca|com|org|net)\b\S*")


def mentions_board(text: str, board_name: str, suffix: str) -> tuple[bool, bool]:
    """(full name present, only the acronym present), accents, case and hyphens ignored."""
    folded = fold(_URL.sub(" ", text))  # « www.csno.ab.ca » does not name the board
    full = fold(board_name) in folded
    acronym = re.search(rf"\b{re.escape(fold(suffix))}\b", folded) is not None
    return full, acronym and not full
