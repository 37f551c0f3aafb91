"""Backup and restore of all of a desk's data, through the seam: a round trip loses nothing."""

from __future__ import annotations

import json
import tarfile

import pytest

from deskctl.errors import BadInput
from deskctl.store import open_backend
from deskctl.store.interface import RowQuery
from deskctl.store.portable import backup, restore
from deskctl.tickets import operations as ops
from deskctl.tickets.model import summary_row


def _fill(desk, backend, tmp_path) -> None:
    from deskctl.runbooks import records

    first = ops.create_ticket(desk, actor="ann", title="Outlook crashes", requester={"email": "lucia@example.org"})["id"]
    attachment = tmp_path / "crash.log"
    attachment.write_text("Faulting module: mso.dll\n")
    ops.attach(desk, first, str(attachment), actor="ann")
    ops.resolve(desk, first, actor="ann", resolution="profile rebuilt")
    ops.close(desk, first, actor="ann")
    from deskctl.tickets import lifecycle

    def survey(ticket, now):
        changes = lifecycle.apply_changes(ticket, {"survey": {"score": 5, "comment": "fast", "at": now}})
        return lifecycle.record(ticket, at=now, actor="ann", action="survey", changes=changes)

    ops.change_ticket(desk, first, "ann", "survey", survey)
    ops.create_ticket(desk, actor="ann", title="Printer jams")
    ops.create_ticket(desk, actor="ann", title="New account", type="service-request")
    backend.announcements.create(lambda ann_id: {
        "id": ann_id, "kind": "unplanned-outage", "status": "published",
        "deliveries": [{"channel": "file", "language": "en", "status": "sent"}]})
    records.save(desk, {"id": "20260301-090000-aaaaaa", "sop": "restart-service", "status": "ok",
                        "ticket": first, "hosts": [{"name": "web1", "status": "ok", "steps": []}]})
    backend.notifications.append({"topic": "sla.breached", "ticket": first})
    item = {"name": "db1", "type": "database", "status": "live", "owner": "dba", "attributes": {"memory": "16G"},
            "relations": []}
    backend.cmdb.add(item, {"at": "2026-03-01T09:00:00+00:00", "actor": "ann", "changes": {}, "why": "new"})


def _everything(backend) -> dict:
    rows = backend.tickets.select(RowQuery())
    return {
        "tickets": backend.tickets.load([r["id"] for r in rows]),
        "rows": rows,
        "announcements": backend.announcements.all(),
        "runs": list(backend.runs.recent()),
        "notifications": list(backend.notifications.entries()),
        "attachments": [(t, backend.attachments.read(i)) for t, i in backend.attachments.list()],
        "cmdb": [(i, backend.cmdb.history(i["name"])) for i in backend.cmdb.all()],
    }


def test_round_trip_into_an_empty_desk_brings_everything_back(make_desk, tmp_path):
    source = make_desk("source")
    backend = open_backend(source, "ann")
    _fill(source, backend, tmp_path)
    report = backup(backend, tmp_path / "desk.tar.gz", "test")
    assert report["counts"] == {"tickets": 3, "announcements": 1, "runs": 1, "notifications": 1, "attachments": 1,
                              "cmdb": 1}
    assert (tmp_path / "desk.tar.gz").stat().st_mode & 0o777 == 0o600

    target = make_desk("target")
    restored = open_backend(target, "ann")
    assert restored.is_empty()
    result = restore(restored, tmp_path / "desk.tar.gz", summary_row)
    assert result["counts"]["tickets"] == 3
    assert _everything(restored) == _everything(backend)
    assert restored.check(summary_row)["problems"] == []
    # the restored desk goes on numbering where the source stopped
    assert ops.create_ticket(target, actor="ann", title="next")["id"] == "INC-3"


def test_restore_refuses_a_desk_that_holds_data(make_desk, tmp_path):
    source = make_desk("source")
    backend = open_backend(source, "ann")
    _fill(source, backend, tmp_path)
    backup(backend, tmp_path / "desk.tar.gz", "test")
    with pytest.raises(BadInput, match="already holds data"):
        restore(backend, tmp_path / "desk.tar.gz", summary_row)


def _rewrite(archive, out, change) -> None:
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar}
    change(members)
    with tarfile.open(out, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            import io

            tar.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize(("change", "message"), [
    (lambda m: m.update({next(n for n in m if n.startswith("attachments/")): b"tampered"}), "missing or damaged"),
    (lambda m: m.update({"tickets.jsonl": m["tickets.jsonl"] + b"{not json\n"}), "tickets.jsonl line 4"),
    (lambda m: m.update({"../../etc/cron.d/evil": b"* * * * * root sh\n"}), "unexpected member"),
    (lambda m: m.update({"deskctl-backup.json": json.dumps({"format": 99}).encode()}), "format 99"),
])
def test_a_damaged_or_foreign_archive_is_refused_before_anything_is_written(make_desk, tmp_path, change, message):
    source = make_desk("source")
    backend = open_backend(source, "ann")
    _fill(source, backend, tmp_path)
    backup(backend, tmp_path / "desk.tar.gz", "test")
    _rewrite(tmp_path / "desk.tar.gz", tmp_path / "bad.tar.gz", change)
    target = open_backend(make_desk("target"), "ann")
    with pytest.raises(BadInput, match=message):
        restore(target, tmp_path / "bad.tar.gz", summary_row)
    assert target.is_empty()
