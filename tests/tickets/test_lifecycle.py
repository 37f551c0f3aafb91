"""Transitions and history events, in-process (the CLI contract is in test_lifecycle_cli.py)."""

from __future__ import annotations

import pytest

from deskctl.errors import BadInput
from deskctl.tickets import lifecycle
from deskctl.tickets.model import STATUSES, new_ticket

# the service-desk lifecycle as the sources describe it, written out independently of ALLOWED
EXPECTED = {
    "new": {"assign", "start", "pend", "escalate", "resolve"},
    "assigned": {"assign", "start", "pend", "escalate", "resolve"},
    "in_progress": {"assign", "pend", "escalate", "resolve"},
    "pending": {"assign", "start", "escalate", "resolve"},
    "escalated": {"assign", "start", "pend", "escalate", "resolve"},
    "resolved": {"close", "reopen"},
    "closed": {"reopen"},
}


@pytest.mark.parametrize("status", STATUSES)
def test_each_status_allows_exactly_its_actions(status):
    assert set(lifecycle.allowed_actions(status)) == EXPECTED[status]
    ticket = {**new_ticket("INC-1", "incident", "2026-03-02T09:00:00+00:00"), "status": status}
    for action in ("assign", "start", "pend", "escalate", "resolve", "close", "reopen"):
        if action in EXPECTED[status]:
            lifecycle.check_transition(ticket, action)
        else:
            with pytest.raises(BadInput) as refused:
                lifecycle.check_transition(ticket, action)
            assert f"it is {status}" in refused.value.message and "you can:" in refused.value.hint


def test_a_closed_ticket_takes_comments_and_surveys_but_no_updates():
    ticket = {**new_ticket("INC-1", "incident", "2026-03-02T09:00:00+00:00"), "status": "closed"}
    for action in ("comment", "survey", "link", "attach"):
        lifecycle.check_transition(ticket, action)
    with pytest.raises(BadInput):
        lifecycle.check_transition(ticket, "update")


def test_apply_changes_reports_only_real_changes_and_record_appends_numbered_events():
    ticket = new_ticket("INC-1", "incident", "2026-03-02T09:00:00+00:00")
    assert lifecycle.apply_changes(ticket, {"priority": "high", "status": "new"}) == {"priority": [None, "high"]}
    first = lifecycle.record(ticket, at="2026-03-02T09:05:00+00:00", actor="ann", action="update",
                             changes={"priority": [None, "high"]})
    second = lifecycle.record(ticket, at="2026-03-02T09:06:00+00:00", actor="bob", action="comment",
                              note="called back", internal=True)
    assert [e["n"] for e in ticket["history"]] == [1, 2] and ticket["history"] == [first, second]
    assert second["internal"] is True and "internal" not in first
    assert ticket["updated_at"] == "2026-03-02T09:06:00+00:00"


def test_a_fixed_now_before_the_last_event_is_refused(monkeypatch):
    ticket = new_ticket("INC-1", "incident", "2026-03-02T09:00:00+00:00")
    lifecycle.record(ticket, at="2026-03-02T10:00:00+00:00", actor="ann", action="comment")
    monkeypatch.delenv("DESKCTL_NOW", raising=False)
    lifecycle.check_now(ticket, "2026-03-01T00:00:00+00:00")  # the real clock is trusted
    monkeypatch.setenv("DESKCTL_NOW", "2026-03-01T00:00:00Z")
    with pytest.raises(BadInput, match="earlier than the last event of INC-1"):
        lifecycle.check_now(ticket, "2026-03-01T00:00:00+00:00")
    lifecycle.check_now(ticket, "2026-03-02T10:00:00+00:00")
