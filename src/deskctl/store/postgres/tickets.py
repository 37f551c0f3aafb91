"""Tickets in PostgreSQL: one row per ticket holding the document (with its append-only
history) and the summary row the queues read, plus the columns queries filter and sort on.

Queries run in SQL (`select`), numbers come from one sequence per id prefix, and a change
locks the rows it reads (`SELECT ... FOR UPDATE`), so two engineers updating one ticket at
once serialise and neither loses an event.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any

from deskctl.tickets.ids import parse_id
from deskctl.util import jsoncodec

if TYPE_CHECKING:  # the seam's dataclass: not made by a command that only writes
    from deskctl.store.interface import RowQuery

COLUMNS = ("id", "prefix", "number", "status", "archived", "type", "priority", "category", "service", "grp",
           "assignee", "dedup_key", "requester_text", "tags", "created_at", "updated_at", "closed_at",
           "search_text", "summary", "doc")
JSON_COLUMNS = {"tags", "summary", "doc"}
# the KPI facts kept beside each ticket (schema 8, `deskctl.reports.facts`)
FACT_COLUMNS = ("id", "key", "created", "resolved", "closed", "status", "done", "type", "category", "priority",
                "channel", "grp", "reopens", "escalated", "first_response", "kb", "handling", "fcr", "response",
                "resolution", "surveyed", "survey", "score", "requester", "bucket", "consent", "has_handling",
                "held_by", "held_from", "held_to", "held_flags")
FACT_JSON = {"survey", "consent"}
EQUALS_COLUMNS = {"type": "type", "priority": "priority", "category": "category", "service": "service",
                  "group": "grp", "status": "status"}
CHUNK = 500
MANY = 200  # rows worth orjson's import (a queue of thousands parses several times faster)


def to_json(value: Any) -> str:
    return jsoncodec.dumps(value).decode("utf-8")


def sequence_name(prefix: str) -> str:
    # prefixes are 1-10 ASCII letters (config schema, parse_id): safe in an identifier
    return f"ticket_number_{prefix.lower()}"


def search_text(ticket: dict) -> str:
    """What `--search` looks in, folded as Python folds the words searched for."""
    requester = ticket.get("requester") or {}
    return " ".join([
        ticket.get("title") or "", ticket.get("description") or "", requester.get("name") or "",
        requester.get("email") or "", " ".join(ticket.get("tags") or []),
    ]).casefold()


def seal(ticket: dict) -> tuple[dict, list[tuple[int, str]]]:
    """The document as stored, and its internal comments' texts (event n, text) kept apart in
    `ticket_internal`, whose rows a login sees only within its `read-internal` scope (schema
    5-6: the database enforces it too). An event already sealed (its text unreadable to this
    login) stays as it is."""
    history = ticket.get("history") or []
    if not any(e.get("internal") and not e.get("sealed") for e in history):
        return ticket, []
    notes, stored = [], []
    for event in history:
        if event.get("internal") and not event.get("sealed"):
            notes.append((int(event["n"]), str(event.get("note") or "")))
            event = {**event, "note": "", "sealed": True}
        stored.append(event)
    return {**ticket, "history": stored}, notes


def unseal(doc: dict, notes: dict[int, str]) -> dict:
    """The document with the internal comments' texts this login may read put back."""
    history = doc.get("history") or []
    if not notes or not any(e.get("sealed") for e in history):
        return doc
    restored = []
    for event in history:
        n = event.get("n")
        if event.get("sealed") and n in notes:
            event = {k: v for k, v in event.items() if k != "sealed"}
            event["note"] = notes[n]
        restored.append(event)
    return {**doc, "history": restored}


def column_values(ticket: dict, row: dict, prefixes: dict[str, str]) -> dict[str, Any]:
    prefix, number = parse_id(ticket["id"], prefixes)
    ticket, notes = seal(ticket)
    return {
        "_notes": notes,
        "id": ticket["id"], "prefix": prefix, "number": number, "status": ticket["status"],
        "archived": bool(ticket.get("archived")), "type": row.get("type"), "priority": row.get("priority"),
        "category": row.get("category"), "service": row.get("service"), "grp": row.get("group"),
        "assignee": row.get("assignee"), "dedup_key": row.get("dedup_key"),
        "requester_text": f"{row.get('requester', '')} {row.get('requester_name', '')}".casefold(),
        "tags": to_json(list(row.get("tags") or [])), "created_at": row["created_at"],
        "updated_at": row.get("updated_at"), "closed_at": row.get("closed_at"),
        "search_text": search_text(ticket), "summary": to_json(row), "doc": to_json(ticket),
    }


def fact_values(ticket_id: str, facts: dict | None) -> dict[str, Any]:
    """The `ticket_facts` row of a ticket: its kept facts, or only its id (judged when reported)."""
    values: dict[str, Any] = dict.fromkeys(FACT_COLUMNS)
    values["id"] = ticket_id
    if facts is None:
        return values
    for column in FACT_COLUMNS[1:-4]:
        value = facts[column]
        values[column] = to_json(value) if column in FACT_JSON and value is not None else value
    held = facts["held"]
    values.update(held_by=[h[0] for h in held], held_from=[h[1] for h in held], held_to=[h[2] for h in held],
                  held_flags=[h[3] for h in held])
    return values


def judged_facts(store, row: dict) -> dict | None:
    # an open ticket keeps no facts (its clocks run): no policy is loaded for it
    return store.judge(row) if row.get("status") in ("resolved", "closed") else None


NOTE_INSERT = "INSERT INTO ticket_internal (ticket_id, n, note) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING"


def notes_of(db, ids: list[str]) -> dict[str, dict[int, str]]:
    from deskctl.store.postgres.connection import query_all

    found: dict[str, dict[int, str]] = {}
    for tid, n, note in query_all(db, "SELECT ticket_id, n, note FROM ticket_internal WHERE ticket_id = ANY(%s)",
                                  (list(ids),)):
        found.setdefault(tid, {})[n] = note
    return found


UPSERT = (
    f"INSERT INTO tickets ({', '.join(COLUMNS)}) VALUES "
    f"({', '.join('%(' + c + ')s' + ('::jsonb' if c in JSON_COLUMNS else '') for c in COLUMNS)}) "
    f"ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS if c != "id")
)

FACTS_UPSERT = (
    f"INSERT INTO ticket_facts ({', '.join(FACT_COLUMNS)}) VALUES "
    f"({', '.join('%(' + c + ')s' + ('::jsonb' if c in FACT_JSON else '') for c in FACT_COLUMNS)}) "
    f"ON CONFLICT (id) DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in FACT_COLUMNS if c != "id")
)


def write_row(cur, store, ticket: dict, row: dict) -> None:
    """The ticket's row, its internal comments' texts and its KPI facts (one round trip for
    the row and the facts)."""
    values = column_values(ticket, row, store.prefixes)
    statements = [cur.mogrify(UPSERT, values), cur.mogrify(FACTS_UPSERT, fact_values(ticket["id"], judged_facts(store, row)))]
    # internal comments' texts, each written once (an event's text never changes)
    statements += [cur.mogrify(NOTE_INSERT, (ticket["id"], n, note)) for n, note in values["_notes"]]
    cur.execute(b"; ".join(statements))


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _parse(text: str | None) -> Any:
    return jsoncodec.loads(text) if text is not None else None


class PgTx:
    """One transaction of the ticket store (see `PgTicketStore.transaction`)."""

    def __init__(self, store: PgTicketStore, cur):
        self.store = store
        self.cur = cur

    def next_number(self, prefix: str) -> int:
        cur = self.cur
        name = sequence_name(prefix)
        cur.execute("SELECT nextval(to_regclass(%s))", (name,))  # NULL: no sequence yet
        number = cur.fetchone()[0]
        if number is None:  # the first ticket of this prefix
            self.store.create_sequence(cur, prefix)
            cur.execute("SELECT nextval(to_regclass(%s))", (name,))
            number = cur.fetchone()[0]
        return int(number)

    def get(self, ticket_id: str) -> dict | None:
        # the row stays locked until the transaction ends: a concurrent change of this ticket waits
        self.store.db.waiting_for = f"ticket {ticket_id}"
        self.cur.execute("SELECT doc::text, (SELECT json_object_agg(n, note)::text FROM ticket_internal "
                         "WHERE ticket_id = %(id)s) FROM tickets WHERE id = %(id)s FOR UPDATE", {"id": ticket_id})
        found = self.cur.fetchone()
        if not found:
            return None
        notes = {int(n): note for n, note in _parse(found[1]).items()} if found[1] else {}
        return unseal(_parse(found[0]), notes)

    def put(self, ticket: dict, row: dict) -> None:
        write_row(self.cur, self.store, ticket, row)

    def find_by_dedup_key(self, key: str, *, any_status: bool = False) -> dict | None:
        # two creates with one key at once: the second waits here for the first to commit
        self.cur.execute("SELECT pg_advisory_xact_lock(hashtext('deskctl dedup'), hashtext(%s))", (key,))
        self.cur.execute(
            "SELECT summary::text, status, archived FROM tickets WHERE dedup_key = %s "
            "ORDER BY (status <> 'closed' AND status <> 'resolved') DESC, (status = 'resolved') DESC, "
            "created_at DESC LIMIT 1", (key,))
        found = self.cur.fetchone()
        if found is None:
            return None
        summary, status, archived = found
        if status not in ("closed", "resolved") and not archived:
            return _parse(summary)
        return _parse(summary) if any_status else None

    def active_rows(self) -> list[dict]:
        self.cur.execute("SELECT summary::text FROM tickets WHERE status <> 'closed' ORDER BY created_at, id")
        return [_parse(r[0]) for r in self.cur.fetchall()]


class PgTicketStore:
    def __init__(self, backend):
        self.backend = backend
        self.db = backend.db
        self.prefixes: dict[str, str] = dict(backend.desk.setting("tickets", "types", default={}))

    @cached_property
    def judge(self):
        """The KPI facts kept with a finished ticket's row (`deskctl.reports.facts`)."""
        from deskctl.reports.facts import Keeper

        return Keeper(self.backend.desk)

    # -- writing
    @contextmanager
    def transaction(self):
        with self.backend.write_transaction("the ticket store") as cur:  # (the schema checked in it)
            yield PgTx(self, cur)

    @staticmethod
    def create_sequence(cur, prefix: str) -> None:
        # concurrent first tickets of a prefix: one creates it, the others wait and find it
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('deskctl sequence'), hashtext(%s))", (prefix,))
        cur.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequence_name(prefix)} MINVALUE 1")

    # -- reading
    def _rows(self, where: str, params: tuple = (), order: str = "created_at, id COLLATE \"C\"") -> list[dict]:
        from deskctl.store.postgres.connection import query_all

        self.backend.ready()
        found = query_all(self.db, f"SELECT summary::text FROM tickets WHERE {where} ORDER BY {order}", params)
        if len(found) > MANY:
            jsoncodec.use_orjson()
        return [_parse(r[0]) for r in found]

    def get(self, ticket_id: str) -> dict | None:
        from deskctl.store.postgres.connection import query_one

        self.backend.ready()
        found = query_one(self.db, "SELECT doc::text FROM tickets WHERE id = %s", (ticket_id,))
        if not found:
            return None
        return unseal(_parse(found[0]), notes_of(self.db, [ticket_id]).get(ticket_id, {}))

    def rows(self, *, active: bool = True, closed: bool = False, archived: bool = False,
             resolved: bool | None = None) -> list[dict]:
        wanted = []
        if active:
            wanted.append("status NOT IN ('closed', 'resolved')")
        if active if resolved is None else resolved:
            wanted.append("status = 'resolved'")
        if closed:
            wanted.append("(status = 'closed' AND NOT archived)")
        if archived:
            wanted.append("archived")
        if not wanted:
            return []
        return self._rows(" OR ".join(wanted))

    def brief_rows(self, statuses: frozenset[str]) -> list[dict]:
        """id, status, title and created_at of the hot tickets in `statuses` (completion)."""
        from deskctl.store.postgres.connection import query_all

        self.backend.ready()
        found = query_all(self.db, "SELECT id, status, summary->>'title', summary->>'created_at' FROM tickets "
                          "WHERE status = ANY(%s) AND NOT archived", (sorted(statuses),))
        return [{"id": i, "status": s, "title": t, "created_at": c} for i, s, t, c in found]

    def load(self, ids: list[str]) -> list[dict]:
        from deskctl.store.postgres.connection import query_all

        self.backend.ready()
        if len(ids) > MANY:
            jsoncodec.use_orjson()
        found: dict[str, dict] = {}
        for start in range(0, len(ids), CHUNK):
            chunk = list(ids[start:start + CHUNK])
            notes = notes_of(self.db, chunk)
            for tid, doc in query_all(self.db, "SELECT id, doc::text FROM tickets WHERE id = ANY(%s)", (chunk,)):
                found[tid] = unseal(_parse(doc), notes.get(tid, {}))
        return [found[i] for i in ids if i in found]

    def select(self, query: RowQuery) -> list[dict]:
        where, params = ["true"], []
        if query.statuses is not None:
            where.append("status = ANY(%s)")
            params.append(sorted(query.statuses))
        for key, values in query.equals.items():
            if not values:
                continue
            column = EQUALS_COLUMNS.get(key)
            if column is None:  # a field without a column: in the summary row
                where.append("summary->>%s = ANY(%s)")
                params += [key, sorted(values)]
            else:
                where.append(f"{column} = ANY(%s)")
                params.append(sorted(values))
        if query.assignee:
            where.append("coalesce(assignee, '') = %s")
            params.append(query.assignee)
        if query.requester:
            where.append("requester_text LIKE %s")
            params.append(_like(query.requester.casefold()))
        if query.tags:
            where.append("tags @> %s::jsonb")
            params.append(to_json(sorted(query.tags)))
        if query.created_before:
            where.append("created_at <= %s")
            params.append(query.created_before)
        for word in (query.text or "").casefold().split():
            where.append("search_text LIKE %s")
            params.append(_like(word))
        if query.sort == "priority":
            order = ("coalesce(array_position(%s::text[], priority), %s), created_at, id COLLATE \"C\"")
            params_order = [list(query.priority_order), len(query.priority_order) + 1]
        elif query.sort == "updated":
            order, params_order = "updated_at DESC NULLS LAST, id COLLATE \"C\"", []
        else:
            order, params_order = "created_at, id COLLATE \"C\"", []
        sql = " AND ".join(where)
        limit = f" LIMIT {int(query.limit)}" if query.limit else ""
        return self._rows(sql, tuple(params + params_order), order + limit)
