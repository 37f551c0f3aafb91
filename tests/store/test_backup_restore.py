"""`deskctl store backup` and `store restore`, as a user moves a desk: everything comes back."""

from __future__ import annotations

HELLO_SOP = """\
name: hello
description: Say hello on this machine.
version: 1
targets: localhost
steps:
  - name: greet
    ssh: echo hello from the runbook
"""


def _fill(drun, desk, tmp_path) -> None:
    ticket = drun("ticket", "create", "--title", "Outlook crashes", "--requester-email", "lucia@example.org", "--json")
    assert ticket.code == 0, ticket
    log = tmp_path / "crash.log"
    log.write_text("Faulting module: mso.dll\n")
    for args in (("ticket", "attach", "INC-1", str(log)),
                 ("ticket", "resolve", "INC-1", "--resolution", "rebuilt", "--category", "software-fault"),
                 ("ticket", "survey", "INC-1", "--score", "5", "--comment", "fast")):
        assert drun(*args).code == 0, args
    created = drun("announce", "create", "unplanned-outage", "--set", "services=mail",
                   "--set", "start=2026-12-03T06:00Z", "--set", "impact=Mail is down")
    assert created.code == 0, created
    assert drun("--actor", "dave", "announce", "submit", "ANN-0001").code == 0
    assert drun("--actor", "alice", "announce", "approve", "ANN-0001").code == 0
    published = drun("--actor", "alice", "announce", "publish", "ANN-0001", "--allow-fallback")
    assert published.code == 0, published
    (desk / "sops" / "hello.yaml").write_text(HELLO_SOP)
    ran = drun("sop", "run", "hello", "--ticket", "INC-1", "--yes")
    assert ran.code == 0, ran


def _views(run, where) -> dict:
    views = {}
    for name, args in (("ticket", ("ticket", "show", "INC-1", "--json")),
                       ("announcement", ("announce", "show", "ANN-0001", "--json")),
                       ("runs", ("sop", "history", "--json")),
                       ("tickets", ("ticket", "list", "--all", "--json"))):
        result = run(*args, cwd=where)
        assert result.code == 0, result
        views[name] = result.json()
    for row in views["tickets"]:  # ages move on between the two listings
        row.pop("age"), row.pop("age_text")
    return views


def test_backup_restored_into_an_empty_desk_brings_back_all_its_data(run, drun, desk, tmp_path):
    _fill(drun, desk, tmp_path)
    made = drun("store", "backup", "--out", str(tmp_path / "desk.tar.gz"), "--json")
    assert made.code == 0, made
    assert made.json()["counts"] == {"tickets": 1, "announcements": 1, "runs": 1, "notifications": 0, "attachments": 1,
                                       "cmdb": 0}

    other = tmp_path / "other"
    assert run("init", str(other)).code == 0
    restored = run("store", "restore", str(tmp_path / "desk.tar.gz"), cwd=other)
    assert restored.code == 0, restored
    assert "restored 1 tickets, 1 announcements, 1 runs" in restored.stderr
    assert run("store", "check", cwd=other).code == 0

    before, after = _views(run, desk), _views(run, other)
    assert after == before
    ticket = after["ticket"]
    assert ticket["survey"]["score"] == 5 and ticket["attachments"][0]["name"] == "crash.log"
    assert (other / "data" / ticket["attachments"][0]["path"]).read_text() == "Faulting module: mso.dll\n"
    assert after["announcement"]["status"] == "published" and after["announcement"]["deliveries"]
    assert [r["sop"] for r in after["runs"]] == ["hello"] and after["runs"][0]["ticket"] == "INC-1"


def test_restore_into_a_desk_with_data_or_from_a_bad_file_is_bad_input(run, drun, desk, tmp_path):
    drun("ticket", "create", "--title", "one")
    assert drun("store", "backup", "--out", str(tmp_path / "desk.tar.gz")).code == 0
    again = drun("store", "restore", str(tmp_path / "desk.tar.gz"))
    assert again.code == 2 and "already holds data" in again.stderr and "deskctl init" in again.stderr
    (tmp_path / "junk.tar.gz").write_bytes(b"not an archive")
    other = tmp_path / "other"
    assert run("init", str(other)).code == 0
    junk = run("store", "restore", str(tmp_path / "junk.tar.gz"), cwd=other)
    assert junk.code == 2 and "junk.tar.gz: not a deskctl backup" in junk.stderr
    assert len(junk.stderr.strip().splitlines()) == 1 and "Traceback" not in junk.stderr
    assert run("ticket", "list", "--all", "--json", cwd=other).json() == []
