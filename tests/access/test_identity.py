"""Who acts, as users meet it from the shell: the OS login's account on a managed desk,
`--actor` only with act-as (the tests run as one OS user, root: which account that login
maps to is changed in the config between commands, as an admin would)."""

from __future__ import annotations

from tests.access.conftest import LOGIN, set_accounts, team


def test_whoami_names_the_account_of_the_os_login(me, desk):
    unmanaged = me("whoami", "--json").json()
    assert unmanaged["managed"] is False and unmanaged["permissions"] == ["*"]
    set_accounts(desk, team("lena"))
    mine = me("whoami", "--json").json()
    assert mine["account"] == "lena" and mine["roles"] == ["l1"] and f"OS login {LOGIN}" in mine["how"]
    assert "resolve" in mine["permissions"] and "act-as" not in mine["permissions"]
    # $USER and $LOGNAME are the caller's to set: they change nothing
    assert me("whoami", "--json", env={"USER": "alice", "LOGNAME": "alice"}).json()["account"] == "lena"


def test_a_login_without_an_account_is_refused(me, desk):
    set_accounts(desk, {"alice": {"roles": ["manager"]}})
    refused = me("ticket", "create", "--title", "x")
    assert refused.code == 3 and f"the login {LOGIN!r} has no account on this desk" in refused.stderr


def test_l1_cannot_approve_a_manager_can_and_two_approvals_need_two_managers(me, desk, tmp_path):
    from tests.docs.test_examples import maintenance_yaml

    (desk / "maintenance.yaml").write_text(maintenance_yaml().replace("severity: minor", "severity: major"))
    set_accounts(desk, team("lena"))
    env = {"DESKCTL_NOW": "2026-12-01T10:00:00+01:00"}
    assert me("announce", "create", "planned-maintenance", "--from", "maintenance.yaml", env=env).code == 0
    assert me("announce", "submit", "ANN-1", env=env).code == 0
    refused = me("announce", "approve", "ANN-1", env=env)
    assert refused.code == 3, refused
    assert "lena (l1) lacks the permission approve-announcement" in refused.stderr
    assert "manager" in refused.stderr and "head" in refused.stderr
    set_accounts(desk, team("alice"))
    assert me("announce", "approve", "ANN-1", env=env).code == 0
    record = me("announce", "show", "ANN-1", "--json", env=env).json()
    approvers = [a["actor"] for a in record["approvals"] if a["decision"] == "approved"]
    assert approvers == ["alice"] and record["status"] == "submitted"  # a major one needs two managers
    twice = me("announce", "approve", "ANN-1", env=env)
    assert twice.code != 0 and "already approved" in twice.stderr
    set_accounts(desk, team("bob"))
    assert me("announce", "approve", "ANN-1", env=env).code == 0
    assert me("announce", "show", "ANN-1", "--json", env=env).json()["status"] == "approved"


def test_actor_needs_act_as_and_the_history_keeps_both(me, desk):
    set_accounts(desk, team("lena"))
    refused = me("--actor", "alice", "ticket", "create", "--title", "walk-in")
    assert refused.code == 3 and "--actor alice: lena (l1) lacks the permission act-as" in refused.stderr
    assert "automation" in refused.stderr and "dispatcher" in refused.stderr
    assert me("ticket", "list", "--all", "--json").json() == []  # nothing written
    set_accounts(desk, team("ci"))
    tid = me("ticket", "create", "--title", "from the pipeline", env={"DESKCTL_ACTOR": "alice"}).stdout.strip()
    assert tid
    event = me("ticket", "show", tid, "--json").json()["history"][0]
    assert event["actor"] == "ci" and event["on_behalf_of"] == "alice"


def test_refusals_in_ticket_work_exit_3_and_change_nothing(me, desk):
    set_accounts(desk, {**team("lena"), "ana": {"roles": ["requester"]}})
    tid = me("ticket", "create", "--title", "printer").stdout.strip()
    assert me("ticket", "resolve", tid, "--resolution", "fixed", "--category", "other").code == 0
    confirmed = me("ticket", "close", tid, "--confirmed")  # staff speaking for the requester
    assert confirmed.code == 3 and "close-confirmed" in confirmed.stderr and "requester" in confirmed.stderr
    assert me("ticket", "show", tid, "--json").json()["status"] == "resolved"
    sop = me("sop", "run", "restart-service", "-p", "service=nginx", "--hosts", "localhost", "--yes")
    assert sop.code == 3 and "run-sop:restart-service" in sop.stderr
