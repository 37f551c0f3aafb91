"""The storage seam: what every store backend provides (the embedded one is `files.FilesBackend`).

A backend is one object (`StoreBackend`) holding a store per kind of record, plus the
operations on all of them (check, archive, bulk load). Domain code reaches records only
through these interfaces, so a backend registered by a plugin (`register_store_backends`)
slots in without touching commands or domain code. Backup and restore are written once,
against this interface, in `deskctl.store.portable`.

Errors stay backend-neutral: `deskctl.errors.BadInput` for damaged data (exit 2),
`deskctl.util.locking.LockBusy` for a held lock (exit 4, naming the holder),
`deskctl.errors.Failed` for a store that cannot be reached (exit 1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from types import MappingProxyType
from typing import Any, NamedTuple, Protocol


class RowQuery(NamedTuple):
    """Which summary rows `TicketStore.select` returns: filters, text search, sort and limit,
    all of which a backend may run itself (SQL) instead of returning every row. (A named
    tuple, not a dataclass: made by every `ticket list`, and a dataclass costs more to make.)"""

    statuses: frozenset[str] | None = None  # None: any status, archived tickets included
    equals: Mapping[str, frozenset[str]] = MappingProxyType({})  # field -> allowed values
    assignee: str | None = None
    requester: str | None = None  # a case-insensitive part of the requester's e-mail or name
    tags: frozenset[str] = frozenset()  # every one of them
    created_before: str | None = None  # ISO 8601
    text: str | None = None  # every word in title, description, requester or tags (case-insensitive)
    sort: str = "age"  # age (oldest first), priority (then age), updated (newest first)
    priority_order: tuple[str, ...] = ()  # for sort=priority, most urgent first
    limit: int | None = None


class Transaction(Protocol):
    """One atomic change of the ticket store, made under its lock with fresh data."""

    def next_number(self, prefix: str) -> int: ...
    def get(self, ticket_id: str) -> dict | None: ...
    def put(self, ticket: dict, row: dict) -> None:
        """Store the ticket with its summary `row`, the fields queues filter and sort on
        (computed by the domain: `tickets.model.summary_row`)."""
    def find_by_dedup_key(self, key: str, *, any_status: bool = False) -> dict | None:
        """The summary row of the open ticket with this dedup key; with `any_status`, else
        the newest finished one."""
    def active_rows(self) -> list[dict]: ...


class TicketStore(Protocol):
    """Tickets with their history (the `history` list of a ticket is only ever appended to)."""

    def transaction(self) -> AbstractContextManager[Transaction]: ...
    def get(self, ticket_id: str) -> dict | None: ...
    def rows(self, *, active: bool = True, closed: bool = False, archived: bool = False,
             resolved: bool | None = None) -> list[dict]: ...
    def load(self, ids: list[str]) -> list[dict]: ...
    def select(self, query: RowQuery) -> list[dict]:
        """Summary rows matching `query`, sorted and limited (`deskctl.store.rowfilter` does
        it in Python for a backend that cannot do better)."""


class AnnouncementRecords(Protocol):
    """Announcements with their versions, approvals, timeline and delivery ledger (one record each)."""

    def ids(self) -> list[str]: ...
    def get(self, ann_id: str) -> dict[str, Any]: ...
    def all(self) -> list[dict[str, Any]]: ...
    def create(self, build: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
        """Allocate the next id and store `build(id)`, atomically."""
    def update(self, ann_id: str, change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
        """Apply `change` to a fresh copy under the lock; an exception from it changes nothing."""
    def lock(self, name: str, what: str) -> AbstractContextManager[Any]:
        """A named lock (publishing one announcement); busy -> LockBusy."""
    def put(self, record: dict[str, Any]) -> None:
        """Store a record as it is (restore and copy)."""
    def published(self) -> list[dict[str, Any]]:
        """The published ones (asked on every `ticket create`: keep it cheap); a record that
        cannot be read is left out here, `all` and `store check` report it."""


class RunRecords(Protocol):
    """SOP run records, already redacted by the caller."""

    def put(self, record: dict[str, Any]) -> None: ...
    def get(self, run_id: str) -> dict[str, Any] | None: ...
    def recent(self) -> Iterator[dict[str, Any]]:
        """Every record, newest first (ids start with their time)."""


class Attachments(Protocol):
    """Files attached to tickets, content-addressed by sha256."""

    def put(self, ticket_id: str, name: str, source: Any) -> dict[str, Any]:
        """Store the file at path `source`; returns {name, sha256, size, path}."""
    def read(self, info: dict[str, Any]) -> bytes: ...
    def list(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(ticket id, {name, sha256, size, path}) for every stored file."""
    def put_bytes(self, ticket_id: str, name: str, data: bytes) -> dict[str, Any]: ...


class NotificationLog(Protocol):
    """Operational notifications (SLA breaches, reminders) as they were sent."""

    def append(self, entry: dict[str, Any]) -> str:
        """Add one entry; returns where it went (shown to people)."""
    def entries(self) -> Iterator[dict[str, Any]]: ...


class AuditLog(Protocol):
    """The audit trail (`deskctl.audit.chain`): append-only, hash-chained, its head apart."""

    head_where: str  # where the head is kept, for messages

    def append(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Seal `fields` after the current head and store it; returns the sealed record."""
    def head(self) -> dict[str, Any] | None: ...
    def entries(self) -> Iterator[Any]:
        """Every stored record in order, as `chain.Entry` (parsed or None, and where)."""


class CmdbRecords(Protocol):
    """Configuration items (`deskctl.cmdb`), each with its append-only history.

    An item is a dict with at least `name` (unique), `type`, `status`; a history entry a dict
    (at, actor, on_behalf_of, change, changes {field: [old, new]}, why, ...) to which the store
    adds `seq` (1, 2, ... per item). Names are checked by the domain; a store refuses one it
    cannot keep (BadInput)."""

    def names(self) -> list[str]: ...
    def get(self, name: str) -> dict[str, Any] | None: ...
    def all(self) -> list[dict[str, Any]]:
        """Every item, by name."""
    def add(self, item: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
        """Store a new item with its first history entry, atomically; BadInput when the name
        is taken. Returns the entry as stored."""
    def update(self, name: str,
               change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> dict[str, Any] | None:
        """Apply `change` to a fresh copy of the item under its lock; it returns the history
        entry to append (None: nothing changed, nothing is written). The item and its entry
        are written together or not at all; an exception from `change` changes nothing.
        NotFound for an unknown name. Returns the entry as stored (or None)."""
    def history(self, name: str) -> list[dict[str, Any]]:
        """The item's entries, oldest first ([] for an unknown name)."""
    def put(self, item: dict[str, Any], history: list[dict[str, Any]]) -> None:
        """Store an item with its whole history as they are (restore and copy only)."""


class Locks(Protocol):
    def host(self, key: str, *, timeout: float, what: str, actor: str | None,
             details: dict[str, Any]) -> AbstractContextManager[Any]:
        """Exclusive use of one target host by one SOP run; busy -> LockBusy naming the holder."""
    def store(self, what: str) -> AbstractContextManager[Any]:
        """The whole store at once (backup, restore): no other change while it is held."""


class StoreBackend(Protocol):
    name: str
    tickets: TicketStore
    announcements: AnnouncementRecords
    runs: RunRecords
    attachments: Attachments
    notifications: NotificationLog
    audit: AuditLog
    cmdb: CmdbRecords
    locks: Locks

    def check(self, summarise: Callable[[dict], dict], repair: bool = False) -> dict[str, Any]:
        """{"tickets": N, "files": N, "problems": [...], "repaired": bool}; the summary rows
        are compared with (and with `repair` rebuilt from) `summarise(ticket)`."""
    def archive(self, older_than: str, dry_run: bool = False) -> list[str]: ...
    def bulk_insert(self, make: Callable[[dict[str, int]], Iterable[dict]],
                    summarise: Callable[[dict], dict]) -> dict[str, Any]:
        """Store every ticket `make(next_numbers)` yields (ids increasing per prefix from
        there), with `summarise(ticket)` as its row, in one pass (demo seed, imports, restore)."""
    def is_empty(self) -> bool:
        """No record of any kind yet (a restore target)."""
