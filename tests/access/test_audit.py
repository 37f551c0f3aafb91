"""The audit trail as users meet it: every command that changes the desk leaves one
hash-chained record (also when it is refused), read-only commands leave none, and `audit
verify` names an edited, removed or cut-off record."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from tests.access.conftest import set_accounts, team


def records(desk) -> list[dict]:
    log = desk / "data" / "audit" / "log.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def test_changes_leave_one_record_each_and_reads_none(me, desk):
    ticket = me("ticket", "create", "--title", "Printer down", "--requester-name", "Ana").stdout.strip()
    assert me("ticket", "comment", ticket, "--text", "on my way").code == 0
    for read in (("ticket", "list"), ("ticket", "show", ticket), ("report", "kpi", "--json"), ("whoami",)):
        assert me(*read).code == 0
    assert me("ticket", "show", "INC-999").code == 2  # bad input, nothing changed: no record
    found = records(desk)
    assert [r["command"] for r in found] == ["ticket create", "ticket comment"]
    first = found[0]
    assert first["targets"] == [ticket] and first["outcome"] == "ok" and first["exit_code"] == 0
    assert first["operations"] == ["create"] and first["seq"] == 1 and first["prev"] == "0" * 64
    assert set(first["options"]) == {"--title", "--requester-name"}
    assert first["host"] and first["at"].endswith("+00:00")
    assert found[1]["prev"] == first["hash"]
    listed = me("audit", "list", "--target", ticket, "--json").json()
    assert [r["seq"] for r in listed] == [1, 2]
    human = me("audit", "list").stdout
    assert "ticket comment" in human and ticket in human and ("UTC" in human or "CET" in human)


def test_a_refused_change_is_recorded_with_who_and_on_whose_behalf(me, desk):
    set_accounts(desk, team("lena"))
    ticket = me("ticket", "create", "--title", "VPN drops").stdout.strip()
    refused = me("--actor", "alice", "ticket", "comment", ticket, "--text", "x")
    assert refused.code == 3
    set_accounts(desk, team("ci"))  # the automation account may act for others
    assert me("--actor", "alice", "ticket", "comment", ticket, "--text", "done for alice").code == 0
    found = records(desk)
    assert [(r["account"], r["on_behalf_of"], r["outcome"], r["exit_code"]) for r in found] == [
        ("lena", None, "ok", 0), ("lena", "alice", "refused", 3), ("ci", "alice", "ok", 0)]
    assert "act-as" in found[1]["operations"]
    set_accounts(desk, team("lena"))  # an L1 account may not read the trail; a manager may
    denied = me("audit", "list")
    assert denied.code == 3 and "read-audit" in denied.stderr
    set_accounts(desk, team("alice"))
    assert [r["account"] for r in me("audit", "list", "--account", "ci", "--json").json()] == ["ci"]


def test_secret_values_never_reach_the_trail(me, desk):
    secret = "s3cr3t-Value-42"
    (desk / "sops" / "secret-echo.yaml").write_text(
        "name: secret-echo\ndescription: uses a secret\nparams:\n  token: {type: string, secret: true}\n"
        "targets: localhost\nsteps:\n  - name: use it\n    ssh: test -n {{ token }}\n")
    result = me("sop", "run", "secret-echo", "-p", f"token={secret}", "--yes")
    assert result.code == 0, result
    text = (desk / "data" / "audit" / "log.jsonl").read_text()
    assert secret not in text
    last = records(desk)[-1]
    assert last["command"] == "sop run" and ("-p" in last["options"] or "--param" in last["options"])
    assert any(t.startswith("run:") for t in last["targets"])


def test_verify_names_an_edited_a_removed_and_a_cut_off_record(me, desk):
    for n in range(4):
        assert me("ticket", "create", "--title", f"call {n}").code == 0
    assert me("audit", "verify").code == 0
    log = desk / "data" / "audit" / "log.jsonl"
    intact = log.read_bytes()
    lines = intact.splitlines(keepends=True)

    edited = bytearray(intact)  # one byte of record 2 (titles are not recorded: its command)
    at = sum(len(x) for x in lines[:1]) + lines[1].index(b"ticket create") + 1
    edited[at] = ord("X")
    log.write_bytes(bytes(edited))
    bad = me("audit", "verify")
    assert bad.code == 1 and "log.jsonl:2" in bad.stderr and "record 2" in bad.stderr

    log.write_bytes(b"".join(lines[:2] + lines[3:]))  # record 3 removed
    bad = me("audit", "verify")
    assert bad.code == 1 and "record 3 is missing" in bad.stderr

    log.write_bytes(b"".join(lines[:-1]))  # the last one cut off
    bad = me("audit", "verify", "--json")
    assert bad.code == 1 and bad.json()["problem"]["seq"] == 4 and "cut after record 3" in bad.stderr

    log.write_bytes(intact)
    assert me("audit", "verify").code == 0


def test_concurrent_commands_form_one_chain(me, desk):
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda n: me("ticket", "create", "--title", f"burst {n}").code, range(16)))
    assert codes == [0] * 16
    found = records(desk)
    assert [r["seq"] for r in found] == list(range(1, 17))
    assert me("audit", "verify").code == 0
