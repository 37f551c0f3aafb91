"""Announcements, run records, attachments, notifications and locks in PostgreSQL.

Locks are advisory locks: a host lock is held by its session for as long as the SOP runs,
and PostgreSQL releases it when that process dies, however it dies; the holder's details
are kept beside it so a busy lock names who holds it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from deskctl.errors import Busy, NotFound
from deskctl.store.postgres.tickets import to_json
from deskctl.util import jsoncodec

ANN_PREFIX = "ANN-"
POLL = 0.05
STORE_KEY = ("deskctl store", "all")  # the whole store: backup, restore, copy (exclusive) vs. changes (shared)


def _key(kind: str, name: str) -> tuple[str, str]:
    return f"deskctl {kind}", name


class PgAnnouncements:
    def __init__(self, backend):
        self.backend = backend
        self.db = backend.db

    def _parse(self, ann_id: str, text: str | None) -> dict[str, Any]:
        if text is None:
            raise NotFound(f"no announcement {ann_id}", "see `deskctl announce list`")
        return jsoncodec.loads(text)

    def ids(self) -> list[str]:
        from deskctl.store.postgres.connection import query_all

        self.backend.ready()
        return [r[0] for r in query_all(self.db, "SELECT id FROM announcements ORDER BY number")]

    def get(self, ann_id: str) -> dict[str, Any]:
        from deskctl.store.postgres.connection import query_one

        self.backend.ready()
        found = query_one(self.db, "SELECT doc::text FROM announcements WHERE id = %s", (ann_id,))
        return self._parse(ann_id, found[0] if found else None)

    def all(self) -> list[dict[str, Any]]:
        from deskctl.store.postgres.connection import query_all

        self.backend.ready()
        return [jsoncodec.loads(r[0]) for r in query_all(self.db, "SELECT doc::text FROM announcements ORDER BY number")]

    def published(self) -> list[dict[str, Any]]:
        from deskctl.store.postgres.connection import query_all

        self.backend.ready()
        found = query_all(self.db, "SELECT doc::text FROM announcements WHERE status = 'published' ORDER BY number")
        return [r for r in (jsoncodec.loads(t) for (t,) in found) if r.get("versions")]

    def _write(self, cur, record: dict[str, Any]) -> None:
        number = int(str(record["id"])[len(ANN_PREFIX):]) if str(record["id"])[len(ANN_PREFIX):].isdigit() else 0
        cur.execute("INSERT INTO announcements (id, number, status, doc) VALUES (%s, %s, %s, %s::jsonb) "
                    "ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, doc = EXCLUDED.doc",
                    (record["id"], number, record.get("status"), to_json(record)))

    def create(self, build: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
        self.backend.ready(writing=True)
        with self.backend.write_transaction("the announcement store") as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(%s))", _key("ids", "announcements"))
            cur.execute("SELECT coalesce(max(number), 0) + 1 FROM announcements")
            record = build(f"{ANN_PREFIX}{cur.fetchone()[0]:04d}")
            self._write(cur, record)
            return record

    def update(self, ann_id: str, change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
        self.backend.ready(writing=True)
        with self.backend.write_transaction(f"announcement {ann_id}") as cur:
            cur.execute("SELECT doc::text FROM announcements WHERE id = %s FOR UPDATE", (ann_id,))
            found = cur.fetchone()
            record = self._parse(ann_id, found[0] if found else None)
            change(record)
            self._write(cur, record)
            return record

    def put(self, record: dict[str, Any]) -> None:
        self.backend.ready(writing=True)
        with self.backend.write_transaction("the announcement store") as cur:
            self._write(cur, record)

    def lock(self, name: str, what: str):
        return self.backend.locks.named(_key("announcement", name), what=what, timeout=self.backend.lock_timeout,
                                        actor=self.backend.actor, details={})


class PgRunRecords:
    def __init__(self, backend):
        self.backend = backend
        self.db = backend.db

    def put(self, record: dict[str, Any]) -> None:
        self.backend.ready(writing=True)
        with self.backend.write_transaction("the run records") as cur:
            cur.execute("INSERT INTO runs (id, doc) VALUES (%s, %s::jsonb) ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc",
                        (record["id"], to_json(record)))

    def get(self, run_id: str) -> dict[str, Any] | None:
        from deskctl.store.postgres.connection import query_one

        self.backend.ready()
        found = query_one(self.db, "SELECT doc::text FROM runs WHERE id = %s", (run_id,))
        return jsoncodec.loads(found[0]) if found else None

    def recent(self) -> Iterator[dict[str, Any]]:
        from deskctl.store.postgres.connection import query_all

        self.backend.ready()
        last = None
        while True:  # keyset pages: a long history is never held at once
            page = query_all(self.db, "SELECT id, doc::text FROM runs WHERE (%s::text IS NULL OR id < %s) "
                             "ORDER BY id DESC LIMIT 200", (last, last))
            for run_id, doc in page:
                yield jsoncodec.loads(doc)
                last = run_id
            if len(page) < 200:
                return


class PgAttachments:
    """Content-addressed blobs (bytea, one per sha256) and which ticket holds which file; the
    `path` a ticket keeps is the one the file store uses, so a desk copied back finds them."""

    def __init__(self, backend):
        self.backend = backend
        self.db = backend.db

    def put(self, ticket_id: str, name: str, source: Any) -> dict[str, Any]:
        with open(source, "rb") as fh:
            return self.put_bytes(ticket_id, name, fh.read())

    def put_bytes(self, ticket_id: str, name: str, data: bytes) -> dict[str, Any]:
        import hashlib

        psycopg2 = self.backend.driver()
        sha = hashlib.sha256(data).hexdigest()
        path = f"attachments/{ticket_id}/{sha[:12]}-{name}"
        self.backend.ready(writing=True)
        with self.backend.write_transaction("the attachments") as cur:
            cur.execute("INSERT INTO attachment_blobs (sha256, size, data) VALUES (%s, %s, %s) "
                        "ON CONFLICT (sha256) DO NOTHING", (sha, len(data), psycopg2.Binary(data)))
            cur.execute("INSERT INTO attachments (ticket_id, name, sha256, path) VALUES (%s, %s, %s, %s) "
                        "ON CONFLICT (ticket_id, path) DO NOTHING", (ticket_id, name, sha, path))
        return {"name": name, "sha256": sha, "size": len(data), "path": path}

    def read(self, info: dict[str, Any]) -> bytes:
        from deskctl.store.postgres.connection import query_one

        self.backend.ready()
        sha = info.get("sha256")
        if not sha:  # an entry without its hash: found by the path it was stored under
            found = query_one(self.db, "SELECT sha256 FROM attachments WHERE path = %s", (str(info.get("path")),))
            sha = found[0] if found else None
        found = query_one(self.db, "SELECT data FROM attachment_blobs WHERE sha256 = %s", (sha,)) if sha else None
        if found is None:
            raise NotFound(f"attachment {info.get('path')} is missing", "restore it from a backup")
        return bytes(found[0])

    def list(self) -> Iterator[tuple[str, dict[str, Any]]]:
        from deskctl.store.postgres.connection import query_all

        self.backend.ready()
        found = query_all(self.db, "SELECT a.ticket_id, a.name, a.sha256, b.size, a.path FROM attachments a "
                          "JOIN attachment_blobs b USING (sha256) ORDER BY a.ticket_id, a.path")
        for ticket_id, name, sha, size, path in found:
            yield ticket_id, {"name": name, "sha256": sha, "size": size, "path": path}


class PgNotificationLog:
    def __init__(self, backend):
        self.backend = backend
        self.db = backend.db

    def append(self, entry: dict[str, Any]) -> str:
        entry = {"logged_at": datetime.now(UTC).isoformat(timespec="seconds"), **entry}
        self.backend.ready(writing=True)
        with self.backend.write_transaction("the notification log") as cur:
            cur.execute("INSERT INTO notifications (entry) VALUES (%s::jsonb)", (to_json(entry),))
        return f"the notifications table at {self.db.where}"

    def entries(self) -> Iterator[dict[str, Any]]:
        from deskctl.store.postgres.connection import query_all

        self.backend.ready()
        for (text,) in query_all(self.db, "SELECT entry::text FROM notifications ORDER BY seq"):
            yield jsoncodec.loads(text)


class PgLocks:
    """Advisory locks on a connection of their own (a lock outlives any one transaction),
    shared by the SOP run's host threads (the connection serialises their statements)."""

    def __init__(self, backend):
        self.backend = backend
        self._db = None

    @property
    def db(self):
        if self._db is None:
            self._db = self.backend.new_database("locks")
        return self._db

    def _try(self, key: tuple[str, str], *, shared: bool = False) -> bool:
        fn = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
        with self.db.cursor("a lock") as cur:
            if key in self.db.held_locks:
                return False
            cur.execute(f"SELECT {fn}(hashtext(%s), hashtext(%s))", key)
            taken = bool(cur.fetchone()[0])
            if taken:
                self.db.held_locks.add(key)
            return taken

    def _release(self, key: tuple[str, str], *, shared: bool = False) -> None:
        fn = "pg_advisory_unlock_shared" if shared else "pg_advisory_unlock"
        with self.db.cursor("a lock") as cur:
            self.db.held_locks.discard(key)
            cur.execute(f"SELECT {fn}(hashtext(%s), hashtext(%s))", key)

    def _holder(self, name: str) -> dict:
        with self.db.cursor("a lock") as cur:
            cur.execute("SELECT holder::text FROM host_locks WHERE key = %s", (name,))
            found = cur.fetchone()
        return jsoncodec.loads(found[0]) if found else {}

    @contextmanager
    def named(self, key: tuple[str, str], *, what: str, timeout: float, actor: str | None,
              details: dict[str, Any]):
        from deskctl.util.locking import describe_holder

        self.backend.ready()
        name = f"{key[0]}:{key[1]}"
        deadline = time.monotonic() + timeout
        while not self._try(key):
            if time.monotonic() >= deadline:
                raise Busy(f"{what} is locked by {describe_holder(self._holder(name))}",
                           "wait for it to finish, or stop that process if it hung")
            time.sleep(POLL)
        try:
            info = {"pid": os.getpid(), "host": os.uname().nodename, "actor": actor,
                    "since": datetime.now(UTC).isoformat(timespec="seconds"), **details}
            with self.db.cursor("a lock") as cur:
                cur.execute("INSERT INTO host_locks (key, holder) VALUES (%s, %s::jsonb) "
                            "ON CONFLICT (key) DO UPDATE SET holder = EXCLUDED.holder", (name, to_json(info)))
            yield info
        finally:
            self._release(key)

    def host(self, key: str, *, timeout: float, what: str, actor: str | None, details: dict[str, Any]):
        return self.named(_key("host", key), what=what, timeout=timeout, actor=actor, details=details)

    @contextmanager
    def store(self, what: str):
        """Exclusive: every change takes the same lock shared (`PostgresBackend.write_transaction`)."""
        self.backend.ready()
        deadline = time.monotonic() + self.backend.lock_timeout
        while not self._try(STORE_KEY):
            if time.monotonic() >= deadline:
                raise Busy(f"{what}: the store is busy (another backup, restore or copy, or a long change)",
                           "try again when it is done")
            time.sleep(POLL)
        self.backend.store_locked = True
        try:
            yield
        finally:
            self.backend.store_locked = False
            self._release(STORE_KEY)


class PgAuditLog:
    """The audit trail in `audit_log`, its head in `audit_head`: an append locks the head row,
    so appends from every machine form one chain."""

    def __init__(self, backend):
        self.backend = backend
        self.db = backend.db

    def append(self, fields: dict[str, Any]) -> dict[str, Any]:
        from deskctl.audit.chain import canonical_parts

        fields = {k: v for k, v in fields.items() if k not in ("seq", "prev", "hash")}
        before_prev, before_seq, after_seq = canonical_parts(fields)
        append = ("SELECT * FROM deskctl_audit_append(%(before_prev)s, %(before_seq)s, %(after_seq)s, "
                  "%(fields)s::jsonb, %(at)s, %(account)s)")
        with self.backend.write_transaction("the audit trail", then=append, params={
                "before_prev": before_prev, "before_seq": before_seq, "after_seq": after_seq,
                "fields": to_json(fields), "at": fields["at"], "account": fields["account"]}) as cur:
            seq, prev, digest = cur.fetchone()
        return {"seq": seq, **fields, "prev": prev, "hash": digest}

    def head(self) -> dict[str, Any] | None:
        from deskctl.store.postgres.connection import query_one

        self.backend.ready()
        found = query_one(self.db, "SELECT seq, hash FROM audit_head")
        if not found or found[0] == 0:
            return None
        return {"seq": found[0], "hash": found[1]}

    @property
    def head_where(self) -> str:
        return f"audit_head at {self.db.where}"

    def entries(self):
        from deskctl.audit.verify import Entry
        from deskctl.store.postgres.connection import query_all

        self.backend.ready()
        for seq, text in query_all(self.db, "SELECT seq, record::text FROM audit_log ORDER BY seq"):
            yield Entry(jsoncodec.loads(text), f"audit_log seq {seq}")
