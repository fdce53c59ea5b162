"""`run_audit.py --demo`: the whole job against the bundled offline world, on loopback only.

Starts the sandbox (platforms and websites) and an SMTP server that writes every
e-mail it receives to `var/demo/mail/*.eml`, points a copy of the configuration at
them, and runs the same job cron runs. No credentials, no network beyond loopback.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller

from scanner.config.models import Config, Settings, SmtpSecurity
from scanner.plumbing.secrets import Secret, Secrets

DEMO_STATE_DIR = Path("var/demo")
DEMO_TOKENS = Secrets(
    facebook_token=Secret("sandbox-facebook-token"),
    x_bearer_token=Secret("sandbox-x-token"),
    youtube_api_key=Secret("sandbox-youtube-key"),
)


class MailFolder:
    """aiosmtpd handler: every accepted message becomes one `.eml` file, named by order and Message-ID."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.received: list[Path] = []
        # counted once, not listed again for each message: a relay answers a night's 500 notices
        # in milliseconds each, and this one must not be what a benchmark of the night measures
        self._count = len(list(self.folder.glob("*.eml")))

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        data = envelope.original_content or envelope.content
        message = BytesParser(policy=policy.default).parsebytes(data, headersonly=True)
        ident = re.sub(r"[^A-Za-z0-9]+", "-", str(message.get("Message-ID", "sans-id"))).strip("-")[:60]
        self._count += 1
        path = self.folder / f"{self._count:03d}-{ident}.eml"
        path.write_bytes(data)
        self.received.append(path)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class DemoWorld:
    config: Config
    secrets: Secrets
    resolve: dict[str, str]
    mail: MailFolder
    sandbox: object


@contextlib.contextmanager
def demo_world(config: Config, state_dir: Path = DEMO_STATE_DIR) -> Iterator[DemoWorld]:
    from vigie_sandbox.server import SandboxServer
    from vigie_sandbox.world import World

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd narrates every SMTP command
    mail = MailFolder(state_dir / "mail")
    controller = Controller(mail, hostname="127.0.0.1", port=free_port())
    with SandboxServer(World.demo()) as sandbox:
        controller.start()
        try:
            settings = demo_settings(config.settings, sandbox.url, controller.port, state_dir)
            yield DemoWorld(
                config=config.model_copy(update={"settings": settings}),
                secrets=DEMO_TOKENS,
                resolve={"*": f"127.0.0.1:{sandbox.port}"},
                mail=mail,
                sandbox=sandbox,
            )
        finally:
            controller.stop()


def demo_settings(settings: Settings, sandbox_url: str, smtp_port: int, state_dir: Path) -> Settings:
    platforms = settings.platforms
    return settings.model_copy(
        update={
            "state_dir": state_dir,
            "smtp": settings.smtp.model_copy(
                update={
                    "host": "127.0.0.1",
                    "port": smtp_port,
                    "security": SmtpSecurity.NONE,
                    "username": None,
                }
            ),
            "platforms": platforms.model_copy(
                update={
                    "facebook": platforms.facebook.model_copy(update={"graph_url": sandbox_url}),
                    "x": platforms.x.model_copy(update={"api_url": sandbox_url}),
                    "youtube": platforms.youtube.model_copy(update={"api_url": sandbox_url}),
                }
            ),
            "network": settings.network.model_copy(update={"allow_private_addresses": True}),
            "healthcheck_url": None,
        }
    )
