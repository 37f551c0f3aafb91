"""The PostgreSQL schema under version control: numbered migrations, each applied in its own
transaction and recorded in `deskctl_schema` with the deskctl version that applied it.

A deskctl older than the database's schema reads but refuses to write, naming the version
the database needs; a database with no schema (or an older one) is brought up to date by
`deskctl store migrate` (`--dry-run` prints the SQL).
"""

from __future__ import annotations

from typing import NamedTuple

from deskctl.store.postgres.access_sql import ACCESS, INTERNAL
from deskctl.store.postgres.schema import SCHEMA_VERSION, too_new


class Migration(NamedTuple):
    version: int
    description: str
    sql: str
    upgraded: str = ""  # what to do next when it upgraded a schema that already held data


# Indexes serve the real queries: the open queue oldest first (by group, assignee,
# priority), dedup-key lookups, the SLA sweep (open tickets), reports by period
# (created_at, closed_at), text search (trigram index on the folded text: `--search` means
# "every word appears", the same on every backend, so no stemming here).
INITIAL = """
CREATE TABLE deskctl_schema (
    version integer PRIMARY KEY,
    description text NOT NULL,
    deskctl text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tickets (
    id text PRIMARY KEY,
    prefix text NOT NULL,
    number bigint NOT NULL,
    status text NOT NULL,
    archived boolean NOT NULL DEFAULT false,
    type text,
    priority text,
    category text,
    service text,
    grp text,
    assignee text,
    dedup_key text,
    requester_text text NOT NULL DEFAULT '',
    tags jsonb NOT NULL DEFAULT '[]',
    created_at timestamptz NOT NULL,
    updated_at timestamptz,
    closed_at timestamptz,
    search_text text NOT NULL DEFAULT '',
    summary jsonb NOT NULL,
    doc jsonb NOT NULL,
    UNIQUE (prefix, number)
);
CREATE INDEX tickets_open_queue ON tickets (created_at, id) WHERE status <> 'closed';
CREATE INDEX tickets_open_by_group ON tickets (grp, created_at) WHERE status <> 'closed';
CREATE INDEX tickets_open_by_assignee ON tickets (assignee, created_at) WHERE status <> 'closed';
CREATE INDEX tickets_open_by_priority ON tickets (priority, created_at) WHERE status <> 'closed';
CREATE INDEX tickets_dedup ON tickets (dedup_key, created_at) WHERE dedup_key IS NOT NULL;
CREATE INDEX tickets_created ON tickets (created_at);
CREATE INDEX tickets_closed ON tickets (closed_at) WHERE status = 'closed';
CREATE INDEX tickets_tags ON tickets USING gin (tags);

CREATE TABLE announcements (
    id text PRIMARY KEY,
    number integer NOT NULL,
    status text,
    doc jsonb NOT NULL
);
CREATE INDEX announcements_published ON announcements (id) WHERE status = 'published';

CREATE TABLE runs (
    id text PRIMARY KEY,
    doc jsonb NOT NULL
);

CREATE TABLE attachment_blobs (
    sha256 text PRIMARY KEY,
    size bigint NOT NULL,
    data bytea NOT NULL
);
CREATE TABLE attachments (
    ticket_id text NOT NULL,
    name text NOT NULL,
    sha256 text NOT NULL REFERENCES attachment_blobs (sha256),
    path text NOT NULL,
    PRIMARY KEY (ticket_id, path)
);

CREATE TABLE notifications (
    seq bigserial PRIMARY KEY,
    entry jsonb NOT NULL
);

CREATE TABLE host_locks (
    key text PRIMARY KEY,
    holder jsonb NOT NULL
);
"""

TRIGRAM = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE INDEX tickets_search ON tickets USING gin (search_text gin_trgm_ops);
    END IF;
END
$$;
"""

# The audit trail: hash-chained records (`deskctl.audit.chain`) and their head, one row kept
# apart; rows are only ever inserted (the head row is updated in the same transaction).
AUDIT = """
CREATE TABLE audit_log (
    seq bigint PRIMARY KEY,
    at timestamptz NOT NULL,
    account text NOT NULL,
    record jsonb NOT NULL
);
CREATE INDEX audit_log_account ON audit_log (account, seq);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE audit_head (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    seq bigint NOT NULL,
    hash text NOT NULL
);
"""

# The CMDB: one row per configuration item, its history rows only ever inserted (an update
# locks the item's row, inserts the entry and rewrites the item in one transaction).
CMDB = """
CREATE TABLE cmdb_items (
    name text PRIMARY KEY,
    type text NOT NULL,
    status text NOT NULL,
    doc jsonb NOT NULL
);
CREATE INDEX cmdb_items_type ON cmdb_items (type, name);

CREATE TABLE cmdb_history (
    name text NOT NULL REFERENCES cmdb_items (name),
    seq integer NOT NULL,
    at timestamptz NOT NULL,
    entry jsonb NOT NULL,
    PRIMARY KEY (name, seq)
);
"""

# `report kpi` adds up what it needs of each ticket here, in SQL (deskctl.reports.facts, written
# with the ticket): `key` names the SLA policy a finished ticket was judged by; NULL (an open
# ticket, a clock still running, a row from before this version) is judged when the report runs.
# Instants are epoch seconds; held_*: one element per group that held the ticket.
FACTS = """
CREATE TABLE ticket_facts (
    id text PRIMARY KEY REFERENCES tickets (id),
    key text,
    created float8, resolved float8, closed float8, status text, done boolean,
    type text, category text, priority text, channel text, grp text, reopens integer,
    escalated boolean, first_response float8, kb boolean, handling float8, fcr boolean,
    response text, resolution text, surveyed boolean, survey jsonb, score integer,
    requester text, bucket integer, consent jsonb, has_handling boolean,
    held_by text[], held_from float8[], held_to float8[], held_flags integer[]
);
INSERT INTO ticket_facts (id) SELECT id FROM tickets;
ALTER TABLE ticket_facts ENABLE ROW LEVEL SECURITY;
CREATE POLICY deskctl_read_scope ON ticket_facts
    USING (deskctl_me() IS NULL OR EXISTS (SELECT 1 FROM tickets t WHERE t.id = ticket_facts.id))
    WITH CHECK (true);
-- a desk whose accounts were granted before this version (`store grant`): they write facts too
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'deskctl_member') THEN
        GRANT SELECT, INSERT, UPDATE ON ticket_facts TO deskctl_member;
    END IF;
END
$$;
"""

# Appending an audit record in one call, in the caller's transaction: the head locked, the
# record numbered and chained after it, its hash (SHA-256 of its canonical JSON, which the
# client sends cut where `prev` and `seq` go: deskctl.audit.chain.canonical_parts) computed
# here, the record stored and the head moved. The same hash `deskctl audit verify` checks.
AUDIT_APPEND = """
CREATE FUNCTION deskctl_audit_append(before_prev text, before_seq text, after_seq text,
                                     fields jsonb, recorded_at timestamptz, by_account text)
RETURNS TABLE (new_seq bigint, prev_hash text, new_hash text) LANGUAGE plpgsql AS $$
DECLARE
    head_seq bigint;
    head_hash text;
BEGIN
    INSERT INTO audit_head (seq, hash) VALUES (0, repeat('0', 64)) ON CONFLICT DO NOTHING;
    SELECT h.seq, h.hash INTO head_seq, head_hash FROM audit_head h FOR UPDATE;
    new_seq := head_seq + 1;
    prev_hash := head_hash;
    new_hash := encode(sha256(convert_to(
        before_prev || to_json(head_hash)::text || before_seq || new_seq::text || after_seq, 'UTF8')), 'hex');
    INSERT INTO audit_log (seq, at, account, record)
        VALUES (new_seq, recorded_at, by_account,
                fields || jsonb_build_object('seq', new_seq, 'prev', head_hash, 'hash', new_hash));
    UPDATE audit_head SET seq = new_seq, hash = new_hash;
    RETURN NEXT;
END
$$;

-- The ticket and announcement guards act on accounts' logins only (deskctl_me() is NULL for
-- any other): for those the trigger is no longer even called, which spares every command's
-- first change compiling it (a millisecond of each command's time, measured).
DROP TRIGGER deskctl_guard_ticket ON tickets;
CREATE TRIGGER deskctl_guard_ticket BEFORE INSERT OR UPDATE ON tickets
    FOR EACH ROW WHEN (deskctl_me() IS NOT NULL) EXECUTE FUNCTION deskctl_guard_ticket();
DROP TRIGGER deskctl_guard_announcement ON announcements;
CREATE TRIGGER deskctl_guard_announcement BEFORE INSERT OR UPDATE ON announcements
    FOR EACH ROW WHEN (deskctl_me() IS NOT NULL) EXECUTE FUNCTION deskctl_guard_announcement();
"""

# `report kpi` judges the open tickets as it runs and adds them up with the kept facts: their
# facts go here, written and deleted in the report's own transaction (never committed, never
# seen by another session; the report reads only the rows its transaction wrote). Unlike a
# temporary table this one can be read by parallel workers: the report's passes over a million
# facts run in parallel (a tenth of the whole report, measured). Unlogged: nothing in it outlives
# a transaction, so nothing of it is worth a WAL record. Same columns as ticket_facts: a
# migration that changes one changes both.
JUDGED = """
CREATE UNLOGGED TABLE ticket_facts_judged (LIKE ticket_facts);
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'deskctl_member') THEN
        GRANT SELECT, INSERT, DELETE ON ticket_facts_judged TO deskctl_member;
    END IF;
END
$$;
"""

MIGRATIONS = (
    Migration(1, "tickets, announcements, runs, attachments, notifications, host locks", INITIAL),
    Migration(2, "trigram index for ticket search (where pg_trgm is available)", TRIGRAM),
    Migration(3, "audit trail (hash-chained records and their head)", AUDIT),
    Migration(4, "CMDB: configuration items and their history", CMDB),
    Migration(5, "accounts and permissions enforced by the database (row-level security, guards)", ACCESS),
    Migration(6, "internal comments' texts apart, readable within the read-internal scope", INTERNAL),
    # the open queue (`status = ANY(open statuses)`): the partial indexes above are not used for
    # it (the planner cannot see that the list excludes 'closed') and a 1M-row table was scanned
    Migration(7, "index on status for the open queue", "CREATE INDEX IF NOT EXISTS tickets_by_status ON tickets (status, created_at);"),
    Migration(8, "KPI facts of finished tickets, for reports in SQL", FACTS,
              "run `deskctl store check --repair` once: until then `report kpi` judges every finished ticket "
              "as it runs (slow on a large desk)"),
    Migration(9, "audit records appended and hashed in one call; guards called for accounts' logins only", AUDIT_APPEND),
    Migration(10, "a table for the facts `report kpi` judges as it runs, readable by parallel workers", JUDGED),
)
MIGRATE_LOCK = 0x6465736B  # advisory lock key: one migrate at a time ("desk")


def current_version(db) -> tuple[int, str | None]:
    """(schema version, deskctl version that applied it); (0, None) for an empty database."""
    from deskctl.store.postgres.connection import query_one

    found = query_one(db, "SELECT to_regclass('deskctl_schema') IS NOT NULL")
    if not found or not found[0]:
        return 0, None
    row = query_one(db, "SELECT version, deskctl FROM deskctl_schema ORDER BY version DESC LIMIT 1")
    return (row[0], row[1]) if row else (0, None)


def pending(db) -> list[Migration]:
    version, _ = current_version(db)
    return [m for m in MIGRATIONS if m.version > version]


def migrate(db, deskctl_version: str, dry_run: bool = False) -> dict:
    """Apply every pending migration, each in its own transaction; returns what was (or, with
    `dry_run`, would be) applied, with the SQL."""
    db.schema_checked = None  # checked again once migrated
    version, applied_by = current_version(db)
    if version > SCHEMA_VERSION:
        raise too_new(db, version, applied_by)
    todo = [m for m in MIGRATIONS if m.version > version]
    if not dry_run:
        for migration in todo:
            with db.transaction("the schema") as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_LOCK,))
                # another migrate may have applied it while this one waited
                cur.execute("SELECT to_regclass('deskctl_schema') IS NOT NULL")
                if cur.fetchone()[0]:
                    cur.execute("SELECT 1 FROM deskctl_schema WHERE version = %s", (migration.version,))
                    if cur.fetchone():
                        continue
                cur.execute(migration.sql)
                cur.execute("INSERT INTO deskctl_schema (version, description, deskctl) VALUES (%s, %s, %s)",
                            (migration.version, migration.description, deskctl_version))
    return {"from": version, "to": SCHEMA_VERSION if todo else version, "dry_run": dry_run,
            "migrations": [{"version": m.version, "description": m.description, "sql": m.sql.strip()}
                           for m in todo],
            "next": [m.upgraded for m in todo if m.upgraded and version > 0]}
