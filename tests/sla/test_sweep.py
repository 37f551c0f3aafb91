"""`deskctl ticket sweep`: the escalation policy, idempotent, recorded, notifying a real webhook."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.sla.support import at, snapshot, write_config

MON_9 = "2026-11-23T09:00:00+01:00"


@pytest.fixture
def webhook():
    """A real HTTP server on 127.0.0.1 recording JSON POSTs; `.status` sets the reply code."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server naming
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append({"path": self.path, "body": json.loads(body)})
            self.send_response(server.status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.status = 204
    server.received = received
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_breached_ticket_is_escalated_once_and_dry_run_changes_nothing(drun, desk):
    write_config(desk)
    t = at(drun, MON_9, "ticket", "create", "--title", "ERP orders fail", "--priority", "high")
    at(drun, "2026-11-23T09:10:00+01:00", "ticket", "comment", t["id"], "--text", "On it")
    late = "2026-11-23T14:00:00+01:00"  # 5 business hours: the 4h resolution target is breached

    before = snapshot(desk)
    dry = at(drun, late, "ticket", "sweep", "--dry-run")
    assert dry["dry_run"] is True
    assert [(a["action"], a["done"]) for a in dry["actions"]] == [
        ("notify-breach", False), ("escalate", False), ("raise-priority", False)]
    assert snapshot(desk) == before  # nothing stored, nothing sent or logged

    done = at(drun, late, "ticket", "sweep")
    assert [(a["action"], a["done"]) for a in done["actions"]] == [
        ("notify-breach", True), ("escalate", True), ("raise-priority", True)]
    ticket = at(drun, late, "ticket", "show", t["id"])
    assert ticket["status"] == "escalated" and ticket["group"] == "L2"
    assert ticket["priority"] == "critical" and ticket["escalation_level"] == 1
    by_sweep = [(e["action"], e["actor"]) for e in ticket["history"] if e["actor"] == "sweep"]
    assert by_sweep == [("sla-breached", "sweep"), ("escalate", "sweep"), ("update", "sweep")]
    assert ticket["history"][-2]["changes"]["group"] == ["L1", "L2"]
    assert (desk / "data" / "notifications.log").read_text().count('"sla.breached"') == 1

    after_first = snapshot(desk)
    for when in (late, "2026-11-24T16:00:00+01:00"):
        again = at(drun, when, "ticket", "sweep")
        assert again["actions"] == [] and again["failures"] == []
    assert snapshot(desk) == after_first  # the second run changed nothing
    human = at(drun, late, "ticket", "sweep", json=False)
    assert "took 0 action(s)" in human.stderr


def test_resolved_tickets_close_after_five_days_and_pending_ones_get_a_reminder_then_close(drun, desk):
    write_config(desk)
    solved = at(drun, MON_9, "ticket", "create", "--title", "Mouse broken", "--priority", "low")
    at(drun, MON_9, "ticket", "resolve", solved["id"], "--resolution", "Replaced the mouse", "--category", "hardware-fault")
    waiting = at(drun, MON_9, "ticket", "create", "--title", "Install Visio", "--priority", "low",
                 "--requester-email", "ana@example.com")
    at(drun, MON_9, "ticket", "pend", waiting["id"], "--reason", "which Visio edition?")
    vendor = at(drun, MON_9, "ticket", "create", "--title", "Phone broken", "--priority", "low")
    at(drun, MON_9, "ticket", "pend", vendor["id"], "--reason", "vendor repair", "--on", "third-party")

    assert at(drun, "2026-11-25T09:00:00+01:00", "ticket", "sweep")["actions"] == []
    day3 = at(drun, "2026-11-26T09:30:00+01:00", "ticket", "sweep")
    assert [(a["ticket"], a["action"]) for a in day3["actions"]] == [(waiting["id"], "remind")]
    assert at(drun, "2026-11-26T10:00:00+01:00", "ticket", "sweep")["actions"] == []  # reminded once
    day5 = at(drun, "2026-11-28T10:00:00+01:00", "ticket", "sweep")
    assert [(a["ticket"], a["action"]) for a in day5["actions"]] == [(solved["id"], "close")]
    day10 = at(drun, "2026-12-03T10:00:00+01:00", "ticket", "sweep")
    assert [(a["ticket"], a["action"]) for a in day10["actions"]] == [(waiting["id"], "close")]

    closed = at(drun, "2026-12-03T10:00:00+01:00", "ticket", "show", waiting["id"])
    assert closed["status"] == "closed" and closed["confirmed"] is False
    assert [e["action"] for e in closed["history"] if e["actor"] == "sweep"] == ["reminder", "resolve", "close"]
    assert at(drun, "2026-12-03T10:00:00+01:00", "ticket", "show", solved["id"])["status"] == "closed"
    assert at(drun, "2026-12-03T10:00:00+01:00", "ticket", "show", vendor["id"])["status"] == "pending"
    log = [json.loads(line) for line in (desk / "data" / "notifications.log").read_text().splitlines()]
    assert [(e["topic"], e["recipients"]) for e in log] == [("ticket.pending-reminder", ["L1", "ana@example.com"])]


def test_at_risk_notification_goes_to_the_webhook_once(drun, desk, webhook):
    url = f"http://127.0.0.1:{webhook.server_address[1]}/hook?token=s3cret"
    write_config(desk, extra=f"channels:\n  webhook: {{url: '{url}'}}\n")
    t = at(drun, MON_9, "ticket", "create", "--title", "ERP slow", "--priority", "high")
    report = at(drun, "2026-11-23T09:50:00+01:00", "ticket", "sweep")
    assert [a["action"] for a in report["actions"]] == ["notify-at-risk"]
    delivery = report["actions"][0]["deliveries"][0]
    assert delivery["channel"] == "webhook" and delivery["ok"] is True and "s3cret" not in delivery["to"]
    assert len(webhook.received) == 1
    post = webhook.received[0]
    assert post["path"] == "/hook?token=s3cret"
    assert post["body"]["topic"] == "sla.at-risk" and post["body"]["ticket"] == t["id"]
    assert "response SLA at risk" in post["body"]["subject"] and post["body"]["recipients"] == ["L1"]
    assert at(drun, "2026-11-23T09:55:00+01:00", "ticket", "sweep")["actions"] == []
    assert len(webhook.received) == 1


def test_a_failed_notification_exits_1_and_is_logged(drun, desk, webhook):
    webhook.status = 500
    url = f"http://127.0.0.1:{webhook.server_address[1]}/hook"
    write_config(desk, extra=f"channels:\n  webhook: {{url: '{url}'}}\n")
    at(drun, MON_9, "ticket", "create", "--title", "ERP slow", "--priority", "high")
    result = drun("ticket", "sweep", env={"DESKCTL_NOW": "2026-11-23T09:50:00+01:00"})
    assert result.code == 1, result
    assert "webhook" in result.stderr and "HTTP 500" in result.stderr
    assert len(webhook.received) == 1
    entry = json.loads((desk / "data" / "notifications.log").read_text().splitlines()[-1])
    assert entry["deliveries"][0]["ok"] is False
