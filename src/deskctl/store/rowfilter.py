"""`TicketStore.select` done in Python over summary rows: the `files` backend's way, and the
fallback of any backend that cannot run a `RowQuery` itself."""

from __future__ import annotations

from deskctl.store.interface import RowQuery


def select_rows(store, query: RowQuery) -> list[dict]:
    statuses = query.statuses
    want_closed = statuses is None or "closed" in statuses
    rows = store.rows(active=True, closed=want_closed, archived=want_closed,
                      resolved=statuses is None or "resolved" in statuses)
    if statuses is not None:
        rows = [row for row in rows if row["status"] in statuses]
    tests = _tests(query)  # only the filters asked for (the open queue, the usual call, has none)
    selected = [row for row in rows if all(test(row) for test in tests)] if tests else rows
    if query.text:
        selected = _search(store, selected, query.text)
    if query.sort == "priority":
        rank = {p: i for i, p in enumerate(query.priority_order)}
        selected.sort(key=lambda r: (rank.get(r.get("priority"), len(rank)), r["created_at"]))
    elif query.sort == "updated":
        selected.sort(key=lambda r: r.get("updated_at") or "", reverse=True)
    else:
        selected.sort(key=lambda r: (r["created_at"], r["id"]))
    return selected[: query.limit] if query.limit else selected


def _tests(query: RowQuery) -> list:
    tests = []
    for key, values in query.equals.items():
        if values:
            tests.append(lambda row, values=values, key=key: row.get(key) in values)
    if query.assignee:
        tests.append(lambda row: (row.get("assignee") or "") == query.assignee)
    if query.requester:
        needle = query.requester.casefold()
        tests.append(lambda row: needle in f"{row.get('requester', '')} {row.get('requester_name', '')}".casefold())
    if query.tags:
        tests.append(lambda row: query.tags <= set(row.get("tags") or []))
    if query.created_before:
        from datetime import datetime

        before = datetime.fromisoformat(query.created_before)
        tests.append(lambda row: datetime.fromisoformat(row["created_at"]) <= before)
    return tests


def _search(store, rows: list[dict], text: str) -> list[dict]:
    """Rows whose title, description, requester or tags contain every word of `text`."""
    words = text.casefold().split()
    tickets = {t["id"]: t for t in store.load([r["id"] for r in rows])}
    found = []
    for row in rows:
        ticket = tickets.get(row["id"], {})
        requester = ticket.get("requester") or {}
        haystack = " ".join([
            ticket.get("title") or "", ticket.get("description") or "",
            requester.get("name") or "", requester.get("email") or "", " ".join(ticket.get("tags") or []),
        ]).casefold()
        if all(w in haystack for w in words):
            found.append(row)
    return found
