"""Values out of any sensible range (year 1 or 9999, 5000-digit ids, durations of millions of
years, a DESKCTL_NOW before the ticket's last event) are bad input: one line, exit 2."""

from __future__ import annotations

import json

import pytest

NOW = "2026-11-20T10:00:00Z"


def one_line_bad_input(result) -> None:
    assert result.code == 2, result
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("deskctl: error: "), result
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr, result


@pytest.fixture
def ticket(drun) -> str:
    created = drun("ticket", "create", "--title", "Printer jammed", "--channel", "phone", env={"DESKCTL_NOW": NOW})
    assert created.code == 0, created
    return created.stdout.strip()


@pytest.mark.parametrize("digits", ["0" * 5000 + "1", "9" * 5000, "1" * 19])
def test_ids_of_thousands_of_digits_are_unknown_ids(drun, ticket, digits):
    for args in (("ticket", "show", f"INC-{digits}"), ("ticket", "comment", f"INC-{digits}", "--text", "x"),
                 ("ticket", "link", ticket, f"INC-{digits}")):
        one_line_bad_input(drun(*args, env={"DESKCTL_NOW": NOW}))


@pytest.mark.parametrize("args", [
    ("ticket", "list", "--older-than", "99999999999d"),
    ("ticket", "list", "--older-than", "1" * 5000 + "s"),
    ("store", "archive", "--older-than", "99999999999d"),
    ("announce", "list", "--since", "99999999999d"),
    ("kb", "stats", "--since", "99999999999d"),
])
def test_huge_durations_are_bad_input(drun, ticket, args):
    one_line_bad_input(drun(*args, env={"DESKCTL_NOW": NOW}))


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "9999-12-31", "1-01-01"])
def test_now_in_year_9999_or_year_1_is_bad_input(drun, ticket, when):
    for args in (("ticket", "list"), ("ticket", "show", ticket), ("ticket", "create", "--title", "x", "--channel", "phone"),
                 ("ticket", "sweep"), ("report", "kpi")):
        one_line_bad_input(drun(*args, env={"DESKCTL_NOW": when}))


@pytest.mark.parametrize("args", [
    ("report", "kpi", "--until", "9999-12-31"),
    ("report", "kpi", "--since", "0001-01-01"),
    ("report", "kpi", "--until", "9999-12-31T23:59:59-01:00"),
])
def test_report_periods_in_year_9999_or_year_1_are_bad_input(drun, ticket, args):
    one_line_bad_input(drun(*args, env={"DESKCTL_NOW": NOW}))


def test_announcement_dates_in_year_9999_are_bad_input(drun):
    for start in ("9999-12-31T23:00", "0001-01-01T00:00"):
        result = drun("announce", "create", "unplanned-outage", "--set", "services=mail", "--set", f"start={start}",
                      "--set", "impact=Mail is down", env={"DESKCTL_NOW": NOW})
        assert result.code == 2 and "internal error" not in result.stderr and "--set start" in result.stderr, result


def test_now_before_the_last_event_changes_nothing(drun, desk, ticket):
    before = drun("ticket", "show", ticket, "--json", env={"DESKCTL_NOW": NOW}).json()
    earlier = {"DESKCTL_NOW": "2026-11-19T10:00:00Z"}
    for args in (("ticket", "comment", ticket, "--text", "hello"), ("ticket", "assign", ticket, "--to", "ana"),
                 ("ticket", "resolve", ticket, "--resolution", "done"),
                 ("ticket", "create", "--title", "again", "--channel", "phone", "--dedup-key", "k")):
        if args[-1] == "k":  # the dedup key first, at the right time; then "seen again" earlier
            assert drun(*args, env={"DESKCTL_NOW": NOW}).code == 0
            before = drun("ticket", "show", ticket, "--json", env={"DESKCTL_NOW": NOW}).json()
        result = drun(*args, env=earlier)
        one_line_bad_input(result)
        assert "DESKCTL_NOW" in result.stderr and "earlier than the last event" in result.stderr, result
    after = drun("ticket", "show", ticket, "--json", env={"DESKCTL_NOW": NOW}).json()
    assert json.dumps(after["history"]) == json.dumps(before["history"])
    listed = drun("ticket", "list", "--json", env=earlier)  # reading is fine: ages are just negative
    assert listed.code == 0 and "internal error" not in listed.stderr, listed

