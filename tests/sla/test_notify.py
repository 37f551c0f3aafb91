"""The built-in `notify` plugin: mail through a real SMTP server (aiosmtpd), and the log."""

from __future__ import annotations

import json

from deskctl.desk import Desk
from tests.sla.support import write_config


def test_group_mail_goes_through_smtp_and_everything_is_logged(desk, smtp_server):
    controller, received = smtp_server
    write_config(desk, extra=f"channels:\n  smtp: {{host: 127.0.0.1, port: {controller.port}, from: desk@example.com}}\n")
    from deskctl.sla.notify import deliver

    d = Desk(desk)
    results = deliver(d, "sla.breached", {"subject": "[INC-7] resolution SLA breached", "text": "late",
                                          "ticket": "INC-7"}, ["l2@example.com", "L2"])
    assert results == [{"channel": "smtp", "to": "l2@example.com", "ok": True}]
    assert len(received) == 1 and received[0]["Subject"] == "[INC-7] resolution SLA breached"
    assert received[0]["Auto-Submitted"] == "auto-generated"
    assert received[0]["From"] == "desk@example.com" and received[0]["To"] == "l2@example.com"
    logged = json.loads((desk / "data" / "notifications.log").read_text())
    assert logged["topic"] == "sla.breached" and logged["deliveries"][0]["ok"] is True


def test_without_channels_the_log_is_the_delivery(desk):
    write_config(desk)
    from deskctl.sla.notify import deliver

    results = deliver(Desk(desk), "sla.at-risk", {"subject": "s", "text": "t"}, ["L1"])
    assert results == [{"channel": "log", "to": "data/notifications.log", "ok": True}]
    assert json.loads((desk / "data" / "notifications.log").read_text())["recipients"] == ["L1"]
