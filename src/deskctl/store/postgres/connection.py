"""One connection to the desk's PostgreSQL database, and its errors in the desk's terms.

Where the database is: `DESKCTL_STORE_DSN` in the environment, else `store.dsn` in the desk
config (a libpq URI or keywords). A password is never taken from the config: libpq finds it
in `~/.pgpass`, `PGPASSWORD` or a service file, or the server uses peer authentication.

Errors map to the exit codes users rely on: an unreachable server or a dropped connection is
one line naming host and port (exit 1), a lock or statement timeout names what it waited for
(exit 4), missing privileges exit 3, a database without deskctl's schema says to migrate (2).
"""

from __future__ import annotations

import os
import re
import threading
from contextlib import contextmanager
from typing import Any

from deskctl.errors import BadInput, Busy, DeskError, NotPermitted, OperationFailed

DSN_ENV = "DESKCTL_STORE_DSN"
# SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html)
LOCK_NOT_AVAILABLE = "55P03"
QUERY_CANCELED = "57014"
UNDEFINED_TABLE = "42P01"
INSUFFICIENT_PRIVILEGE = "42501"
SERIALIZATION_FAILURE = "40001"
DEADLOCK_DETECTED = "40P01"
NOT_MIGRATED_HINT = "run `deskctl store migrate` to create the schema"


def psycopg2_module():
    """The driver, imported only by commands that touch the store (`--help` never does)."""
    try:
        import psycopg2
    except ImportError:
        raise BadInput("the postgresql store backend needs the psycopg2 driver",
                       "pip install 'deskctl[postgresql]'") from None
    return psycopg2


def _has_password(dsn: str) -> bool:
    if re.match(r"^postgres(ql)?://", dsn):
        from urllib.parse import parse_qs, urlsplit

        parts = urlsplit(dsn)
        return bool(parts.password) or "password" in parse_qs(parts.query)
    return re.search(r"(^|\s)password\s*=", dsn) is not None


def resolve_dsn(desk, settings: dict) -> tuple[str, str]:
    """(dsn, where it came from). The environment wins over the config."""
    env = os.environ.get(DSN_ENV)
    if env:
        return env, DSN_ENV
    dsn = settings.get("dsn")
    where = f"{desk.rel(desk.config_file)}: store.dsn"
    if not isinstance(dsn, str) or not dsn.strip():
        raise BadInput(f"{desk.rel(desk.config_file)}: store.backend is postgresql but no store.dsn is set",
                       f"add `dsn: postgresql://USER@HOST:PORT/DB` under store:, or set {DSN_ENV}")
    if _has_password(dsn):
        raise BadInput(f"{where} holds a password; a password is never written into the desk config",
                       "remove it and use ~/.pgpass, PGPASSWORD, a service file or peer authentication")
    return dsn, where


def describe_server(dsn: str) -> str:
    """host:port/dbname as libpq will read the DSN (environment defaults included)."""
    try:
        from psycopg2.extensions import parse_dsn

        parts = parse_dsn(dsn)
    except Exception:  # an unparsable DSN is reported by connect itself
        parts = {}
    host = parts.get("host") or os.environ.get("PGHOST") or "localhost (unix socket)"
    port = parts.get("port") or os.environ.get("PGPORT") or "5432"
    dbname = parts.get("dbname") or os.environ.get("PGDATABASE") or parts.get("user") or ""
    return f"{host}:{port}" + (f"/{dbname}" if dbname else "")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class Database:
    """A lazily opened connection in autocommit mode: a read is one statement, a change is an
    explicit transaction (`transaction()`), so no session sits idle inside a transaction."""

    def __init__(self, dsn: str, *, lock_timeout: float, statement_timeout: float | None = None,
                 application: str = "deskctl"):
        self.dsn = dsn
        self.server = None  # set on first connect
        self.lock_timeout = lock_timeout
        self.statement_timeout = statement_timeout
        self.application = application
        self._conn = None
        self._depth = 0
        self.waiting_for: str | None = None  # set while a statement waits on a named thing
        # SOP hosts run in threads: one statement or transaction at a time on the connection
        self._mutex = threading.RLock()
        # advisory locks are re-entrant for their session: a second holder in this process
        # (another thread's SOP run on the same host) must wait like another process does
        self.held_locks: set[tuple[str, str]] = set()
        # the schema was checked on this connection: None not yet, else whether for writing
        # (kept here, not per backend: a command opens the store several times)
        self.schema_checked: bool | None = None

    @property
    def where(self) -> str:
        if self.server is None:
            self.server = describe_server(self.dsn)
        return self.server

    def connection(self):
        if self._conn is None or self._conn.closed:
            psycopg2 = psycopg2_module()
            try:
                conn = psycopg2.connect(self.dsn, application_name=self.application,
                                        connect_timeout=int(os.environ.get("PGCONNECT_TIMEOUT") or 10))
            except psycopg2.Error as exc:
                raise self.unreachable(exc) from None
            conn.autocommit = True
            self._conn = conn
        return self._conn

    def close(self) -> None:
        if self._conn is not None and not self._conn.closed:
            self._conn.close()
        self._conn = None

    def unreachable(self, exc: BaseException) -> DeskError:
        return OperationFailed(f"cannot reach the PostgreSQL server at {self.where}: {_first_line(exc)}",
                               "check that the server runs and the DSN is right; nothing was changed")

    def translate(self, exc: BaseException, waiting_for: str) -> DeskError | None:
        """The desk's error for a driver error, or None for one that is a bug of ours."""
        psycopg2 = psycopg2_module()
        code = getattr(exc, "pgcode", None)
        if code == LOCK_NOT_AVAILABLE:
            return Busy(f"{waiting_for} is locked by another session (waited {self.lock_timeout:g} s)",
                        "try again when it is done, or end the session holding it; nothing was changed")
        if code == QUERY_CANCELED:
            return Busy(f"the database did not answer in time while {waiting_for} was read or changed",
                        "try again; raise store.statement_timeout if the desk is large; nothing was changed")
        if code == UNDEFINED_TABLE:
            return BadInput(f"the database at {self.where} holds no deskctl schema", NOT_MIGRATED_HINT)
        if code == INSUFFICIENT_PRIVILEGE:
            return NotPermitted(f"the database refused: {_first_line(exc)}",
                                "ask the desk's database owner for the grants")
        if isinstance(exc, psycopg2.OperationalError | psycopg2.InterfaceError) and code is None:
            self.close()
            return self.unreachable(exc)
        if code is not None and not code.startswith("42"):  # 42xxx: our SQL is wrong, a bug to report
            # the server refused (disk full, a constraint or trigger of the site's own): one line
            return OperationFailed(f"the database at {self.where} refused: {_first_line(exc)}",
                                   "nothing of this change was written")
        return None

    @contextmanager
    def cursor(self, waiting_for: str = "the ticket store"):
        """A cursor whose driver errors leave as the desk's errors."""
        psycopg2 = psycopg2_module()
        try:
            with self._mutex, self.connection().cursor() as cur:
                yield cur
        except psycopg2.Error as exc:
            mapped = self.translate(exc, self.waiting_for or waiting_for)
            if mapped is None:
                raise
            raise mapped from None

    @contextmanager
    def transaction(self, waiting_for: str = "the ticket store", first: str = "", params: dict | None = None):
        """BEGIN ... COMMIT (ROLLBACK on any exception); nested calls share the outer one.
        `first`: SQL sent with the BEGIN (one round trip: each is paid on every command), with
        `params` (named)."""
        with self._mutex:
            yield from self._transaction(waiting_for, first, params or {})

    def _transaction(self, waiting_for: str, first: str, params: dict):
        if self._depth:
            self._depth += 1
            try:
                with self.cursor(waiting_for) as cur:
                    yield cur
            finally:
                self._depth -= 1
            return
        psycopg2 = psycopg2_module()
        conn = self.connection()
        self._depth = 1
        try:
            with self.cursor(waiting_for) as cur:
                begin = "BEGIN; SELECT set_config('lock_timeout', %(lock)s, true)"
                if self.statement_timeout:
                    begin += "; SELECT set_config('statement_timeout', %(statement)s, true)"
                try:
                    cur.execute(begin + (f"; {first}" if first else ""), {
                        **params, "lock": f"{int(self.lock_timeout * 1000)}ms",
                        "statement": f"{int((self.statement_timeout or 0) * 1000)}ms"})
                    yield cur
                except BaseException:
                    if not conn.closed:
                        try:
                            cur.execute("ROLLBACK")
                        except psycopg2.Error:
                            self.close()
                    raise
                cur.execute("COMMIT")
        finally:
            self._depth = 0
            self.waiting_for = None



_SHARED: dict[tuple, Database] = {}


def shared_database(dsn: str, *, lock_timeout: float, statement_timeout: float | None,
                    purpose: str = "data") -> Database:
    """One connection per database, purpose and process, whichever part of a command opens
    the store (a command opens it several times: the ticket, its notifications, the hooks)."""
    key = (os.getpid(), dsn, lock_timeout, statement_timeout, purpose)
    db = _SHARED.get(key)
    if db is None:
        db = _SHARED[key] = Database(dsn, lock_timeout=lock_timeout, statement_timeout=statement_timeout)
    return db


def close_all() -> None:
    """Close every shared connection (tests, and library callers done with their desks)."""
    for db in list(_SHARED.values()):
        db.close()
    _SHARED.clear()


def query_one(db: Database, sql: str, params: Any = None, waiting_for: str = "the ticket store"):
    with db.cursor(waiting_for) as cur:
        cur.execute(sql, params)
        return cur.fetchone()


def query_all(db: Database, sql: str, params: Any = None, waiting_for: str = "the ticket store") -> list:
    with db.cursor(waiting_for) as cur:
        cur.execute(sql, params)
        return cur.fetchall()
