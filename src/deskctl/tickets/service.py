"""Tickets and outages: a ticket created (or moved) onto a service with an active outage is tied
to the outage announcement, so the operator sees the bulletin to read to the caller; resolving
the master incident of an outage can resolve the callers' tickets linked to it."""

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


def update_with_bulletins(desk, ticket_id: str, *, actor: str, fields: dict, note: str = "") -> dict:
    """Update a ticket; one moved onto a service with an active outage is linked to it, and
    the bulletins are returned for the operator, as at creation."""
    ticket = operations.update(desk, ticket_id, actor=actor, fields=fields, note=note)
    result: dict[str, Any] = {"ticket": ticket}
    bulletins = active_bulletins(desk, fields.get("service")) if fields.get("service") else []
    if bulletins:
        result["bulletins"] = bulletins
        linked = {link.get("id") for link in ticket.get("links") or []}
        for bulletin in bulletins:
            incident = bulletin.get("ticket")
            if incident and incident != ticket["id"] and incident not in linked:
                ticket = operations.link(desk, ticket["id"], incident, actor=actor, kind="related")
        result["ticket"] = ticket
    return result


# links on the master incident naming the callers' tickets: they are its duplicates or children
CALLER_LINKS = ("duplicated-by", "parent")


def linked_open(desk, ticket: dict) -> list[str]:
    """The callers' tickets linked to `ticket` (duplicates of it, its children) still open."""
    from deskctl.tickets.model import OPEN

    found = []
    for link in ticket.get("links") or []:
        if link.get("kind") in CALLER_LINKS:
            try:
                other = operations.get_ticket(desk, str(link["id"]))
            except Exception:  # noqa: BLE001 - a link to a ticket since archived away: nothing to resolve
                continue
            if other["status"] in OPEN:
                found.append(other["id"])
    return found


def resolve_with_linked(desk, ticket_id: str, *, actor: str, resolution: str, **options: Any) -> dict:
    """Resolve the master incident, then every open caller ticket linked to it with the same
    resolution (and its category where theirs is unset). Each requester is told once, however
    many of the tickets are theirs."""
    master = operations.resolve(desk, ticket_id, actor=actor, resolution=resolution, **options)
    told = {str((master.get("requester") or {}).get("email") or "").lower()} - {""}
    resolved = []
    for other_id in linked_open(desk, master):
        other = operations.get_ticket(desk, other_id)
        email = str((other.get("requester") or {}).get("email") or "").lower()
        operations.resolve(desk, other_id, actor=actor, resolution=resolution,
                           category=None if other.get("category") else master.get("category"),
                           note=f"resolved with {master['id']}", notify=not email or email not in told)
        told.add(email)
        resolved.append(other_id)
    return {"ticket": operations.get_ticket(desk, master["id"]), "resolved_linked": resolved}
