"""Who worked on a ticket, from its history: `ticket list --handled-by` and the row's summary."""

from __future__ import annotations

from deskctl.tickets.handling import handling_summary
from tests.sla.support import at, write_config

NOW = "2026-11-23T10:30:00+01:00"
LATER = "2026-11-23T11:00:00+01:00"


def ids(drun, *args: str) -> list[str]:
    return [r["id"] for r in at(drun, LATER, "ticket", "list", "--all", *args)]


def test_handled_by_finds_every_ticket_an_engineer_worked_on(drun, desk):
    write_config(desk)
    escalated = at(drun, NOW, "--actor", "anna", "ticket", "create", "--title", "VPN certificate expired")["id"]
    at(drun, NOW, "--actor", "lucia", "ticket", "escalate", escalated, "--group", "L2", "--reason", "needs L2")
    at(drun, NOW, "--actor", "lucia", "ticket", "start", escalated)  # lucia now holds it
    at(drun, NOW, "--actor", "lucia", "ticket", "escalate", escalated, "--group", "L3", "--reason", "CA issue")
    assigned = at(drun, NOW, "--actor", "anna", "ticket", "create", "--title", "New laptop")["id"]
    at(drun, NOW, "--actor", "anna", "ticket", "assign", assigned, "--to", "lucia")  # lucia did nothing yet
    commented = at(drun, NOW, "--actor", "anna", "ticket", "create", "--title", "Slow share")["id"]
    at(drun, NOW, "--actor", "lucia", "ticket", "comment", commented, "--text", "looking", "--internal")
    resolved = at(drun, NOW, "--actor", "anna", "ticket", "create", "--title", "Password", "--resolved", "reset",
                  "--category", "user-support")["id"]
    other = at(drun, NOW, "--actor", "marco", "ticket", "create", "--title", "Printer")["id"]
    assert ids(drun, "--handled-by", "lucia") == [escalated, assigned, commented]
    assert ids(drun, "--handled-by", "Lucia") == [escalated, assigned, commented]  # any case
    assert ids(drun, "--handled-by", "anna") == [escalated, assigned, commented, resolved]
    assert ids(drun, "--handled-by", "marco", "--status", "new") == [other]
    assert ids(drun, "--handled-by", "nobody") == []
    empty = drun("ticket", "list", "--handled-by", " ")
    assert empty.code == 2 and "--handled-by" in empty.stderr


def test_the_summary_says_which_group_escalated_resolved_or_passed_it_on():
    history = [
        {"at": "2026-11-23T09:00:00+00:00", "actor": "anna", "action": "created", "changes": {}},
        {"at": "2026-11-23T09:05:00+00:00", "actor": "anna", "action": "escalate",
         "changes": {"status": ["new", "escalated"], "group": ["L1", "L2"]}},
        {"at": "2026-11-23T09:10:00+00:00", "actor": "lucia", "action": "start",
         "changes": {"status": ["escalated", "in_progress"], "assignee": [None, "lucia"]}},
        {"at": "2026-11-23T09:30:00+00:00", "actor": "lucia", "action": "assign",
         "changes": {"group": ["L2", "network"], "assignee": ["lucia", None]}},
        {"at": "2026-11-23T10:00:00+00:00", "actor": "rule:x", "action": "classified", "changes": {}},
        {"at": "2026-11-23T10:30:00+00:00", "actor": "nico", "action": "resolve",
         "changes": {"status": ["assigned", "resolved"]}},
    ]
    h = handling_summary({"history": history, "group": "network", "assignee": None})["handling"]
    assert h["groups"]["L1"] == {"from": "2026-11-23T09:00:00+00:00", "to": "2026-11-23T09:05:00+00:00",
                                 "escalated": 1, "resolved": 0, "reassigned": 0}
    assert h["groups"]["L2"]["reassigned"] == 1 and h["groups"]["L2"]["to"] == "2026-11-23T09:30:00+00:00"
    assert h["groups"]["network"]["resolved"] == 1 and h["groups"]["network"]["to"] == "2026-11-23T10:30:00+00:00"
    assert set(h["people"]) == {"anna", "lucia", "nico"}  # rules are not people
    assert h["people"]["lucia"]["assigned"] and h["people"]["lucia"]["to"] == "2026-11-23T09:30:00+00:00"
    assert h["people"]["anna"]["escalated"] == 1 and h["people"]["nico"]["resolved"] == 1


def test_recording_a_survey_is_not_handling_the_ticket():
    history = [
        {"at": "2026-11-23T09:00:00+00:00", "actor": "anna", "action": "created", "changes": {}},
        {"at": "2026-11-23T09:05:00+00:00", "actor": "anna", "action": "resolve",
         "changes": {"status": ["new", "resolved"]}},
        {"at": "2026-11-24T09:00:00+00:00", "actor": "ana@example.com", "action": "survey",
         "changes": {"survey": [None, {"score": 4}]}},
    ]
    assert set(handling_summary({"history": history, "group": "L1"})["handling"]["people"]) == {"anna"}


def test_the_requester_answering_is_not_handling_their_own_ticket():
    history = [
        {"at": "2026-11-23T09:00:00+00:00", "actor": "Ana@example.com", "action": "created", "changes": {}},
        {"at": "2026-11-23T09:05:00+00:00", "actor": "paolo", "action": "comment", "changes": {}},
    ]
    ticket = {"history": history, "group": "L1", "requester": {"email": "ana@example.com", "name": "Ana"}}
    assert set(handling_summary(ticket)["handling"]["people"]) == {"paolo"}
