"""The ticket store on a real full or read-only disk (a small tmpfs): one clear line, exit 1,
the store readable throughout, and a write that reported failure never applied later."""

from __future__ import annotations

from pathlib import Path

import pytest

BIG = "x" * 3000  # a few of these make the bucket file (and so the journal) tens of KB


@pytest.fixture
def full_desk(run, small_disk):
    """A desk on the small disk holding INC-1..5."""
    desk = small_disk.path / "desk"
    assert run("init", str(desk)).code == 0
    for i in range(1, 6):
        assert run("ticket", "create", "--title", f"t{i}", "--description", BIG, cwd=desk).code == 0
    return desk


def one_clear_line(result, *words: str) -> str:
    """The command failed with exit 1 and exactly one error line holding `words`."""
    assert result.code == 1, result
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result
    errors = [line for line in result.stderr.splitlines() if line.startswith("deskctl: error:")]
    assert len(errors) == 1, result
    for word in words:
        assert word in errors[0], result
    return errors[0]


def titles(run, desk: Path) -> list[str]:
    listed = run("ticket", "list", "--json", cwd=desk)
    assert listed.code == 0, listed
    return [row["title"] for row in listed.json()]


def test_a_write_refused_by_a_full_disk_is_never_applied(run, full_desk, small_disk):
    store = full_desk / "data" / "tickets"
    # room for the journal but not for the journal and the new bucket beside it: the case
    # where a failed create used to be committed, then rolled forward by the next command
    small_disk.fill(leave=36 * 1024)
    failed = run("ticket", "create", "--title", "retry me", "--description", BIG, cwd=full_desk)
    line = one_clear_line(failed, "disk is full", "nothing was changed")
    assert str(store) in line
    one_clear_line(run("ticket", "comment", "INC-1", "--text", BIG * 8, cwd=full_desk), "disk is full")
    assert not (store / "journal.json").exists()
    assert titles(run, full_desk) == [f"t{i}" for i in range(1, 6)]  # readable while full
    assert run("ticket", "show", "INC-1", cwd=full_desk).code == 0

    small_disk.free()
    assert titles(run, full_desk) == [f"t{i}" for i in range(1, 6)]  # nothing rolled forward
    assert run("store", "check", cwd=full_desk).code == 0
    retried = run("ticket", "create", "--title", "retry me", "--description", BIG, cwd=full_desk)
    assert retried.code == 0, retried
    assert titles(run, full_desk).count("retry me") == 1
    history = run("ticket", "show", "INC-1", "--json", cwd=full_desk).json()["history"]
    assert [e["action"] for e in history] == ["created"]  # the refused comment is not there
    assert run("store", "check", cwd=full_desk).code == 0


def test_a_read_only_disk_refuses_writes_and_still_reads(run, full_desk, small_disk):
    small_disk.read_only()
    try:
        for args in (["ticket", "create", "--title", "ro"], ["ticket", "comment", "INC-2", "--text", "hello"]):
            line = one_clear_line(run(*args, cwd=full_desk), "read-only", "nothing was changed")
            assert str(full_desk / "data" / "tickets") in line
        assert titles(run, full_desk) == [f"t{i}" for i in range(1, 6)]
        assert run("ticket", "show", "INC-2", cwd=full_desk).code == 0
        assert run("store", "check", cwd=full_desk).code == 0
    finally:
        small_disk.writable()
    assert run("ticket", "create", "--title", "rw again", cwd=full_desk).code == 0
    assert titles(run, full_desk)[-1] == "rw again"


def test_a_committed_change_the_full_disk_cannot_apply_is_read_and_completed_once(run, full_desk, small_disk):
    store = full_desk / "data" / "tickets"
    crashed = run("ticket", "create", "--title", "committed", cwd=full_desk, env={"DESKCTL_FAULT": "after-journal"})
    assert crashed.code == 137 and (store / "journal.json").exists()
    small_disk.fill(leave=0)
    # readers see the committed change from the journal; nothing fails
    assert titles(run, full_desk) == [*(f"t{i}" for i in range(1, 6)), "committed"]
    assert run("ticket", "show", "INC-6", cwd=full_desk).code == 0
    one_clear_line(run("ticket", "create", "--title", "more", cwd=full_desk), "disk is full", "committed earlier")
    one_clear_line(run("store", "check", cwd=full_desk), "disk is full")
    small_disk.read_only()
    try:
        assert titles(run, full_desk)[-1] == "committed"  # no lock can be taken: still read
    finally:
        small_disk.writable()

    small_disk.free()
    assert titles(run, full_desk) == [*(f"t{i}" for i in range(1, 6)), "committed"]
    assert not (store / "journal.json").exists()
    assert run("store", "check", cwd=full_desk).code == 0


def test_a_journal_whose_contents_do_not_match_its_commit_line_is_discarded(drun, desk):
    store = desk / "data" / "tickets"
    assert drun("ticket", "create", "--title", "kept").code == 0
    crashed = drun("ticket", "create", "--title", "during the crash", env={"DESKCTL_FAULT": "after-journal"})
    assert crashed.code == 137
    journal = store / "journal.json"
    raw = journal.read_bytes()
    journal.write_bytes(raw.replace(b"during the crash", b"during the crasH"))  # same size, other bytes
    assert [r["title"] for r in drun("ticket", "list", "--json").json()] == ["kept"]
    assert not journal.exists() and (store / "journal.damaged").exists()
    assert drun("store", "check").code == 0


def test_a_disk_that_fills_up_after_the_commit_point_is_reported_as_committed(run, full_desk, small_disk, monkeypatch,
                                                                              base_env):
    """Another process fills the disk between the journal's commit and its application
    (here: right after the journal is durable). The change is not lost and not reported as
    failed: the message says it will be completed, readers see it, the next writer completes it."""
    from deskctl.desk import Desk
    from deskctl.store import journal
    from deskctl.tickets import operations
    from deskctl.util.fileio import DiskError

    class FilledAfterCommit(journal.Journal):
        def _write_journal(self, raw: bytes) -> None:
            super()._write_journal(raw)
            small_disk.fill(leave=0)

    monkeypatch.setattr(journal, "Journal", FilledAfterCommit)
    monkeypatch.setenv("DESKCTL_CACHE_DIR", base_env["DESKCTL_CACHE_DIR"])
    with pytest.raises(DiskError) as refused:
        operations.create_ticket(Desk(full_desk), actor="tester", title="committed then full", description=BIG)
    assert "disk is full" in refused.value.message and "committed" in refused.value.message
    assert "do not repeat it" in refused.value.message
    assert (full_desk / "data" / "tickets" / "journal.json").exists()
    assert titles(run, full_desk)[-1] == "committed then full"  # read from the journal
    small_disk.free()
    assert titles(run, full_desk) == [*(f"t{i}" for i in range(1, 6)), "committed then full"]
    assert not (full_desk / "data" / "tickets" / "journal.json").exists()
    assert run("store", "check", cwd=full_desk).code == 0
