"""`run_audit.py access`: what the credentials can read, said in French before the first night."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from scanner import cli
from scanner.access.report import EXIT_COMPLETE, EXIT_MISSING, run_access
from scanner.config.load import load_config
from scanner.platforms import facebook_reasons
from scanner.plumbing.secrets import Secret, Secrets
from vigie_sandbox.demo import DEMO_TOKENS, demo_settings
from vigie_sandbox.server import SandboxServer
from vigie_sandbox.world import World

CONFIG = Path(__file__).resolve().parents[1] / "config"
SYSTEM_TOKEN = "EAAsystem-user-token-never-printed"
APP_SECRET = "app-secret-never-printed"


def realistic_world() -> World:
    """The demo world under Meta's real model: the token manages École des Quatre-Vents' page only,
    the app has Page Public Metadata Access but not Page Public Content Access, proof required."""
    world = World.demo()
    world.facebook = {
        **world.facebook,
        "app": {
            "id": "12001",
            "name": "Vigie CSNO",
            "secret": APP_SECRET,
            "features": ["page_public_metadata_access"],
            "require_appsecret_proof": True,
        },
        "tokens": [
            {
                "token": SYSTEM_TOKEN,
                "kind": "system_user",
                "permissions": ["pages_show_list", "pages_read_engagement", "business_management"],
                "manages": ["EQVCSNO"],
            }
        ],
    }
    return world


def config_for(server: SandboxServer, tmp_path: Path):
    config = load_config(CONFIG)
    settings = demo_settings(config.settings, server.url, 2525, tmp_path)
    facebook_settings = settings.platforms.facebook.model_copy(update={"app_secret_env": "FB_APP_SECRET"})
    platforms = settings.platforms.model_copy(update={"facebook": facebook_settings})
    return config.model_copy(update={"settings": settings.model_copy(update={"platforms": platforms})})


def test_access_says_beforehand_what_the_audit_will_miss(tmp_path):
    with SandboxServer(realistic_world()) as server:
        config = config_for(server, tmp_path)
        secrets = replace(
            DEMO_TOKENS, facebook_token=Secret(SYSTEM_TOKEN), facebook_app_secret=Secret(APP_SECRET)
        )
        printed: list[str] = []
        status = run_access(config, secrets, out=printed.append)
    text = "\n".join(printed)
    assert status == EXIT_MISSING
    assert "utilisateur système, application «\u00a0Vigie CSNO\u00a0»" in text
    assert "pages gérées par le jeton\u00a0: 1 des 4 pages du registre" in text
    assert "Page Public Metadata Access\u00a0: accordée" in text
    assert "Page Public Content Access\u00a0: non accordée" in text
    assert facebook_reasons.NO_CONTENT_ACCESS in text
    calendar = next(line for line in printed[0].splitlines() if "activity.calendar" in line)
    assert "eh-facebook" in calendar and "eqv-facebook" not in calendar
    assert SYSTEM_TOKEN not in text and APP_SECRET not in text
    x_accounts = sum(a.network.value == "x" for a in config.registry.accounts)
    night = f"{x_accounts * 0.015:.3f}".rstrip("0").replace(".", ",")
    assert f"coût d'une nuit\u00a0: au plus {night}\u00a0$\u00a0US ({x_accounts} comptes" in text
    assert "sur 10\u00a0000 par jour" in text


def test_access_on_the_demo_world_is_complete(capsys):
    assert cli.main(["access", "--demo", "--config", str(CONFIG)]) == EXIT_COMPLETE
    out = capsys.readouterr().out
    assert "Tout est en place" in out and "sandbox-facebook-token" not in out


def test_access_without_credentials_names_the_variables(tmp_path):
    with SandboxServer(World.demo()) as server:
        printed: list[str] = []
        status = run_access(config_for(server, tmp_path), Secrets(), out=printed.append)
    assert status == EXIT_MISSING
    assert "la variable d'environnement FACEBOOK_ACCESS_TOKEN est vide" in printed[0]
    assert "X_BEARER_TOKEN" in printed[0] and "YOUTUBE_API_KEY" in printed[0]


def test_access_with_a_broken_configuration_exits_2(tmp_path, capsys):
    (tmp_path / "registry.yaml").write_text("accounts: [", encoding="utf-8")
    (tmp_path / "settings.yaml").write_text("{}", encoding="utf-8")
    assert cli.main(["access", "--config", str(tmp_path)]) == 2


@pytest.mark.parametrize("token", ["expired-token"])
def test_access_with_a_refused_token(tmp_path, token):
    with SandboxServer(realistic_world()) as server:
        secrets = replace(DEMO_TOKENS, facebook_token=Secret(token), facebook_app_secret=Secret(APP_SECRET))
        printed: list[str] = []
        status = run_access(config_for(server, tmp_path), secrets, out=printed.append)
    assert status == EXIT_MISSING and "jeton d'accès de la plateforme est expiré" in printed[0]
    assert token not in printed[0]
