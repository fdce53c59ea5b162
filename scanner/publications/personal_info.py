"""Personal information in a post (§3.b, Annexe A « Protection »): numbers, addresses, dates of birth.

- telephone numbers (libphonenumber, region CA) other than the published numbers of
  the school and the board (`allowed_numbers`, E.164);
- personal e-mail addresses: a free-mail provider's (a board address is the school's business);
- home addresses: a civic address in a sentence that says it is someone's home
  (« chez », « habite », « domicile »…): a venue's address in an event post is not personal;
- dates of birth: « né le 12 mars 2014 », « date de naissance : … ».

A person's name with a student context is `person_names`' business.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers

from scanner.publications.findings import ContentFinding, excerpt

CHECK = "content.personal-info"
REGION = "CA"

FREE_MAIL = frozenset(
    {
        "gmail.com", "hotmail.com", "hotmail.ca", "outlook.com", "live.com", "live.ca", "yahoo.com",
        "yahoo.ca", "icloud.com", "me.com", "msn.com", "aol.com", "protonmail.com", "proton.me",
        "shaw.ca", "telus.net", "sympatico.ca", "videotron.ca", "bell.net", "rogers.com", "gmx.com",
    }
)  # fmt: skip
_EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
_MONTHS = r"(?:janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre)"
_DATE = rf"(?:\d{{1,2}}(?:er)?\s+{_MONTHS}(?:\s+\d{{4}})?|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}|{_MONTHS}\s+\d{{4}}|en\s+\d{{4}})"
_BIRTH = re.compile(
    rf"(?i)\b(?:n[ée]e?s?(?:\(e\))?\s+(?:le\s+)?{_DATE}|date\s+de\s+naissance\s*(?::|\u00a0:)?\s*{_DATE}|DDN\s*:?\s*{_DATE})"
)
_STREET = (
    r"(?:rue|avenue|av\.?|boulevard|boul\.?|chemin|ch\.|promenade|croissant|place|rang|route|"
    r"street|st\.?|ave\.?|drive|dr\.?|crescent|cres\.?|close|way|road|rd\.?|trail|court|ct\.?|bay|lane|"
    r"terrace|blvd\.?|boul)"
)
_CIVIC = re.compile(
    rf"(?i)\b\d{{1,6}}(?:-\d{{1,5}})?,?\s+(?:{_STREET}\s+[\w'’-]+(?:\s+[\w'’-]+)?|(?:\d{{1,3}}(?:e|ième)?|[\w'’-]+)\s+{_STREET})\b"
)
_POSTAL = re.compile(r"\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][ -]?\d[ABCEGHJ-NPRSTV-Z]\d\b")
_HOME = re.compile(
    r"(?i)\b(?:chez\s+(?:lui|elle|eux|moi|nous|[A-Z]\w+)|habit\w*|domicile|demeur\w*|résid\w*|maison\s+de|"
    r"vit\s+(?:au|à)|adresse\s+(?:personnelle|de\s+la\s+famille|à\s+la\s+maison))"
)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")


def find_personal_info(
    text: str, allowed_numbers: Iterable[str] = (), board_domains: Iterable[str] = ()
) -> list[ContentFinding]:
    """Telephone numbers, personal e-mail addresses, home addresses and dates of birth in `text`."""
    allowed = frozenset(allowed_numbers)
    findings = [*_phones(text, allowed), *_emails(text, tuple(board_domains))]
    findings += _addresses(text)
    for match in _BIRTH.finditer(text):
        findings.append(
            ContentFinding(CHECK, "birthdate", excerpt(text, match.start(), match.end()), "date de naissance")
        )
    return sorted(findings, key=lambda f: f.span.start if f.span else 0)


def normalise_number(number: str, region: str = REGION) -> str | None:
    """E.164 form of a published number (« 780 555-0100 » -> « +17805550100 »), or None."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _phones(text: str, allowed: frozenset[str]) -> list[ContentFinding]:
    found = []
    for match in phonenumbers.PhoneNumberMatcher(text, REGION, leniency=phonenumbers.Leniency.POSSIBLE):
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        if e164 in allowed or len(phonenumbers.national_significant_number(match.number)) < 10:
            continue
        found.append(
            ContentFinding(
                CHECK,
                "phone",
                excerpt(text, match.start, match.end),
                "numéro de téléphone qui n’est pas celui de l’école ni du conseil",
            )
        )
    return found


def _emails(text: str, board_domains: tuple[str, ...]) -> list[ContentFinding]:
    found = []
    for match in _EMAIL.finditer(text):
        domain = match.group(1).casefold()
        if any(domain == d or domain.endswith("." + d) for d in board_domains):
            continue
        if domain in FREE_MAIL:
            found.append(
                ContentFinding(
                    CHECK, "email", excerpt(text, match.start(), match.end()), "adresse courriel personnelle"
                )
            )
    return found


def _addresses(text: str) -> list[ContentFinding]:
    found = []
    for sentence in _SENTENCE.finditer(text):
        chunk = sentence.group()
        if not _HOME.search(chunk):
            continue
        for pattern in (_CIVIC, _POSTAL):
            for match in pattern.finditer(chunk):
                start, end = sentence.start() + match.start(), sentence.start() + match.end()
                if any(f.span and f.span.start <= start < f.span.end for f in found):
                    continue
                found.append(
                    ContentFinding(CHECK, "address", excerpt(text, start, end), "adresse du domicile")
                )
    return found
