"""Work per group and per person, from who held each ticket when: `report kpi --group`,
`report kpi --by ...` and the time per call type."""

from __future__ import annotations

import csv
import io

from tests.sla.support import at, write_config


def t(hour: int, minute: int = 0) -> str:
    return f"2026-11-23T{hour:02d}:{minute:02d}:00+01:00"


def day_of_work(drun) -> dict[str, str]:
    """Four tickets: one L1 solves, one L2 passes to L3, one L2 solves, one still with L2."""
    ids = {}
    ids["l1"] = at(drun, t(9), "--actor", "anna", "ticket", "create", "--title", "Password reset", "--type",
                   "service-request", "--channel", "phone")["id"]
    at(drun, t(9, 10), "--actor", "anna", "ticket", "start", ids["l1"])
    at(drun, t(9, 20), "--actor", "anna", "ticket", "resolve", ids["l1"], "--resolution", "reset", "--category",
       "user-support")
    ids["to_l3"] = at(drun, t(9, 30), "--actor", "anna", "ticket", "create", "--title", "VPN certificate",
                      "--channel", "email")["id"]
    at(drun, t(9, 40), "--actor", "anna", "ticket", "escalate", ids["to_l3"], "--group", "L2", "--reason", "cert")
    at(drun, t(10), "--actor", "lucia", "ticket", "start", ids["to_l3"])
    at(drun, t(11), "--actor", "lucia", "ticket", "escalate", ids["to_l3"], "--group", "L3", "--reason", "CA")
    at(drun, t(12), "--actor", "marco", "ticket", "start", ids["to_l3"])
    at(drun, t(13), "--actor", "marco", "ticket", "resolve", ids["to_l3"], "--resolution", "new CA",
       "--category", "network")
    ids["l2"] = at(drun, t(10), "--actor", "anna", "ticket", "create", "--title", "Share slow", "--group", "L2",
                   "--channel", "phone")["id"]
    at(drun, t(10, 30), "--actor", "lucia", "ticket", "start", ids["l2"])
    at(drun, t(12, 30), "--actor", "lucia", "ticket", "resolve", ids["l2"], "--resolution", "quota",
       "--category", "performance")
    ids["open"] = at(drun, t(11), "--actor", "anna", "ticket", "create", "--title", "Laptop", "--channel", "chat")["id"]
    at(drun, t(11, 5), "--actor", "anna", "ticket", "assign", ids["open"], "--group", "L2")
    return ids


def test_group_report_counts_what_the_group_handled_including_what_it_escalated_onward(drun, desk):
    write_config(desk)
    ids = day_of_work(drun)
    report = at(drun, t(14), "report", "kpi", "--group", "L2", "--since", "2026-11-23")
    assert report["group"] == "L2" and report["volume"]["total"] == 3  # not the L1 ticket
    work = report["group_work"]
    assert (work["touched"], work["escalated_onward"], work["resolved"]) == (3, 1, 1)
    assert work["tickets"]["escalated_onward"] == [ids["to_l3"]]
    assert work["tickets"]["resolved"] == [ids["l2"]]
    assert sorted(work["tickets"]["touched"]) == sorted([ids["to_l3"], ids["l2"], ids["open"]])
    # a period before L2 had anything: nothing
    assert at(drun, t(14), "report", "kpi", "--group", "L3", "--until", "2026-11-22")["group_work"]["touched"] == 0
    text = drun("report", "kpi", "--group", "L2", env={"DESKCTL_NOW": t(14)})
    assert "Work of group L2" in text.stdout and "escalated onward 1" in text.stdout
    everyone = at(drun, t(14), "report", "kpi")
    assert {w["group"]: (w["touched"], w["escalated_onward"], w["resolved"]) for w in everyone["work_by_group"]} == {
        "L1": (3, 1, 1), "L2": (3, 1, 1), "L3": (1, 0, 1)}
    assert everyone["handling_missing"] == 0
    # every ticket an engineer worked on
    assert [r["id"] for r in at(drun, t(14), "ticket", "list", "--all", "--handled-by", "lucia")] == [
        ids["to_l3"], ids["l2"]]


def test_by_group_and_person_gives_the_figures_per_row(drun, desk):
    write_config(desk)
    day_of_work(drun)
    by_group = {r["group"]: r for r in at(drun, t(14), "report", "kpi", "--by", "group")["rows"]}
    assert {k: (r["volume"], r["resolved"], r["escalated"]) for k, r in by_group.items()} == {
        "L1": (3, 1, 1), "L2": (3, 1, 1), "L3": (1, 1, 0)}
    l3 = by_group["L3"]
    assert l3["median_resolution_seconds"] == 3.5 * 3600  # 09:30 -> 13:00
    assert l3["median_handling_seconds"] == 60 * 60 + 60 * 60  # in progress 10-11 (L2) and 12-13 (L3)
    assert l3["first_contact_resolution"]["denominator"] == 1
    people = {r["assignee"]: r for r in at(drun, t(14), "report", "kpi", "--by", "assignee")["rows"]}
    assert {k: (r["volume"], r["resolved"]) for k, r in people.items()} == {
        "anna": (4, 1), "lucia": (2, 1), "marco": (1, 1)}
    by_channel = {r["channel"]: r["volume"] for r in at(drun, t(14), "report", "kpi", "--by", "channel")["rows"]}
    assert by_channel == {"phone": 2, "email": 1, "chat": 1}
    table = drun("report", "kpi", "--by", "type", env={"DESKCTL_NOW": t(14)})
    assert table.code == 0 and "MEDIAN HANDLING" in table.stdout and "service-" in table.stdout  # wraps at 80
    sheet = drun("report", "kpi", "--by", "group", "--format", "csv", env={"DESKCTL_NOW": t(14)})
    rows = list(csv.DictReader(io.StringIO(sheet.stdout)))
    assert [r["group"] for r in rows] == ["L1", "L2", "L3"] and rows[2]["median_resolution_seconds"] == "12600.0"
    bad = drun("report", "kpi", "--by", "team")
    assert bad.code == 2 and "assignee" in bad.stderr


def test_time_per_call_type_and_category(drun, desk):
    write_config(desk)
    day_of_work(drun)
    times = at(drun, t(14), "report", "kpi")["time_per_type"]
    assert times["by_type"]["service-request"] == {"resolved": 1, "median_resolution_seconds": 1200.0,
                                                   "handled": 1, "median_handling_seconds": 600.0}
    incidents = times["by_type"]["incident"]
    assert incidents["resolved"] == 2 and incidents["median_resolution_seconds"] == (3.5 * 3600 + 2.5 * 3600) / 2
    assert times["by_category"]["performance"]["median_handling_seconds"] == 2 * 3600
    sheet = drun("report", "kpi", "--format", "csv", env={"DESKCTL_NOW": t(14)}).stdout
    assert "time_by_category,performance median_handling_seconds,7200.0" in sheet
