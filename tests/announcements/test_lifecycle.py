"""Updates until it is over: a new version approved and published, the closing notice, and
`show --json` with versions, approvals, deliveries and timeline."""

from __future__ import annotations

from datetime import datetime

from tests.announcements.conftest import NOW, create_approved, resolve_and_publish


def test_approved_update_publishes_version_2_and_resolve_publishes_the_closing_notice(arun, smtp_desk, smtp_sink, maintenance):
    ann_id = create_approved(arun)
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 0
    assert len(smtp_sink.messages) == 2

    during = {"DESKCTL_NOW": "2026-12-06T01:00:00+01:00"}
    updated = arun("announce", "update", ann_id, "--set", "end=2026-12-06T04:00:00+01:00",
                   "--note", "the storage migration takes longer", "--json", env=during)
    assert updated.code == 0, updated
    assert updated.json()["pending"] == {"version": 2, "status": "submitted", "by": "tester"}
    assert len(smtp_sink.messages) == 2  # nothing goes out before the change is approved
    assert arun("--actor", "bob", "announce", "approve", ann_id, env=during).code == 0
    published = arun("announce", "publish", "--allow-fallback", ann_id, "--json", env=during)
    assert published.code == 0, published
    report = published.json()
    assert report["version"] == 2 and report["status"] == "published" and report["failed"] == []
    v2 = {m["message"]["Content-Language"]: m["message"] for m in smtp_sink.messages[2:]}
    assert sorted(v2) == ["en", "it"]
    assert v2["it"]["Subject"].strip() == "Aggiornamento: Manutenzione programmata: mail e calendar dal 5 al 6 dicembre 2026"
    assert "domenica 6 dicembre 2026, 04:00" in v2["it"].get_body(("plain",)).get_content()
    assert v2["en"]["X-Deskctl-Announcement"] == f"{ann_id} v2"

    after = {"DESKCTL_NOW": "2026-12-06T03:30:00+01:00"}
    assert len(smtp_sink.messages) == 4
    resolved = resolve_and_publish(arun, ann_id, "--allow-fallback", "--set", "resolution=The new storage is online.",
                                   "--json", env=after, approver="alice")
    assert resolved.code == 0, resolved
    assert resolved.json()["version"] == 3 and resolved.json()["status"] == "resolved"
    closing = {m["message"]["Content-Language"]: m["message"] for m in smtp_sink.messages[4:]}
    assert closing["en"]["Subject"].strip() == "Completed: mail and calendar are working normally again"
    assert closing["it"]["Subject"].strip() == "Concluso: mail e calendar di nuovo disponibili"
    body = closing["it"].get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "L'intervento su mail e calendar si è concluso alle 03:30 di domenica 6 dicembre 2026." in body
    assert "Cosa è stato fatto:\nThe new storage is online." in body
    assert len(smtp_sink.messages) == 6

    page = (smtp_desk / "public" / "status" / "en" / "index.html").read_text(encoding="utf-8")
    assert "Recently resolved" in page and "No disruption is known at the moment" in page

    shown = arun("announce", "show", ann_id, "--json", env=after)
    assert shown.code == 0
    data = shown.json()
    assert [(v["version"], v["notice"]) for v in data["versions"]] == [(1, "announcement"), (2, "announcement"), (3, "closing")]
    assert data["versions"][1]["note"] == "the storage migration takes longer"
    assert data["versions"][1]["fields"]["end"] == "2026-12-06T04:00:00+01:00"
    assert [(a["actor"], a["decision"], a["version"]) for a in data["approvals"]] == [
        ("alice", "approved", 1), ("bob", "approved", 2), ("alice", "approved", 3)]  # the closing notice too
    smtp_sent = sorted((d["version"], d["language"]) for d in data["deliveries"] if d["channel"] == "smtp")
    assert smtp_sent == [(1, "en"), (1, "it"), (2, "en"), (2, "it"), (3, "en"), (3, "it")]
    assert all(d["status"] == "sent" for d in data["deliveries"])
    actions = [e["action"] for e in data["timeline"]]
    for expected in ("created", "submitted", "approved", "published", "delivered", "updated", "resolved"):
        assert expected in actions
    assert data["fields"]["resolution"] == "The new storage is online."
    assert data["resolved_at"] == "2026-12-06T03:30:00+01:00"

    archived = arun("announce", "archive", ann_id, "--json", env=after)
    assert archived.code == 0 and archived.json()["status"] == "archived"
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 2


def test_an_update_is_sent_only_once_approved(arun, smtp_desk, smtp_sink, maintenance):
    ann_id = create_approved(arun)
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 0
    result = arun("announce", "update", ann_id, "--set", "impact.it=Posta ferma", "--no-publish", "--json")
    assert result.code == 0, result
    assert result.json()["version"] == 2 and len(smtp_sink.messages) == 2
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 0
    assert len(smtp_sink.messages) == 2  # still awaiting approval
    assert arun("--actor", "alice", "announce", "approve", ann_id).code == 0
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 0
    assert len(smtp_sink.messages) == 4
    nothing = arun("announce", "update", ann_id, "--set", "impact.it=Posta ferma")
    assert nothing.code == 2 and "nothing changes" in nothing.stderr


def test_list_filters_by_status_text_and_age(arun, maintenance):
    ann_id = create_approved(arun)
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 0
    later = {"DESKCTL_NOW": "2026-12-20T10:00:00+01:00"}
    assert arun("announce", "create", "feature-release", "--set", "services=crm", "--set", "start=2026-12-21T08:00",
                "--set", "features=Quotes can be signed on a tablet.", env=later).code == 0
    rows = arun("announce", "list", "--json", env=later).json()
    assert [r["id"] for r in rows] == ["ANN-0002", "ANN-0001"]
    assert [r["id"] for r in arun("announce", "list", "--status", "published", "--json", env=later).json()] == ["ANN-0001"]
    assert [r["id"] for r in arun("announce", "list", "--search", "TABLET", "--json", env=later).json()] == ["ANN-0002"]
    assert [r["id"] for r in arun("announce", "list", "--search", "inviare", "--json", env=later).json()] == ["ANN-0001"]
    assert [r["id"] for r in arun("announce", "list", "--since", "7d", "--json", env=later).json()] == ["ANN-0002"]
    table = arun("announce", "list", env=later).stdout.splitlines()
    assert table[0].split() == ["ID", "KIND", "STATUS", "VER", "SEVERITY", "SERVICES", "START", "END"]


def test_an_outage_can_start_now_and_times_are_shown_in_the_desk_zone(arun):
    created = arun("announce", "create", "unplanned-outage", "--set", "services=mail", "--set", "start=now",
                   "--set", "impact=Mail is down", "--json")
    assert created.code == 0, created
    record = created.json()
    start = record["versions"][0]["fields"]["start"]
    assert datetime.fromisoformat(start) == datetime.fromisoformat(NOW)
    shown = arun("announce", "show", record["id"]).stdout
    assert " CET by " in shown  # created ... in the desk's zone (Europe/Rome), labelled


def test_preview_in_a_language_the_announcement_is_not_written_in_is_refused(arun, maintenance):
    ann_id = create_approved(arun)
    result = arun("announce", "preview", ann_id, "--lang", "de")
    assert result.code == 2 and result.stdout == ""
    assert "'de'" in result.stderr and "en, it, ru, ro" in result.stderr
    assert arun("announce", "preview", ann_id, "--lang", "it", "--channel", "sms").code == 0
