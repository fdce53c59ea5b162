"""Logging: a planted token never reaches the log file nor stderr, whatever carries it."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from scanner.plumbing.logs import log_path, setup_logging
from scanner.plumbing.secrets import Secret, Secrets

TOKEN = "EAAGm0PX4ZCpsBAPlantedToken123"
PASSWORD = "hunter2-smtp-Pa55"


@pytest.fixture
def logged(tmp_path: Path):
    stream = io.StringIO()
    secrets = Secrets(facebook_token=Secret(TOKEN), smtp_password=Secret(PASSWORD))
    setup_logging(tmp_path, secrets, stream=stream, level=logging.DEBUG)
    yield tmp_path, stream
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_vigie_handler", False):
            root.removeHandler(handler)
            handler.close()


def outputs(state_dir: Path, stream: io.StringIO) -> list[str]:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return [log_path(state_dir).read_text(encoding="utf-8"), stream.getvalue()]


def test_secret_in_message_and_args_is_scrubbed(logged) -> None:
    state_dir, stream = logged
    log = logging.getLogger("scanner.platforms.facebook")
    log.info("token is %s", TOKEN)
    log.warning(f"password {PASSWORD} rejected")
    log.info("GET https://graph.example/v23.0/me?fields=name&access_token=%s", "other-token-value")
    for text in outputs(state_dir, stream):
        assert TOKEN not in text
        assert PASSWORD not in text
        assert "other-token-value" not in text
        assert "access_token=***" in text
        assert "token is ***" in text


def test_secret_in_exception_text_is_scrubbed(logged) -> None:
    state_dir, stream = logged
    try:
        raise RuntimeError(f"401 for https://graph.example/me?access_token={TOKEN}")
    except RuntimeError:
        logging.getLogger("urllib3.connectionpool").exception("request failed")
    logging.getLogger("scanner").error("with stack", stack_info=True, extra={"x": TOKEN})
    for text in outputs(state_dir, stream):
        assert "RuntimeError" in text
        assert "Traceback" in text
        assert TOKEN not in text


def test_log_file_is_under_state_dir_and_setup_is_idempotent(tmp_path: Path) -> None:
    stream = io.StringIO()
    setup_logging(tmp_path, None, stream=stream)
    setup_logging(tmp_path, None, stream=stream)
    logging.getLogger("scanner").info("once")
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_vigie_handler", False)]
    assert len(ours) == 2
    for handler in ours:
        handler.flush()
    assert log_path(tmp_path).read_text(encoding="utf-8").count("once") == 1
    assert log_path(tmp_path).parent == tmp_path / "logs"
    for handler in ours:
        logging.getLogger().removeHandler(handler)
        handler.close()


def test_secrets_can_be_set_after_setup(tmp_path: Path) -> None:
    stream = io.StringIO()
    scrubber = setup_logging(None, None, stream=stream)
    scrubber.secrets = Secrets(x_bearer_token=Secret("late-bearer-secret"))
    logging.getLogger("scanner").warning("bearer late-bearer-secret")
    assert "late-bearer-secret" not in stream.getvalue()
    for handler in list(logging.getLogger().handlers):
        if getattr(handler, "_vigie_handler", False):
            logging.getLogger().removeHandler(handler)
