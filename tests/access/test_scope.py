"""Data scope, as users meet it: a role's permission may reach only the account's own
tickets or its groups' (`read@group`, `read-internal@group`); `ticket list` shows only what
the account may see, `ticket show` hides the internal comments it may not read."""

from __future__ import annotations

from tests.access.conftest import set_accounts

L1_WORK = ["create", "assign", "start", "pend", "escalate", "resolve", "close", "reopen", "update:*"]


def accounts(login_account: str) -> dict:
    found = {"lena": {"roles": ["l1"], "groups": ["desktop"], "email": "lena@example.com"},
             "alice": {"roles": ["manager"], "groups": ["network"]}}
    found[login_account]["login"] = __import__("tests.access.conftest", fromlist=["LOGIN"]).LOGIN
    return found


def scoped(desk, login_account: str, l1: list[str]) -> None:
    import json

    set_accounts(desk, accounts(login_account), extra="permissions: " + json.dumps({"l1": l1}) + "\n")


def seed(me, desk, l1: list[str]) -> tuple[str, str, str]:
    """As the manager: a desktop ticket, a network one, and a network one requested by lena,
    each with an internal comment."""
    scoped(desk, "alice", l1)
    ids = []
    for group, extra in (("desktop", []), ("network", []), ("network", ["--requester-email", "lena@example.com"])):
        ticket = me("ticket", "create", "--title", f"{group} trouble", "--group", group, *extra)
        assert ticket.code == 0, ticket
        ids.append(ticket.stdout.strip())
        assert me("ticket", "comment", ids[-1], "--internal", "--text", f"internal note on {ids[-1]}").code == 0
    scoped(desk, "lena", l1)
    return ids[0], ids[1], ids[2]


def test_internal_comments_of_another_groups_ticket_are_hidden(me, desk):
    desktop, network, _ = seed(me, desk, ["read", "comment", "read-internal@group", *L1_WORK])
    mine = me("ticket", "show", desktop, "--json").json()
    assert any(e.get("internal") for e in mine["history"])
    other = me("ticket", "show", network, "--json")
    assert other.code == 0 and not any(e.get("internal") for e in other.json()["history"])
    human = me("ticket", "show", network).stdout
    assert "internal note" not in human and "network trouble" in human
    assert f"internal note on {desktop}" in me("ticket", "show", desktop).stdout
    # every ticket is visible: read is unscoped
    assert {r["id"] for r in me("ticket", "list", "--json").json()} >= {desktop, network}


def test_list_shows_only_what_the_account_may_see_and_show_refuses_the_rest(me, desk):
    desktop, network, requested = seed(me, desk, ["read@group", "comment@group", "read-internal@group", *L1_WORK])
    listed = {r["id"] for r in me("ticket", "list", "--all", "--json").json()}
    assert listed == {desktop, requested}  # its group's, and the one it requested
    refused = me("ticket", "show", network)
    assert refused.code == 3 and f"{network} is not one of them" in refused.stderr and "read" in refused.stderr
    commented = me("ticket", "comment", network, "--text", "hello")
    assert commented.code == 3 and "comment" in commented.stderr
    assert me("ticket", "comment", desktop, "--text", "on it").code == 0
    # the manager still sees everything
    scoped(desk, "alice", ["read@group"])
    assert {r["id"] for r in me("ticket", "list", "--all", "--json").json()} == {desktop, network, requested}
