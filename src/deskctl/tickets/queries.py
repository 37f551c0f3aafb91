"""Queues: filter, sort and limit tickets for `ticket list`."""

from __future__ import annotations

from datetime import datetime

from deskctl.errors import BadInput
from deskctl.store import open_store
from deskctl.tickets import model
from deskctl.util import clock
from deskctl.util.durations import format_age, parse_duration

PRIORITY_RANK = {p: i for i, p in enumerate(("critical", "high", "medium", "low", "informational"))}
SORTS = ("age", "priority", "updated")


class Query:
    """What `ticket list` asks for. Empty lists and None mean "any"."""

    def __init__(self, status: str = "open", types: list[str] | None = None, priorities: list[str] | None = None,
                 categories: list[str] | None = None, groups: list[str] | None = None, assignee: str | None = None,
                 requester: str | None = None, tags: list[str] | None = None, service: str | None = None,
                 search: str | None = None, older_than: str | None = None, sort: str = "age",
                 limit: int | None = None, fields: dict | None = None):
        self.status = status  # open | all | a status name | comma-separated statuses
        self.types = types or []
        self.priorities = priorities or []
        self.categories = categories or []
        self.groups = groups or []
        self.assignee, self.requester, self.tags, self.service = assignee, requester, tags or [], service
        self.search, self.older_than, self.sort, self.limit = search, older_than, sort, limit
        self.fields = fields or {}  # form field -> value as written (`--field location=3.12`)


def _statuses(query: Query) -> set[str] | None:
    if query.status == "all":
        return None
    if query.status == "open":
        return set(model.OPEN)
    names = {s.strip() for s in query.status.split(",") if s.strip()}
    if not names:
        raise BadInput(f"--status {query.status!r} names no status", "use open, all, or status names")
    for status in names:
        _check_filter("--status", status, ["open", "all", *model.STATUSES])
    if "all" in names:
        return None
    # `open` in a list stands for the open statuses, as it does alone (`open,resolved`)
    return (names - {"open"}) | (set(model.OPEN) if "open" in names else set())


def _check_filter(option: str, value: str, allowed: list[str]) -> None:
    """A filter value the desk cannot hold is a typo, not an empty queue: say so (exit 2)."""
    if value in allowed:
        return
    import difflib

    close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise BadInput(f"{option} {value!r} is not valid", f"{hint}use one of: {', '.join(allowed)}")


def _check_filters(desk, query: Query) -> None:
    for values, option, key in ((query.types, "--type", "types"), (query.priorities, "--priority", "priorities"),
                                (query.categories, "--category", "categories"), (query.groups, "--group", "groups")):
        for value in values:
            _check_filter(option, value, model.choices(desk, key))
    if query.service:
        _check_filter("--service", query.service, model.choices(desk, "services"))


def _field_tests(desk, query: Query) -> list:
    """`--field NAME=VALUE` filters: a name or value the form cannot hold is bad input (exit 2),
    like a typo in any other filter; the values typed as the form types them."""
    if not query.fields:
        return []
    from deskctl.tickets import forms

    known = forms.definitions(desk)
    tests = []
    for name, raw in query.fields.items():
        if name not in known:
            raise forms.unknown_field(name, known)
        spec = known[name]
        wanted = forms.filter_value(desk, name, spec, raw)
        tests.append(lambda row, name=name, spec=spec, wanted=wanted:
                     forms.matches(spec, (row.get("fields") or {}).get(name), wanted))
    return tests


def _age_seconds(row: dict, now: datetime) -> float:
    return (now - datetime.fromisoformat(row["created_at"])).total_seconds()


def run_query(desk, query: Query) -> list[dict]:
    """Summary rows matching the query, sorted, with `age` (seconds) and `age_text` added."""
    statuses = _statuses(query)
    _check_filters(desk, query)
    field_tests = _field_tests(desk, query)
    want_closed = statuses is None or "closed" in statuses
    store = open_store(desk)
    rows = store.rows(active=True, closed=want_closed, archived=want_closed,
                      resolved=statuses is None or "resolved" in statuses)
    now = clock.now()
    older = parse_duration(query.older_than, "--older-than") if query.older_than else None
    if statuses is not None:
        rows = [row for row in rows if row["status"] in statuses]
    # only the filters asked for are tested (the open queue, the usual call, has none)
    tests = _filters(query) + field_tests
    if older is not None:
        tests.append(lambda row: _age_seconds(row, now) >= older)
    selected = [row for row in rows if all(test(row) for test in tests)] if tests else rows
    if query.search:
        selected = _search(store, selected, query.search)
    stamp = now.timestamp()
    for row in selected:
        row["age"] = age = int(stamp - datetime.fromisoformat(row["created_at"]).timestamp())
        row["age_text"] = format_age(age)
    if query.sort == "priority":
        selected.sort(key=lambda r: (PRIORITY_RANK.get(r.get("priority"), 9), r["created_at"]))
    elif query.sort == "updated":
        selected.sort(key=lambda r: r.get("updated_at") or "", reverse=True)
    else:
        selected.sort(key=lambda r: (r["created_at"], r["id"]))
    return selected[: query.limit] if query.limit else selected


def _filters(query: Query) -> list:
    """One test per filter the query sets."""
    tests = []
    for values, key in ((query.types, "type"), (query.priorities, "priority"),
                        (query.categories, "category"), (query.groups, "group")):
        if values:
            tests.append(lambda row, values=values, key=key: row.get(key) in values)
    if query.assignee:
        tests.append(lambda row: (row.get("assignee") or "") == query.assignee)
    if query.service:
        tests.append(lambda row: row.get("service") == query.service)
    if query.requester:
        needle = query.requester.casefold()
        tests.append(lambda row: needle in f"{row.get('requester', '')} {row.get('requester_name', '')}".casefold())
    if query.tags:
        wanted = set(query.tags)
        tests.append(lambda row: wanted <= set(row.get("tags") or []))
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
