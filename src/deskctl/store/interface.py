"""The interface every ticket store backend implements (the embedded TinyDB one is
`tinydb_store.TinyTicketStore`). Kept out of `deskctl.store` itself: `typing` costs an import
that commands working on one ticket do not need."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from contextlib import AbstractContextManager


class Transaction(Protocol):
    """One atomic change of the store, made under its lock with fresh data."""

    def next_number(self, prefix: str) -> int: ...
    def get(self, ticket_id: str) -> dict | None: ...
    def put(self, ticket: dict) -> None: ...
    def active_rows(self) -> list[dict]: ...


class TicketStore(Protocol):
    def transaction(self) -> AbstractContextManager[Transaction]: ...
    def get(self, ticket_id: str) -> dict | None: ...
    def rows(self, *, active: bool = True, closed: bool = False, archived: bool = False,
             resolved: bool | None = None) -> list[dict]: ...
    def load(self, ids: list[str]) -> list[dict]: ...
