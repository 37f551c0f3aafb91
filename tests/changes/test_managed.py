"""On a managed desk (accounts: the OS login is the identity) approving needs the
`approve-change` permission as well as an approver role."""

from __future__ import annotations

from tests.access.conftest import me, set_accounts, team  # noqa: F401 - `me` is a fixture
from tests.changes.conftest import GITLAB


def test_an_account_without_approve_change_is_refused_and_a_manager_approves(desk, me):  # noqa: F811
    set_accounts(desk, team("ci"))  # the pipeline's account (automation)
    created = me("change", "create", "--from-ci", "--risk", "low", "--submit", env=GITLAB)
    assert created.code == 0, created
    cid = created.stdout.strip()
    set_accounts(desk, team("lena"))  # first line: may read, not approve
    refused = me("change", "approve", cid)
    assert refused.code == 3 and "approve-change" in refused.stderr and refused.stderr.count("\n") == 1
    assert [r["id"] for r in me("change", "list", "--json").json()] == [cid]
    set_accounts(desk, team("alice"))
    approved = me("change", "approve", cid, "--json")
    assert approved.code == 0, approved
    change = approved.json()["change"]
    assert change["status"] == "approved" and change["requested_by"] == "ci"
    assert [a["actor"] for a in change["approvals"]] == ["alice"]
