"""Acceptance 2: `change implement` runs the plan only inside the approved window and only on
the change's hosts (real loopback sshd), records the run on the change, and on a failing step
runs the rollback plan and marks the change failed."""

from __future__ import annotations

import pytest

from tests.runbooks.conftest import fake_bin, ssh_hosts, write_inventory

# systemctl cannot run in a container without systemd: a double on the remote PATH
SYSTEMCTL = """case "$1" in
  restart) [ "$2" = broken ] && { echo "Job for $2.service failed" >&2; exit 1; }; echo "$2 $(hostname -I 2>/dev/null)" >> "$(dirname "$0")/restarted";;
  is-active) [ "$2" = broken ] && { echo failed; exit 3; }; echo active;;
esac"""
JOURNALCTL = 'echo "-- journal of $2 --"'
ROLLBACK_SOP = """name: undo-deploy
description: put the previous release back
params:
  log: {type: string, required: true}
steps:
  - name: previous release
    ssh: echo "{{ host.name }}" >> {{ log }}
"""
CHECK_SOP = """name: check-web
description: is the service up
params:
  service: {type: string, required: true}
steps:
  - name: active
    ssh: systemctl is-active {{ service }}
"""
BEFORE = "2026-12-01T10:00:00+01:00"  # when the change is opened and approved
WINDOW = ("--window-start", "2026-12-05T22:00", "--window-end", "2026-12-06T02:00", "--window-zone", "Europe/Rome")
INSIDE = "2026-12-05T23:00:00+01:00"


@pytest.fixture
def hosts_desk(desk, sshd, tmp_path):
    """web1..web3 on the loopback sshd (keys trusted), systemctl doubles in `fakebin`."""
    fb = fake_bin(tmp_path / "fakebin", {"systemctl": SYSTEMCTL, "journalctl": JOURNALCTL})
    hosts = ssh_hosts(sshd, [(f"web{i}", f"127.0.0.{i}") for i in range(1, 4)], groups=["web"], path_prepend=[str(fb)])
    write_inventory(desk, {"localhost": {"connection": "local"}, **hosts})
    (desk / "config" / "known_hosts").write_text(sshd.known_hosts.read_text())
    (desk / "sops" / "undo-deploy.yaml").write_text(ROLLBACK_SOP)
    (desk / "sops" / "check-web.yaml").write_text(CHECK_SOP)
    return fb


@pytest.fixture
def crun(drun, base_env, tmp_path):
    """deskctl in the desk at a given "now" (DESKCTL_NOW), the user's known_hosts kept out."""
    base_env["DESKCTL_USER_KNOWN_HOSTS"] = str(tmp_path / "user_known_hosts")
    base_env.pop("SSH_AUTH_SOCK", None)

    def _run(*args: str, now: str = BEFORE, **kwargs):
        return drun(*args, env={"DESKCTL_NOW": now}, **kwargs)

    return _run


def approved_change(crun, service: str, log) -> str:
    created = crun("change", "create", "--title", f"Deploy {service}", "--risk", "low",
                   "--item", "web1", "--item", "web2", "--item", "shop-frontend",  # a service: no host
                   "--sop", "restart-service", "-p", f"service={service}",
                   "--rollback-sop", "undo-deploy", "--rollback-param", f"log={log}", *WINDOW, "--submit")
    assert created.code == 0, created
    cid = created.stdout.strip()
    assert crun("--actor", "alice", "change", "approve", cid).code == 0
    return cid


def test_outside_its_window_implement_exits_3_naming_the_window(hosts_desk, crun, tmp_path):
    cid = approved_change(crun, "nginx", tmp_path / "undone")
    early = crun("change", "implement", cid, now="2026-12-02T09:00:00+01:00")
    assert early.code == 3, early
    assert "2026-12-05 22:00 - 2026-12-06 02:00 Europe/Rome" in early.stderr and early.stderr.count("\n") == 1
    late = crun("change", "implement", cid, now="2026-12-06T02:00:00+01:00")  # the end is outside
    assert late.code == 3, late
    assert not (hosts_desk / "restarted").exists()  # nothing ran anywhere
    assert crun("change", "show", cid, "--json", now=INSIDE).json()["change"]["status"] == "approved"


def test_inside_its_window_the_plan_runs_on_the_change_hosts_and_is_recorded(hosts_desk, crun, tmp_path):
    cid = approved_change(crun, "nginx", tmp_path / "undone")
    done = crun("change", "implement", cid, "--json", now=INSIDE)
    assert done.code == 0, done
    restarted = (hosts_desk / "restarted").read_text().splitlines()
    assert len(restarted) == 2 and all(line.startswith("nginx") for line in restarted)  # web1, web2; not web3
    result = done.json()
    assert sorted(h["host"] for h in result["run"]["hosts"]) == ["web1", "web2"]
    assert result["rollback"] is None
    change = crun("change", "show", cid, "--json", now=INSIDE).json()
    assert change["change"]["status"] == "implemented"
    assert change["change"]["runs"] == [{"purpose": "implement", "run_id": result["run"]["id"],
                                         "sop": "restart-service", "status": "ok", "hosts": ["web1", "web2"]}]
    events = [e for e in change["history"] if e["action"] == "sop.run"]
    assert len(events) == 1 and events[0]["data"]["run_id"] == result["run"]["id"]
    run = crun("sop", "show-run", result["run"]["id"], "--json", now=INSIDE).json()
    assert run["ticket"] == cid
    assert not (tmp_path / "undone").exists()  # no rollback
    verified = crun("change", "verify", cid, "--note", "site answers", now=INSIDE)
    assert verified.code == 0, verified
    assert crun("change", "close", cid, now=INSIDE).code == 0
    assert crun("ticket", "show", cid, "--json", now=INSIDE).json()["status"] == "closed"


def test_a_failing_step_runs_the_rollback_plan_and_marks_the_change_failed(hosts_desk, crun, tmp_path):
    undone = tmp_path / "undone"
    cid = approved_change(crun, "broken", undone)
    failed = crun("change", "implement", cid, now=INSIDE)
    assert failed.code == 1, failed
    assert "failed" in failed.stderr.splitlines()[-1] and "rollback run" in failed.stderr.splitlines()[-1]
    assert sorted(undone.read_text().split()) == ["web1", "web2"]  # the rollback plan ran on both hosts
    change = crun("change", "show", cid, "--json", now=INSIDE).json()["change"]
    assert change["status"] == "failed"
    assert [(r["purpose"], r["sop"], r["status"]) for r in change["runs"]] == [
        ("implement", "restart-service", "failed"), ("rollback", "undo-deploy", "ok")]
    again = crun("change", "implement", cid, now=INSIDE)
    assert again.code == 3 and "failed, not approved" in again.stderr


def test_a_change_without_hosts_among_its_items_runs_nothing(hosts_desk, crun):
    cid = crun("change", "create", "--title", "DNS", "--risk", "low", "--item", "dns-service",
               "--sop", "restart-service", "-p", "service=nginx", *WINDOW, "--submit").stdout.strip()
    assert crun("--actor", "alice", "change", "approve", cid).code == 0
    result = crun("change", "implement", cid, now=INSIDE)
    assert result.code == 3 and "names no inventory host" in result.stderr


def test_an_emergency_change_is_reviewed_before_it_closes(hosts_desk, crun, tmp_path):
    cid = crun("change", "create", "--title", "Hotfix", "--type", "emergency", "--risk", "high", "--item", "web3",
               "--sop", "restart-service", "-p", "service=nginx", *WINDOW, "--submit").stdout.strip()
    assert crun("--actor", "bob", "change", "approve", cid).code == 0  # one manager is enough before
    assert crun("change", "implement", cid, now=INSIDE).code == 0
    refused = crun("change", "close", cid, now=INSIDE)
    assert refused.code == 2 and "needs a review" in refused.stderr
    closed = crun("change", "close", cid, "--review", "outage INC-9 needed it at once", now=INSIDE)
    assert closed.code == 0, closed
    change = crun("change", "show", cid, "--json", now=INSIDE).json()["change"]
    assert change["status"] == "closed" and change["review"]["note"] == "outage INC-9 needed it at once"


def test_a_verification_sop_runs_on_the_change_hosts_and_can_fail_the_change(hosts_desk, crun):
    def implemented(checked: str) -> str:
        cid = crun("change", "create", "--title", "Deploy", "--risk", "low", "--item", "web2", "--sop", "restart-service",
                   "-p", "service=nginx", "--verify-sop", "check-web", "--verify-param", f"service={checked}",
                   *WINDOW, "--submit").stdout.strip()
        assert crun("--actor", "alice", "change", "approve", cid).code == 0
        assert crun("change", "implement", cid, now=INSIDE).code == 0
        return cid

    good = implemented("nginx")
    ok = crun("change", "verify", good, "--json", now=INSIDE)
    assert ok.code == 0, ok
    assert ok.json()["change"]["change"]["status"] == "verified"
    assert [h["host"] for h in ok.json()["run"]["hosts"]] == ["web2"]
    bad = implemented("broken")
    failed = crun("change", "verify", bad, now=INSIDE)
    assert failed.code == 1 and "failed its verification" in failed.stderr
    change = crun("change", "show", bad, "--json", now=INSIDE).json()["change"]
    assert change["status"] == "failed" and [r["purpose"] for r in change["runs"]] == ["implement", "verify"]


SLOW_SOP = """name: slow-deploy
description: a deploy that takes its time
params:
  marker: {type: string, required: true}
steps:
  - name: deploy
    ssh: touch {{ marker }} && sleep 60
"""


def test_a_killed_implementation_is_shown_abandoned_and_can_be_closed(hosts_desk, crun, desk, base_env, tmp_path):
    """kill -9 (or a crash) during `change implement` leaves the change `implementing`: it is
    shown as abandoned, is not implemented again, and can be closed, saying what happened."""
    import os
    import signal
    import subprocess

    from tests.conftest import deskctl_executable
    from tests.runbooks.test_interrupt import wait_until

    (desk / "sops" / "slow-deploy.yaml").write_text(SLOW_SOP)
    marker = tmp_path / "deploying"
    cid = crun("change", "create", "--title", "Slow deploy", "--risk", "low", "--item", "localhost",
               "--sop", "slow-deploy", "-p", f"marker={marker}", *WINDOW, "--submit").stdout.strip()
    assert crun("--actor", "alice", "change", "approve", cid).code == 0
    env = {**base_env, "DESKCTL_NOW": INSIDE}
    with open(tmp_path / "implement.stderr", "wb") as err:
        proc = subprocess.Popen([deskctl_executable(), "change", "implement", cid], cwd=desk, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    try:
        wait_until(marker.exists, 30, "the plan's step to start")
        busy = crun("change", "close", cid, now=INSIDE)  # while it runs, nobody closes it
        assert busy.code == 2, busy
        assert f"it is being implemented now by process {proc.pid} on {os.uname().nodename}" in busy.stderr
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the process and the step's shell
        proc.wait(timeout=30)

    shown = crun("change", "show", cid, now=INSIDE)
    assert shown.code == 0, shown
    status = next(line for line in shown.stdout.splitlines() if line.startswith("status"))
    assert f"implementing (abandoned: its implementation by process {proc.pid}" in status
    change = crun("change", "show", cid, "--json", now=INSIDE).json()["change"]
    assert change["status"] == "implementing" and change["implementer"]["pid"] == proc.pid
    assert "ended without finishing" in change["abandoned"]
    listed = crun("change", "list", "--json", now=INSIDE).json()
    assert [r["abandoned"] is not None for r in listed if r["id"] == cid] == [True]

    again = crun("change", "implement", cid, now=INSIDE)
    assert again.code == 3 and again.stderr.count("\n") == 1, again
    assert "ended without finishing" in again.stderr and "half-changed" in again.stderr

    closed = crun("change", "close", cid, "--json", now=INSIDE)
    assert closed.code == 0, closed
    ticket = crun("ticket", "show", cid, "--json", now=INSIDE).json()
    assert ticket["status"] == "closed" and ticket["change"]["status"] == "closed"
    last = ticket["history"][-1]
    assert last["action"] == "change.close" and f"process {proc.pid}" in last["note"]
    assert last["changes"]["change.status"] == ["implementing", "closed"]

