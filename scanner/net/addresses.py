"""Which network addresses Vigie may connect to: the private-address policy (SSRF guard).

Vigie follows links that anybody can type into a social-media profile. Without this
policy, a profile linking `http://169.254.169.254/latest/meta-data/` or
`http://10.0.0.5/admin` would make the nightly job read the board's own network.

Pure functions over literal addresses; name resolution is `resolve_host`, which the
fetcher calls right before each request (and then connects to the address it checked).
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from collections.abc import Callable, Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud instance-metadata services: refused even when private addresses are allowed,
# since no audit, not even one of a test world on loopback, has anything to read there.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack…
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS, IPv6
        "100.100.100.200",  # Alibaba Cloud
    )
)

# IPv6 prefixes that carry an IPv4 address inside them: the embedded address is what
# the packets eventually reach, so it is the one to check.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)


def parse_address(value: str) -> IPAddress | None:
    """A literal IPv4/IPv6 address (brackets and zone id allowed), or None for a host name."""
    text = value.strip().strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped, 6to4, Teredo or NAT64 IPv6 address."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


@functools.lru_cache(maxsize=4096)  # asked before every request: ipaddress walks its tables each time
def classify(address: IPAddress | str) -> str | None:
    """Why this address is not a public Internet address, in French; None when it is public."""
    if isinstance(address, str):
        parsed = parse_address(address)
        if parsed is None:
            raise ValueError(f"not an IP address: {address!r}")
        address = parsed
    inner = embedded_ipv4(address)
    if inner is not None:
        return classify(inner)
    if address in METADATA_ADDRESSES:
        return "service de métadonnées"
    if address.is_unspecified:
        return "adresse non spécifiée"
    if address.is_loopback:
        return "adresse de bouclage"
    if address.is_link_local:
        return "adresse lien-local"
    if address.is_multicast:
        return "adresse de multidiffusion"
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED:
        return "adresse partagée d'opérateur"
    if address.is_private or getattr(address, "is_site_local", False):
        return "adresse privée"
    if address.is_reserved or not address.is_global:
        return "adresse réservée"
    return None


def refusal(address: IPAddress | str, *, allow_private: bool) -> str | None:
    """The French reason to refuse connecting to `address`, or None when it is allowed.

    `allow_private` (settings `network.allow_private_addresses`) lets a test world on
    loopback be audited; metadata services, unspecified and multicast addresses stay refused.
    """
    kind = classify(address)
    if kind is None:
        return None
    shown = str(address)
    if kind in ("service de métadonnées", "adresse non spécifiée", "adresse de multidiffusion"):
        return f"adresse refusée ({kind})\u00a0: {shown}"
    if allow_private:
        return None
    return f"adresse privée refusée\u00a0: {shown}"


Policy = Callable[..., str | None]  # `refusal`'s signature: (address, *, allow_private) -> reason or None


def first_refusal(
    addresses: Iterable[IPAddress | str], *, allow_private: bool, policy: Policy = refusal
) -> str | None:
    """Every address a name resolves to must pass `policy`: one bad answer refuses the name."""
    for address in addresses:
        reason = policy(address, allow_private=allow_private)
        if reason is not None:
            return reason
    return None


def resolve_host(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (literal addresses are returned as they are).

    Raises `socket.gaierror` when the name does not resolve.
    """
    literal = parse_address(host)
    if literal is not None:
        return [literal]
    found: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = parse_address(str(sockaddr[0]))
        if address is not None and address not in found:
            found.append(address)
    if not found:
        raise socket.gaierror(socket.EAI_NONAME, "no address")
    return found
