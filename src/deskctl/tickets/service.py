"""Ticket creation with outage bulletins: create (or dedup), then tie the new ticket to an active
outage announcement for its service, so the operator sees the bulletin to read to the caller."""

from __future__ import annotations

from typing import TYPE_CHECKING

from deskctl.tickets import operations
from deskctl.util import clock

if TYPE_CHECKING:
    from typing import Any


def active_bulletins(desk, service: str | None) -> list[dict]:
    """Active outage announcements for `service` (empty when announcements are not installed)."""
    if not service:
        return []
    try:
        from deskctl.announcements.active import active_outages_for_service
    except ImportError:
        return []
    return list(active_outages_for_service(desk, service, clock.now()))


def create_with_bulletins(desk, *, actor: str, **fields: Any) -> dict:
    """Create (or dedup) a ticket; a new one is linked to the active outages of its service."""
    ticket, created = operations.create_or_touch(desk, actor=actor, **fields)
    result: dict[str, Any] = {"ticket": ticket, "created": created}
    bulletins = active_bulletins(desk, ticket.get("service")) if created else []
    if bulletins:
        result["bulletins"] = bulletins
        for bulletin in bulletins:
            incident = bulletin.get("ticket")
            if incident and incident != ticket["id"]:
                ticket = operations.link(desk, ticket["id"], incident, actor=actor, kind="related")
        result["ticket"] = ticket
    return result
