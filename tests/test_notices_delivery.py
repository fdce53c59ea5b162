"""Exactly-once notices against a real SMTP server on loopback (aiosmtpd), across nights and failures."""

from __future__ import annotations

import datetime as dt
import socket
from collections import Counter
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from factories import make_catalogue, make_registry, make_result, make_settings, night, outcomes

from scanner.checks.base import Status
from scanner.history.store import History
from scanner.mail.delivery import send as smtp_send
from scanner.notices.deliver import notice_log, queue, send_notices
from scanner.notices.plan import plan_notices
from scanner.notices.render import render_notice

NC, C = Status.NON_CONFORME, Status.CONFORME
CATALOGUE = make_catalogue()
REGISTRY = make_registry(schools=2, accounts_per_school=2)  # eqv-facebook-0, eqv-instagram-1, eh-…
EQV = ("eqv-facebook-0", "name.suffix")
EH = ("eh-facebook-0", "admins.count")


class Recorder:
    """An SMTP handler that records what it accepts; `mode` and `refuse` make it fail on purpose."""

    def __init__(self) -> None:
        self.received: list[tuple[object, tuple[str, ...]]] = []
        self.raw: list[tuple[str, bytes]] = []  # (envelope sender, bytes as received)
        self.mode = "accept"  # accept | 451 | 554
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.mode == "451":
            return "451 4.3.0 Try again later"
        if self.mode == "554":
            return "554 5.6.0 Message rejected"
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((message, tuple(envelope.rcpt_tos)))
        self.raw.append((envelope.mail_from, envelope.content))
        return "250 OK"

    def ids(self) -> Counter:
        return Counter(str(m["Message-ID"]) for m, _ in self.received)

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m, _ in self.received]


class Server:
    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.handler = Recorder()
        self.controller: Controller | None = None

    def start(self) -> Server:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    server = Server().start()
    yield server
    server.stop()


@pytest.fixture
def history(tmp_path):
    with History(tmp_path / "history.sqlite3") as h:
        yield h


class Nights:
    """Records night n in the history, then runs the notices stage as the job would."""

    def __init__(self, history: History, settings) -> None:
        self.history = history
        self.settings = settings

    def findings(self, n: int, failing: dict[tuple[str, str], Status]):
        results = [make_result(a, c, s) for (a, c), s in failing.items()]
        return self.history.record_run(
            f"run-{n}",
            night(n),
            night(n) + dt.timedelta(minutes=5),
            "complete",
            outcomes(REGISTRY),
            results,
            {},
        )

    def run(self, n: int, failing: dict[tuple[str, str], Status], **kwargs):
        findings = self.findings(n, failing)
        return send_notices(
            self.history, findings, REGISTRY, self.settings, run_id=f"run-{n}",
            now=night(n) + dt.timedelta(minutes=6), catalogue=CATALOGUE, **kwargs,
        )  # fmt: skip


@pytest.fixture
def nights(history, smtp, tmp_path):
    return Nights(history, make_settings(tmp_path, port=smtp.port))


def to_cc(message) -> tuple[list[str], list[str]]:
    to = [a.addr_spec for a in message["To"].addresses]
    cc = [a.addr_spec for a in message["Cc"].addresses] if message["Cc"] else []
    return to, cc


def test_three_nights_first_reminder_escalation(nights, smtp) -> None:
    failing = {EQV: NC}
    [first] = nights.run(0, failing)
    assert first.state == "sent" and first.kind == "first"
    assert nights.run(1, failing) == []  # nothing new, no reminder due: no notice
    [reminder] = nights.run(8, failing)
    assert reminder.kind == "reminder"
    [escalation] = nights.run(31, failing)
    assert escalation.kind == "escalation"

    messages = [m for m, _ in smtp.handler.received]
    assert len(messages) == 3
    assert to_cc(messages[0]) == (
        ["direction.eqv@csno.ab.ca"],
        ["julie.cote@csno.ab.ca", "luc.roy@csno.ab.ca"],
    )
    assert to_cc(messages[1]) == to_cc(messages[0])
    assert messages[1]["Subject"].startswith("Rappel DA 142")
    to, cc = to_cc(messages[2])
    assert to == ["dg@csno.ab.ca"]
    assert cc[0] == "communications@csno.ab.ca"
    assert messages[2]["Subject"].startswith("Signalement DA 142")
    assert all(count == 1 for count in smtp.handler.ids().values())
    assert nights.run(32, failing) == []  # escalated once
    assert nights.history.pending_notices() == []


def test_one_notice_per_principal_with_their_school_only(nights, smtp) -> None:
    deliveries = nights.run(0, {EQV: NC, EH: NC, ("eqv-instagram-1", "logo.school"): NC})
    assert sorted(d.school for d in deliveries) == ["eh", "eqv"]
    by_to = {to_cc(m)[0][0]: m for m, _ in smtp.handler.received}
    eqv = by_to["direction.eqv@csno.ab.ca"].get_body(("plain",)).get_content()
    assert "École Héritage" not in eqv
    assert "2\u00a0points" in str(by_to["direction.eqv@csno.ab.ca"]["Subject"])


def test_temporary_refusal_is_retried_next_run_with_the_same_message_id(nights, smtp) -> None:
    smtp.handler.mode = "451"
    [queued] = nights.run(0, {EQV: NC})
    assert queued.state == "queued" and "451" in queued.error
    assert smtp.handler.received == []
    assert [r.id for r in nights.history.pending_notices()] == [queued.id]

    smtp.handler.mode = "accept"
    deliveries = nights.run(1, {EQV: NC})
    assert [(d.id, d.state, d.retry) for d in deliveries] == [(queued.id, "sent", True)]  # no second e-mail
    assert smtp.handler.ids() == Counter({queued.id: 1})
    assert nights.run(2, {EQV: NC}) == []
    assert nights.history.pending_notices() == []


def test_connection_refused_keeps_every_notice_queued(nights, smtp) -> None:
    smtp.stop()
    deliveries = nights.run(0, {EQV: NC, EH: NC})
    assert [d.state for d in deliveries] == ["queued", "queued"]
    assert len(nights.history.pending_notices()) == 2
    smtp.start()
    retried = nights.run(1, {EQV: NC, EH: NC})
    assert {d.id for d in retried} == {d.id for d in deliveries}
    assert all(d.state == "sent" and d.retry and not d.interrupted for d in retried)
    assert smtp.handler.ids() == Counter({d.id: 1 for d in deliveries})


def test_one_recipient_refused_does_not_block_the_others(nights, smtp) -> None:
    smtp.handler.refuse = {"luc.roy@csno.ab.ca"}
    [delivery] = nights.run(0, {EQV: NC})
    assert delivery.state == "sent"
    assert list(delivery.refused) == ["luc.roy@csno.ab.ca"]
    assert delivery.refused["luc.roy@csno.ab.ca"].startswith("550")
    [(message, rcpt)] = smtp.handler.received
    assert set(rcpt) == {"direction.eqv@csno.ab.ca", "julie.cote@csno.ab.ca"}
    assert nights.run(1, {EQV: NC}) == []  # not retried: the others got it


def test_permanent_rejection_is_reported_and_planned_again_next_night(nights, smtp) -> None:
    smtp.handler.mode = "554"
    [failed] = nights.run(0, {EQV: NC})
    assert failed.state == "failed" and failed.error.startswith("permanent")
    smtp.handler.mode = "accept"
    [again] = nights.run(1, {EQV: NC})
    assert again.id != failed.id and again.state == "sent" and not again.retry
    assert smtp.handler.ids() == Counter({again.id: 1})


def recorded_not_sent(nights):
    """Night 0's notice rendered and recorded (step 1 of the protocol), never sent."""
    findings = nights.findings(0, {EQV: NC})
    planned = plan_notices(findings, REGISTRY, nights.settings, night(0), notice_log(nights.history, REGISTRY),
                           catalogue=CATALOGUE)  # fmt: skip
    messages = [
        (n, render_notice(n, REGISTRY, nights.settings, run_id="run-0", now=night(0))) for n in planned
    ]
    [record] = queue(nights.history, messages, run_id="run-0", now=night(0))
    return record


def test_crash_after_recording_before_sending_sends_once(nights, smtp) -> None:
    record = recorded_not_sent(nights)
    # … the process dies here …
    [delivery] = nights.run(1, {EQV: NC})
    assert (delivery.id, delivery.state, delivery.retry, delivery.interrupted) == (
        record.id,
        "sent",
        True,
        False,
    )
    assert smtp.handler.ids() == Counter({record.id: 1})


def test_crash_during_the_attempt_before_the_server_accepted(nights, smtp) -> None:
    def dies(message, settings, password):
        raise KeyboardInterrupt  # killed just before the SMTP transaction

    with pytest.raises(KeyboardInterrupt):
        nights.run(0, {EQV: NC}, send=dies)
    [delivery] = nights.run(1, {EQV: NC})
    assert delivery.state == "sent" and delivery.retry and delivery.interrupted  # flagged for the report
    assert sum(smtp.handler.ids().values()) == 1


def test_crash_after_the_server_accepted_resends_with_the_same_message_id(nights, smtp) -> None:
    def accepted_then_dies(message, settings, password):
        smtp_send(message, settings, password)
        raise KeyboardInterrupt  # killed between the server's 250 and our commit

    with pytest.raises(KeyboardInterrupt):
        nights.run(0, {EQV: NC}, send=accepted_then_dies)
    [delivery] = nights.run(1, {EQV: NC})
    assert delivery.interrupted
    # At least once, never lost; the copy carries the same Message-ID, so it is recognisable.
    assert smtp.handler.ids() == Counter({delivery.id: 2})
    first, second = (m for m, _ in smtp.handler.received)
    assert first["Subject"] == second["Subject"]
    assert nights.run(2, {EQV: NC}) == []


def test_dry_run_writes_eml_and_records_nothing(nights, smtp, tmp_path) -> None:
    deliveries = nights.run(0, {EQV: NC, EH: NC}, dry_run=True)
    assert [d.state for d in deliveries] == ["written", "written"]
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 2 and all(d.path in files for d in deliveries)
    assert smtp.handler.received == []
    assert nights.history.pending_notices() == []
    assert nights.history.last_notice_for("eqv") is None
    # the next real run sends them for real
    assert len(nights.run(1, {EQV: NC, EH: NC})) == 2
    assert len(smtp.handler.received) == 2


def test_dry_run_also_previews_pending_retries(nights, smtp, tmp_path) -> None:
    smtp.handler.mode = "451"
    [queued] = nights.run(0, {EQV: NC})
    [preview] = nights.run(1, {EQV: NC}, dry_run=True)
    assert preview.id == queued.id and preview.retry and preview.state == "written"
    assert [r.id for r in nights.history.pending_notices()] == [queued.id]  # still to send


def test_resolved_good_news_goes_with_the_next_notice(nights, smtp) -> None:
    nights.run(0, {EQV: NC, ("eqv-instagram-1", "logo.school"): NC})
    assert nights.run(1, {EQV: C, ("eqv-instagram-1", "logo.school"): NC}) == []  # good news alone: nothing
    [delivery] = nights.run(
        2, {EQV: C, ("eqv-instagram-1", "logo.school"): NC, ("eqv-instagram-1", "admins.count"): NC}
    )
    text = smtp.handler.received[-1][0].get_body(("plain",)).get_content()
    assert "BONNE NOUVELLE" in text and "Nom au format (nom)_CSNO" in text
    assert delivery.kind == "first"


def test_the_bytes_recorded_are_the_bytes_sent(nights, smtp) -> None:
    """A recorded notice goes on the wire as recorded (its headers read for the envelope, its
    body neither parsed nor serialised again): what the history holds is what the school got."""
    record = recorded_not_sent(nights)
    [delivery] = nights.run(1, {EQV: NC})
    assert delivery.state == "sent"
    [(sender, content)] = smtp.handler.raw
    assert content.rstrip(b"\r\n") == record.message.rstrip(b"\r\n")
    recorded_from = message_from_bytes(record.message, policy=policy.default)["From"]
    assert sender == str(recorded_from).rpartition("<")[2].rstrip(">")
