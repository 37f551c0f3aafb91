"""Approval workflow: roles, the higher bar for major announcements, refusals (exit 3),
rejection and re-approval after a change."""

from __future__ import annotations

from tests.announcements.conftest import create_approved, resolve_and_publish


def create(arun, *extra: str) -> str:
    result = arun("announce", "create", "unplanned-outage", "--set", "services=vpn",
                  "--set", "start=2026-12-01T09:00", "--set", "impact=VPN fails", *extra)
    assert result.code == 0, result
    return result.stdout.strip()


def test_publishing_before_approval_is_not_permitted(arun):
    ann_id = create(arun)
    result = arun("announce", "publish", "--allow-fallback", ann_id)
    assert result.code == 3
    assert "ANN-0001 is draft, not approved" in result.stderr and "announce submit" in result.stderr
    assert arun("announce", "submit", ann_id).code == 0
    result = arun("announce", "publish", "--allow-fallback", ann_id)
    assert result.code == 3 and "is submitted, not approved" in result.stderr
    assert arun("announce", "show", ann_id, "--json").json()["deliveries"] == []


def test_approving_needs_an_approver_role(arun):
    ann_id = create(arun)
    assert arun("announce", "submit", ann_id).code == 0
    result = arun("--actor", "mallory", "announce", "approve", ann_id)
    assert result.code == 3
    assert "mallory may not approve ANN-0001 (minor): approving needs the role head or manager" in result.stderr
    assert "roles:" in result.stderr
    result = arun("--actor", "alice", "announce", "approve", ann_id, "--comment", "checked with the network team", "--json")
    assert result.code == 0, result
    record = result.json()
    assert record["status"] == "approved"
    assert record["approvals"][0] | {"at": None} == {
        "actor": "alice", "roles": ["manager"], "decision": "approved", "version": 1, "round": 1,
        "at": None, "comment": "checked with the network team",
    }


def test_the_author_may_not_approve_their_own_announcement(arun):
    result = arun("--actor", "alice", "announce", "create", "unplanned-outage", "--set", "services=vpn",
                  "--set", "start=2026-12-01T09:00", "--set", "impact=VPN fails")
    ann_id = result.stdout.strip()
    assert arun("--actor", "alice", "announce", "submit", ann_id).code == 0
    result = arun("--actor", "alice", "announce", "approve", ann_id)
    assert result.code == 3 and "alice created ANN-0001 and may not approve it too" in result.stderr


def test_major_needs_two_managers_or_one_head(arun):
    first = create(arun, "--set", "severity=major")
    assert arun("announce", "submit", first).code == 0
    one = arun("--actor", "alice", "announce", "approve", first, "--json").json()
    assert one["status"] == "submitted"
    again = arun("--actor", "alice", "announce", "approve", first)
    assert again.code == 2 and "already approved" in again.stderr
    assert arun("announce", "publish", "--allow-fallback", first).code == 3
    two = arun("--actor", "bob", "announce", "approve", first, "--json").json()
    assert two["status"] == "approved" and [a["actor"] for a in two["approvals"]] == ["alice", "bob"]

    second = create(arun, "--set", "severity=major")
    assert arun("announce", "submit", second).code == 0
    head = arun("--actor", "carol", "announce", "approve", second, "--json").json()
    assert head["status"] == "approved"
    shown = arun("announce", "show", second, "--json").json()
    assert shown["approval"] == {"severity": "major", "rule": [{"manager": 2}, {"head": 1}], "complete": True,
                                 "summary": "complete (carol)"}


def test_approval_rules_come_from_the_config(arun, desk):
    path = desk / "config" / "deskctl.yaml"
    path.write_text(path.read_text().replace(
        "  # approvals: {minor: [{manager: 1}, {head: 1}], major: [{manager: 2}, {head: 1}]}",
        "  approvals: {minor: [{head: 1}]}"))
    ann_id = create(arun)
    assert arun("announce", "submit", ann_id).code == 0
    assert arun("--actor", "alice", "announce", "approve", ann_id).code == 3  # a manager is not enough now
    assert arun("--actor", "carol", "announce", "approve", ann_id).code == 0


def test_rejection_then_change_then_new_approval(arun):
    ann_id = create(arun)
    assert arun("announce", "submit", ann_id).code == 0
    rejected = arun("--actor", "bob", "announce", "reject", ann_id, "--reason", "say when it will be back")
    assert rejected.code == 0, rejected
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 3
    assert arun("announce", "update", ann_id, "--set", "end=2026-12-01T13:00").code == 0
    assert arun("announce", "submit", ann_id).code == 0
    assert arun("--actor", "bob", "announce", "approve", ann_id).code == 0
    record = arun("announce", "show", ann_id, "--json").json()
    assert record["status"] == "approved" and record["version"] == 2
    assert [a["decision"] for a in record["approvals"]] == ["rejected", "approved"]
    actions = [e["action"] for e in record["timeline"]]
    assert actions == ["created", "submitted", "rejected", "updated", "submitted", "approved"]


def test_changing_an_approved_draft_needs_approval_again(arun, maintenance):
    ann_id = create_approved(arun)
    result = arun("announce", "update", ann_id, "--set", "end=2026-12-06T03:00:00+01:00", "--json")
    assert result.code == 0, result
    assert result.json()["status"] == "draft"
    assert "approvals reset" in result.json()["timeline"][-1]["note"]
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 3


def test_unknown_ids_and_wrong_steps_are_bad_input(arun):
    assert arun("announce", "show", "ANN-0042").code == 2
    assert arun("announce", "show", "nonsense").code == 2
    ann_id = create(arun)
    result = arun("announce", "resolve", "--allow-fallback", ann_id)
    assert result.code == 2 and "only a published announcement is resolved" in result.stderr
    assert arun("announce", "create", "no-such-kind").code == 2


def test_resolving_before_the_start_asks_for_an_end_time(arun, maintenance):
    ann_id = create_approved(arun)
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 0
    result = arun("announce", "resolve", "--allow-fallback", ann_id)
    assert result.code == 2
    assert "ANN-0001 has not started yet (start 2026-12-05T22:00:00+01:00)" in result.stderr
    assert arun("announce", "show", ann_id, "--json").json()["status"] == "published"
    done = resolve_and_publish(arun, ann_id, "--allow-fallback", "--at", "2026-12-05T23:15", "--json")
    assert done.code == 0, done
    assert arun("announce", "show", ann_id, "--json").json()["resolved_at"] == "2026-12-05T23:15:00+01:00"


def test_kinds_are_listed_with_their_fields(arun):
    kinds = {k["name"]: k for k in arun("announce", "kinds", "--json").json()}
    assert kinds["planned-maintenance"]["required"] == ["services", "start", "end", "impact"]
    assert kinds["unplanned-outage"]["outage"] is True and "end" in kinds["unplanned-outage"]["optional"]
    assert len(kinds) == 8 and kinds["cancelled"]["required"] == ["services", "start"]
