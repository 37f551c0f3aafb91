"""Ticket storage: a small interface (`TicketStore`) and the embedded TinyDB backend.

Commands talk to the interface only, so another backend can be added later (a plugin could
register one) without touching them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from deskctl.desk import Desk


class Transaction(Protocol):
    """One atomic change of the store, made under its lock with fresh data."""

    def next_number(self, prefix: str) -> int: ...
    def get(self, ticket_id: str) -> dict | None: ...
    def put(self, ticket: dict) -> None: ...
    def active_rows(self) -> list[dict]: ...


class TicketStore(Protocol):
    def transaction(self) -> AbstractContextManager[Transaction]: ...
    def get(self, ticket_id: str) -> dict | None: ...
    def rows(self, *, active: bool = True, closed: bool = False, archived: bool = False) -> list[dict]: ...
    def load(self, ids: list[str]) -> list[dict]: ...


def open_store(desk: Desk, actor: str | None = None) -> TicketStore:
    """The desk's ticket store (the TinyDB backend, the embedded default)."""
    from deskctl.store.tinydb_store import TinyTicketStore

    return TinyTicketStore(desk, actor=actor)
