"""Ticket storage: a small interface (`interface.TicketStore`) and the embedded TinyDB backend.

Commands talk to the interface only, so another backend can be added later (a plugin could
register one) without touching them.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from deskctl.desk import Desk
    from deskctl.store.interface import TicketStore


def open_store(desk: Desk, actor: str | None = None) -> TicketStore:
    """The desk's ticket store (the TinyDB backend, the embedded default)."""
    from deskctl.store.tinydb_store import TinyTicketStore

    return TinyTicketStore(desk, actor=actor)
