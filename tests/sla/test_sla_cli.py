"""SLA state through the real command line, with fixed clocks (DESKCTL_NOW)."""

from __future__ import annotations

from tests.sla.support import at, write_config

FRI_17 = "2026-11-20T17:00:00+01:00"  # Friday 17:00 in Rome (CET)


def test_high_ticket_opened_friday_1700_is_due_monday_1200(drun, desk):
    write_config(desk)
    t = at(drun, FRI_17, "ticket", "create", "--title", "Sales laptop dead", "--priority", "high")
    rows = at(drun, "2026-11-23T08:30:00+01:00", "ticket", "sla")
    assert [r["id"] for r in rows] == [t["id"]]
    sla = rows[0]["sla"]
    assert sla["resolution"]["due_at"] == "2026-11-23T11:00:00+00:00"  # Monday 12:00 CET
    assert sla["response"]["due_at"] == "2026-11-20T17:00:00+00:00"  # Friday 18:00 CET
    assert sla["resolution"]["elapsed_seconds"] == 3600 and sla["resolution"]["remaining_seconds"] == 3 * 3600
    assert sla["response"]["state"] == "breached" and sla["state"] == "breached"
    shown = at(drun, "2026-11-23T08:30:00+01:00", "ticket", "show", t["id"])
    assert shown["sla"]["resolution"]["due_at"] == "2026-11-23T11:00:00+00:00"
    human = at(drun, "2026-11-23T08:30:00+01:00", "ticket", "show", t["id"], json=False)
    assert "resolution due Mon 2026-11-23 12:00 CET, 3h left" in human.stdout


def test_pending_period_stops_the_clock(drun, desk):
    write_config(desk)
    t = at(drun, FRI_17, "ticket", "create", "--title", "Printer offline", "--priority", "high")
    at(drun, FRI_17, "ticket", "comment", t["id"], "--text", "Looking into it")  # response met
    at(drun, "2026-11-23T10:00:00+01:00", "ticket", "pend", t["id"], "--reason", "user at a meeting")
    paused = at(drun, "2026-11-23T10:45:00+01:00", "ticket", "show", t["id"])["sla"]
    assert paused["paused"] is True and paused["resolution"]["elapsed_seconds"] == 2 * 3600
    assert paused["resolution"]["remaining_seconds"] == 2 * 3600  # frozen while pending
    listed = at(drun, "2026-11-23T10:45:00+01:00", "ticket", "list", json=False)
    assert "paused" in listed.stdout
    at(drun, "2026-11-23T11:00:00+01:00", "ticket", "resume", t["id"])  # one hour pending
    after = at(drun, "2026-11-23T11:30:00+01:00", "ticket", "show", t["id"])["sla"]
    assert after["resolution"]["due_at"] == "2026-11-23T12:00:00+00:00"  # 13:00 CET, one hour later
    assert after["resolution"]["elapsed_seconds"] == int(2.5 * 3600)
    assert after["state"] == "ok" and after["response"]["state"] == "met"


def test_sla_queue_orders_by_time_left_and_filters(drun, desk):
    write_config(desk)
    low = at(drun, "2026-11-23T09:00:00+01:00", "ticket", "create", "--title", "New mouse", "--priority", "low")
    high = at(drun, "2026-11-23T09:00:00+01:00", "ticket", "create", "--title", "ERP down", "--priority", "high")
    crit = at(drun, "2026-11-23T09:00:00+01:00", "ticket", "create", "--title", "Mail down", "--priority", "critical")
    now = "2026-11-23T09:50:00+01:00"
    rows = at(drun, now, "ticket", "sla")
    assert [r["id"] for r in rows] == [crit["id"], high["id"], low["id"]]
    assert [r["state"] for r in rows] == ["breached", "at-risk", "ok"]  # 50 of 60 minutes = 83 %
    assert [r["id"] for r in at(drun, now, "ticket", "sla", "--at-risk")] == [high["id"]]
    assert [r["id"] for r in at(drun, now, "ticket", "sla", "--breached")] == [crit["id"]]
    table = at(drun, now, "ticket", "sla", json=False).stdout.splitlines()
    assert table[0].split()[:5] == ["ID", "PRIORITY", "GROUP", "STATUS", "CLOCK"]
    assert table[1].startswith(crit["id"])


def test_invalid_sla_config_is_reported_with_file_and_line(drun, desk):
    write_config(desk, extra="")
    path = desk / "config" / "deskctl.yaml"
    text = path.read_text().replace("high:     {calendar: office", "high:     {calendar: ofice")
    text = text.replace("hours: '09:00-18:00'", "hours: '18:00-09:00'")
    path.write_text(text)
    result = drun("config", "check")
    assert result.code == 2, result
    lines = text.splitlines()
    cal_line = next(i for i, line in enumerate(lines, 1) if line.strip().startswith("office:"))
    high_line = next(i for i, line in enumerate(lines, 1) if line.strip().startswith("high:"))
    assert f"config/deskctl.yaml:{cal_line}: calendars.office.hours: hours '18:00-09:00'" in result.stderr
    assert f"config/deskctl.yaml:{high_line + 0}" in result.stderr and "unknown calendar 'ofice'" in result.stderr
    shown = drun("ticket", "sla")
    assert shown.code == 2 and shown.stderr.count("\n") == 1 and "config/deskctl.yaml:" in shown.stderr


def test_fresh_desk_sla_sections_pass_the_check(drun):
    result = drun("config", "check", "--json")
    problems = result.json()["problems"]
    mine = [p for p in problems if any(w in p for w in ("calendar", "sla", "sweep", "survey"))]
    assert mine == []
    assert drun("config", "show", "--json").json()["settings"]  # sla defaults are listed
    keys = {s["key"] for s in drun("config", "show", "--json").json()["settings"]}
    assert {"sla.high.resolution", "calendars.office.hours", "sweep.resolved_autoclose", "surveys.sample"} <= keys
