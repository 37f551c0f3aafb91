"""The ticket: its fields (also the `--json` keys), allowed values, and its summary row."""

from __future__ import annotations

from typing import TYPE_CHECKING

from deskctl.errors import BadInput

if TYPE_CHECKING:
    from typing import Any

STATUSES = ("new", "assigned", "in_progress", "pending", "escalated", "resolved", "closed")
OPEN = frozenset({"new", "assigned", "in_progress", "pending", "escalated"})
CLOSED = frozenset({"closed"})
LINK_KINDS = {"duplicate": "duplicated-by", "related": "related", "parent": "child", "child": "parent"}

FIELDS = (
    "id", "type", "title", "description", "category", "priority", "impact", "urgency",
    "status", "channel", "service", "requester", "system", "group", "assignee", "tags",
    "created_at", "updated_at", "resolved_at", "closed_at", "resolution", "dedup_key",
    "links", "history", "seen_count", "fields",
)

# What queues filter, sort and print on: kept in the small index so `ticket list` never
# opens the ticket files themselves (unless it searches descriptions).
SUMMARY_FIELDS = (
    "id", "type", "title", "category", "priority", "status", "channel", "service", "group",
    "assignee", "tags", "created_at", "updated_at", "resolved_at", "closed_at", "dedup_key",
    "seen_count", "pending_reason", "first_response_at", "escalation_level", "reopen_count",
    "kb_articles", "survey", "first_contact", "pending_on", "confirmed", "survey_consent",
)


def summary_row(ticket: dict) -> dict:
    row = {key: ticket.get(key) for key in SUMMARY_FIELDS}
    requester = ticket.get("requester") or {}
    row["requester"] = requester.get("email") or requester.get("name") or ""
    row["requester_name"] = requester.get("name") or ""
    if ticket.get("fields"):  # the form's facts, for `ticket list --field` (rows without stay as they were)
        row["fields"] = dict(ticket["fields"])
    if any(e.get("status") == "pending" for e in ticket.get("outbox") or []):
        row["outbox"] = "pending"  # `mail flush` finds what still waits to be sent
    # pending periods and handling time, derived from the history for SLA clocks and KPIs
    # (imported here: the queue reads rows and never makes one)
    from deskctl.sla.periods import timeline_summary

    row.update(timeline_summary(ticket))
    # who held it when: work per group and per person, `ticket list --handled-by`
    from deskctl.tickets.handling import handling_summary

    row.update(handling_summary(ticket))
    return row


def choices(desk, key: str) -> list[str]:
    value = desk.setting("tickets", key, default=[])
    return list(value.keys()) if isinstance(value, dict) else list(value)


def check_choice(desk, field: str, value: Any, key: str | None = None) -> str:
    """`value` if it is one of the desk's allowed values for `field`, else BadInput listing them."""
    allowed = choices(desk, key or field + "s")
    if value not in allowed:
        raise BadInput(
            f"{field} {value!r} is not valid", f"use one of: {', '.join(allowed)}"
        )
    return value


def impact_levels(desk) -> list[str]:
    return list(desk.setting("tickets", "impact_levels", default=["high", "medium", "low"]))


def derive_priority(desk, impact: str | None, urgency: str | None) -> str | None:
    """The priority the desk's impact x urgency matrix gives, or None without both."""
    if not impact or not urgency:
        return None
    matrix = desk.setting("tickets", "priority_matrix", default={})
    try:
        return matrix[impact][urgency]
    except (KeyError, TypeError):
        levels = ", ".join(impact_levels(desk))
        raise BadInput(
            f"impact {impact!r} x urgency {urgency!r} is not in the priority matrix",
            f"use impact and urgency from: {levels}",
        ) from None


def new_ticket(ticket_id: str, ticket_type: str, now: str) -> dict[str, Any]:
    """An empty ticket with every field present (so JSON consumers see a stable shape)."""
    return {
        "id": ticket_id, "type": ticket_type, "title": "", "description": "",
        "category": None, "priority": None, "impact": None, "urgency": None,
        "status": "new", "channel": None, "service": None,
        "requester": {"name": None, "email": None, "phone": None},
        "system": {}, "group": None, "assignee": None, "tags": [],
        "created_at": now, "updated_at": now, "resolved_at": None, "closed_at": None,
        "resolution": None, "dedup_key": None, "links": [], "history": [], "seen_count": 0,
        "attachments": [], "pending_reason": None, "first_response_at": None,
        "escalation_level": 0, "reopen_count": 0, "confirmed": None, "kb_articles": [],
        "survey": None, "fields": {},
    }
