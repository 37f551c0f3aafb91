"""Ticket forms and the category at resolve through the real `deskctl` (issue 20, acceptance 4)."""

from __future__ import annotations

import csv
import io

import pytest

LOCATION_FOR_INCIDENTS = """\
timezone: Europe/Rome
tickets:
  fields:
    location:
      type: text
      help: building, floor and room
      required: {at: create, types: [incident]}
    affected_users:
      required: {at: resolve}
"""


def configure(desk, text: str) -> None:
    (desk / "config" / "deskctl.yaml").write_text(text, encoding="utf-8")


def snapshot(desk) -> dict[str, bytes]:
    root = desk / "data"
    return {str(p): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".lock"}


def test_acceptance_4_a_required_location_refused_then_stored_shown_and_filterable(drun, desk):
    configure(desk, LOCATION_FOR_INCIDENTS)
    before = snapshot(desk)
    refused = drun("ticket", "create", "--title", "Printer jams", "--channel", "phone")
    assert refused.code == 2 and refused.stdout == ""
    assert refused.stderr == ("deskctl: error: field location is required when creating incident tickets "
                              "(add --field location=TEXT [building, floor and room])\n")
    assert snapshot(desk) == before  # nothing half-written

    created = drun("ticket", "create", "--title", "Printer jams", "--channel", "phone",
                   "--field", "location=Room 3.12", "--json")
    assert created.code == 0, created
    tid = created.json()["id"]
    assert created.json()["fields"] == {"location": "Room 3.12"}
    other = drun("ticket", "create", "--title", "Mouse broken", "--field", "location=Room 4.01", "--json").json()

    shown = drun("ticket", "show", tid, "--json").json()
    assert shown["fields"] == {"location": "Room 3.12"}
    human = drun("ticket", "show", tid).stdout
    assert any(line.split() == ["Location", "Room", "3.12"] for line in human.splitlines()), human

    listed = drun("ticket", "list", "--field", "location=room 3.12", "--json")
    assert listed.code == 0 and [r["id"] for r in listed.json()] == [tid]
    assert [r["id"] for r in drun("ticket", "list", "--field", "location=Room", "--json").json()] == [tid, other["id"]]
    assert drun("ticket", "list", "--field", "location=Room 9", "--json").json() == []
    exported = list(csv.DictReader(io.StringIO(drun("ticket", "list", "--format", "csv").stdout)))
    assert {row["id"]: row["location"] for row in exported} == {tid: "Room 3.12", other["id"]: "Room 4.01"}


def test_a_ticket_seen_again_is_not_held_to_the_form(drun, desk):
    configure(desk, LOCATION_FOR_INCIDENTS)
    args = ("ticket", "create", "--title", "Backup failed on db1", "--dedup-key", "backup-db1", "--json")
    assert drun(*args).code == 2  # a new ticket: the form applies
    first = drun(*args[:-1], "--field", "location=DC1 rack 4", "--json").json()
    again = drun(*args)
    assert again.code == 0, again
    assert again.json()["id"] == first["id"] and again.json()["seen_count"] == 1


def test_a_request_is_not_held_to_the_incident_form(drun, desk):
    configure(desk, LOCATION_FOR_INCIDENTS)
    created = drun("ticket", "create", "--type", "service-request", "--title", "New laptop", "--json")
    assert created.code == 0, created
    assert created.json()["fields"] == {}


@pytest.mark.parametrize(("args", "message"), [
    (["--field", "locaton=Room 1"],
     "unknown field 'locaton' (did you mean 'location'? known fields: affected_users, error_code, location, "
     "requester_language, started_at, tried)"),
    (["--field", "affected_users=lots"],
     "field affected_users: 'lots' is not valid (give a number of at least 1, e.g. --field affected_users=1)"),
    (["--field", "requester_language=de"], "field requester_language: 'de' is not valid (give one of: en, it, ru, ro)"),
    (["--field", "location"], "--field 'location': expected key=value"),
])
def test_bad_fields_are_exit_2_with_one_line_and_nothing_stored(drun, desk, args, message):
    result = drun("ticket", "create", "--title", "x", *args)
    assert result.code == 2 and result.stderr == f"deskctl: error: {message}\n", result
    assert drun("ticket", "list", "--all", "--json").json() == []


def test_update_records_each_field_change_in_the_history(drun):
    tid = drun("ticket", "create", "--title", "VPN drops", "--field", "error_code=809").stdout.strip()
    updated = drun("ticket", "update", tid, "--field", "error_code=812", "--field", "affected_users=3",
                   "--field", "started_at=2026-12-01T08:00", "--json")
    assert updated.code == 0, updated
    assert updated.json()["fields"] == {"error_code": "812", "affected_users": 3,
                                        "started_at": "2026-12-01T07:00:00+00:00"}  # 08:00 in Rome
    cleared = drun("ticket", "update", tid, "--field", "error_code=", "--note", "wrong code", "--json").json()
    assert cleared["fields"] == {"affected_users": 3, "started_at": "2026-12-01T07:00:00+00:00"}
    changes = [e["changes"] for e in cleared["history"] if e["action"] == "update"]
    assert changes == [
        {"fields.error_code": ["809", "812"], "fields.affected_users": [None, 3],
         "fields.started_at": [None, "2026-12-01T07:00:00+00:00"]},
        {"fields.error_code": ["812", None]},
    ]
    assert [r["id"] for r in drun("ticket", "list", "--field", "started_at=2026-12-01", "--json").json()] == [tid]
    assert drun("ticket", "list", "--field", "started_at=2026-12-02", "--json").json() == []
    human = drun("ticket", "show", tid).stdout
    assert "fields.error_code: 809 -> 812" in human and "Started at" in human and "2026-12-01 08:00 CET" in human
    bad = drun("ticket", "update", tid, "--field", "affected_users=0")
    assert bad.code == 2 and "field affected_users: '0' is not valid" in bad.stderr


def test_resolve_needs_a_category_and_the_fields_required_at_resolve(drun, desk):
    configure(desk, LOCATION_FOR_INCIDENTS)
    tid = drun("ticket", "create", "--title", "Scanner offline", "--field", "location=Lab").stdout.strip()
    before = snapshot(desk)
    refused = drun("ticket", "resolve", tid, "--resolution", "Restarted it")
    assert refused.code == 2
    assert refused.stderr.startswith(f"deskctl: error: {tid} has no category, and this desk requires one to "
                                     "resolve a ticket (add --category with one of: hardware-fault, software-fault")
    assert snapshot(desk) == before
    missing = drun("ticket", "resolve", tid, "--resolution", "Restarted it", "--category", "hardware-fault")
    assert missing.code == 2
    assert missing.stderr == ("deskctl: error: field affected_users is required when resolving incident tickets "
                              "(add --field affected_users=NUMBER [how many people are affected])\n")
    done = drun("ticket", "resolve", tid, "--resolution", "Restarted it", "--category", "hardware-fault",
                "--field", "affected_users=2", "--json")
    assert done.code == 0, done
    ticket = done.json()
    assert ticket["status"] == "resolved" and ticket["category"] == "hardware-fault"
    assert ticket["history"][-1]["changes"]["category"] == [None, "hardware-fault"]
    assert ticket["history"][-1]["changes"]["fields.affected_users"] == [None, 2]


def test_a_first_contact_resolution_needs_a_category_too(drun):
    refused = drun("ticket", "create", "--title", "How do I share my calendar?", "--resolved", "Explained it")
    assert refused.code == 2 and "the new ticket has no category" in refused.stderr
    assert drun("ticket", "list", "--all", "--json").json() == []
    done = drun("ticket", "create", "--title", "How do I share my calendar?", "--resolved", "Explained it",
                "--category", "user-support", "--json")
    assert done.code == 0 and done.json()["status"] == "resolved"


def test_a_category_set_by_a_rule_is_enough_and_the_requirement_can_be_turned_off(drun, desk):
    printer = drun("ticket", "create", "--title", "Nu funcționează imprimanta", "--json").json()
    assert printer["category"] == "hardware-fault"  # the printer rule, accents folded
    assert drun("ticket", "resolve", printer["id"], "--resolution", "New toner").code == 0
    configure(desk, "tickets:\n  require_category_at_resolve: false\n")
    plain = drun("ticket", "create", "--title", "Something odd").stdout.strip()
    assert drun("ticket", "resolve", plain, "--resolution", "Went away").code == 0


def test_a_wrong_form_in_the_config_is_one_line_naming_file_and_key(drun, desk):
    configure(desk, "tickets:\n  fields:\n    building:\n      type: choice\n")
    problem = "config/deskctl.yaml:3: tickets.fields.building: a choice field needs choices"
    check = drun("config", "check")
    assert check.code == 2 and check.stderr.startswith(problem), check
    for args in (("ticket", "create", "--title", "x"), ("ticket", "list")):
        result = drun(*args)
        assert result.code == 2 and result.stderr.count("\n") == 1, (args, result)
        assert result.stderr.startswith(f"deskctl: error: {problem}"), (args, result)


def test_ticket_fields_lists_the_form(drun, desk):
    configure(desk, LOCATION_FOR_INCIDENTS)
    rows = {r["name"]: r for r in drun("ticket", "fields", "--json").json()}
    assert rows["location"]["required_text"] == "at create (incident)"
    assert rows["requester_language"]["takes"] == "en|it|ru|ro"
    human = drun("ticket", "fields").stdout
    assert "location" in human and "building, floor and room" in human
