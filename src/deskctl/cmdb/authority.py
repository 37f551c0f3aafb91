"""Which change an update belongs to, and whether the actor may make it.

An update names its change (`--change CHG-N`): a change request (`deskctl change`) that is
`approved` or `implementing`; a plain CHG ticket, or a change in any other state, is no
approved change (anyone may open a ticket: it must not stand in for an approval). An update inside an approved change needs
`cmdb-update`; any other (no change named, or one not approved) needs `cmdb-admin` and is
flagged `outside_change` in the item's history. An unmanaged desk lets everyone do both."""

from __future__ import annotations

from dataclasses import dataclass

from deskctl.errors import BadInput, NotFound, NotPermitted

APPROVED = ("approved", "implementing")


@dataclass(frozen=True)
class Who:
    """Who makes an update, and why: kept in every history entry."""

    actor: str
    on_behalf_of: str | None = None
    change: str | None = None  # a change ticket id as given (any case)
    why: str | None = None


@dataclass(frozen=True)
class Authority:
    change: str | None  # the change's normalised id
    outside_change: bool


def change_ticket(desk, backend, given: str) -> tuple[str, dict]:
    from deskctl.tickets.ids import normalise_id

    prefixes = dict(desk.setting("tickets", "types", default={}) or {})
    change_prefix = str(prefixes.get("change", "CHG"))
    try:
        ticket_id = normalise_id(given, prefixes)
    except NotFound:
        raise BadInput(f"--change: {given!r} is no ticket id", f"name a change ticket such as {change_prefix}-12") from None
    if not ticket_id.startswith(f"{change_prefix}-"):
        raise BadInput(f"--change: {ticket_id} is not a change ticket", f"name a {change_prefix}- ticket")
    ticket = backend.tickets.get(ticket_id)
    if ticket is None:
        raise NotFound(f"--change: no ticket {ticket_id}", "see `deskctl ticket list --type change`")
    return ticket_id, ticket


def change_status(ticket: dict) -> str | None:
    change = ticket.get("change")
    return str(change["status"]) if isinstance(change, dict) and change.get("status") else None


def authorise(desk, backend, who: Who) -> Authority:
    """The change the update belongs to and whether it lies outside an approved one; raises
    NotPermitted (exit 3) when the actor lacks the permission it needs."""
    from deskctl.access import permissions

    change_id, why_outside = None, "no approved change is named (--change CHG-N)"
    if who.change:
        change_id, ticket = change_ticket(desk, backend, who.change)
        status = change_status(ticket)
        if status in APPROVED:
            permissions.require(desk, who.actor, "cmdb-update")
            return Authority(change_id, False)
        why_outside = (f"{change_id} is {status}, not approved" if status
                       else f"{change_id} is a ticket, not a change request (`deskctl change create`)")
    try:
        permissions.require(desk, who.actor, "cmdb-admin")
    except NotPermitted as exc:
        raise NotPermitted(f"an update outside an approved change needs cmdb-admin: {why_outside}; {exc.message}",
                           "name an approved change with --change CHG-N, or ask a CMDB admin") from None
    return Authority(change_id, True)
