"""A team desk on PostgreSQL, as its users meet it: `deskctl` processes in several desk folders
on one database in a private cluster on loopback (the seam's contract suite, in
tests/store/contract, runs every store against it too)."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
from pathlib import Path

import pytest

from deskctl.store.postgres.migrations import MIGRATIONS
from deskctl.store.postgres.schema import SCHEMA_VERSION
from tests.support.postgres import new_database, start_cluster


def point_at(desk: Path, dsn: str) -> None:
    with open(desk / "config" / "deskctl.yaml", "a", encoding="utf-8") as fh:
        fh.write(f"\nstore: {{backend: postgresql, dsn: '{dsn}'}}\n")


@pytest.fixture
def team(run, tmp_path, pg_cluster):
    """team(n) -> n desk folders (as on n laptops) on one new, migrated database."""

    def _team(count: int = 2) -> list[Path]:
        dsn = new_database(pg_cluster)
        desks = []
        for number in range(count):
            path = tmp_path / f"laptop{number + 1}"
            assert run("init", str(path)).code == 0
            point_at(path, dsn)
            desks.append(path)
        migrated = run("store", "migrate", cwd=desks[0])
        assert migrated.code == 0, migrated
        return desks

    return _team


def test_migrate_dry_run_prints_the_sql_and_changes_nothing(run, tmp_path, pg_cluster):
    desk = tmp_path / "desk"
    run("init", str(desk))
    point_at(desk, new_database(pg_cluster))
    unmigrated = run("ticket", "list", cwd=desk)
    assert unmigrated.code == 2 and "holds no deskctl schema" in unmigrated.stderr
    assert "store migrate" in unmigrated.stderr and "Traceback" not in unmigrated.stderr
    dry = run("store", "migrate", "--dry-run", cwd=desk)
    assert dry.code == 0 and "CREATE TABLE tickets" in dry.stdout and "pending" in dry.stderr
    assert run("ticket", "list", cwd=desk).code == 2  # still nothing there
    assert run("store", "migrate", cwd=desk).code == 0
    again = run("store", "migrate", "--json", cwd=desk).json()
    assert again["migrations"] == [] and again["from"] == again["to"] == MIGRATIONS[-1].version == SCHEMA_VERSION
    assert run("ticket", "list", cwd=desk).code == 0


def test_a_ticket_made_on_one_laptop_is_worked_and_closed_on_another(team, run):
    first, second = team(2)
    tid = run("ticket", "create", "--title", "Shared drive read-only", cwd=first,
              env={"DESKCTL_ACTOR": "dispatcher"}).stdout.strip()
    assert tid == "INC-1"
    listed = run("ticket", "list", "--json", cwd=second).json()
    assert [t["id"] for t in listed] == [tid]
    as_bob = {"DESKCTL_ACTOR": "bob"}
    for args in (("assign", tid, "--to", "bob"), ("start", tid), ("comment", tid, "--text", "remounted rw"),
                 ("resolve", tid, "--resolution", "remounted", "--category", "hardware-fault")):
        result = run("ticket", *args, cwd=second, env=as_bob)
        assert result.code == 0, result
    assert run("ticket", "close", tid, cwd=first, env={"DESKCTL_ACTOR": "dispatcher"}).code == 0
    views = [run("ticket", "show", tid, "--json", cwd=desk).json() for desk in (first, second)]
    assert views[0] == views[1] and views[0]["status"] == "closed"
    steps = [(e["action"], e["actor"]) for e in views[0]["history"]]
    assert steps[0] == ("created", "dispatcher") and steps[-1] == ("close", "dispatcher")
    for action in ("assign", "start", "comment", "resolve"):
        assert (action, "bob") in steps, steps


def _writer(desk: str, worker: int, count: int) -> None:
    from deskctl.desk import Desk
    from deskctl.tickets import operations as ops

    for i in range(count):
        ops.create_ticket(Desk(desk), actor=f"w{worker}", title=f"writer {worker} ticket {i}")


def test_fifty_writers_in_ten_desk_folders_lose_nothing(team, run, monkeypatch):
    desks = team(10)
    monkeypatch.delenv("DESKCTL_STORE_DSN", raising=False)
    context = multiprocessing.get_context("spawn")  # fresh interpreters, as separate deskctl processes
    workers = [context.Process(target=_writer, args=(str(desks[w % 10]), w, 4)) for w in range(50)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=300)
        assert process.exitcode == 0
    rows = run("ticket", "list", "--all", "--json", cwd=desks[3]).json()
    numbers = sorted(int(r["id"].split("-")[1]) for r in rows)
    assert numbers == list(range(1, 201))  # 200 tickets, 200 distinct ids
    tid = rows[0]["id"]
    # the same ticket updated from every folder at once, while two cron servers sweep:
    # every event kept, in order
    deskctl = str(Path(sys.executable).with_name("deskctl"))
    procs = [subprocess.Popen([deskctl, "ticket", "comment", tid, "--text", f"note {n}"], cwd=desks[n % 10],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for n in range(20)]
    procs += [subprocess.Popen([deskctl, "-q", "ticket", "sweep"], cwd=desks[n], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE) for n in (8, 9)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    history = run("ticket", "show", tid, "--json", cwd=desks[0]).json()["history"]
    assert sorted(e["note"] for e in history if e["action"] == "comment") == sorted(f"note {n}" for n in range(20))
    assert [e["n"] for e in history] == list(range(1, len(history) + 1))
    assert run("store", "check", cwd=desks[0]).code == 0


def test_copy_a_seeded_file_desk_to_postgresql_and_back(run, tmp_path, pg_cluster):
    source = tmp_path / "files-desk"
    run("init", str(source))
    assert run("demo", "seed", "--tickets", "2000", cwd=source).code == 0
    assert run("ticket", "comment", "INC-1", "--text", "kept through the copies", cwd=source).code == 0
    assert run("cmdb", "add", "db1", "--type", "database", "--set", "memory=16G", cwd=source).code == 0
    assert run("cmdb", "update", "db1", "--set", "memory=32G", "--why", "upgrade", cwd=source).code == 0
    dsn = new_database(pg_cluster)
    there = run("store", "copy", "--to", dsn, "--json", cwd=source)
    assert there.code == 0, there
    kinds = there.json()["kinds"]
    assert kinds["tickets"]["source"] == kinds["tickets"]["target"] and kinds["tickets"]["source"]["count"] == 2000
    team_desk = tmp_path / "team-desk"
    run("init", str(team_desk))
    point_at(team_desk, dsn)
    assert run("store", "check", cwd=team_desk).code == 0
    back = run("store", "copy", "--to", str(tmp_path / "back"), "--json", cwd=team_desk)
    assert back.code == 0, back
    assert back.json()["kinds"] == {k: {"source": v["source"], "target": v["source"]} for k, v in kinds.items()}
    assert run("store", "check", cwd=tmp_path / "back").code == 0
    shown = [run("ticket", "show", "INC-1", "--json", cwd=d).json() for d in (source, team_desk, tmp_path / "back")]
    assert shown[0] == shown[1] == shown[2]
    items = [run("cmdb", "history", "db1", "--json", cwd=d).json() for d in (source, team_desk, tmp_path / "back")]
    assert items[0] == items[1] == items[2] and len(items[0]) == 2
    assert kinds["cmdb"]["source"]["count"] == 1
    # a non-empty target is refused without --force, naming it
    again = run("store", "copy", "--to", dsn, cwd=source)
    assert again.code == 2 and "already holds data" in again.stderr and "--force" in again.stderr


def test_an_interrupted_copy_resumes(run, tmp_path, pg_cluster):
    import psycopg2

    source = tmp_path / "files-desk"
    run("init", str(source))
    assert run("demo", "seed", "--tickets", "300", cwd=source).code == 0
    assert run("ticket", "sweep", cwd=source).code == 0  # breach notifications to copy too
    dsn = new_database(pg_cluster)
    receiving = tmp_path / "receiving"
    run("init", str(receiving))
    point_at(receiving, dsn)
    assert run("store", "migrate", cwd=receiving).code == 0
    # the target's server fails part-way, after the tickets went in (as a full disk would)
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END $$")
        cur.execute("CREATE TRIGGER refuse BEFORE INSERT ON notifications FOR EACH ROW EXECUTE FUNCTION refuse()")
    first = run("store", "copy", "--to", dsn, cwd=source)
    assert first.code == 1 and "No space left on device" in first.stderr, first
    errors = [line for line in first.stderr.splitlines() if line.startswith("deskctl: error:")]
    assert "Traceback" not in first.stderr and len(errors) == 1 and first.stderr.endswith(errors[0] + "\n")
    assert list((source / "data" / "copies").glob("*.json"))
    with conn.cursor() as cur:
        cur.execute("DROP TRIGGER refuse ON notifications")
    conn.close()
    resumed = run("store", "copy", "--to", dsn, "--json", cwd=source)
    assert resumed.code == 0, resumed
    report = resumed.json()
    assert report["resumed"] is True and report["verified"] is True
    assert report["kinds"]["notifications"]["target"]["count"] > 0
    assert not list((source / "data" / "copies").glob("*.json"))


def test_passwords_never_go_into_the_config(run, desk):
    point_at(desk, "postgresql://desk:s3cret@127.0.0.1:5432/desk")
    result = run("ticket", "list", cwd=desk)
    assert result.code == 2 and "store.dsn holds a password" in result.stderr and "pgpass" in result.stderr
    assert "s3cret" not in result.stderr
    checked = run("config", "check", cwd=desk)
    assert checked.code == 2 and "store.dsn holds a password" in checked.stdout + checked.stderr


def test_help_and_version_import_no_driver(run, desk, base_env):
    point_at(desk, "postgresql://desk@127.0.0.1:1/desk")
    for args in (["--help"], ["--version"], ["ticket", "--help"]):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "deskctl", *args], cwd=desk,
                              env=base_env, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr[-500:]
        imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines() if "|" in line}
        assert "deskctl" in imported and not imported & {"psycopg2", "psycopg", "pg8000"}, args


@pytest.fixture
def own_cluster():
    """A cluster of this test's own, to stop and start; durable (the shared one is not), so
    stopping it as a crash would keeps every commit."""
    cluster = start_cluster(settings={"fsync": "on", "synchronous_commit": "on"})
    try:
        yield cluster
    finally:
        cluster.stop()


def test_a_stopped_server_is_one_line_and_the_next_command_works(run, tmp_path, own_cluster):
    desk = tmp_path / "desk"
    run("init", str(desk))
    point_at(desk, own_cluster.dsn)
    assert run("store", "migrate", cwd=desk).code == 0
    assert run("ticket", "create", "--title", "before the outage", cwd=desk).code == 0
    own_cluster.pause()
    down = run("ticket", "create", "--title", "during the outage", cwd=desk)
    assert down.code == 1, down
    assert down.stderr.count("\n") == 1 and f"127.0.0.1:{own_cluster.port}" in down.stderr
    assert "Traceback" not in down.stderr and "nothing was changed" in down.stderr
    own_cluster.resume()
    after = run("ticket", "create", "--title", "after the outage", cwd=desk)
    # a sequence may skip numbers after a crash (PostgreSQL logs them ahead): never reuse one
    assert after.code == 0 and int(after.stdout.strip().split("-")[1]) > 1, after
    titles = [t["title"] for t in run("ticket", "list", "--json", cwd=desk).json()]
    assert titles == ["before the outage", "after the outage"]


def test_a_row_held_by_a_hung_session_is_busy_naming_the_ticket(team, run, pg_cluster):
    import psycopg2

    (desk,) = team(1)
    assert run("ticket", "create", "--title", "locked one", cwd=desk).code == 0
    dsn = (desk / "config" / "deskctl.yaml").read_text().rsplit("dsn: '", 1)[1].split("'")[0]
    hung = psycopg2.connect(dsn)
    try:
        with hung.cursor() as cur:  # psql's BEGIN; SELECT ... FOR UPDATE, never committed
            cur.execute("SELECT id FROM tickets WHERE id = 'INC-1' FOR UPDATE")
        blocked = run("ticket", "update", "INC-1", "--priority", "high", cwd=desk, env={"DESKCTL_LOCK_TIMEOUT": "1"})
        assert blocked.code == 4, blocked
        assert "ticket INC-1 is locked by another session" in blocked.stderr and "waited 1 s" in blocked.stderr
        assert run("ticket", "show", "INC-1", "--json", cwd=desk).json()["priority"] != "high"
    finally:
        hung.rollback()
        hung.close()
    assert run("ticket", "update", "INC-1", "--priority", "high", cwd=desk).code == 0


def test_a_newer_schema_is_read_but_never_written(team, run):
    import psycopg2

    (desk,) = team(1)
    assert run("ticket", "create", "--title", "written before", cwd=desk).code == 0
    dsn = (desk / "config" / "deskctl.yaml").read_text().rsplit("dsn: '", 1)[1].split("'")[0]
    conn = psycopg2.connect(dsn)
    with conn, conn.cursor() as cur:
        cur.execute("INSERT INTO deskctl_schema (version, description, deskctl) VALUES (99, 'from the future', '9.0')")
    conn.close()
    assert run("ticket", "list", "--json", cwd=desk).json()[0]["title"] == "written before"
    refused = run("ticket", "create", "--title", "written after", cwd=desk)
    assert refused.code == 2 and "schema version 99" in refused.stderr and "deskctl 9.0" in refused.stderr
    assert json.loads(run("ticket", "list", "--all", "--json", cwd=desk).stdout)[0]["id"] == "INC-1"
    assert len(run("ticket", "list", "--all", "--json", cwd=desk).json()) == 1
