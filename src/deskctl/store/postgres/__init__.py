"""The `postgresql` backend: a team's desk in one PostgreSQL database, shared by every
engineer's desk folder, the cron server and CI runners (`store: {backend: postgresql, dsn: ...}`
or `DESKCTL_STORE_DSN`). The schema is created and upgraded by `deskctl store migrate`.

The driver is psycopg2, chosen by measurement (bench/pgdriver): each command is a new
process, and importing psycopg 3 costs three to four times what the whole psycopg2 round
trip does; it is imported only when a command first touches the store.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from functools import cached_property

from deskctl.store.postgres.connection import (
    Database,
    psycopg2_module,
    resolve_dsn,
    shared_database,
)


class PostgresBackend:
    name = "postgresql"

    def __init__(self, desk, settings: dict | None = None, actor: str | None = None, *, dsn: str | None = None):
        """`dsn`: this database, not the desk's (`store copy --to`)."""
        self.desk = desk
        self.settings = settings or {}
        self.actor = actor
        self.dsn, self.dsn_source = (dsn, "--to") if dsn else resolve_dsn(desk, self.settings)
        env_timeout = os.environ.get("DESKCTL_LOCK_TIMEOUT")
        self.lock_timeout = float(env_timeout or desk.setting("lock_timeout", default=10))
        self.db = self.new_database()
        self.store_locked = False  # this process holds the whole-store lock (backup, restore, copy)

    def new_database(self, purpose: str = "data") -> Database:
        timeout = self.settings.get("statement_timeout")
        return shared_database(self.dsn, lock_timeout=self.lock_timeout,
                               statement_timeout=float(timeout) if timeout else None, purpose=purpose)

    @staticmethod
    def driver():
        return psycopg2_module()

    def ready(self, writing: bool = False) -> None:
        """The schema is there and not newer than this deskctl writes (checked once)."""
        checked = self.db.schema_checked
        if checked is True or (checked is False and not writing):
            return
        from deskctl.store.postgres.schema import require_current

        require_current(self.db, writing=writing)
        self.db.schema_checked = writing

    @contextmanager
    def write_transaction(self, waiting_for: str, then: str = "", params: dict | None = None):
        """A change: BEGIN, the store lock shared (a backup or copy holding the whole store makes
        changes wait), `then` (with `params`; its last result is the cursor's), and the schema
        check on the first change, all in one round trip."""
        from deskctl.store.postgres.schema import SCHEMA_QUERY, check_schema

        first = [] if self.store_locked else ["SELECT pg_advisory_xact_lock_shared(hashtext('deskctl store'), hashtext('all'))"]
        if then:
            self.ready(writing=True)  # the cursor's result is `then`'s: the schema is checked apart
            first.append(then)
        checking = self.db.schema_checked is not True
        if checking:
            first.append(SCHEMA_QUERY)
        with self.db.transaction(waiting_for, first="; ".join(first), params=params) as cur:
            if checking:
                check_schema(self.db, cur.fetchone(), writing=True)
                self.db.schema_checked = True
            yield cur

    @cached_property
    def tickets(self):
        from deskctl.store.postgres.tickets import PgTicketStore

        return PgTicketStore(self)

    @cached_property
    def announcements(self):
        from deskctl.store.postgres.records import PgAnnouncements

        return PgAnnouncements(self)

    @cached_property
    def runs(self):
        from deskctl.store.postgres.records import PgRunRecords

        return PgRunRecords(self)

    @cached_property
    def attachments(self):
        from deskctl.store.postgres.records import PgAttachments

        return PgAttachments(self)

    @cached_property
    def notifications(self):
        from deskctl.store.postgres.records import PgNotificationLog

        return PgNotificationLog(self)

    @cached_property
    def audit(self):
        from deskctl.store.postgres.records import PgAuditLog

        return PgAuditLog(self)

    @cached_property
    def cmdb(self):
        from deskctl.store.postgres.cmdb import PgCmdb

        return PgCmdb(self)

    @cached_property
    def locks(self):
        from deskctl.store.postgres.records import PgLocks

        return PgLocks(self)

    def check(self, summarise, repair: bool = False) -> dict:
        from deskctl.store.postgres.maintenance import check

        return check(self, summarise, repair=repair)

    def archive(self, older_than: str, dry_run: bool = False) -> list[str]:
        from deskctl.store.postgres.maintenance import archive

        return archive(self, older_than, dry_run=dry_run)

    # the `report kpi --by` dimensions kpi_report adds up in SQL; not `assignee`: the facts keep the
    # groups that held a ticket, not the people (`reports.handled.breakdown` reads the summary rows)
    kpi_breakdowns = ("group", "channel", "category", "type")

    def kpi_report(self, **options) -> dict:
        """`report kpi` added up in SQL (see `deskctl.store.postgres.kpi`)."""
        from deskctl.store.postgres.kpi import kpi_report

        return kpi_report(self, **options)

    def bulk_insert(self, make, summarise) -> dict:
        from deskctl.store.postgres.bulk import bulk_insert

        return bulk_insert(self, make, summarise)

    def is_empty(self) -> bool:
        from deskctl.store.postgres.connection import query_one

        self.ready()
        found = query_one(self.db, "SELECT EXISTS (SELECT 1 FROM tickets) OR EXISTS (SELECT 1 FROM announcements) "
                          "OR EXISTS (SELECT 1 FROM runs) OR EXISTS (SELECT 1 FROM notifications) "
                          "OR EXISTS (SELECT 1 FROM attachments) OR EXISTS (SELECT 1 FROM cmdb_items)")
        return not found[0]

    def database_login(self) -> str:
        """Who this connection is (`current_user`): the identity on a team desk."""
        from deskctl.store.postgres.connection import query_one

        return str(query_one(self.db, "SELECT current_user")[0])

    def grant(self) -> dict:
        from deskctl.store.postgres.grants import grant

        return grant(self)

    def migrate(self, version: str, dry_run: bool = False) -> dict:
        from deskctl.store.postgres.migrations import migrate

        return migrate(self.db, version, dry_run=dry_run)


def open_postgres_backend(desk, settings, actor) -> PostgresBackend:
    return PostgresBackend(desk, settings, actor)
