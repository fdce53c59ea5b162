"""Debian's Grammalecte (`python3-grammalecte`), reached from the project's virtual environment.

Debian installs Grammalecte for the system Python only. `make setup` links it into
`.venv` (a `.pth` file naming a folder that holds only a link to Debian's
`grammalecte` package: nothing else of the system's packages leaks into the
environment). Where it is absent, `content.french` is `non_verifiable` with the
command that installs it, never `conforme`.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

DEBIAN_PACKAGE = "python3-grammalecte"
DEBIAN_PATH = "/usr/lib/python3/dist-packages/grammalecte"
INSTALL_COMMAND = "sudo apt-get install python3-grammalecte && make setup"
UNAVAILABLE = (
    "le correcteur Grammalecte n’est pas installé sur le serveur de Vigie\u00a0: "
    f"la technicienne l’installe avec «\u00a0{INSTALL_COMMAND}\u00a0»"
)

WARM_UP = "Les élèves sont arrivés à l’école."
REMEMBERED_WORDS = 10_000  # unknown words whose suggestions are kept

# Only the rule families that are errors; typography, style and the rest are switched off.
ERROR_OPTIONS = ("conj", "ppas", "gn", "conf", "infi", "imp", "vmode")
OFF_OPTIONS = (
    "typo", "apos", "esp", "tab", "nbsp", "unit", "num", "tu", "maj", "virg", "poncfin", "mapos",
    "chim", "html", "latex", "date", "eepi", "liga", "mc", "loc", "bs", "pleo", "redon1", "redon2",
    "neg", "ocr", "eleu", "inte", "md", "minis", "idrule",
)  # fmt: skip


@dataclass(frozen=True)
class Grammalecte:
    """The loaded engine: `checker` is `grammalecte.GrammarChecker("fr")`."""

    checker: Any
    options: dict[str, bool]
    # a word's suggestions, looked for once per night (20 to 40 ms a word)
    suggestions: dict[str, list[str]] = field(default_factory=dict, compare=False, repr=False)

    def grammar(self, text: str) -> list[dict[str, Any]]:
        return list(self.checker.getGCEngine().parse(text, "FR", dOptions=self.options))

    def unknown_words(self, text: str) -> list[dict[str, Any]]:
        return list(self.checker.getSpellChecker().parseParagraph(text, False))

    def suggest(self, word: str) -> list[str]:
        if word not in self.suggestions:
            found: list[str] = []
            for group in self.checker.getSpellChecker().suggest(word, nSuggLimit=3):
                found.extend(group)
            if len(self.suggestions) >= REMEMBERED_WORDS:
                del self.suggestions[next(iter(self.suggestions))]
            self.suggestions[word] = found[:3]
        return list(self.suggestions[word])

    def forget(self) -> None:
        self.suggestions.clear()

    def is_known(self, word: str) -> bool:
        return bool(self.checker.getSpellChecker().isValid(word))


def load() -> Grammalecte | None:
    """The engine, or None (logged) when `grammalecte` cannot be imported."""
    try:
        module = importlib.import_module("grammalecte")
    except ImportError:
        log.warning("Grammalecte not importable: install %s, then `make setup`", DEBIAN_PACKAGE)
        return None
    checker = module.GrammarChecker("fr")
    engine = checker.getGCEngine()
    options = dict(engine.getOptions())
    for name in OFF_OPTIONS:
        if name in options:
            options[name] = False
    for name in ERROR_OPTIONS:
        options[name] = True
    loaded = Grammalecte(checker=checker, options=options)
    loaded.grammar(WARM_UP)  # its first parse builds tables (0.1 s): paid here, with the loading
    return loaded
