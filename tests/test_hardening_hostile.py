"""Hostile content, through the whole pipeline to the e-mails and the archive.

Profiles are written by strangers: markup and `<script>`, CR/LF meant for a mail header,
bidirectional overrides, zero-width characters, a 1 MB description, emoji, `javascript:` and
`data:` links, links to private and cloud-metadata addresses. The coordinator's registry is
not hostile but may carry a stray line break. After a real night (`run_job`, sandbox, SMTP),
every `.eml` received, the report archive (JSON and HTML) and the requests made are read:
everything escaped, no header injected, no dangerous link made clickable, no private
address contacted unless allowed, redirects checked at each hop.
"""

from __future__ import annotations

import json
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from hardening_world import HardWorld, find, hrefs

from scanner.config.models import NetworkSettings
from scanner.net import addresses
from scanner.net.fetch import ErrorKind, Fetcher
from vigie_sandbox.server import SandboxServer
from vigie_sandbox.world import World

SCRIPT = "<script>alert('vigie')</script>"
INJECT = "\r\nBcc: pirate@evil.example\r\nX-Injecte: oui"
BIDI = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
DIRECTIONAL = re.compile("[\u202a-\u202e\u2066-\u2069]")
ZERO_WIDTH = "\u200b"
EMOJI = "🎒📚"
BIG = "Lorem ipsum dolor sit amet. " * 37_500  # about 1 MB
ALLOWED_HREF = re.compile(r"^(https?://|mailto:|cid:|#)", re.I)
ALLOWED_HEADERS = {
    "subject",
    "from",
    "to",
    "cc",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "content-disposition",
    "content-id",
    "content-language",
    "auto-submitted",
    "x-vigie-run",
    "x-vigie-notice",
    "x-auto-response-suppress",
    "precedence",
    "reply-to",
    "list-id",
}


def hostile_world(hw: HardWorld, trap_port: int | None = None) -> None:
    """Every platform serves hostile profiles; the registry has a stray line break in a person's name.

    With `trap_port`, profiles also link a private address and the trap server (for a run where
    private addresses are refused; a run that allows them, for a loopback world, would reach them).
    """
    links = (
        f" javascript:alert(1) data:text/html,{SCRIPT} http://169.254.169.254/latest/meta-data/"
        " https://metadonnees.test/ https://eh.csno.ab.ca/vers-metadonnees"
    )
    if trap_port is not None:
        links += f" http://10.0.0.5/admin http://127.0.0.1:{trap_port}/piege"
    page = find(hw.world["facebook"]["pages"], username="EQVCSNO")
    page["name"] = "École des Quatre-Vents_CSNO (page officielle)" + INJECT
    page["about"] = f'"><img src=x onerror=alert(1)>{SCRIPT} {EMOJI}'
    page["website"] = "javascript:alert(1) data:text/html,<b>x</b> https://eqv.csno.ab.ca www.csno.ab.ca"
    user = find(hw.world["x"]["users"], username="EQV_CSNO")
    user["name"] = f"{SCRIPT}École{BIDI}Sports{ZERO_WIDTH}_CSNO {EMOJI}"
    user["description"] = f'{SCRIPT} <a href="javascript:alert(1)">clic</a>' + links
    channel = hw.world["youtube"]["channels"][0]
    channel["description"] = BIG + links
    channel["title"] = f"École Héritage{INJECT} Musique_CSNO"
    ig = find(hw.world["instagram"]["accounts"], username="eh_csno")
    ig["name"] = f"École Héritage Arts{BIDI}OSNC_ {ZERO_WIDTH}"
    ig["biography"] = f"{SCRIPT}{EMOJI} javascript:alert(document.cookie)" + links
    hw.world["web"]["sites"]["eh.csno.ab.ca"] = {
        "/vers-metadonnees": {"redirect": "http://169.254.169.254/latest/meta-data/iam/"},
        "*": {"title": "École Héritage"},
    }
    principal = hw.registry["schools"][0]["principal"]
    principal["name"] = "Sophie <b>Tremblay</b>\nX-Injecte: oui"


@pytest.fixture
def trap():
    """A second loopback server that must receive nothing."""
    server = SandboxServer(World()).start()
    yield server
    server.stop()


@pytest.fixture
def night(tmp_path, trap):
    hw = HardWorld(tmp_path)
    hostile_world(hw)
    hw.start()
    resolve = {**hw.resolve, "metadonnees.test": "169.254.169.254:80"}
    outcome = hw.run(resolve=resolve)
    yield hw, outcome
    hw.stop()


def every_part(message):
    for part in message.walk():
        if part.get_content_maintype() == "text":
            yield part.get_content_subtype(), part.get_content()


def test_the_night_finishes_and_reports_the_hostile_names(night):
    hw, outcome = night
    assert outcome.exit_status == 0
    data = json.loads(Path(outcome.report_json).read_text(encoding="utf-8"))
    failing = {(f["account"], f["check"]) for f in data["findings"] if f["status"] == "non_conforme"}
    assert {
        ("eqv-x", "name.suffix"),
        ("eh-instagram", "name.suffix"),
        ("eqv-facebook", "name.suffix"),
    } <= failing
    assert hw.integrity() == "ok"
    assert hw.mailbox.received  # notices and the report went out


def test_no_header_injection(night):
    hw, _ = night
    for path in hw.mailbox.received:
        raw = path.read_bytes()
        message = message_from_bytes(raw, policy=policy.default)
        names = {key.lower() for key, _ in message.items()}
        assert names <= ALLOWED_HEADERS, (path.name, names - ALLOWED_HEADERS)
        for key, value in message.items():
            assert "\r" not in str(value) and "\n" not in str(value), (key, value)
            assert not DIRECTIONAL.search(str(value)), (key, value)
        head = raw.split(b"\r\n\r\n", 1)[0].lower().split(b"\r\n")
        assert not [line for line in head if line.startswith((b"bcc:", b"x-injecte:"))]
    assert hw.mailbox.recipients
    assert all(address.endswith("@csno.ab.ca") for address in hw.mailbox.recipients)


def test_everything_is_escaped_in_every_part(night):
    hw, outcome = night
    htmls = [Path(outcome.report_html).read_text(encoding="utf-8")]
    texts = []
    for message in hw.mailbox.messages():
        for subtype, content in every_part(message):
            (htmls if subtype == "html" else texts).append(content)
    assert len(htmls) >= 3 and texts
    escaped = 0
    for html in htmls:
        lowered = html.lower()
        assert "<script" not in lowered and "onerror=" not in lowered and "<img src=x" not in lowered
        assert "<b>tremblay</b>" not in lowered
        assert not DIRECTIONAL.search(html)
        escaped += "&lt;script&gt;" in html or "&lt;script" in html
    assert escaped, "the hostile names are shown (escaped) somewhere"
    for text in texts:
        assert not DIRECTIONAL.search(text)
        assert "\r" not in text.replace("\r\n", "\n")
        assert "X-Injecte: oui" not in text.replace("\n", " ") or "\nX-Injecte" not in text


def test_only_safe_links_are_clickable(night):
    hw, outcome = night
    pages = [Path(outcome.report_html).read_text(encoding="utf-8")]
    pages += [c for m in hw.mailbox.messages() for sub, c in every_part(m) if sub == "html"]
    for html in pages:
        for href in hrefs(html):
            assert ALLOWED_HREF.match(href), href
            assert "javascript" not in href.lower() and not href.lower().startswith("data:")
        for src in re.findall(r"""\bsrc\s*=\s*["']?([^"'\s>]+)""", html, re.I):
            assert src.startswith(("cid:", "data:image/")) or ":" not in src, src  # or a file beside it


def test_archive_json_carries_text_not_markup_injection(night):
    _, outcome = night
    text = Path(outcome.report_json).read_text(encoding="utf-8")
    data = json.loads(text)  # valid JSON whatever the content
    assert data["run"]["status"] == "complete"
    assert len(text) < 1_000_000  # the 1 MB description is not copied into the report


def test_one_megabyte_description_keeps_the_mail_small(night):
    hw, _ = night
    for path in hw.mailbox.received:
        assert path.stat().st_size < 1_000_000, path.name


def test_no_request_to_metadata_or_private_addresses_when_allowed_for_loopback(night, trap):
    """allow_private_addresses (a test world on loopback) never opens the metadata service."""
    hw, _ = night
    # `metadonnees.test` is mapped to 169.254.169.254: had the mapped address not been checked,
    # the request would have reached the sandbox under that name
    assert not [r for r in hw.sandbox.log if r.host in ("metadonnees.test", "169.254.169.254")]
    # the school site's redirect to the metadata service was asked, its target was not
    assert [r for r in hw.sandbox.log if r.path == "/vers-metadonnees"]
    assert not trap.log


def test_no_private_address_contacted_when_not_allowed(tmp_path, trap):
    """allow_private_addresses: false — not the trap, not even the sandbox's websites: only the APIs."""
    hw = HardWorld(tmp_path)
    hostile_world(hw, trap.port)
    hw.start()
    try:
        hw.write_config(network={"allow_private_addresses": False})
        outcome = hw.run()
        assert outcome.exit_status == 0  # every platform answered
        assert not trap.log
        assert not [r for r in hw.sandbox.log if r.endpoint in ("web.page", "media")]
        assert hw.sandbox.requests_to("x.users") and hw.sandbox.requests_to("youtube.channels")
    finally:
        hw.stop()


# ---------------------------------------------------------------- each redirect hop is checked


PUBLIC_STANDIN = "127.0.0.2"  # plays a public web server: the policy is told it is public


@pytest.fixture
def public_site(trap):
    """A 'public' site (on 127.0.0.2) whose pages redirect to private and metadata addresses."""

    def policy(address, *, allow_private):  # the real policy, but for the stand-in
        if str(address) == PUBLIC_STANDIN:
            return None
        return addresses.refusal(address, allow_private=allow_private)

    world = World(
        web={
            "sites": {
                "public.test": {
                    "/": {"title": "Public"},
                    "/vers-trappe": {"redirect": f"http://127.0.0.1:{trap.port}/"},
                    "/vers-nom-interne": {"redirect": "http://interne.test/"},
                    "/vers-ipv6": {"redirect": "http://[::ffff:10.0.0.5]/"},
                    "/vers-metadonnees": {"redirect": "http://169.254.169.254/latest/meta-data/"},
                    "/vers-ftp": {"redirect": "ftp://public.test/fichier"},
                    "/vers-js": {"redirect": "javascript:alert(1)"},
                    "/relais": {"redirect": "/vers-trappe"},
                }
            }
        }
    )
    server = SandboxServer(world, host=PUBLIC_STANDIN).start()
    resolve = {"public.test": f"{PUBLIC_STANDIN}:{server.port}", "interne.test": f"127.0.0.1:{trap.port}"}
    fetcher = Fetcher(
        NetworkSettings(allow_private_addresses=False, timeout=2), resolve=resolve, address_policy=policy
    )
    yield fetcher, server
    server.stop()


def test_public_site_is_reachable(public_site):
    fetcher, _ = public_site
    assert fetcher.get("http://public.test/").status == 200


@pytest.mark.parametrize(
    ("path", "kind", "words"),
    [
        ("/vers-trappe", ErrorKind.REFUSED, "adresse privée refusée"),
        ("/relais", ErrorKind.REFUSED, "adresse privée refusée"),
        ("/vers-nom-interne", ErrorKind.REFUSED, "adresse privée refusée"),
        ("/vers-ipv6", ErrorKind.REFUSED, "refusée"),
        ("/vers-metadonnees", ErrorKind.REFUSED, "métadonnées"),
        ("/vers-ftp", ErrorKind.REFUSED, "http et https"),
        ("/vers-js", ErrorKind.REFUSED, "http et https"),
    ],
)
def test_every_redirect_hop_is_checked(public_site, trap, path, kind, words):
    fetcher, server = public_site
    for method in (fetcher.get, fetcher.head):
        result = method(f"http://public.test{path}")
        assert result.kind is kind and words in result.error, result
    assert not trap.log
    assert server.log  # the first hop was asked: the refusal is at the redirect
