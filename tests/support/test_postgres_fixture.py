"""Tests for the private PostgreSQL cluster (tests/support/postgres.py)."""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path

import pytest

from .postgres import PgCluster, require_postgres, start_cluster

psycopg2 = pytest.importorskip("psycopg2", reason="pip install -e '.[test]' (psycopg2-binary)")


def test_connect_create_insert_select(pg_cluster: PgCluster) -> None:
    conn = psycopg2.connect(pg_cluster.dsn)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE fixture_check (id serial PRIMARY KEY, title text NOT NULL)")
            cur.executemany(
                "INSERT INTO fixture_check (title) VALUES (%s)", [("printer",), ("vpn",)]
            )
        with conn.cursor() as cur:
            cur.execute("SELECT id, title FROM fixture_check WHERE title = %s", ("vpn",))
            assert cur.fetchall() == [(2, "vpn")]
            cur.execute("SELECT current_user, current_database()")
            assert cur.fetchone() == (pg_cluster.user, pg_cluster.dbname)
            cur.execute("DROP TABLE fixture_check")
        conn.commit()
    finally:
        conn.close()


def test_socket_dsn_and_settings(pg_cluster: PgCluster) -> None:
    conn = psycopg2.connect(pg_cluster.socket_dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT inet_server_addr()")  # NULL over a unix socket
            assert cur.fetchone() == (None,)
            for name, expected in [
                ("listen_addresses", "127.0.0.1"),
                ("fsync", "off"),
                ("synchronous_commit", "off"),
            ]:
                cur.execute(f"SHOW {name}")
                assert cur.fetchone() == (expected,)
    finally:
        conn.close()
    # Trust is granted to this cluster's socket and loopback, nothing wider.
    rules = pg_cluster.psql(
        "SELECT type || ' ' || coalesce(address, '-') || ' ' || auth_method "
        "FROM pg_hba_file_rules ORDER BY line_number",
        superuser=True,
    ).split("\n")
    assert [r for r in rules if r] == ["local - trust", "host 127.0.0.1 trust"]


def test_stop_ends_the_postmaster_and_frees_the_port() -> None:
    require_postgres()
    cluster = start_cluster(dbname="second", user="other")
    assert cluster.running
    conn = psycopg2.connect(cluster.dsn)  # an open session must not hold up a fast stop
    pid, port, workdir = cluster.pid, cluster.port, cluster.workdir
    try:
        assert conn.server_version >= 100000
    finally:
        cluster.stop()
    conn.close()
    assert not cluster.running
    _assert_gone(pid)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert not workdir.exists()
    cluster.stop()  # idempotent


def test_a_hung_postmaster_is_killed_by_pid() -> None:
    require_postgres()
    cluster = start_cluster()
    # A stopped postmaster ignores pg_ctl's SIGINT: only the SIGKILL fallback ends it.
    os.kill(cluster.pid, signal.SIGSTOP)
    try:
        cluster.stop(timeout=1)
    finally:
        if cluster.running:  # the test failed: do not leave it frozen
            os.kill(cluster.pid, signal.SIGKILL)
    _assert_gone(cluster.pid)
    assert not cluster.workdir.exists()


def test_two_clusters_at_once_are_separate(pg_cluster: PgCluster) -> None:
    with start_cluster() as other:
        assert other.port != pg_cluster.port and other.pid != pg_cluster.pid
        other.psql("CREATE TABLE only_here (id int)")
        assert other.psql("SELECT count(*) FROM pg_tables WHERE tablename = 'only_here'") == "1\n"
        assert pg_cluster.psql("SELECT count(*) FROM pg_tables WHERE tablename = 'only_here'") == "0\n"
    _assert_gone(other.pid)
    assert pg_cluster.running


@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
def test_missing_postgres_skips_locally_and_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch, ci: str, outcome: type[BaseException]
) -> None:
    from . import postgres

    monkeypatch.setattr(postgres, "find_bindir", lambda: None)
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="apt-get install -y postgresql"):
        postgres.require_postgres()


def _assert_gone(pid: int) -> None:
    """No process *pid*, or only a zombie awaiting its reaper (not our child)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return
    assert state == "Z", f"postmaster {pid} still running (state {state})"
