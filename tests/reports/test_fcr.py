"""First-contact resolution by its definition (docs/kpis.md): resolved in the first interaction
by the account that registered it, within 30 minutes of business time, with no escalation,
reassignment, pending period or reopening, whatever solved it.

`report kpi --json` is checked against a count made here from `ticket show --json` histories,
written apart from deskctl's own derivation. Office calendar Mon-Fri 09-18 UTC; every event of
these tickets falls in working hours, so business minutes are wall-clock minutes."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.sla.support import write_config

NOW = "2026-11-25T17:00:00Z"  # Wednesday


def when(hm: str) -> str:
    return f"2026-11-25T{hm}:00Z"


@pytest.fixture
def act(drun):
    def _act(hm: str, *args: str, actor: str = "olga", json: bool = True):
        result = drun(*args, *(["--json"] if json else []), env={"DESKCTL_NOW": when(hm), "DESKCTL_ACTOR": actor})
        assert result.code == 0, result
        return result.json() if json else result
    return _act


def create(act, hm: str, channel: str, *extra: str, actor: str = "olga") -> str:
    return act(hm, "ticket", "create", "--title", f"{channel} contact at {hm}", "--channel", channel,
               "--priority", "low", *extra, actor=actor)["id"]


def first_contact_by_hand(ticket: dict) -> bool:
    """The definition, read straight from the history."""
    history = ticket["history"]
    registrant = next(e["actor"] for e in history if e["action"] == "created")
    resolves = [e for e in history if e["action"] == "resolve"]
    if not resolves:
        return False
    first = resolves[0]
    for e in history:
        assert 9 <= datetime.fromisoformat(e["at"]).hour < 18  # working hours: business = wall time
        if e["action"] in ("escalate", "pend", "reopen"):
            return False
        group = e["changes"].get("group")
        if e["n"] < first["n"] and group and group[0] and group[0] != group[1]:
            return False
    minutes = (datetime.fromisoformat(first["at"]) - datetime.fromisoformat(ticket["created_at"])).total_seconds() / 60
    return first["actor"] == registrant and minutes <= 30


def test_fcr_follows_its_definition_and_agrees_with_the_histories(drun, desk, act):
    write_config(desk, tz="UTC")
    ids = {}
    # phone, solved 5 minutes later through a KB flow by the same operator: first contact
    ids["guided"] = create(act, "09:00", "phone")
    act("09:05", "kb", "guide", "printer-not-printing", "--answers", "no,yes", "--ticket", ids["guided"], "--yes")
    # phone, escalated to L2 and solved there: not
    ids["escalated"] = create(act, "09:10", "phone")
    act("09:12", "ticket", "escalate", ids["escalated"], "--group", "L2", "--reason", "needs VPN admin")
    act("09:20", "ticket", "resolve", ids["escalated"], "--resolution", "Reset", "--category", "network", actor="ivan")
    # phone, the same operator but after 40 minutes: outside the window
    ids["slow"] = create(act, "09:30", "phone")
    act("10:10", "ticket", "resolve", ids["slow"], "--resolution", "Found it", "--category", "network")
    # chat, registered resolved with the article that solved it: first contact, and KB credit
    ids["kb"] = create(act, "10:30", "chat", "--category", "user-support", "--resolved", "Unlocked",
                       "--kb", "KB-account-locked")
    # e-mail, resolved 5 minutes later by another account: not
    ids["other"] = create(act, "11:00", "email")
    act("11:05", "ticket", "resolve", ids["other"], "--resolution", "Done", "--category", "network", actor="ivan")
    # phone, waited on the requester for a few minutes: not
    ids["pending"] = create(act, "11:30", "phone")
    act("11:32", "ticket", "pend", ids["pending"], "--reason", "checking the cable")
    act("11:35", "ticket", "resume", ids["pending"])
    act("11:40", "ticket", "resolve", ids["pending"], "--resolution", "Cable", "--category", "network")
    # walk-in, registered resolved, reopened later: not
    ids["reopened"] = create(act, "12:00", "walk-in", "--category", "user-support", "--resolved", "Explained")
    act("13:00", "ticket", "reopen", ids["reopened"], "--reason", "still confused")
    # phone, still open: counted in the denominator only
    ids["open"] = create(act, "14:00", "phone")

    shown = {key: act("17:00", "ticket", "show", tid) for key, tid in ids.items()}
    assert shown["kb"]["kb_articles"] == ["KB-account-locked"]
    expected = {key for key, t in shown.items() if first_contact_by_hand(t)}
    assert expected == {"guided", "kb"}

    fcr = act("17:00", "report", "kpi")["first_contact_resolution"]
    assert (fcr["numerator"], fcr["denominator"]) == (len(expected), len(ids))
    by_channel: dict[str, list[int]] = {}
    by_group: dict[str, list[int]] = {}
    for key, t in shown.items():
        for table, value in ((by_channel, t["channel"]), (by_group, t["group"])):
            cell = table.setdefault(value, [0, 0])
            cell[0] += key in expected
            cell[1] += 1
    assert {k: [v["numerator"], v["denominator"]] for k, v in fcr["by_channel"].items()} == by_channel
    assert {k: [v["numerator"], v["denominator"]] for k, v in fcr["by_group"].items()} == by_group
    assert fcr["by_channel"]["phone"]["numerator"] == 1 and fcr["by_group"]["L2"]["numerator"] == 0

    html = desk / "report.html"
    act("17:00", "report", "html", "--out", str(html))
    assert "First-contact resolution" in html.read_text(encoding="utf-8")


def test_the_window_is_configurable(drun, desk, act):
    write_config(desk, tz="UTC", extra="kpis: {fcr: {window: 1h}}\n")
    slow = create(act, "09:30", "phone")
    act("10:10", "ticket", "resolve", slow, "--resolution", "Found it", "--category", "network")
    fcr = act("17:00", "report", "kpi")["first_contact_resolution"]
    assert (fcr["numerator"], fcr["denominator"]) == (1, 1) and fcr["definition"]["window_seconds"] == 3600


def test_create_resolved_credits_a_sop_run(drun, desk, act):
    write_config(desk, tz="UTC")
    (desk / "sops" / "say-hi.yaml").write_text(
        "name: say-hi\ndescription: Test runbook.\nversion: 1\ntargets: localhost\n"
        "steps:\n  - name: say\n    local: echo hi\n", encoding="utf-8")
    run = act("09:00", "sop", "run", "say-hi", "--yes")
    assert run["status"] == "ok"
    tid = create(act, "09:05", "phone", "--category", "software-fault", "--resolved", "Queue cleared",
                 "--sop-run", run["id"])
    ticket = act("09:06", "ticket", "show", tid)
    events = [(e["action"], (e.get("data") or {}).get("run_id")) for e in ticket["history"]]
    assert ("sop.run", run["id"]) in events and ticket["status"] == "resolved"
    assert act("09:06", "sop", "show-run", run["id"])["ticket"] == tid
    assert act("09:07", "report", "kpi")["first_contact_resolution"]["numerator"] == 1
    # the same run cannot solve a second ticket; --sop-run needs --resolved: nothing written
    again = drun("ticket", "create", "--title", "again", "--category", "network", "--resolved", "x",
                 "--sop-run", run["id"], env={"DESKCTL_NOW": when("09:08")})
    assert again.code == 2 and f"already linked to {tid}" in again.stderr
    bare = drun("ticket", "create", "--title", "bare", "--sop-run", run["id"], env={"DESKCTL_NOW": when("09:08")})
    assert bare.code == 2 and "needs --resolved" in bare.stderr
    assert len(act("09:09", "ticket", "list", "--all")) == 1


def test_a_window_calendar_that_does_not_exist_is_named_by_config_check(drun, desk):
    write_config(desk, tz="UTC", extra="kpis: {fcr: {calendar: ofice}}\n")
    checked = drun("config", "check")
    assert checked.code == 2 and "kpis.fcr.calendar 'ofice' is not a calendar" in checked.stderr
    report = drun("report", "kpi")
    assert report.code == 2 and "office" in report.stderr and "Traceback" not in report.stderr
