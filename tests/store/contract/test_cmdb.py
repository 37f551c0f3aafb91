"""Configuration items through the seam: add, atomic updates with their history, refusals."""

from __future__ import annotations

import threading

import pytest

from deskctl.errors import BadInput, NotFound


def _item(name: str, **extra) -> dict:
    return {"name": name, "type": "host", "status": "live", "owner": "ops", "attributes": {}, "relations": [], **extra}


def _entry(why: str, changes: dict | None = None) -> dict:
    return {"at": "2026-12-03T10:00:00+00:00", "actor": "lena", "on_behalf_of": None, "change": None,
            "action": "update", "changes": changes or {}, "why": why, "outside_change": True}


def test_an_added_item_reads_back_with_its_first_history_entry(backend):
    assert backend.cmdb.names() == [] and backend.cmdb.get("web1") is None
    stored = backend.cmdb.add(_item("web1", attributes={"memory": "4G"}), _entry("new"))
    assert stored["seq"] == 1
    assert backend.cmdb.get("web1")["attributes"] == {"memory": "4G"}
    assert backend.cmdb.names() == ["web1"] and [i["name"] for i in backend.cmdb.all()] == ["web1"]
    assert [e["why"] for e in backend.cmdb.history("web1")] == ["new"]


def test_a_taken_name_is_refused_and_the_first_item_kept(backend):
    backend.cmdb.add(_item("db1"), _entry("first"))
    with pytest.raises(BadInput, match="exists already"):
        backend.cmdb.add(_item("db1", type="database"), _entry("second"))
    assert backend.cmdb.get("db1")["type"] == "host" and len(backend.cmdb.history("db1")) == 1


def test_an_update_writes_the_item_and_appends_its_entry(backend):
    backend.cmdb.add(_item("web1"), _entry("new"))

    def change(item):
        item["owner"] = "web-team"
        return _entry("handover", {"owner": ["ops", "web-team"]})

    stored = backend.cmdb.update("web1", change)
    assert stored["seq"] == 2 and backend.cmdb.get("web1")["owner"] == "web-team"
    assert [(e["seq"], e["changes"]) for e in backend.cmdb.history("web1")] == [
        (1, {}), (2, {"owner": ["ops", "web-team"]})]


def test_a_failing_or_empty_change_writes_nothing(backend):
    backend.cmdb.add(_item("web1"), _entry("new"))

    def failing(item):
        item["owner"] = "someone"
        raise BadInput("no")

    with pytest.raises(BadInput):
        backend.cmdb.update("web1", failing)
    assert backend.cmdb.update("web1", lambda item: None) is None
    assert backend.cmdb.get("web1")["owner"] == "ops" and len(backend.cmdb.history("web1")) == 1


def test_an_unknown_item_cannot_be_updated(backend):
    with pytest.raises(NotFound):
        backend.cmdb.update("nope", lambda item: _entry("x"))
    assert backend.cmdb.history("nope") == []


def test_concurrent_updates_lose_nothing(make_desk):
    from deskctl.store import open_backend

    desk = make_desk()
    open_backend(desk, actor="t").cmdb.add(_item("web1", attributes={"n": 0}), _entry("new"))

    def bump(item):
        item["attributes"]["n"] += 1
        return _entry("bump")

    def worker():
        backend = open_backend(desk, actor="t")  # its own store object, as another process has
        for _ in range(5):
            backend.cmdb.update("web1", bump)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    backend = open_backend(desk, actor="t")
    assert backend.cmdb.get("web1")["attributes"]["n"] == 20
    assert [e["seq"] for e in backend.cmdb.history("web1")] == list(range(1, 22))
