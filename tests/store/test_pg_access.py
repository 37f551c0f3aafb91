"""On a team desk the database enforces deskctl's permissions too: each account is a database
login, and what deskctl refuses that login, `psql` as that login cannot do either (issue 15,
acceptance 5), while deskctl's own work as that login goes through."""

from __future__ import annotations

import json
import os
from itertools import count
from urllib.parse import urlsplit

import pytest

psycopg2 = pytest.importorskip("psycopg2")
_RUN = count()


@pytest.fixture
def team_desk(run, desk, pg_cluster):
    """A desk on a fresh database; the accounts lena (l1, group desktop, scoped), alice
    (manager) and dba (admin, the database owner's login), each with its own login."""
    from tests.support.postgres import new_database

    dsn = new_database(pg_cluster)
    tag = f"{os.getpid()}_{next(_RUN)}"
    lena, alice = f"lena_{tag}", f"alice_{tag}"
    pg_cluster.psql(f"CREATE ROLE {lena} LOGIN; CREATE ROLE {alice} LOGIN; "
                    "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'deskctl_member') THEN "
                    "CREATE ROLE deskctl_member NOLOGIN; END IF; END $$; "
                    f"GRANT deskctl_member TO {pg_cluster.user} WITH ADMIN OPTION", dbname="postgres", superuser=True)
    accounts = {"dba": {"roles": ["admin"], "db_role": pg_cluster.user},
                "lena": {"roles": ["l1"], "db_role": lena, "groups": ["desktop"], "email": "lena@example.com"},
                "alice": {"roles": ["manager"], "db_role": alice}}
    scoped_l1 = ["read@group", "read-internal@group", "comment@group", "create", "assign", "start", "resolve", "close"]
    config = desk / "config" / "deskctl.yaml"
    config.write_text(config.read_text() + f"\nstore: {{backend: postgresql, dsn: '{dsn}'}}\n"
                      + "accounts: " + json.dumps(accounts) + "\npermissions: " + json.dumps({"l1": scoped_l1}) + "\n")
    parts = urlsplit(dsn)

    def as_login(login: str) -> str:
        return parts._replace(netloc=f"{login}@{parts.hostname}:{parts.port}").geturl()

    def deskctl(login: str, *args: str, **kwargs):
        env = {"DESKCTL_STORE_DSN": as_login(login), "DESKCTL_ACTOR": ""}
        return run(*args, cwd=desk, env=env, **kwargs)

    assert deskctl(pg_cluster.user, "store", "migrate").code == 0
    granted = deskctl(pg_cluster.user, "store", "grant", "--json")
    assert granted.code == 0, granted
    assert set(granted.json()["granted"]) >= {lena, alice}
    yield {"deskctl": deskctl, "dsn": as_login, "lena": lena, "alice": alice, "dba": pg_cluster.user, "desk": desk}
    from deskctl.store.postgres.connection import close_all

    close_all()


def psql_as(dsn: str, sql: str, params: tuple = ()) -> list:
    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def refused(dsn: str, sql: str, params: tuple = ()) -> str:
    with pytest.raises(psycopg2.Error) as caught:
        psql_as(dsn, sql, params)
    assert caught.value.pgcode == "42501", caught.value
    return str(caught.value)


def test_the_login_is_the_identity_and_its_work_goes_through(team_desk):
    t = team_desk
    me = t["deskctl"](t["lena"], "whoami", "--json")
    assert me.code == 0 and me.json()["account"] == "lena" and f"database login {t['lena']}" in me.json()["how"]
    stranger = t["deskctl"]("postgres", "whoami")
    assert stranger.code == 3 and "the database login 'postgres' has no account" in stranger.stderr
    made = t["deskctl"](t["lena"], "ticket", "create", "--title", "Printer down", "--group", "desktop")
    assert made.code == 0, made
    tid = made.stdout.strip()
    assert t["deskctl"](t["lena"], "ticket", "comment", tid, "--text", "on my way").code == 0
    assert t["deskctl"](t["lena"], "audit", "list").code == 3  # deskctl's own check: l1 lacks read-audit
    assert [r["account"] for r in t["deskctl"](t["dba"], "audit", "list", "--json").json()][-2:] == ["lena", "lena"]


def test_what_deskctl_refuses_psql_as_that_login_cannot_do(team_desk, tmp_path):
    from tests.docs.test_examples import maintenance_yaml

    t = team_desk
    (t["desk"] / "maintenance.yaml").write_text(maintenance_yaml())
    ann = t["deskctl"](t["dba"], "announce", "create", "planned-maintenance", "--from", "maintenance.yaml")
    assert ann.code == 0, ann
    ann_id = ann.stdout.strip()
    assert t["deskctl"](t["dba"], "announce", "submit", ann_id, "--short-notice", "storage swap").code == 0
    desktop = t["deskctl"](t["alice"], "ticket", "create", "--title", "Mouse broken", "--group", "desktop").stdout.strip()
    network = t["deskctl"](t["alice"], "ticket", "create", "--title", "Switch down", "--group", "network").stdout.strip()
    lena = t["dsn"](t["lena"])

    # an L1 account may not approve: deskctl says so, and so does the database
    assert t["deskctl"](t["lena"], "announce", "approve", ann_id).code == 3
    assert "lacks the permission approve-announcement:minor" in refused(
        lena, "UPDATE announcements SET doc = jsonb_set(doc, '{status}', '\"approved\"') WHERE id = %s", (ann_id,))
    forged = json.dumps([{"actor": "alice", "decision": "approved", "version": 1}])
    assert "names alice, not the login's account lena" in refused(
        lena, "UPDATE announcements SET doc = jsonb_set(doc, '{approvals}', (doc->'approvals') || %s::jsonb) "
              "WHERE id = %s", (forged, ann_id))
    assert t["deskctl"](t["alice"], "announce", "approve", ann_id).code == 0  # a manager may

    # data scope: lena sees her group's tickets only, in deskctl and in psql
    listed = {r["id"] for r in t["deskctl"](t["lena"], "ticket", "list", "--json").json()}
    assert desktop in listed and network not in listed
    assert [r[0] for r in psql_as(lena, "SELECT id FROM tickets ORDER BY id")] == [desktop]

    # no change without its history event, no history rewritten, no event in someone else's name
    assert "without recording it in its history" in refused(
        lena, "UPDATE tickets SET doc = jsonb_set(doc, '{status}', '\"closed\"'), status = 'closed' WHERE id = %s",
        (desktop,))
    assert "append-only" in refused(
        lena, "UPDATE tickets SET doc = jsonb_set(doc, '{history}', (doc->'history') - 0) WHERE id = %s", (desktop,))
    event = json.dumps([{"n": 9, "at": "2026-12-03T10:00:00+00:00", "actor": "alice", "action": "comment",
                         "changes": {}, "note": "forged"}])
    assert "names alice as its actor" in refused(
        lena, "UPDATE tickets SET doc = jsonb_set(doc, '{history}', (doc->'history') || %s::jsonb) WHERE id = %s",
        (event, desktop))
    closing = json.dumps([{"n": 9, "at": "2026-12-03T10:00:00+00:00", "actor": "lena", "action": "close",
                           "changes": {"confirmed": [None, True]}, "note": "closed as confirmed"}])
    assert "lacks the permission close-confirmed" in refused(
        lena, "UPDATE tickets SET doc = jsonb_set(doc, '{history}', (doc->'history') || %s::jsonb) WHERE id = %s",
        (closing, desktop))

    # the audit trail: no member may rewrite or cut it
    assert "permission denied" in refused(lena, "DELETE FROM audit_log")
    assert "permission denied" in refused(lena, "UPDATE audit_log SET record = record")
    assert "only moves to the record appended" in refused(lena, "UPDATE audit_head SET seq = 1")
    assert t["deskctl"](t["dba"], "audit", "verify").code == 0


def test_internal_comments_are_readable_in_psql_only_within_the_read_internal_scope(team_desk):
    t = team_desk
    config = t["desk"] / "config" / "deskctl.yaml"
    # every ticket visible to L1, internal comments only of its own group's
    l1 = ["read", "read-internal@group", "comment", "create", "assign", "start", "resolve", "close"]
    text = config.read_text()
    config.write_text(text[:text.index("\npermissions: ")] + "\npermissions: " + json.dumps({"l1": l1}) + "\n")
    assert t["deskctl"](t["dba"], "store", "grant").code == 0
    ids = {}
    for group in ("desktop", "network"):
        ids[group] = t["deskctl"](t["alice"], "ticket", "create", "--title", f"{group} issue", "--group", group).stdout.strip()
        assert t["deskctl"](t["alice"], "ticket", "comment", ids[group], "--internal", "--text", f"SECRET-{group}").code == 0
    lena = t["dsn"](t["lena"])
    assert [r[0] for r in psql_as(lena, "SELECT id FROM tickets ORDER BY id")] == sorted(ids.values())
    docs = dict(psql_as(lena, "SELECT id, doc::text FROM tickets"))
    assert not any("SECRET" in doc for doc in docs.values())  # the documents hold no internal text
    readable = psql_as(lena, "SELECT ticket_id, note FROM ticket_internal ORDER BY ticket_id")
    assert readable == [(ids["desktop"], "SECRET-desktop")]
    # deskctl as lena: the same; as alice (a manager): everything; and lena's work goes on
    assert "SECRET-network" not in t["deskctl"](t["lena"], "ticket", "show", ids["network"]).stdout
    assert "SECRET-desktop" in t["deskctl"](t["lena"], "ticket", "show", ids["desktop"]).stdout
    assert t["deskctl"](t["lena"], "ticket", "comment", ids["network"], "--text", "seen it").code == 0
    shown = t["deskctl"](t["alice"], "ticket", "show", ids["network"], "--json").json()
    notes = [e["note"] for e in shown["history"] if e["action"] == "comment"]
    assert notes == ["SECRET-network", "seen it"]
    assert "permission denied" in refused(lena, "UPDATE ticket_internal SET note = 'changed'")


def test_a_members_kpi_report_counts_what_it_may_read_and_only_what_its_own_run_judged(team_desk, pg_cluster):
    """`report kpi` as a login: the facts of the tickets in its read scope, the open ones judged
    into ticket_facts_judged for its own transaction only (a row committed there from psql is not
    counted) and deleted before it ends."""
    t = team_desk
    made = [t["deskctl"](t["alice"], "ticket", "create", "--title", f"{group} trouble", "--group", group).stdout.strip()
            for group in ("desktop", "desktop", "network")]
    resolved = t["deskctl"](t["alice"], "ticket", "resolve", made[0], "--resolution", "replaced", "--category", "hardware-fault")
    assert resolved.code == 0, resolved
    lena = t["dsn"](t["lena"])
    psql_as(lena, "INSERT INTO ticket_facts_judged SELECT * FROM ticket_facts WHERE key IS NOT NULL")  # committed
    totals = {}
    for who in ("lena", "alice"):
        report = t["deskctl"](t[who], "report", "kpi", "--json")
        assert report.code == 0, report
        totals[who] = report.json()["volume"]["total"]
    assert totals == {"lena": 2, "alice": 3}
    database = t["dsn"](t["dba"])
    assert psql_as(database, "SELECT count(*) FROM ticket_facts_judged") == [(1,)]  # only the forged row
