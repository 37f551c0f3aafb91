"""SLA clocks across priority changes (docs/sla.md, "Priority changes"): a person's change
re-targets the running clock from that moment, the business time used kept; the sweep's
automatic raise keeps the target in force, so it never makes a clock retroactively breached.

Desk zone Europe/Rome, office Mon-Fri 09-18; medium: response 4h, resolution 2d (18h);
high: response 1h, resolution 4h."""

from __future__ import annotations

import yaml

from tests.sla.support import CONFIG, at, write_config

MON_09 = "2026-11-23T09:00:00+01:00"


def test_a_sweep_raise_does_not_make_the_resolution_breached(drun, desk):
    write_config(desk)
    swept = at(drun, MON_09, "ticket", "create", "--title", "ERP slow", "--priority", "medium")["id"]
    by_hand = at(drun, MON_09, "ticket", "create", "--title", "ERP slow too", "--priority", "medium")["id"]
    # nobody answered within 4h: the sweep records the breach, escalates and raises to high
    sweep = at(drun, "2026-11-23T13:30:00+01:00", "ticket", "sweep")
    assert ("raise-priority", swept) in {(a["action"], a["ticket"]) for a in sweep["actions"]}
    # the other one a person raises to high at the same moment: its target is high's from then on
    at(drun, "2026-11-23T13:30:00+01:00", "ticket", "update", by_hand, "--priority", "low")  # undo the sweep's raise
    at(drun, "2026-11-23T13:31:00+01:00", "ticket", "update", by_hand, "--priority", "high")
    for tid in (swept, by_hand):  # 10h of business time: within medium's 2d, past high's 4h
        at(drun, "2026-11-24T10:00:00+01:00", "ticket", "resolve", tid, "--resolution", "Index rebuilt",
           "--category", "software-fault")

    shown = at(drun, "2026-11-24T10:05:00+01:00", "ticket", "show", swept)
    assert shown["priority"] == "high" and shown["group"] == "L2"
    sla = shown["sla"]
    assert sla["resolution"]["state"] == "met" and sla["resolution"]["target"] == "2d"
    assert sla["resolution"]["elapsed_seconds"] == 10 * 3600
    assert sla["response"]["state"] == "breached" and sla["response"]["due_at"] == "2026-11-23T12:00:00+00:00"
    assert [p["why"] for p in sla["periods"]][1].startswith("raised by the sweep")
    assert at(drun, "2026-11-24T10:05:00+01:00", "ticket", "show", by_hand)["sla"]["resolution"]["state"] == "breached"

    explained = at(drun, "2026-11-24T10:05:00+01:00", "ticket", "sla", "explain", swept)
    periods = explained["periods"]
    assert [(p["priority"], p["target"], p["elapsed_seconds"]) for p in periods] == [
        ("medium", "medium", int(4.5 * 3600)), ("high", "medium", int(5.5 * 3600))]
    assert periods[0]["why"] == "created" and periods[1]["why"] == "raised by the sweep"
    assert periods[1]["changed"] == {"from": "medium", "to": "high", "by": "sweep", "automatic": True}
    assert periods[1]["from"] == "2026-11-23T12:30:00+00:00" and periods[1]["to"] == "2026-11-24T09:00:00+00:00"
    assert explained["clocks"]["resolution"]["state"] == "met"
    assert "kept the target in force" in explained["clocks"]["resolution"]["why"]
    human = at(drun, "2026-11-24T10:05:00+01:00", "ticket", "sla", "explain", swept, json=False).stdout
    assert "raised by the sweep" in human and "medium 4h/2d" in human
    assert "resolution: met" in human and "response: breached" in human

    report = at(drun, "2026-11-24T10:05:00+01:00", "report", "kpi")
    assert (report["resolution_sla"]["met"], report["resolution_sla"]["breached"]) == (1, 1)  # by_hand only
    assert report["response_sla"]["breached"] == 2


def test_a_change_by_a_person_retargets_the_running_clock_keeping_the_time_used(drun, desk):
    write_config(desk)
    tid = at(drun, MON_09, "ticket", "create", "--title", "Mail slow", "--priority", "medium")["id"]
    at(drun, "2026-11-23T09:30:00+01:00", "ticket", "update", tid, "--priority", "high", "--note", "whole floor")
    sla = at(drun, "2026-11-23T10:15:00+01:00", "ticket", "show", tid)["sla"]
    # 1h15m used of high's 4h (30m of it before the change): 3h30m left from 09:30, due at 13:00 CET
    assert sla["policy"] == "high"
    assert sla["resolution"]["elapsed_seconds"] == 75 * 60 and sla["resolution"]["remaining_seconds"] == 165 * 60
    assert sla["resolution"]["due_at"] == "2026-11-23T12:00:00+00:00"
    assert sla["response"]["state"] == "breached"  # 1h15m > 1h since the change made it high
    explained = at(drun, "2026-11-23T10:15:00+01:00", "ticket", "sla", "explain", tid)
    assert [p["why"] for p in explained["periods"]] == ["created", "changed by tester"]
    assert [p["targets"]["resolution"] for p in explained["periods"]] == ["2d", "4h"]


def _policy():
    from deskctl.sla.policy import _build

    policy, problems = _build(yaml.safe_load(CONFIG.format(tz="UTC", extra="")))
    assert not problems
    return policy


def _ts(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


def test_a_breach_stays_a_breach_when_the_priority_is_lowered_afterwards():
    from deskctl.sla.state import outcomes, ticket_sla

    policy = _policy()
    row = {"id": "INC-1", "created_at": "2026-11-23T09:00:00+00:00", "status": "in_progress", "priority": "low",
           "first_response_at": "2026-11-23T09:10:00+00:00", "pending_periods": [],
           "priority_changes": [["2026-11-23T14:00:00+00:00", "high", "low", "lucia", False]]}
    now = _ts("2026-11-23T15:00:00+00:00")
    sla = ticket_sla(row, policy, now)
    # 5h used by 14:00 passed high's 4h; low's 5d leaves time, but the breach happened
    assert sla["resolution"]["state"] == "breached" and sla["resolution"]["target"] == "5d"
    assert outcomes(row, policy, now)["resolution"] == "breached"
    # the same ticket lowered at 12:00, before the 4h ran out: low's target, not breached
    early = {**row, "priority_changes": [["2026-11-23T12:00:00+00:00", "high", "low", "lucia", False]]}
    assert ticket_sla(early, policy, now)["resolution"]["state"] == "ok"
    assert outcomes(early, policy, now)["resolution"] == "running"


def test_table_cell_and_outcomes_agree_with_ticket_sla_after_changes():
    from deskctl.sla.state import column_text, outcomes, table_cell, ticket_sla

    policy = _policy()
    base = {"id": "INC-2", "created_at": "2026-11-23T09:00:00+00:00", "status": "in_progress", "priority": "high",
            "pending_periods": [["2026-11-23T10:00:00+00:00", "2026-11-23T11:00:00+00:00"]]}
    for changes in ([["2026-11-23T09:30:00+00:00", "medium", "high", "sweep", True]],
                    [["2026-11-23T09:30:00+00:00", "medium", "high", "lucia", False]]):
        row = {**base, "priority_changes": changes}
        for hm in ("10:30", "12:00", "14:00"):
            now = _ts(f"2026-11-23T{hm}:00+00:00")
            sla = ticket_sla(row, policy, now)
            assert table_cell(row, policy, now) == column_text(sla)
            verdicts = outcomes(row, policy, now)
            for name in ("response", "resolution"):
                assert verdicts[name] == ("breached" if sla[name]["state"] == "breached" else "running")
