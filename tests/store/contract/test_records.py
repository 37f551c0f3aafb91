"""Announcements, run records, attachments, notifications and locks through the seam."""

from __future__ import annotations

import pytest

from deskctl.errors import Busy


def _announcement(ann_id: str) -> dict:
    return {"id": ann_id, "kind": "unplanned-outage", "status": "draft", "versions": [], "timeline": []}


def test_announcements_get_increasing_ids_and_a_failed_change_changes_nothing(backend):
    records = backend.announcements
    first = records.create(_announcement)
    second = records.create(_announcement)
    assert (first["id"], second["id"]) == ("ANN-0001", "ANN-0002")
    assert records.ids() == ["ANN-0001", "ANN-0002"]

    def approve(record):
        record["status"] = "approved"

    assert records.update("ANN-0001", approve)["status"] == "approved"

    def broken(record):
        record["status"] = "half-changed"
        raise ValueError("refused")

    with pytest.raises(ValueError):
        records.update("ANN-0002", broken)
    assert records.get("ANN-0002")["status"] == "draft"
    assert [r["status"] for r in records.all()] == ["approved", "draft"]


def test_run_records_come_back_newest_first_and_never_hold_a_secret(desk, backend):
    from deskctl.runbooks import records
    from deskctl.util import redact

    redact.add_secret("hunter2-very-secret")
    try:
        for run_id, sop in (("20260301-090000-aaaaaa", "restart-service"), ("20260302-090000-bbbbbb", "disk-cleanup")):
            records.save(desk, {"id": run_id, "sop": sop, "status": "ok", "params": {"password": "hunter2-very-secret"},
                                "hosts": [{"name": "web1", "status": "ok", "steps": []}]})
    finally:
        redact.forget_all()
    assert [r["id"] for r in records.history(desk)] == ["20260302-090000-bbbbbb", "20260301-090000-aaaaaa"]
    assert [r["sop"] for r in records.history(desk, "restart-service")] == ["restart-service"]
    stored = backend.runs.get("20260301-090000-aaaaaa")
    assert stored["sop"] == "restart-service" and "hunter2-very-secret" not in str(stored)
    assert backend.runs.get("20990101-000000-ffffff") is None


def test_attachments_are_content_addressed(desk, backend, tmp_path):
    import hashlib

    from deskctl.tickets import operations as ops

    tid = ops.create_ticket(desk, actor="ann", title="screen flickers")["id"]
    source = tmp_path / "photo.jpg"
    source.write_bytes(b"\xff\xd8 not really a jpeg \x00" * 100)
    ticket = ops.attach(desk, tid, str(source), actor="ann")
    info = ticket["attachments"][0]
    assert info["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest() and info["size"] == len(source.read_bytes()) == 2200
    assert backend.attachments.read(info) == source.read_bytes()
    assert [(t, i["name"]) for t, i in backend.attachments.list()] == [(tid, "photo.jpg")]
    same = backend.attachments.put_bytes(tid, "photo.jpg", source.read_bytes())
    assert same["sha256"] == info["sha256"] and len(list(backend.attachments.list())) == 1


def test_notifications_are_kept_in_order(backend):
    backend.notifications.append({"topic": "sla.breached", "ticket": "INC-1"})
    backend.notifications.append({"topic": "sla.at-risk", "ticket": "INC-2"})
    assert [e["ticket"] for e in backend.notifications.entries()] == ["INC-1", "INC-2"]


def test_a_held_host_lock_makes_the_second_run_busy_naming_the_holder(backend):
    details = {"sop": "restart-service", "run_id": "20260301-090000-aaaaaa", "target": "10.0.0.5:22"}
    with backend.locks.host("10.0.0.5:22", timeout=0, what="host web1", actor="ann", details=details):
        with pytest.raises(Busy) as busy, backend.locks.host("10.0.0.5:22", timeout=0, what="host web1",
                                                              actor="bob", details=details):
            pass
        assert "web1" in str(busy.value) and "ann" in str(busy.value)
        with backend.locks.host("10.0.0.6:22", timeout=0, what="host web2", actor="bob", details=details):
            pass  # another host is free
    with backend.locks.host("10.0.0.5:22", timeout=0, what="host web1", actor="bob", details=details):
        pass  # released


def test_check_names_a_missing_attachment_and_a_damaged_record(desk, backend, tmp_path, backend_name):
    from deskctl.tickets import operations as ops
    from deskctl.tickets.model import summary_row

    tid = ops.create_ticket(desk, actor="ann", title="screen flickers")["id"]
    source = tmp_path / "photo.jpg"
    source.write_bytes(b"pixels" * 10)
    info = ops.attach(desk, tid, str(source), actor="ann")["attachments"][0]
    backend.announcements.create(_announcement)
    assert backend.check(summary_row)["problems"] == []
    if backend_name != "files":
        return  # damaging records by hand is the file backend's case
    (desk.data_dir / info["path"]).unlink()
    (desk.data_dir / "announcements" / "ANN-0001.json").write_text("{broken")
    problems = backend.check(summary_row)["problems"]
    assert any("photo.jpg" in p and tid in p for p in problems)
    assert any("ANN-0001" in p and "damaged" in p for p in problems)
