"""Queues: filter, sort and limit tickets for `ticket list`."""

from __future__ import annotations

from datetime import datetime, timedelta

from deskctl.errors import BadInput
from deskctl.store import open_store
from deskctl.store.interface import RowQuery
from deskctl.tickets import model
from deskctl.util import clock
from deskctl.util.durations import format_age, parse_duration

PRIORITIES = ("critical", "high", "medium", "low", "informational")  # most urgent first
SORTS = ("age", "priority", "updated")


class Query:
    """What `ticket list` asks for. Empty lists and None mean "any"."""

    def __init__(self, status: str = "open", types: list[str] | None = None, priorities: list[str] | None = None,
                 categories: list[str] | None = None, groups: list[str] | None = None, assignee: str | None = None,
                 requester: str | None = None, tags: list[str] | None = None, service: str | None = None,
                 search: str | None = None, older_than: str | None = None, sort: str = "age",
                 limit: int | None = None, fields: dict | None = None, handled_by: str | None = None):
        self.status = status  # open | all | a status name | comma-separated statuses
        self.types = types or []
        self.priorities = priorities or []
        self.categories = categories or []
        self.groups = groups or []
        self.assignee, self.requester, self.tags, self.service = assignee, requester, tags or [], service
        self.search, self.older_than, self.sort, self.limit = search, older_than, sort, limit
        self.fields = fields or {}  # form field -> value as written (`--field location=3.12`)
        self.handled_by = handled_by  # a person who worked on the ticket (any event, or assigned)


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


def _handled_by_test(desk, query: Query):
    """`--handled-by NAME`: a test on rows. Rows written before the `handling` summary existed
    are judged from their tickets' histories (`store check --repair` brings them up to date)."""
    if query.handled_by is None:
        return None
    name = query.handled_by.strip()
    if not name:
        raise BadInput("--handled-by is empty", "give the name of a member of staff, e.g. --handled-by lucia")
    from deskctl.tickets.handling import handled_by, handling_summary

    store = open_store(desk)

    def test(row: dict) -> bool:
        if "handling" not in row:
            full = store.get(row["id"])
            row["handling"] = handling_summary(full)["handling"] if full else {}
        return handled_by(row, name)

    return test


def run_query(desk, query: Query, *, reader: str | None = None) -> list[dict]:
    """Summary rows matching the query, sorted, with `age` (seconds) and `age_text` added;
    with `reader`, only the tickets that account may see (its `read` scope)."""
    statuses = _statuses(query)
    _check_filters(desk, query)
    field_tests = _field_tests(desk, query)
    handled = _handled_by_test(desk, query)
    if handled is not None:
        field_tests.append(handled)
    if reader is not None:
        from deskctl import access

        scope = access.scope_of(desk, reader, "read")
        if scope != "all":
            field_tests.append(lambda row: access.in_scope(desk, reader, scope, row))
    now = clock.now()
    created_before = None
    if query.older_than:
        created_before = (now - timedelta(seconds=parse_duration(query.older_than, "--older-than"))).isoformat()
    equals = {key: frozenset(values) for key, values in (
        ("type", query.types), ("priority", query.priorities), ("category", query.categories),
        ("group", query.groups), ("service", [query.service] if query.service else [])) if values}
    selected = open_store(desk).select(RowQuery(
        statuses=frozenset(statuses) if statuses is not None else None, equals=equals,
        assignee=query.assignee, requester=query.requester, tags=frozenset(query.tags),
        created_before=created_before, text=query.search, sort=query.sort,
        priority_order=PRIORITIES, limit=None if field_tests else query.limit))
    if field_tests:  # form fields (by their type: a day, any case), handlers: tested here, then limited
        selected = [row for row in selected if all(test(row) for test in field_tests)][: query.limit or None]
    stamp = now.timestamp()
    for row in selected:
        row["age"] = age = int(stamp - datetime.fromisoformat(row["created_at"]).timestamp())
        row["age_text"] = format_age(age)
    return selected
