"""Who held a ticket when, read from its history: the groups and people that worked on it.

Derived once when a ticket is stored and kept in its summary row (`handling`), so per-group and
per-person reports and `ticket list --handled-by` read only the index, never the histories.
"""

from __future__ import annotations

# Automatic actors are not staff: the sweep (`deskctl.sla.sweep.ACTOR`) and rules (`rule:NAME`).
AUTOMATIC_ACTORS = frozenset({"sweep", "system", ""})
# Recording what the requester thinks of the service is not work on the ticket.
NOT_WORK = frozenset({"survey", "survey-consent"})


def is_person(actor: str | None) -> bool:
    return bool(actor) and actor not in AUTOMATIC_ACTORS and ":" not in str(actor)


def _initial(history: list[dict], key: str, current):
    """The value `key` had at creation: the old side of its first change, else its value now."""
    for event in history:
        change = (event.get("changes") or {}).get(key)
        if isinstance(change, list) and len(change) == 2:
            return change[0]
    return current


def handling_summary(ticket: dict) -> dict:
    """`handling`: {"groups": {NAME: {...}}, "people": {NAME: {...}}}.

    A group's entry: `from` (when it first held the ticket), `to` (when it last stopped holding
    it: escalated or reassigned away, resolved; None while it still holds an open ticket),
    `escalated` (escalations away from it), `reassigned` (moves to another group by `assign`),
    `resolved` (resolutions while it held the ticket). A person's entry: `from`, `to` (first and
    last involvement: an event by them or their assignment; None while still assigned to an open
    ticket), `assigned`, `resolved` and `escalated` (by them). Survey answers and consent
    records are not work, nor is anything the ticket's own requester does: they are left out."""
    history = ticket.get("history") or []
    requester = ticket.get("requester") or {}
    # the requester answering on the portal or by mail is not handling their own ticket
    customer = {str(v).casefold() for v in (requester.get("email"), requester.get("name")) if v}
    group = _initial(history, "group", ticket.get("group"))
    assignee = _initial(history, "assignee", ticket.get("assignee"))
    groups: dict[str, dict] = {}
    people: dict[str, dict] = {}
    holding = True  # resolved tickets are held by nobody until reopened

    def take(kind: dict, name, at, **extra) -> dict | None:
        if not name:
            return None
        entry = kind.setdefault(str(name), {"from": at, "to": None, "escalated": 0, "resolved": 0, **extra})
        if kind is groups:
            entry.setdefault("reassigned", 0)
        entry["to"] = None
        for key, value in extra.items():
            entry[key] = entry.get(key) or value
        return entry

    def release(kind: dict, name, at) -> None:
        if name and str(name) in kind:
            kind[str(name)]["to"] = at

    def touch(name, at) -> None:
        entry = take(people, name, at, assigned=False)
        if entry is not None and not (holding and name == assignee):
            entry["to"] = at  # someone acting without holding it: involved at that moment

    first_at = history[0].get("at") if history else ticket.get("created_at")
    take(groups, group, first_at)
    if assignee:
        take(people, assignee, first_at, assigned=True)
    for event in history:
        at, actor, action = event.get("at"), event.get("actor"), event.get("action")
        changes = event.get("changes") or {}
        if action in NOT_WORK:
            continue
        if is_person(actor) and str(actor).casefold() not in customer:
            touch(actor, at)
        if action == "reopen":
            holding = True
            take(groups, group, at)
            if assignee:
                take(people, assignee, at, assigned=True)
        group_change = changes.get("group")
        if isinstance(group_change, list) and len(group_change) == 2 and group_change[1] != group:
            if group and str(group) in groups:
                counter = "escalated" if action == "escalate" else "reassigned"
                groups[str(group)][counter] = groups[str(group)].get(counter, 0) + 1
                release(groups, group, at)
            if action == "escalate" and str(actor) in people:
                people[str(actor)]["escalated"] += 1
            group = group_change[1]
            if holding:
                take(groups, group, at)
        assignee_change = changes.get("assignee")
        if isinstance(assignee_change, list) and len(assignee_change) == 2 and assignee_change[1] != assignee:
            release(people, assignee, at)
            assignee = assignee_change[1]
            if assignee and holding:
                take(people, assignee, at, assigned=True)
        if action == "resolve":
            if group and str(group) in groups:
                groups[str(group)]["resolved"] += 1
            if str(actor) in people and is_person(actor):
                people[str(actor)]["resolved"] += 1
            holding = False
            release(groups, group, at)
            release(people, assignee, at)
    return {"handling": {"groups": groups, "people": people}}


def handled_in(entry: dict, since: str | None, until: str | None) -> bool:
    """Did this group's or person's involvement overlap [since, until)? (ISO instants, UTC-comparable)"""
    from datetime import datetime

    def ts(iso):
        return datetime.fromisoformat(iso).timestamp() if iso else None

    start, end = ts(entry.get("from")), ts(entry.get("to"))
    lo, hi = ts(since), ts(until)
    if start is None:
        return False
    if hi is not None and start >= hi:
        return False
    return not (lo is not None and end is not None and end < lo)


def handled_by(row: dict, name: str) -> bool:
    """Did person `name` work on this ticket (any event by them, or an assignment to them)?
    Names compare without case."""
    wanted = name.strip().casefold()
    people = ((row.get("handling") or {}).get("people")) or {}
    return any(person.casefold() == wanted for person in people)
