"""Escalation and assignment tell the group or person who receives the ticket: mail through a
real SMTP server on 127.0.0.1 (aiosmtpd), and always the notification log."""

from __future__ import annotations

import json

from tests.sla.support import at, write_config

NOW = "2026-11-23T10:30:00+01:00"


def with_recipients(desk, mapping: str) -> None:
    """Set `sweep.recipients` (group or person -> addresses) in the test desk's config."""
    config = desk / "config" / "deskctl.yaml"
    text = config.read_text()
    assert "  pending_autoclose: 10d\n" in text
    config.write_text(text.replace("  pending_autoclose: 10d\n", f"  pending_autoclose: 10d\n  recipients: {mapping}\n"))


def logged(desk) -> list[dict]:
    path = desk / "data" / "notifications.log"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_escalation_mails_the_receiving_group_and_assignment_the_person(drun, desk, smtp_server):
    controller, received = smtp_server
    write_config(desk, extra=f"channels:\n  smtp: {{host: 127.0.0.1, port: {controller.port}, from: desk@example.com}}\n")
    with_recipients(desk, "{L2: [l2@example.com], lucia: lucia@example.com}")
    t = at(drun, NOW, "ticket", "create", "--title", "Printer offline on floor 3")
    escalated = at(drun, NOW, "--actor", "anna", "ticket", "escalate", t["id"], "--group", "L2",
                   "--reason", "driver reinstall did not help")
    assert escalated["notified"] == [{"channel": "smtp", "to": "l2@example.com", "ok": True, "receiver": "L2"}]
    assert len(received) == 1
    mail = received[0]
    assert mail["To"] == "l2@example.com" and t["id"] in mail["Subject"] and "escalated to L2 by anna" in mail["Subject"]
    assert "driver reinstall did not help" in mail.get_payload()
    at(drun, NOW, "--actor", "paolo", "ticket", "assign", t["id"], "--to", "lucia")
    assert [m["To"] for m in received] == ["l2@example.com", "lucia@example.com"]
    entries = logged(desk)
    assert [(e["topic"], e["recipients"]) for e in entries] == [
        ("ticket.escalated", ["l2@example.com"]), ("ticket.assigned", ["lucia@example.com"])]
    assert all(e["deliveries"][0]["ok"] for e in entries)


def test_without_channels_the_handover_is_logged_and_self_assignment_tells_nobody(drun, desk):
    write_config(desk)
    t = at(drun, NOW, "ticket", "create", "--title", "VPN drops")
    out = drun("--actor", "anna", "ticket", "assign", t["id"], "--group", "network", env={"DESKCTL_NOW": NOW})
    assert out.code == 0 and "notified network (log)" in out.stderr, out
    at(drun, NOW, "--actor", "lucia", "ticket", "assign", t["id"], "--to", "lucia")
    assert [(e["topic"], e["to"], e["ticket"]) for e in logged(desk)] == [("ticket.assigned", "network", t["id"])]


def test_a_failed_delivery_warns_but_the_escalation_stands(drun, desk):
    from tests.support.smtp import free_port

    write_config(desk, extra=f"channels:\n  smtp: {{host: 127.0.0.1, port: {free_port()}, timeout: 2}}\n")
    t = at(drun, NOW, "ticket", "create", "--title", "Disk full", "--requester-email", "a@example.com")
    with_recipients(desk, "{L3: [l3@example.com]}")  # nobody listens on that port
    failed = drun("ticket", "escalate", t["id"], "--group", "L3", "--reason", "storage team", env={"DESKCTL_NOW": NOW})
    assert failed.code == 0 and "could not notify L3 via smtp" in failed.stderr, failed
    assert at(drun, NOW, "ticket", "show", t["id"])["group"] == "L3"
    assert logged(desk)[-1]["deliveries"][0]["ok"] is False
