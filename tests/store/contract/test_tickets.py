"""Tickets through the seam: lifecycle, append-only history, dedup, queries, archive, concurrency."""

from __future__ import annotations

import multiprocessing

import pytest

from deskctl.errors import NotFound
from deskctl.store.interface import RowQuery
from deskctl.tickets import operations as ops
from deskctl.tickets.queries import Query, run_query


def test_backend_is_the_one_configured(backend, backend_name):
    assert backend.name == backend_name
    assert backend.is_empty()


def test_lifecycle_keeps_every_step_in_an_append_only_history(desk, backend):
    ticket = ops.create_ticket(desk, actor="ann", title="VPN drops every hour", type="incident")
    tid = ticket["id"]
    steps = [
        lambda: ops.assign(desk, tid, actor="ann", to="bob"),
        lambda: ops.start(desk, tid, actor="bob"),
        lambda: ops.pend(desk, tid, actor="bob", reason="waiting for the laptop"),
        lambda: ops.comment(desk, tid, actor="bob", text="laptop received"),
        lambda: ops.escalate(desk, tid, actor="bob", group="network", reason="needs L2"),
        lambda: ops.resolve(desk, tid, actor="bob", resolution="MTU fixed"),
        lambda: ops.close(desk, tid, actor="ann", confirmed=True),
    ]
    history = backend.tickets.get(tid)["history"]
    for step in steps:
        step()
        stored = backend.tickets.get(tid)
        assert stored["history"][:len(history)] == history  # nothing rewritten, only appended
        assert len(stored["history"]) > len(history)
        history = stored["history"]
    assert stored["status"] == "closed" and stored["resolution"] == "MTU fixed"
    actions = [e["action"] for e in history]
    for action in ("created", "assign", "start", "pend", "escalate", "resolve", "close"):
        assert action in actions, actions
    assert [e["n"] for e in history] == list(range(1, len(history) + 1))


def test_unknown_ticket_is_not_found(desk, backend):
    assert backend.tickets.get("INC-999") is None
    with pytest.raises(NotFound):
        ops.comment(desk, "INC-999", actor="ann", text="hello")


def test_dedup_key_touches_the_open_ticket_and_finds_a_finished_one_on_request(desk, backend):
    first, created = ops.create_or_touch(desk, actor="ci", title="backup failed on db1", dedup_key="bk-db1")
    again, created_again = ops.create_or_touch(desk, actor="ci", title="backup failed on db1", dedup_key="bk-db1")
    assert created and not created_again and again["id"] == first["id"] and again["seen_count"] == 1
    ops.resolve(desk, first["id"], actor="ann", resolution="disk replaced")
    with backend.tickets.transaction() as tx:
        assert tx.find_by_dedup_key("bk-db1") is None  # resolved: the key opens a new ticket
        assert tx.find_by_dedup_key("bk-db1", any_status=True)["id"] == first["id"]
    ops.close(desk, first["id"], actor="ann")
    with backend.tickets.transaction() as tx:
        assert tx.find_by_dedup_key("bk-db1", any_status=True)["id"] == first["id"]
    kept, created = ops.create_or_touch(desk, actor="ci", title="backup failed on db1", dedup_key="bk-db1",
                                        dedup_scope="any")
    assert not created and kept["id"] == first["id"]
    fresh, created = ops.create_or_touch(desk, actor="ci", title="backup failed on db1", dedup_key="bk-db1")
    assert created and fresh["id"] != first["id"]


def _ids(rows):
    return [r["id"] for r in rows]


def test_select_filters_sorts_limits_and_searches(desk, backend, monkeypatch):
    monkeypatch.setenv("DESKCTL_NOW", "2026-03-02T09:00:00Z")
    a = ops.create_ticket(desk, actor="ann", title="Printer on floor 3 jams", priority="low", group="desktop",
                          requester={"name": "Lucia Rossi", "email": "lucia@example.org"}, tags=["printer"])["id"]
    monkeypatch.setenv("DESKCTL_NOW", "2026-03-02T10:00:00Z")
    b = ops.create_ticket(desk, actor="ann", title="Mail server down", priority="critical", group="network",
                          description="nobody receives mail since 9:50")["id"]
    monkeypatch.setenv("DESKCTL_NOW", "2026-03-02T11:00:00Z")
    c = ops.create_ticket(desk, actor="ann", title="New laptop for Marco", type="service-request", priority="medium")["id"]
    ops.resolve(desk, c, actor="ann", resolution="delivered")
    store = backend.tickets
    assert _ids(store.select(RowQuery(statuses=frozenset({"new"})))) == [a, b]  # oldest first
    assert _ids(store.select(RowQuery())) == [a, b, c]
    assert _ids(store.select(RowQuery(statuses=frozenset({"resolved"})))) == [c]
    assert _ids(store.select(RowQuery(equals={"group": frozenset({"network"})}))) == [b]
    assert _ids(store.select(RowQuery(sort="priority", priority_order=("critical", "high", "medium", "low")))) == [b, c, a]
    assert _ids(store.select(RowQuery(sort="updated"))) == [c, b, a]
    assert _ids(store.select(RowQuery(limit=2))) == [a, b]
    assert _ids(store.select(RowQuery(text="MAIL receives"))) == [b]  # every word, any case, description too
    assert _ids(store.select(RowQuery(requester="ROSSI"))) == [a]
    assert _ids(store.select(RowQuery(tags=frozenset({"printer"})))) == [a]
    assert _ids(store.select(RowQuery(created_before="2026-03-02T10:30:00+00:00"))) == [a, b]
    # the domain's queue on top of it: `ticket list --older-than 90m` at 11:00
    assert _ids(run_query(desk, Query(older_than="90m"))) == [a]


def test_archive_moves_old_closed_tickets_and_keeps_them_found(desk, backend, monkeypatch):
    from deskctl.tickets.model import summary_row

    monkeypatch.setenv("DESKCTL_NOW", "2026-01-01T09:00:00Z")
    old = ops.create_ticket(desk, actor="ann", title="old")["id"]
    ops.resolve(desk, old, actor="ann", resolution="done")
    ops.close(desk, old, actor="ann")
    monkeypatch.setenv("DESKCTL_NOW", "2026-03-01T09:00:00Z")
    recent = ops.create_ticket(desk, actor="ann", title="recent")["id"]
    assert backend.archive("30d", dry_run=True) == [old]
    assert backend.tickets.get(old).get("archived") is not True
    assert backend.archive("30d") == [old]
    assert backend.tickets.get(old)["archived"] is True
    assert _ids(backend.tickets.select(RowQuery())) == [old, recent]
    assert _ids(backend.tickets.select(RowQuery(statuses=frozenset({"new"})))) == [recent]
    ops.reopen(desk, old, actor="ann", reason="came back")
    assert backend.tickets.get(old)["archived"] is False
    assert backend.check(summary_row)["problems"] == []


def _create_many(path: str, worker: int, count: int) -> None:
    from deskctl.desk import Desk

    desk = Desk(path)
    for i in range(count):
        ops.create_ticket(desk, actor=f"w{worker}", title=f"worker {worker} ticket {i}")


def test_twenty_writers_creating_25_tickets_each_lose_nothing(desk, backend, monkeypatch):
    from deskctl.tickets.model import summary_row

    # on a loaded machine 20 writers may wait longer than the default 10 s: waiting is the point here
    monkeypatch.setenv("DESKCTL_LOCK_TIMEOUT", "240")
    context = multiprocessing.get_context("spawn")  # fresh interpreters, as 20 deskctl processes
    workers = [context.Process(target=_create_many, args=(str(desk.path), w, 25)) for w in range(20)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=300)
        assert process.exitcode == 0
    rows = backend.tickets.select(RowQuery())
    assert sorted(int(r["id"].split("-")[1]) for r in rows) == list(range(1, 501))
    titles = {t["title"] for t in backend.tickets.load(_ids(rows))}
    assert titles == {f"worker {w} ticket {i}" for w in range(20) for i in range(25)}
    assert backend.check(summary_row)["problems"] == []


def test_bulk_insert_continues_the_numbering(desk, backend):
    from deskctl.tickets.model import new_ticket, summary_row

    ops.create_ticket(desk, actor="ann", title="by hand")

    def make(next_numbers):
        start = next_numbers.get("INC", 1)
        for n in range(start, start + 3):
            ticket = new_ticket(f"INC-{n}", "incident", "2026-02-01T09:00:00+00:00")
            ticket["title"] = f"imported {n}"
            yield ticket

    result = backend.bulk_insert(make, summary_row)
    assert result["tickets"] == 3
    assert _ids(backend.tickets.select(RowQuery())) == ["INC-2", "INC-3", "INC-4", "INC-1"]  # by creation time
    assert ops.create_ticket(desk, actor="ann", title="after")["id"] == "INC-5"
