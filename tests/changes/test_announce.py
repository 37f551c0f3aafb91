"""An approved change raises a planned-maintenance announcement pre-filled from its window
and impacted services."""

from __future__ import annotations

NOW = {"DESKCTL_NOW": "2026-12-01T10:00:00+01:00"}
WINDOW = ("--window-start", "2026-12-05T22:00", "--window-end", "2026-12-06T02:00", "--window-zone", "Europe/Rome")


def test_an_approved_change_is_announced_from_its_window_and_services(drun):
    cid = drun("change", "create", "--title", "Mail server upgrade", "--risk", "low", *WINDOW,
               "--impact-service", "mail,calendar", env=NOW).stdout.strip()
    early = drun("change", "announce", cid, env=NOW)
    assert early.code == 2 and "only an approved change" in early.stderr
    assert drun("change", "submit", cid, env=NOW).code == 0
    assert drun("--actor", "alice", "change", "approve", cid, env=NOW).code == 0
    made = drun("change", "announce", cid, "--impact", "Mail is unavailable.", env=NOW)
    assert made.code == 0, made
    ann = made.stdout.strip()
    record = drun("announce", "show", ann, "--json", env=NOW).json()
    fields = record["versions"][-1]["fields"]
    assert record["kind"] == "planned-maintenance" and record["ticket"] == cid and record["status"] == "draft"
    assert fields["services"] == ["mail", "calendar"]
    assert fields["start"].startswith("2026-12-05T22:00") and fields["end"].startswith("2026-12-06T02:00")
    change = drun("change", "show", cid, "--json", env=NOW).json()
    assert change["change"]["announcement"] == ann and change["history"][-1]["action"] == "change.announce"
    again = drun("change", "announce", cid, env=NOW)
    assert again.code == 2 and f"already announced by {ann}" in again.stderr


def test_an_unknown_service_is_named_with_the_known_ones(drun):
    cid = drun("change", "create", "--title", "X", "--risk", "low", *WINDOW, "--impact-service", "nope",
               "--submit", env=NOW).stdout.strip()
    assert drun("--actor", "alice", "change", "approve", cid, env=NOW).code == 0
    result = drun("change", "announce", cid, env=NOW)
    assert result.code == 2 and "nope" in result.stderr
