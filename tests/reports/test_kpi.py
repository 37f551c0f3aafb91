"""Every KPI of `deskctl report kpi` against values computed by hand (docs/kpis.md).

Seven tickets are worked through the real CLI at fixed clocks (DESKCTL_NOW), desk time zone UTC,
office calendar Mon-Fri 09-18. Report period: 2026-11-01 .. 2026-11-09, now Mon 9 Nov 12:00.
"""

from __future__ import annotations

import csv
import io

import pytest

from tests.sla.support import at, write_config

NOW = "2026-11-09T12:00:00Z"


def day(d: int, hm: str) -> str:
    return f"2026-11-{d:02d}T{hm}:00Z"


@pytest.fixture
def worked(drun, desk):
    write_config(desk, tz="UTC")
    ids = {}

    def new(key, when, *args):
        ids[key] = at(drun, when, "ticket", "create", "--title", f"ticket {key}", *args)["id"]

    def do(when, *args):
        at(drun, when, "ticket", *args)

    # T7: before the period, still open (only in the backlog)
    new("T7", "2026-10-26T09:00:00Z", "--priority", "medium", "--channel", "phone", "--category", "software-fault")
    # T1: high, answered in 30m, resolved in 3h with a KB article, confirmed, survey 5
    new("T1", day(2, "09:00"), "--priority", "high", "--channel", "phone", "--category", "network")
    do(day(2, "09:30"), "comment", ids["T1"], "--text", "Checking the switch")
    do(day(2, "09:40"), "start", ids["T1"])
    do(day(2, "12:00"), "resolve", ids["T1"], "--resolution", "Port re-enabled", "--kb", "KB-network-cable")
    do(day(2, "13:00"), "close", ids["T1"], "--confirmed")
    do(day(2, "14:00"), "survey", ids["T1"], "--score", "5")
    # T2: medium, pending a whole day (the clocks stop), closed unconfirmed, no survey answer
    new("T2", day(2, "10:00"), "--priority", "medium", "--channel", "email", "--category", "software-fault")
    do(day(2, "10:30"), "start", ids["T2"])
    do(day(2, "11:00"), "pend", ids["T2"], "--reason", "waiting for logs")
    do(day(3, "11:00"), "resume", ids["T2"])
    do(day(3, "11:30"), "comment", ids["T2"], "--text", "Thanks for the logs")
    do(day(4, "10:00"), "resolve", ids["T2"], "--resolution", "Patched")
    do(day(4, "12:00"), "close", ids["T2"])
    # T3: info request resolved at first contact, survey 4
    new("T3", day(3, "14:00"), "--type", "info-request", "--priority", "low", "--channel", "phone",
        "--category", "user-support", "--resolved", "Explained it")
    do(day(3, "15:00"), "close", ids["T3"], "--confirmed")
    do(day(3, "16:00"), "survey", ids["T3"], "--score", "4")
    # T4: high, escalated, both clocks breached, reopened once, survey 2
    new("T4", day(3, "16:00"), "--priority", "high", "--channel", "chat", "--category", "hardware-fault")
    do(day(3, "16:30"), "escalate", ids["T4"], "--group", "L2", "--reason", "needs a technician")
    do(day(4, "10:00"), "comment", ids["T4"], "--text", "Technician booked")
    do(day(4, "10:05"), "start", ids["T4"])
    do(day(4, "14:00"), "resolve", ids["T4"], "--resolution", "Replaced the disk")
    do(day(5, "09:00"), "close", ids["T4"], "--confirmed")
    do(day(5, "10:00"), "reopen", ids["T4"], "--reason", "Still clicking")
    do(day(5, "12:00"), "resolve", ids["T4"], "--resolution", "Replaced the cable too")
    do(day(5, "13:00"), "close", ids["T4"], "--confirmed")
    do(day(5, "14:00"), "survey", ids["T4"], "--score", "2")
    # T5: service request never touched (both clocks breached while running)
    new("T5", day(5, "10:00"), "--type", "service-request", "--priority", "medium", "--channel", "portal",
        "--category", "service-request")
    # T6: low, answered in 30m, still open
    new("T6", day(6, "17:00"), "--priority", "low", "--channel", "email", "--category", "performance")
    do(day(6, "17:10"), "assign", ids["T6"], "--to", "olga")
    do(day(6, "17:30"), "comment", ids["T6"], "--text", "Will look on Monday")
    return ids


def test_every_kpi_matches_the_hand_computed_value(drun, worked):
    r = at(drun, NOW, "report", "kpi", "--since", "2026-11-01", "--until", "2026-11-09")
    assert r["period"] == {"since": "2026-11-01T00:00:00+00:00", "until": "2026-11-10T00:00:00+00:00"}
    vol = r["volume"]
    assert vol["total"] == 6
    assert vol["by_type"] == {"incident": 4, "info-request": 1, "service-request": 1}
    assert vol["by_channel"] == {"email": 2, "phone": 2, "chat": 1, "portal": 1}
    assert vol["by_priority"] == {"high": 2, "low": 2, "medium": 2}
    assert sum(vol["by_category"].values()) == 6 and vol["by_category"]["network"] == 1

    def rate(key):
        return (r[key]["numerator"], r[key]["denominator"], r[key]["rate"])

    assert rate("first_contact_resolution") == (1, 6, 0.1667)  # T3
    # response: T1 30m, T2 1.5h (10.5 business hours less 9 pending), T3 0, T6 30m met;
    # T4 3 business hours > 1h, T5 20h > 4h breached
    assert rate("response_sla") == (4, 6, 0.6667)
    # resolution: T1 3h, T2 9h of 18h, T3 met; T4 14h > 4h, T5 20h > 18h breached; T6 running
    assert rate("resolution_sla") == (3, 5, 0.6) and r["resolution_sla"]["running"] == 1
    assert r["time_to_first_response"] == {"count": 5, "mean_seconds": 32040.0, "median_seconds": 1800.0}
    assert r["time_to_resolve"] == {"count": 4, "mean_seconds": 85500.0, "median_seconds": 84600.0}
    # business time in progress: T1 2h20m, T2 30m + 8h, T4 3h55m + 2h (T3 never worked)
    assert r["handling_time"] == {"count": 3, "mean_seconds": 20100.0, "median_seconds": 21300.0}
    assert rate("reopen_rate") == (1, 4, 0.25)
    assert rate("escalation_rate") == (1, 6, 0.1667)
    assert rate("kb_resolution_rate") == (1, 4, 0.25)
    csat = r["csat"]
    assert csat["average"] == 3.67 and csat["responses"] == 3
    assert csat["scores"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
    assert (csat["response_rate"]["numerator"], csat["response_rate"]["denominator"]) == (3, 4)
    assert r["backlog"]["total"] == 3  # T5, T6 and T7 from before the period
    assert r["backlog"]["by_age"] == {"<1d": 0, "1-3d": 1, "3-7d": 1, "7-30d": 1, ">30d": 0}
    heat = r["arrivals"]["by_weekday_hour"]
    cells = {(d, h): heat[d][h] for d in range(7) for h in range(24) if heat[d][h]}
    assert cells == {(0, 9): 1, (0, 10): 1, (1, 14): 1, (1, 16): 1, (3, 10): 1, (4, 17): 1}
    assert r["arrivals"]["by_weekday"] == {"mon": 2, "tue": 2, "wed": 0, "thu": 1, "fri": 1, "sat": 0, "sun": 0}
    assert r["weekly"] == [{"week": "2026-11-02", "created": 6, "resolved": 4, "sla_breached": 2}]
    assert r["sla_breaches_total"] == 2
    assert [b["id"] for b in r["sla_breaches"]] == [worked["T5"], worked["T4"]]  # open ones first
    assert [o["id"] for o in r["oldest_open"]] == [worked["T7"], worked["T5"], worked["T6"]]

    # the same figures as CSV and text, and for one group (one worked desk: CLI runs are slow)
    l2 = at(drun, NOW, "report", "kpi", "--since", "2026-11-01", "--group", "L2")
    assert l2["volume"]["total"] == 1 and l2["escalation_rate"]["rate"] == 1.0
    result = drun("report", "kpi", "--since", "2026-11-01", "--until", "2026-11-09", "--format", "csv",
                  env={"DESKCTL_NOW": NOW})
    assert result.code == 0, result
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    figures = {(row["kpi"], row["key"]): row["value"] for row in rows}
    assert figures[("first_contact_resolution", "rate")] == "0.1667"
    assert figures[("resolution_sla", "denominator")] == "5"
    assert figures[("csat", "average")] == "3.67"
    assert figures[("arrivals", "mon 09")] == "1"
    text = drun("report", "kpi", "--since", "2026-11-01", env={"DESKCTL_NOW": NOW})
    assert "First-contact resolution     16.7% (1/6)" in text.stdout
    assert "Resolution SLA compliance    60% (3/5)" in text.stdout


def test_bad_report_options_exit_2_with_one_line(drun, desk):
    for args, needle in ((["--since", "yesterday"], "--since"), (["--group", "L9"], "L9"),
                         (["--since", "2026-12-01", "--until", "2026-11-01"], "not before")):
        result = drun("report", "kpi", *args)
        assert result.code == 2, result
        assert needle in result.stderr and result.stderr.count("\n") == 1
