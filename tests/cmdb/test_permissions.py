"""Who may change the CMDB on a managed desk: inside an approved change `cmdb-update`,
outside one `cmdb-admin` (flagged in the item's history); refusals exit 3 and change nothing."""

from __future__ import annotations

import pytest

from tests.cmdb.conftest import LOGIN, set_accounts


@pytest.fixture
def as_account(run, desk):
    """as_account(account, *args): deskctl in the desk as the OS login mapped to `account`."""

    def _run(account: str, *args, **kwargs):
        accounts = {"lena": {"roles": ["l1"]}, "marco": {"roles": ["l2"]}, "alice": {"roles": ["manager"]},
                    "bob": {"roles": ["manager"]}}
        accounts[account] = {**accounts[account], "login": LOGIN}
        config = desk / "config" / "deskctl.yaml"
        config.write_text(config.read_text().split("\naccounts: ")[0])
        set_accounts(desk, accounts)
        return run(*args, cwd=desk, env={"DESKCTL_ACTOR": ""}, **kwargs)

    return _run


def test_outside_a_change_only_a_cmdb_admin_may_and_it_is_flagged(as_account):
    refused = as_account("marco", "cmdb", "add", "web1", "--type", "host")
    assert refused.code == 3, refused
    assert "outside an approved change needs cmdb-admin" in refused.stderr and len(refused.stderr.splitlines()) == 1
    assert as_account("alice", "cmdb", "show", "web1").code == 2  # nothing was added
    done = as_account("alice", "cmdb", "add", "web1", "--type", "host", "--why", "urgent fix")
    assert done.code == 0, done
    entry = as_account("alice", "cmdb", "history", "web1", "--json").json()[0]
    assert entry["actor"] == "alice" and entry["outside_change"] is True and entry["change"] is None


def test_inside_a_change_cmdb_update_is_enough(as_account):
    made = as_account("alice", "change", "create", "--title", "web1", "--risk", "low")
    assert made.code == 0, made
    chg = made.stdout.strip()
    assert as_account("alice", "change", "submit", chg).code == 0
    assert as_account("bob", "change", "approve", chg).code == 0  # never the requester
    assert as_account("lena", "cmdb", "add", "web1", "--type", "host", "--change", chg).code == 3  # l1: no cmdb-update
    done = as_account("marco", "cmdb", "add", "web1", "--type", "host", "--change", chg)
    assert done.code == 0, done
    entry = as_account("marco", "cmdb", "history", "web1", "--json").json()[0]
    assert (entry["actor"], entry["change"], entry["outside_change"]) == ("marco", chg, False)


def test_a_change_not_approved_counts_as_outside(as_account, desk, cache_dir, monkeypatch):
    monkeypatch.setenv("DESKCTL_CACHE_DIR", str(cache_dir))

    made = as_account("alice", "change", "create", "--title", "web1", "--risk", "low")
    chg = made.stdout.strip()
    assert as_account("alice", "change", "submit", chg).code == 0  # submitted, not approved yet
    plain = as_account("alice", "ticket", "create", "--type", "change", "--title", "no request", "--channel", "api")
    loophole = as_account("marco", "cmdb", "add", "web9", "--type", "host", "--change", plain.stdout.strip())
    assert loophole.code == 3 and "is a ticket, not a change request" in loophole.stderr  # a ticket is no approval
    refused = as_account("marco", "cmdb", "add", "web1", "--type", "host", "--change", chg)
    assert refused.code == 3 and f"{chg} is submitted, not approved" in refused.stderr
    done = as_account("alice", "cmdb", "add", "web1", "--type", "host", "--change", chg, "--why", "now")
    assert done.code == 0, done
    entry = as_account("alice", "cmdb", "history", "web1", "--json").json()[0]
    assert entry["change"] == chg and entry["outside_change"] is True


def test_reading_needs_no_permission(as_account):
    assert as_account("lena", "cmdb", "list").code == 0
    assert as_account("lena", "cmdb", "impact", "localhost", "--json").json()["items"] == ["localhost"]
