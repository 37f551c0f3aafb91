"""Demo data (reproducible, bulk-loaded, consistent store) and satisfaction surveys."""

from __future__ import annotations

import os

from tests.sla.support import at, write_config

NOW = "2026-11-23T10:30:00+01:00"


def tickets_dir(desk):
    root = desk / "data" / "tickets"
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.json"))}


def test_demo_seed_is_reproducible_and_gives_a_consistent_store(run, tmp_path):
    desks = []
    for name in ("a", "b"):
        path = tmp_path / name
        assert run("init", str(path)).code == 0
        result = run("demo", "seed", "--tickets", "700", "--days", "200", "--seed", "42", "--json",
                     cwd=path, env={"DESKCTL_NOW": NOW})
        assert result.code == 0, result
        assert result.json()["tickets"] == 700
        desks.append(path)
    assert tickets_dir(desks[0]) == tickets_dir(desks[1])  # same seed and clock: same bytes
    a = desks[0]
    check = run("store", "check", "--json", cwd=a)
    assert check.code == 0 and check.json()["tickets"] == 700 and check.json()["problems"] == []
    assert len(list((a / "data" / "tickets" / "index" / "archive").rglob("*.json"))) > 1  # older than 90d
    everything = run("ticket", "list", "--all", "--json", cwd=a, env={"DESKCTL_NOW": NOW}).json()
    assert len(everything) == 700
    statuses = {t["status"] for t in everything}
    assert {"closed", "resolved", "in_progress"} <= statuses
    assert {t["channel"] for t in everything} >= {"phone", "email", "portal", "chat"}
    assert any(t["escalation_level"] for t in everything) and any(t["survey"] for t in everything)
    assert any(t["first_contact"] for t in everything) and any(t["pending_periods"] for t in everything)
    one = run("ticket", "show", everything[0]["id"], "--json", cwd=a, env={"DESKCTL_NOW": NOW}).json()
    assert one["history"][0]["action"] == "created"
    kpi = run("report", "kpi", "--json", cwd=a, env={"DESKCTL_NOW": NOW}).json()
    heat = kpi["arrivals"]["by_hour"]
    # the demo credits articles that the shipped knowledge base has
    stats = run("kb", "stats", "--json", cwd=a, env={"DESKCTL_NOW": NOW}).json()
    assert stats["rows"] and [r for r in stats["rows"] if r["kind"] == "missing"] == []
    assert not [t for t in everything if "rd floor" in t["title"]]
    assert sum(heat[9:12]) > 5 * sum(heat[0:6])  # office-hour peaks
    other = run("demo", "seed", "--tickets", "700", "--seed", "43", cwd=tmp_path / "b", env={"DESKCTL_NOW": NOW})
    assert other.code == 2 and "--append" in other.stderr
    grown = run("demo", "seed", "--tickets", "10", "--append", "--json", cwd=a, env={"DESKCTL_NOW": NOW})
    assert grown.code == 0 and run("store", "check", "--json", cwd=a).json()["tickets"] == 710


def test_bulk_load_appends_after_tickets_made_through_the_api(drun, desk):
    made = at(drun, NOW, "ticket", "create", "--title", "Real ticket", "--priority", "high")
    assert at(drun, NOW, "demo", "seed", "--tickets", "50", "--append")["tickets"] == 50
    assert at(drun, NOW, "ticket", "show", made["id"])["title"] == "Real ticket"
    after = at(drun, NOW, "ticket", "create", "--title", "Next real ticket")
    assert int(after["id"].split("-")[1]) > 1
    assert drun("store", "check").code == 0


def test_survey_once_on_resolved_or_closed_and_pending_list(drun, desk):
    write_config(desk)
    t = at(drun, NOW, "ticket", "create", "--title", "Monitor flickers", "--priority", "low",
           "--requester-email", "ana@example.com")
    early = drun("ticket", "survey", t["id"], "--score", "4")
    assert early.code == 2 and "cannot survey" in early.stderr, early
    at(drun, NOW, "ticket", "resolve", t["id"], "--resolution", "New cable", "--category", "hardware-fault")
    at(drun, "2026-11-23T12:00:00+01:00", "ticket", "close", t["id"], "--confirmed")
    pending = at(drun, "2026-11-24T09:00:00+01:00", "survey", "pending")
    assert [p["id"] for p in pending] == [t["id"]]
    assert drun("ticket", "survey", t["id"], "--score", "6").code == 2
    done = at(drun, "2026-11-24T09:00:00+01:00", "ticket", "survey", t["id"], "--score", "4", "--comment", "quick, thanks")
    assert done["survey"] == {"score": 4, "comment": "quick, thanks", "at": "2026-11-24T08:00:00+00:00", "actor": "tester"}
    assert done["history"][-1]["action"] == "survey"
    again = drun("ticket", "survey", t["id"], "--score", "1")
    assert again.code == 2 and "already has a survey answer" in again.stderr
    assert at(drun, "2026-11-24T09:00:00+01:00", "survey", "pending") == []
    # past the 14-day window a ticket is no longer chased (unless --all)
    u = at(drun, NOW, "ticket", "create", "--title", "Old one", "--resolved", "done", "--category", "other")
    at(drun, NOW, "ticket", "close", u["id"])
    assert at(drun, "2026-12-20T09:00:00+01:00", "survey", "pending") == []
    assert [p["id"] for p in at(drun, "2026-12-20T09:00:00+01:00", "survey", "pending", "--all")] == [u["id"]]


def test_ctrl_c_stops_demo_seed_with_exit_130_and_a_consistent_store(tmp_path, base_env, run):
    import signal
    import subprocess
    import time

    from tests.conftest import deskctl_executable

    desk = tmp_path / "desk"
    assert run("init", str(desk)).code == 0
    proc = subprocess.Popen([deskctl_executable(), "demo", "seed", "--tickets", "200000"], cwd=desk, env=base_env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        for _ in range(600):  # bounded: until the first batch of tickets is written
            if (desk / "data" / "tickets" / "meta.json").exists():
                break
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)  # as the terminal does
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "deskctl: error: interrupted" and "Traceback" not in err
    checked = run("store", "check", cwd=desk)
    assert checked.code == 0 and "ticket store ok" in checked.stderr, checked
