"""What shell completion reads (`brief_rows`): id, status, title and created_at of the hot
tickets in some statuses, current after every change (the file store caches per shard)."""

from __future__ import annotations

from deskctl.tickets import operations as ops
from deskctl.tickets.model import OPEN


def brief(backend, statuses) -> dict[str, tuple]:
    return {r["id"]: (r["status"], r["title"]) for r in backend.tickets.brief_rows(frozenset(statuses))}


def test_brief_rows_follow_every_change(desk, backend):
    made = [ops.create_ticket(desk, actor="ann", title=f"call {n}", type="incident")["id"] for n in range(3)]
    assert brief(backend, OPEN) == {tid: ("new", f"call {n}") for n, tid in enumerate(made)}
    assert all(r["created_at"] for r in backend.tickets.brief_rows(frozenset(OPEN)))
    ops.resolve(desk, made[0], actor="ann", resolution="done")  # a cached shard changes under it
    assert brief(backend, OPEN) == {made[1]: ("new", "call 1"), made[2]: ("new", "call 2")}
    assert brief(backend, {"resolved"}) == {made[0]: ("resolved", "call 0")}
    ops.close(desk, made[0], actor="ann")
    assert brief(backend, OPEN | {"resolved"}) == {made[1]: ("new", "call 1"), made[2]: ("new", "call 2")}
    ops.update(desk, made[1], actor="ann", fields={"title": "renamed"})
    assert brief(backend, OPEN)[made[1]] == ("new", "renamed")
