"""Which action may happen in which status, and how a change becomes a history event.

History is append-only: every change (by a person, a rule, a cron job or a runbook run) is
an event with when, who, what, the changed fields old -> new, and a note.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from deskctl.errors import BadInput

if TYPE_CHECKING:
    from typing import Any

ANY = frozenset({"new", "assigned", "in_progress", "pending", "escalated", "resolved", "closed"})
WORKING = frozenset({"new", "assigned", "in_progress", "pending", "escalated"})

# action -> statuses it may start from
ALLOWED: dict[str, frozenset[str]] = {
    "update": ANY - {"closed"},
    "assign": WORKING,
    "start": frozenset({"new", "assigned", "pending", "escalated"}),
    "pend": frozenset({"new", "assigned", "in_progress", "escalated"}),
    "escalate": WORKING,
    "comment": ANY,
    "resolve": WORKING,
    "close": frozenset({"resolved"}),
    "reopen": frozenset({"resolved", "closed"}),
    "link": ANY,
    "attach": ANY,
    "event": ANY,
    "survey": frozenset({"resolved", "closed"}),
}


def allowed_actions(status: str) -> list[str]:
    hidden = {"event", "update", "link", "attach", "comment", "survey"}
    return [a for a, states in ALLOWED.items() if status in states and a not in hidden]


def check_transition(ticket: dict, action: str) -> None:
    status = ticket["status"]
    if status not in ALLOWED[action]:
        options = ", ".join(allowed_actions(status)) or "nothing (it is final)"
        raise BadInput(
            f"cannot {action} {ticket['id']}: it is {status}",
            f"from {status} you can: {options}",
        )


def apply_changes(ticket: dict, updates: dict[str, Any]) -> dict[str, list]:
    """Set fields on the ticket; return only what really changed, as field -> [old, new]."""
    changes: dict[str, list] = {}
    for key, new in updates.items():
        old = ticket.get(key)
        if old != new:
            changes[key] = [old, new]
            ticket[key] = new
    return changes


def check_now(ticket: dict, at: str) -> None:
    """A fixed "now" (DESKCTL_NOW) before the ticket's last event would write a history that
    goes back in time, and SLA clocks would count negative spans: refuse it (exit 2)."""
    import os

    history = ticket.get("history") or []
    if not history or not os.environ.get("DESKCTL_NOW"):
        return
    from datetime import datetime

    last = history[-1].get("at")
    try:
        earlier = datetime.fromisoformat(at) < datetime.fromisoformat(str(last))
    except (TypeError, ValueError):
        return
    if earlier:
        raise BadInput(f"DESKCTL_NOW ({at}) is earlier than the last event of {ticket.get('id')} ({last})",
                       "unset DESKCTL_NOW or give a later time")


def record(ticket: dict, *, at: str, actor: str, action: str, changes: dict | None = None,
           note: str = "", data: dict | None = None, internal: bool = False) -> dict:
    """Append one event to the ticket's history and bump `updated_at`."""
    event: dict[str, Any] = {
        "n": len(ticket["history"]) + 1,
        "at": at,
        "actor": actor,
        "action": action,
        "changes": changes or {},
        "note": note or "",
    }
    if data:
        event["data"] = data
    if internal:
        event["internal"] = True
    from deskctl.access.identity import ON_BEHALF

    on_behalf = ON_BEHALF.get()
    if on_behalf:  # an account with act-as acting for someone: both are kept
        event["on_behalf_of"] = on_behalf
    ticket["history"].append(event)
    ticket["updated_at"] = at
    from deskctl.audit import trail

    trail.touched("ticket", ticket.get("id"))
    return event
