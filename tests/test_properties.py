"""Property tests (hypothesis): name checks, the URL normaliser, the free-text link parser, the address policy.

Each property is a sentence a reviewer can check against SPEC.md and DA 142:
a name with an invisible character or a look-alike is never conforme; a name built
by the `(nom)_CSNO` grammar always is; normalising a URL twice changes nothing;
the link parser finds every URL however they are joined and never an e-mail's domain;
no private or metadata address is ever allowed where it should not be.
"""

from __future__ import annotations

import ipaddress
import unicodedata

from checks_factory import NOW, account, registry
from checks_factory import settings as base_settings
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from scanner.checks.base import Context, Status
from scanner.checks.names import name_registered, name_suffix
from scanner.checks.unicode_names import _INVISIBLE_NAMES
from scanner.net import addresses
from scanner.net.urls import is_web_url, matches_site, normalise, split_free_text_links
from scanner.platforms.snapshot import FetchStatus, Snapshot

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------- names


def context() -> Context:
    return Context(registry=registry(), settings=base_settings(), now=NOW)


ACCOUNT = account("eqv-x")
LOWER = "abcdefghijklmnopqrstuvwxyzéèêàâçôîïùûë"
UPPER_FIRST = "ABCDEFGHIJKLMNOPQRSTUVWXYZÉÈÀÇÔ"


@st.composite
def words(draw) -> str:
    first = draw(st.sampled_from(UPPER_FIRST))
    rest = draw(st.text(alphabet=LOWER, min_size=1, max_size=10))
    return first + rest


@st.composite
def valid_names(draw) -> str:
    """`(nom)_CSNO`, optionally ` (page officielle)`: words, digits, hyphens and apostrophes."""
    parts = [draw(st.sampled_from(["École", "Classe", "Club", "Équipe", "Bibliothèque"]))]
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["word", "word", "word", "number", "hyphen", "elision"]))
        if kind == "number":
            parts.append(f"{draw(st.integers(1, 12))}e")
        elif kind == "hyphen":
            parts.append(f"{draw(words())}-{draw(words())}")
        elif kind == "elision":
            parts.append(f"{draw(st.sampled_from(['l', 'd']))}'{draw(words())}")
        else:
            parts.append(draw(words()))
    space = draw(st.sampled_from(["", " "]))
    mark = draw(st.sampled_from(["", " (page officielle)"]))
    return " ".join(parts) + space + "_CSNO" + mark


def snapshot(name: str) -> Snapshot:
    return Snapshot(network="x", handle="EQV_CSNO", status=FetchStatus.OK, name=name)


def suffix_status(name: str) -> Status:
    return name_suffix(ACCOUNT, snapshot(name), context()).status


INVISIBLE = sorted(chr(c) for c in _INVISIBLE_NAMES) + ["\ufe0f", "\ufe00", "\U000e0001", "\U000e0100"]
# Latin letter -> characters of other scripts that a reader takes for it (UTS #39).
CONFUSABLES = {
    "a": "\u0430\u03b1",
    "c": "\u0441\u03f2",
    "e": "\u0435",
    "i": "\u0456",
    "o": "\u043e\u03bf",
    "p": "\u0440\u03c1",
    "s": "\u0455",
    "x": "\u0445",
    "y": "\u0443",
    "C": "\u0421\u03f9",
    "S": "\u0405",
    "N": "\u039d",
    "O": "\u041e\u039f",
    "E": "\u0415\u0395",
    "A": "\u0410\u0391",
    "B": "\u0412\u0392",
    "H": "\u041d\u0397",
    "K": "\u041a\u039a",
    "M": "\u041c\u039c",
    "P": "\u0420\u03a1",
    "T": "\u0422\u03a4",
}


@FAST
@given(valid_names())
@example("École des Quatre-Vents_CSNO (page officielle)")
def test_grammar_names_are_conforme(name):
    assert suffix_status(name) is Status.CONFORME, name
    declared = account("eqv-x", name=name)
    assert name_registered(declared, snapshot(name), context()).status is Status.CONFORME
    decomposed = unicodedata.normalize("NFD", name)  # the same name typed on another keyboard
    assert suffix_status(decomposed) is Status.CONFORME
    assert name_registered(declared, snapshot(decomposed), context()).status is Status.CONFORME


@FAST
@given(valid_names(), st.sampled_from(INVISIBLE), st.data())
def test_an_invisible_or_bidi_character_anywhere_is_non_conforme(name, char, data):
    at = data.draw(st.integers(0, len(name)))
    hostile = name[:at] + char + name[at:]
    assert suffix_status(hostile) is Status.NON_CONFORME, ascii(hostile)
    declared = account("eqv-x", name=name)
    assert name_registered(declared, snapshot(hostile), context()).status is Status.NON_CONFORME


@FAST
@given(valid_names(), st.characters(categories=["Cf"]), st.data())
def test_any_format_character_is_non_conforme(name, char, data):
    at = data.draw(st.integers(0, len(name)))
    assert suffix_status(name[:at] + char + name[at:]) is Status.NON_CONFORME, ascii(char)


@FAST
@given(valid_names(), st.data())
def test_a_look_alike_letter_is_non_conforme(name, data):
    positions = [i for i, c in enumerate(name) if c in CONFUSABLES]
    assume(positions)
    at = data.draw(st.sampled_from(positions))
    fake = data.draw(st.sampled_from(CONFUSABLES[name[at]]))
    hostile = name[:at] + fake + name[at + 1 :]
    assert suffix_status(hostile) is Status.NON_CONFORME, ascii(hostile)


@FAST
@given(valid_names(), st.data())
def test_a_fullwidth_letter_is_non_conforme(name, data):
    positions = [i for i, c in enumerate(name) if "A" <= c <= "Z" or "a" <= c <= "z"]
    at = data.draw(st.sampled_from(positions))
    hostile = name[:at] + chr(ord(name[at]) + 0xFEE0) + name[at + 1 :]
    assert suffix_status(hostile) is Status.NON_CONFORME, ascii(hostile)


@FAST
@given(st.text(max_size=80))
def test_name_checks_never_raise(text):
    declared = account("eqv-x")
    assert suffix_status(text) in (Status.CONFORME, Status.NON_CONFORME, Status.MANUEL)
    name_registered(declared, snapshot(text), context())


# ---------------------------------------------------------------- URLs

LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
SEGMENT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=8)


@st.composite
def hosts(draw) -> str:
    labels = draw(st.lists(LABEL, min_size=1, max_size=3))
    tld = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=6))
    return ".".join([*labels, tld])


@st.composite
def urls(draw) -> tuple[str, str, str, tuple[str, ...], str]:
    """(scheme, host, port part, path segments, query) of an http(s) URL."""
    scheme = draw(st.sampled_from(["http", "https"]))
    port = draw(st.sampled_from(["", "", ":8080"]))
    path = tuple(draw(st.lists(SEGMENT, max_size=3)))
    query = draw(st.sampled_from(["", "", "?a=1", "?lang=fr&x=2"]))
    return scheme, draw(hosts()), port, path, query


def build(scheme, host, port, path, query, *, trailing=False, www=False, upper=False, default_port=False):
    if www:
        host = "www." + host
    if upper:
        host = host.upper()
        scheme = scheme.upper()
    if default_port and not port:
        port = ":443" if scheme.lower() == "https" else ":80"
    text = f"{scheme}://{host}{port}" + "".join("/" + s for s in path)
    if trailing:
        text += "/"
    return text + query


@FAST
@given(urls(), st.booleans(), st.booleans(), st.booleans(), st.booleans())
def test_normalise_is_insensitive_to_presentation(parts, trailing, www, upper, default_port):
    plain = build(*parts)
    variant = build(*parts, trailing=trailing, www=www, upper=upper, default_port=default_port)
    assert normalise(variant) == normalise(plain)
    other_scheme = ("https" if parts[0] == "http" else "http", *parts[1:])
    assert normalise(build(*other_scheme)) == normalise(plain)


@FAST
@given(st.one_of(urls().map(lambda p: build(*p)), st.text(max_size=60)))
@example("HTTP://WWW.Exemple.CA:80//a//b/")
@example("www.csno.ab.ca")
@example("0 #")  # found by hypothesis: the space before the fragment survived the first call
@example("eqv.csno.ab.ca/a/ #x")
@example("eqv.csno.ab.ca/?q= #x")
def test_normalise_is_idempotent(url):
    once = normalise(url)
    assert normalise(once) == once


@FAST
@given(urls(), urls(), st.booleans(), st.booleans(), st.booleans())
def test_matches_site_is_consistent(site_parts, url_parts, trailing, www, upper):
    site = build(*site_parts)
    url = build(*url_parts)
    assert matches_site(site, site)
    variant = build(*site_parts, trailing=trailing, www=www, upper=upper)
    assert matches_site(variant, site) and matches_site(site, variant)
    assert matches_site(url, site) == matches_site(build(*url_parts, www=www, upper=upper), variant)
    below = build(site_parts[0], site_parts[1], site_parts[2], (*site_parts[3], "page"), "")
    assert matches_site(below, site)
    if site_parts[1] != url_parts[1] or site_parts[2] != url_parts[2]:
        assert not matches_site(url, site)


# ---------------------------------------------------------------- free-text links


@st.composite
def free_urls(draw) -> tuple[str, str]:
    """(as typed, as expected back): with a scheme, or a bare `www.` / dotted host."""
    scheme, host, port, path, query = draw(urls())
    text = f"{host}{port}" + "".join("/" + s for s in path)
    if draw(st.booleans()):
        typed = f"{scheme}://{text}{query}"
        return typed, typed
    bare = draw(st.sampled_from(["www.", ""])) + text
    return bare, "http://" + bare


SEPARATORS = st.sampled_from([" ", ", ", ",", "\n", " \n", "\r\n", "  ", ",\n"])


@FAST
@given(st.lists(free_urls(), min_size=1, max_size=5), st.data())
def test_finds_every_url_however_joined(items, data):
    text = items[0][0]
    for typed, _ in items[1:]:
        text += data.draw(SEPARATORS) + typed
    expected = list(dict.fromkeys(expected for _, expected in items))
    assert list(split_free_text_links(text)) == expected, text


@st.composite
def emails(draw) -> tuple[str, str]:
    local = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=8))
    local = local.strip("._-") or "a"
    domain = draw(hosts())
    return f"{local}@{domain}", domain


@FAST
@given(st.lists(emails(), min_size=1, max_size=4), st.lists(free_urls(), max_size=3), st.data())
def test_never_returns_an_email_domain(mails, links, data):
    pieces = [m for m, _ in mails] + [typed for typed, _ in links]
    pieces = data.draw(st.permutations(pieces))
    text = ""
    for piece in pieces:
        text += piece + data.draw(SEPARATORS)
    found = split_free_text_links(text)
    linked_hosts = {
        expected.split("://", 1)[1].split("/")[0].split(":")[0].removeprefix("www.") for _, expected in links
    }
    for url in found:
        host = url.split("://", 1)[1].split("/")[0].split(":")[0].removeprefix("www.")
        for _, domain in mails:
            if domain not in linked_hosts:
                assert host != domain, (text, found)
    assert len(found) == len({e for _, e in links})


@FAST
@given(st.text(max_size=200))
@example("javascript:alert(1) data:text/html,<b>x</b> mailto:a@b.ca ftp://x.ca file:///etc/passwd")
@example("écrivez à direction@csno.ab.ca ou visitez https://eqv.csno.ab.ca/, merci")
def test_every_result_is_http(text):
    for url in split_free_text_links(text):
        assert url.startswith(("http://", "https://")), url
        assert is_web_url(url), url


# ---------------------------------------------------------------- the address policy

PRIVATE_V4 = [
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "100.64.0.0/10",
    )
]


@st.composite
def private_v4(draw) -> ipaddress.IPv4Address:
    network = draw(st.sampled_from(PRIVATE_V4))
    offset = draw(st.integers(0, network.num_addresses - 1))
    return network.network_address + offset


@FAST
@given(private_v4(), st.sampled_from(["plain", "mapped", "6to4", "nat64"]))
def test_private_addresses_are_refused_in_every_disguise(address, disguise):
    if disguise == "mapped":
        shown = ipaddress.IPv6Address(f"::ffff:{address}")
    elif disguise == "6to4":
        shown = ipaddress.IPv6Address((0x2002 << 112) | (int(address) << 80))
    elif disguise == "nat64":
        shown = ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | int(address))
    else:
        shown = address
    assert addresses.refusal(shown, allow_private=False) is not None
    assert addresses.first_refusal(["93.184.216.34", shown], allow_private=False) is not None


@FAST
@given(st.sampled_from(sorted(addresses.METADATA_ADDRESSES, key=str)), st.booleans())
def test_metadata_services_are_refused_even_when_private_is_allowed(address, mapped):
    shown = ipaddress.IPv6Address(f"::ffff:{address}") if mapped and address.version == 4 else address
    reason = addresses.refusal(shown, allow_private=True)
    assert reason is not None and "métadonnées" in reason


@FAST
@given(st.integers(0, 2**32 - 1))
def test_policy_is_total_and_allows_only_global_v4(number):
    address = ipaddress.IPv4Address(number)
    reason = addresses.refusal(address, allow_private=False)
    # Python counts multicast (224.0.0.0/4) as global; a fetcher never connects to it.
    allowed = address.is_global and not address.is_multicast and address not in addresses.METADATA_ADDRESSES
    assert (reason is None) == allowed, (address, reason)
