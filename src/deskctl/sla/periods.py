"""What a ticket's history says about time: when it waited (pending) and how long it was worked.

Derived once when a ticket is stored and kept in its summary row, so SLA clocks and KPIs over
the whole store read only the small index files, never the ticket histories.
"""

from __future__ import annotations


def timeline_summary(ticket: dict) -> dict:
    """`pending_periods`: [[start, end or None], ...] while the status was `pending` (the SLA
    clock stops); `work_periods`: the same while it was `in_progress` (handling time)."""
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
    return {"pending_periods": periods["pending"], "work_periods": periods["in_progress"]}
