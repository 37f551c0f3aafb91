"""Approvals by role and count per risk (changes.approvals), never by the requester, two
approvals from two accounts; standard changes pre-approved; emergency changes reviewed."""

from __future__ import annotations

from tests.announcements.conftest import add_config


def create(drun, *args: str) -> str:
    result = drun("change", "create", "--title", "Move the mail queue", *args)
    assert result.code == 0, result
    return result.stdout.strip()


def test_a_high_risk_change_needs_two_different_managers(drun):
    cid = create(drun, "--risk", "high", "--submit")
    assert drun("--actor", "alice", "change", "approve", cid).code == 0
    assert drun("change", "show", cid, "--json").json()["change"]["status"] == "submitted"
    twice = drun("--actor", "alice", "change", "approve", cid)
    assert twice.code == 2 and "already approved" in twice.stderr
    assert drun("--actor", "bob", "change", "approve", cid).code == 0
    change = drun("change", "show", cid, "--json").json()["change"]
    assert change["status"] == "approved"
    assert [(a["actor"], a["roles"]) for a in change["approvals"]] == [("alice", ["manager"]), ("bob", ["manager"])]


def test_the_requester_never_approves_their_own_change(drun):
    cid = create(drun, "--risk", "low")
    assert drun("--actor", "alice", "change", "submit", cid).code == 0  # anyone may submit it
    own = drun("change", "show", cid, "--json").json()["change"]["requested_by"]
    assert own == "tester"
    drun_alice = drun("--actor", "alice", "change", "create", "--title", "Alice's own", "--submit")
    mine = drun_alice.stdout.strip()
    refused = drun("--actor", "alice", "change", "approve", mine)
    assert refused.code == 3 and "requested" in refused.stderr and refused.stderr.count("\n") == 1


def test_someone_without_an_approver_role_is_refused(drun):
    cid = create(drun, "--submit")
    refused = drun("--actor", "mallory", "change", "approve", cid)
    assert refused.code == 3 and "the role head or manager" in refused.stderr


def test_approvals_per_risk_come_from_the_config(drun, desk):
    add_config(desk, "changes:\n  approvals:\n    low: [{head: 1}]\n")
    cid = create(drun, "--risk", "low", "--submit")
    assert drun("--actor", "alice", "change", "approve", cid).code == 3  # a manager is not enough now
    assert drun("--actor", "carol", "change", "approve", cid).code == 0
    assert drun("change", "show", cid, "--json").json()["change"]["status"] == "approved"


def test_a_bad_approvals_setting_names_the_key(drun, desk):
    add_config(desk, "changes:\n  approvals:\n    low: [{head: zero}]\n")
    result = drun("change", "list")
    assert result.code == 2 and "changes.approvals.low" in result.stderr


def test_a_standard_change_from_the_catalogue_is_pre_approved(drun, desk):
    add_config(desk, "changes:\n  catalogue:\n    restart-web:\n      title: Restart nginx on a web host\n"
                     "      risk: low\n      sop: restart-service\n      params: {service: nginx}\n")
    result = drun("change", "create", "--standard", "restart-web", "--item", "web1", "--submit", "--json")
    assert result.code == 0, result
    change = result.json()["change"]
    assert change["status"] == "approved" and change["type"] == "standard"
    assert change["plan"] == {"sop": "restart-service", "params": {"service": "nginx"}}
    unknown = drun("change", "create", "--standard", "nope")
    assert unknown.code == 2 and "restart-web" in unknown.stderr


def test_an_emergency_change_needs_one_approval_and_a_review_before_close(drun):
    cid = create(drun, "--type", "emergency", "--risk", "high", "--submit")
    assert drun("--actor", "alice", "change", "approve", cid).code == 0
    assert drun("change", "show", cid, "--json").json()["change"]["status"] == "approved"


def test_every_step_is_in_the_ticket_history(drun):
    cid = create(drun, "--risk", "low", "--submit")
    drun("--actor", "bob", "change", "approve", cid)
    history = drun("ticket", "show", cid, "--json").json()["history"]
    steps = [(e["actor"], e["action"]) for e in history]
    assert steps[-3:] == [("tester", "change.create"), ("tester", "change.submit"), ("bob", "change.approve")]
    assert history[-1]["changes"]["change.status"] == ["submitted", "approved"]
