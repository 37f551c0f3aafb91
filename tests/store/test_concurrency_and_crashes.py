"""The store under real parallel processes, kill -9, corruption and a hung lock holder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

WORKER = textwrap.dedent("""
    import sys, time
    from deskctl.desk import Desk
    from deskctl.tickets import operations
    desk, worker, count, start_at = Desk(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    while time.time() < start_at:   # every process starts at the same moment
        time.sleep(0.001)
    for i in range(count):
        operations.create_ticket(desk, actor=f"w{worker}", title=f"worker {worker} ticket {i}")
""")

COMMENTER = textwrap.dedent("""
    import sys, time
    from deskctl.desk import Desk
    from deskctl.tickets import operations
    desk, worker, tid, count, start_at = Desk(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    while time.time() < start_at:
        time.sleep(0.001)
    for i in range(count):
        operations.comment(desk, tid, actor=f"w{worker}", text=f"note {worker}-{i}", internal=True)
""")


def spawn_all(script: str, argv_list: list[list[str]], env: dict) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", script, *argv], env=env) for argv in argv_list]
    for p in procs:
        assert p.wait(timeout=300) == 0


@pytest.fixture
def env(base_env) -> dict:
    return dict(base_env, DESKCTL_LOCK_TIMEOUT="120")


def test_twenty_processes_creating_at_once_lose_nothing(desk, drun, env):
    start_at = str(time.time() + 2.0)
    spawn_all(WORKER, [[str(desk), str(w), "25", start_at] for w in range(20)], env)
    rows = drun("ticket", "list", "--json").json()
    assert len(rows) == 500
    assert len({r["id"] for r in rows}) == 500
    assert {r["title"] for r in rows} == {f"worker {w} ticket {i}" for w in range(20) for i in range(25)}
    assert drun("store", "check").code == 0


def test_concurrent_updates_to_one_ticket_all_land_in_history(desk, drun, env):
    tid = drun("ticket", "create", "--title", "shared", "--json").json()["id"]
    start_at = str(time.time() + 1.5)
    spawn_all(COMMENTER, [[str(desk), str(w), tid, "10", start_at] for w in range(10)], env)
    history = drun("ticket", "show", tid, "--json").json()["history"]
    notes = {e["note"] for e in history if e["action"] == "comment"}
    assert notes == {f"note {w}-{i}" for w in range(10) for i in range(10)}
    assert [e["n"] for e in history] == list(range(1, len(history) + 1))


@pytest.mark.parametrize("point", ["after-journal", "mid-apply"])
def test_crash_inside_a_write_is_rolled_forward(desk, drun, point):
    first = drun("ticket", "create", "--title", "before the crash", "--json").json()
    crashed = drun("ticket", "create", "--title", "during the crash", env={"DESKCTL_FAULT": point})
    assert crashed.code == 137
    assert (desk / "data" / "tickets" / "journal.json").exists()
    rows = drun("ticket", "list", "--json").json()  # the next process rolls the journal forward
    assert [r["title"] for r in rows] == ["before the crash", "during the crash"]
    assert not (desk / "data" / "tickets" / "journal.json").exists()
    assert drun("store", "check").code == 0
    assert drun("ticket", "show", first["id"]).code == 0


def test_journal_left_by_the_previous_version_is_rolled_forward(desk, drun):
    """Journal format 1 was one JSON object {file: text}; a crash under the old version must
    still be completed by the new one."""
    tid = drun("ticket", "create", "--title", "old title", "--json").json()["id"]
    root = desk / "data" / "tickets"
    bucket = next((root / "hot").rglob("0000.json"))
    changed = bucket.read_text(encoding="utf-8").replace("old title", "title from the journal")
    name = str(bucket.relative_to(root))
    (root / "journal.json").write_text(json.dumps({name: changed}), encoding="utf-8")
    assert drun("ticket", "show", tid, "--json").json()["title"] == "title from the journal"
    assert not (root / "journal.json").exists()


def test_damaged_journal_is_set_aside_and_the_store_still_works(desk, drun):
    drun("ticket", "create", "--title", "kept")
    root = desk / "data" / "tickets"
    (root / "journal.json").write_bytes(b"deskctl-journal 2\n[[\"active.json\", 999999]]\n{}")
    assert [r["title"] for r in drun("ticket", "list", "--json").json()] == ["kept"]
    assert (root / "journal.damaged").exists() and not (root / "journal.json").exists()
    assert drun("store", "check").code == 0


def test_kill_9_at_random_instants_leaves_a_readable_store(desk, drun, env):
    loop = textwrap.dedent("""
        import sys
        from deskctl.desk import Desk
        from deskctl.tickets import operations
        desk = Desk(sys.argv[1])
        for i in range(100000):
            t = operations.create_ticket(desk, actor="loop", title=f"t{i}")
            operations.comment(desk, t["id"], actor="loop", text="x")
    """)
    seen = 0
    for attempt in range(8):
        proc = subprocess.Popen([sys.executable, "-c", loop, str(desk)], env=env)
        time.sleep(0.4 + 0.137 * attempt)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        rows = drun("ticket", "list", "--json").json()
        assert len(rows) >= seen  # never fewer tickets than before the kill
        seen = len(rows)
        check = drun("store", "check", "--json")
        assert check.code == 0, check
        for row in rows[-3:]:
            assert drun("ticket", "show", row["id"], "--json").json()["title"] == row["title"]
    assert seen > 0


def test_corrupted_store_file_is_named_and_never_overwritten(desk, drun):
    drun("ticket", "create", "--title", "one")
    index = desk / "data" / "tickets" / "index" / "open" / "INC" / "0000.json"
    index.write_bytes(b'{"INC": {"1": {"id": "INC-1", "sta')
    damaged = index.read_bytes()
    for args in (["ticket", "list"], ["ticket", "create", "--title", "two"]):
        result = drun(*args)
        assert result.code == 2
        assert str(index) in result.stderr and "backup" in result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert index.read_bytes() == damaged
    assert drun("store", "check").code == 2
    repaired = drun("store", "check", "--repair")
    assert repaired.code == 0, repaired
    assert [r["title"] for r in drun("ticket", "list", "--json").json()] == ["one"]


def test_lock_held_by_a_hung_process_gives_exit_4_naming_it(desk, drun, env):
    drun("ticket", "create", "--title", "one")
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent("""
            import sys, time
            from deskctl.util.locking import FileLock
            with FileLock(sys.argv[1], actor="hung-job"):
                print("locked", flush=True)
                time.sleep(60)
        """), str(desk / "data" / "tickets" / ".lock")],
        stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        result = drun("ticket", "create", "--title", "two", env={"DESKCTL_LOCK_TIMEOUT": "1"})
        assert result.code == 4
        assert f"pid {holder.pid}" in result.stderr and "hung-job" in result.stderr
        assert time.monotonic() - started < 30
    finally:
        holder.kill()
        holder.wait(timeout=10)
    assert drun("ticket", "create", "--title", "two").code == 0


def test_backup_is_a_complete_archive(desk, drun, tmp_path):
    drun("ticket", "create", "--title", "one")
    out = tmp_path / "b.tar.gz"
    assert drun("store", "backup", "--out", str(out)).code == 0
    import tarfile

    with tarfile.open(out) as tar:
        names = tar.getnames()
        tickets = [json.loads(line) for line in tar.extractfile("tickets.jsonl")]
        manifest = json.load(tar.extractfile("deskctl-backup.json"))
    assert {"tickets.jsonl", "announcements.jsonl", "runs.jsonl", "attachments.jsonl"} <= set(names)
    assert [t["title"] for t in tickets] == ["one"] and tickets[0]["history"]
    assert manifest["counts"]["tickets"] == 1 and manifest["backend"] == "files"


def test_archive_moves_old_closed_tickets_but_show_and_list_all_find_them(drun, desk):
    old = drun("ticket", "create", "--title", "old", "--json", env={"DESKCTL_NOW": "2026-01-01T09:00:00Z"}).json()
    drun("ticket", "resolve", old["id"], "--resolution", "done", "--category", "other", env={"DESKCTL_NOW": "2026-01-02T09:00:00Z"})
    drun("ticket", "close", old["id"], env={"DESKCTL_NOW": "2026-01-03T09:00:00Z"})
    recent = drun("ticket", "create", "--title", "recent", "--json").json()
    result = drun("store", "archive", "--older-than", "30d", "--json")
    assert result.json()["archived"] == [old["id"]]
    tickets = desk / "data" / "tickets"
    assert not list((tickets / "index" / "closed").rglob("*.json"))  # its last row left: shard deleted
    assert list((tickets / "index" / "archive").rglob("*.json"))
    shown = drun("ticket", "show", old["id"], "--json").json()
    assert shown["title"] == "old" and shown["archived"] is True
    assert {r["id"] for r in drun("ticket", "list", "--all", "--json").json()} == {old["id"], recent["id"]}
    assert [r["id"] for r in drun("ticket", "list", "--json").json()] == [recent["id"]]
    reopened = drun("ticket", "reopen", old["id"], "--reason", "came back", "--json").json()
    assert reopened["archived"] is False
    assert old["id"] in {r["id"] for r in drun("ticket", "list", "--json").json()}
    assert drun("store", "check").code == 0


def test_plugin_observers_see_created_and_updated_after_storage(drun, desk):
    (desk / "plugins" / "observer.py").write_text(textwrap.dedent("""
        import json
        import deskctl

        @deskctl.hookimpl
        def ticket_created(ticket, desk):
            with open(desk.data_dir / "seen.log", "a") as fh:
                fh.write(json.dumps(["created", ticket["id"]]) + "\\n")

        @deskctl.hookimpl
        def ticket_updated(ticket, changes, event, desk):
            with open(desk.data_dir / "seen.log", "a") as fh:
                fh.write(json.dumps(["updated", ticket["id"], event["action"], sorted(changes)]) + "\\n")
    """))
    tid = drun("ticket", "create", "--title", "observed", "--json").json()["id"]
    drun("ticket", "assign", tid, "--to", "bob")
    lines = [json.loads(x) for x in (desk / "data" / "seen.log").read_text().splitlines()]
    assert lines == [["created", tid], ["updated", tid, "assign", ["assignee", "status"]]]


def test_pythonpath_is_clean():
    # the workers import the installed deskctl, not a stray copy
    assert "deskctl" not in os.environ.get("PYTHONPATH", "")
    assert Path(sys.executable).exists()


def test_repair_refreshes_index_rows_written_by_an_older_version(desk, drun):
    tid = drun("ticket", "create", "--title", "old row", "--json").json()["id"]
    prefix, number = tid.split("-")
    index = desk / "data" / "tickets" / "index" / "open" / prefix / "0000.json"
    data = json.loads(index.read_text())
    del data[prefix][number]["pending_periods"]  # as an older deskctl wrote it
    index.write_text(json.dumps(data))
    check = drun("store", "check")
    assert check.code == 2 and "1 stale" in check.stderr
    assert drun("store", "check", "--repair").code == 0
    assert "pending_periods" in json.loads(index.read_text())[prefix][number]
    assert drun("store", "check").code == 0


def test_every_bucket_is_a_tinydb_database_that_tinydb_itself_reads(desk, drun):
    from tinydb import TinyDB

    ids = [drun("ticket", "create", "--title", f"t{i}", "--json").json()["id"] for i in range(3)]
    drun("ticket", "comment", ids[0], "--text", "seen by TinyDB", "--internal")
    drun("ticket", "resolve", ids[1], "--resolution", "done", "--category", "other")
    for tid in ids:
        shown = drun("ticket", "show", tid, "--json").json()
        shown.pop("sla")  # computed on display, never stored
        prefix, number = tid.split("-")
        path = desk / "data" / "tickets" / "hot" / prefix / f"{int(number) // 16:04d}.json"  # a new store's buckets
        db = TinyDB(path, access_mode="r")
        try:
            assert dict(db.table(prefix).get(doc_id=int(number))) == shown
        finally:
            db.close()


def test_closing_rewrites_two_small_files_whatever_the_desk_size(desk, drun):
    """A change touches its own ticket bucket (16 ids) and index shards (64 ids) only."""
    drun("demo", "seed", "--tickets", "600", "--days", "60", "--seed", "3")
    open_row = drun("ticket", "list", "--json", "--status", "resolved").json()[0]
    root = desk / "data" / "tickets"
    before = {p: p.stat().st_mtime_ns for p in root.rglob("*.json")}
    assert drun("ticket", "close", open_row["id"]).code == 0
    changed = sorted(str(p.relative_to(root)) for p in root.rglob("*.json")
                     if before.get(p) != p.stat().st_mtime_ns)
    prefix, number = open_row["id"].split("-")
    bucket, shard = f"{int(number) // 16:04d}.json", f"{int(number) // 64:04d}.json"
    assert set(changed) <= {f"hot/{prefix}/{bucket}", f"index/resolved/{prefix}/{shard}",
                            f"index/closed/{prefix}/{shard}"}, changed
    assert f"hot/{prefix}/{bucket}" in changed and f"index/closed/{prefix}/{shard}" in changed


def test_a_store_written_with_one_file_per_index_is_converted_on_first_use(desk, drun):
    """Schema 1 kept each index in one file; such a store keeps working, converted once."""
    ids = [drun("ticket", "create", "--title", f"t{i}", "--json").json()["id"] for i in range(3)]
    drun("ticket", "resolve", ids[0], "--resolution", "done", "--category", "other")
    drun("ticket", "close", ids[0])
    drun("ticket", "resolve", ids[1], "--resolution", "done", "--category", "other")
    root = desk / "data" / "tickets"
    old = {("open", "resolved"): root / "active.json", ("closed",): root / "closed.json",
           ("archive",): root / "archive" / "closed.json"}
    for names, file in old.items():  # write the schema-1 layout by hand
        merged: dict = {}
        for shard in sorted(s for name in names for s in (root / "index" / name).rglob("*.json")):
            for prefix, table in json.loads(shard.read_text()).items():
                merged.setdefault(prefix, {}).update(table)
            shard.unlink()
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(merged))
    (root / "meta.json").write_text(json.dumps({**json.loads((root / "meta.json").read_text()), "schema": 1}))
    assert [r["id"] for r in drun("ticket", "list", "--json").json()] == ids[2:]
    assert [r["id"] for r in drun("ticket", "list", "--status", "resolved", "--json").json()] == [ids[1]]
    assert not any(f.exists() for f in old.values())
    assert json.loads((root / "meta.json").read_text())["schema"] == 2
    assert [r["id"] for r in drun("ticket", "list", "--all", "--json").json()] == ids
    assert drun("store", "check").code == 0


def test_a_backup_is_readable_by_its_owner_only_and_never_written_through_a_link(desk, drun, tmp_path):
    drun("ticket", "create", "--title", "one", "--requester-email", "ann@example.org")
    out = tmp_path / "b.tar.gz"
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n")
    (tmp_path / ".b.tar.gz.tmp").symlink_to(target)
    assert drun("store", "backup", "--out", str(out)).code == 0
    assert out.stat().st_mode & 0o777 == 0o600 and not out.is_symlink()
    assert target.read_text() == "keep me\n"
