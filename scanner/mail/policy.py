"""`POLICY`: the standard library's `email.policy.default`, with its header objects made once.

A night's notices set the same headers hundreds of times — From, Reply-To, Date, the run's id,
`Content-Type: text/plain; charset="utf-8"`, `Content-Transfer-Encoding`, … — and the default
policy parses each value again every time (its address and MIME parsers are most of a notice's
CPU), then folds the parsed value again for every `as_bytes`. A header object is immutable: its
text, its parse tree, its defects. So `CachedHeaders` keeps the last `SIZE` of them per (name,
value) and hands the same object back for the same (name, value); each remembers its folded form
per policy. Nothing else changes: the same classes parse the same values into the same objects,
which fold into the same bytes (`tests/test_mail_policy.py` compares a notice's bytes with those
of `email.policy.default`).

A value given as `Address` objects (To, Cc, Reply-To) is looked up by their parts (display
name, user, domain), which make the same header text; any other value that is not a string is
parsed as the default policy parses it, through the same cached classes.
"""

from __future__ import annotations

import functools
from email import policy
from email.headerregistry import Address, AddressHeader, BaseHeader, HeaderRegistry
from email.policy import Policy

SIZE = 1024  # distinct (name, value) kept: a night's constant headers, and the last notices' others
FOLDS = 4  # policies a header remembers its folded text for (SMTP, and a clone or two)


class FoldedOnce(BaseHeader):
    """A header whose folded text is computed once per policy (the object never changes)."""

    def fold(self, *, policy: Policy) -> str:
        folds: dict[int, tuple[Policy, str]] = self.__dict__.setdefault("_folds", {})
        known = folds.get(id(policy))
        if known is not None and known[0] is policy:
            return known[1]
        folded = super().fold(policy=policy)
        if len(folds) >= FOLDS:  # a policy cloned per message (smtplib's SMTPUTF8 one): never many kept
            folds.clear()
        folds[id(policy)] = (policy, folded)
        return folded


class CachedHeaders(HeaderRegistry):
    """`HeaderRegistry` (the default map) whose classes are made once per name and whose header
    objects are made once per (name, string value), among the last `size`."""

    def __init__(self, size: int = SIZE) -> None:
        super().__init__(base_class=FoldedOnce)
        self._classes: dict[str, type] = {}
        self._made = functools.lru_cache(maxsize=size)(self._make)

    def map_to_type(self, name: str, cls: type) -> None:
        super().map_to_type(name, cls)
        self._classes.clear()
        self._made.cache_clear()

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            cls = self._classes[key] = super().__getitem__(name)
        return cls

    def _make(self, name: str, value: str | tuple[tuple[str, str, str], ...]) -> BaseHeader:
        if isinstance(value, tuple):  # Address parts
            value = [Address(display_name, username, domain) for display_name, username, domain in value]
        return self[name](name, value)

    def __call__(self, name: str, value) -> BaseHeader:
        if type(value) is str:
            return self._made(name, value)
        cls = self[name]
        if issubclass(cls, AddressHeader):
            addresses = [value] if type(value) is Address else value
            if type(addresses) is list and all(type(item) is Address for item in addresses):
                return self._made(name, tuple((a.display_name, a.username, a.domain) for a in addresses))
        return cls(name, value)


POLICY = policy.default.clone(header_factory=CachedHeaders())
