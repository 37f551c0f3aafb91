"""What a ticket's history says about time: when it waited (pending), how long it was worked,
when its priority changed and how, and the facts first-contact resolution is judged on.

Derived once when a ticket is stored and kept in its summary row, so SLA clocks and KPIs over
the whole store read only the small index files, never the ticket histories.
"""

from __future__ import annotations

SWEEP_ACTOR = "sweep"  # the escalation sweep (sla.sweep.ACTOR), not imported: rows are made on the hot path


def timeline_summary(ticket: dict) -> dict:
    """`pending_periods`: [[start, end or None], ...] while the status was `pending` (the SLA
    clock stops); `work_periods`: the same while it was `in_progress` (handling time);
    `priority_changes`: [[at, old, new, actor, automatic], ...] (see `priority_changes`);
    `first_contact_facts`: see `first_contact_facts`."""
    periods: dict[str, list[list]] = {"pending": [], "in_progress": []}
    for event in ticket.get("history") or []:
        status = (event.get("changes") or {}).get("status")
        if not status or not isinstance(status, list) or len(status) != 2:
            continue
        old, new = status
        at = event.get("at")
        if old == new or not at:
            continue
        if old in periods and periods[old] and periods[old][-1][1] is None:
            periods[old][-1][1] = at
        if new in periods:
            periods[new].append([at, None])
    return {"pending_periods": periods["pending"], "work_periods": periods["in_progress"],
            "priority_changes": priority_changes(ticket), "first_contact_facts": first_contact_facts(ticket)}


def _is_automatic(event: dict) -> bool:
    """A change the sweep made on its own (its automatic raise after a breach)."""
    return event.get("actor") == SWEEP_ACTOR or bool((event.get("data") or {}).get("automatic"))


def priority_changes(ticket: dict) -> list[list]:
    """Every change of the priority after registration: [at, old, new, actor, automatic].
    The rules' `classified` event is part of the registration (its values are suggestions
    the registration already settled), so it is not a change."""
    found = []
    for event in ticket.get("history") or []:
        change = (event.get("changes") or {}).get("priority")
        if (event.get("action") == "classified" or not isinstance(change, list) or len(change) != 2
                or change[0] == change[1] or not event.get("at")):
            continue
        found.append([event["at"], change[0], change[1], event.get("actor"), _is_automatic(event)])
    return found


def first_contact_facts(ticket: dict) -> dict | None:
    """What first-contact resolution is judged on (docs/kpis.md), None until the ticket was
    first resolved: who registered it (`by`), who resolved it first and when (`resolved_by`,
    `resolved_at`), whether it was registered resolved (`registered_resolved`), and what
    happened that breaks a first contact (`broken`: escalated, reassigned, pending, reopened)."""
    history = ticket.get("history") or []
    by = next((e.get("actor") for e in history if e.get("action") == "created"), None)
    first = next((e for e in history if (e.get("changes") or {}).get("status", [None, None])[1:] == ["resolved"]),
                 None)
    if first is None:
        return None
    broken: list[str] = []
    for event in history:
        action, changes = event.get("action"), event.get("changes") or {}
        before_resolution = event.get("n", 0) < first.get("n", 0)
        group = changes.get("group")
        if action == "escalate" or changes.get("escalation_level"):
            broken.append("escalated")
        elif before_resolution and isinstance(group, list) and group[0] and group[0] != group[1]:
            broken.append("reassigned")
        status = changes.get("status")
        if isinstance(status, list) and status[1:] == ["pending"]:
            broken.append("pending")
        if action == "reopen":
            broken.append("reopened")
    return {"by": by, "resolved_by": first.get("actor"), "resolved_at": first.get("at"),
            "registered_resolved": bool(ticket.get("first_contact")), "broken": list(dict.fromkeys(broken))}
