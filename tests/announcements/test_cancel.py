"""`announce cancel`: a draft is simply cancelled; a published announcement gets a
cancellation notice, approved like an update and published where it went, in every language;
afterwards it is `cancelled`, gone from bulletins, shown as cancelled on the status page."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.announcements.conftest import SMS_TOKEN, TRANSLATED_YAML, create_approved

LANGS = ["en", "it", "ru", "ro"]
SOON = {"DESKCTL_NOW": "2026-12-05T10:00:00+01:00"}  # the day of the window: the bulletin shows it


def published(arun, desk, *channels: str) -> str:
    (desk / "maintenance.yaml").write_text(TRANSLATED_YAML, encoding="utf-8")
    ann_id = create_approved(arun)
    extra = [a for c in channels for a in ("--channel", c)]
    result = arun("announce", "publish", ann_id, *extra)
    assert result.code == 0, result
    return ann_id


def test_a_draft_never_published_is_cancelled_without_sending_anything(arun, desk, maintenance):
    ann_id = arun("announce", "create", "planned-maintenance", "--from", "maintenance.yaml").stdout.strip()
    assert arun("announce", "submit", ann_id).code == 0
    result = arun("announce", "cancel", ann_id, "--reason", "not needed after all", "--json")
    assert result.code == 0, result
    record = result.json()
    assert record["status"] == "cancelled" and len(record["versions"]) == 1 and record["deliveries"] == []
    assert record["timeline"][-1]["action"] == "cancelled" and "not needed after all" in record["timeline"][-1]["note"]
    refused = arun("announce", "publish", ann_id)
    assert refused.code == 2 and "cancelled before it was published" in refused.stderr
    assert not (desk / "public" / "announcements").exists()
    assert arun("announce", "cancel", ann_id, "--reason", "again").code == 2
    assert [r["id"] for r in arun("announce", "list", "--status", "cancelled", "--json").json()] == [ann_id]
    assert arun("announce", "archive", ann_id).code == 0


def test_a_published_announcement_is_cancelled_through_an_approved_notice(arun, desk):
    ann_id = published(arun, desk)
    assert [b["id"] for b in arun("bulletin", "--json", env=SOON).json()] == [ann_id]
    cancelled = arun("announce", "cancel", ann_id, "--reason", "the vendor postponed the upgrade",
                     "--set", "cancellation.en=A new date will follow.", "--set", "cancellation.it=Seguirà una nuova data.",
                     "--set", "cancellation.ru=Новая дата будет объявлена.", "--set", "cancellation.ro=Vom anunța o nouă dată.")
    assert cancelled.code == 0, cancelled
    assert "awaits approval" in cancelled.stderr and "file, statuspage in en, it, ru, ro" in cancelled.stderr
    record = arun("announce", "show", ann_id, "--json").json()
    assert record["status"] == "published" and record["pending"]["notice"] == "cancellation"
    assert record["versions"][-1]["notice"] == "cancellation" and record["public_version"] == 1
    # not approved yet: publishing sends nothing, the public still sees the maintenance
    early = arun("announce", "publish", ann_id, "--json")
    assert early.code == 0 and early.json()["sent"] == [] and early.json()["version"] == 1
    assert arun("announce", "update", ann_id, "--set", "end=2026-12-06T03:00:00+01:00").code == 2
    # the same approval rules as an update: its author may not approve it
    assert arun("announce", "approve", ann_id).code == 3
    assert arun("--actor", "bob", "announce", "approve", ann_id).code == 0

    result = arun("announce", "publish", ann_id, "--json")
    assert result.code == 0, result
    report = result.json()
    assert report["version"] == 2 and report["status"] == "cancelled"
    assert sorted((d["channel"], d["language"]) for d in report["sent"]) == sorted(
        (c, lang) for c in ("file", "statuspage") for lang in LANGS)
    ledger = arun("announce", "show", ann_id, "--json").json()["deliveries"]
    assert sorted(d["version"] for d in ledger) == [1] * 8 + [2] * 8  # the same ledger
    folder = desk / "public" / "announcements" / ann_id / "v2"
    texts = {lang: (folder / lang / "email.txt").read_text(encoding="utf-8") for lang in LANGS}
    assert "has been cancelled and will not take place" in texts["en"] and "A new date will follow." in texts["en"]
    assert "è stato annullato e non avrà luogo" in texts["it"] and "Seguirà una nuova data." in texts["it"]
    assert "отменены и не состоятся" in texts["ru"] and "Новая дата будет объявлена." in texts["ru"]
    assert "au fost anulate" in texts["ro"] and "Vom anunța o nouă dată." in texts["ro"]
    assert (folder / "it" / "email.subject.txt").read_text(encoding="utf-8").startswith("Annullato: intervento su mail e calendar")

    # no longer upcoming: not in bulletins; the status page and feed show it cancelled
    assert arun("bulletin", "--json", env=SOON).json() == []
    page = (desk / "public" / "status" / "it" / "index.html").read_text(encoding="utf-8")
    assert 'class="card state-cancelled' in page and ">annullato</p>" in page and "programmato" not in page
    feed = ET.parse(desk / "public" / "status" / "en" / "feed.xml").getroot()
    atom = {"a": "http://www.w3.org/2005/Atom"}
    assert [e.findtext("a:title", namespaces=atom) for e in feed.findall("a:entry", atom)] == [
        "Cancelled: the work on mail and calendar on December 5, 2026"]
    assert arun("announce", "cancel", ann_id, "--reason", "twice").code == 2
    assert arun("announce", "resolve", ann_id).code == 2
    # once its window has passed it moves to the recent notices, still cancelled, for recent_days
    assert arun("announce", "statuspage", env={"DESKCTL_NOW": "2026-12-07T10:00:00+01:00"}).code == 0
    page = (desk / "public" / "status" / "en" / "index.html").read_text(encoding="utf-8")
    assert page.index("Recently resolved") < page.index('class="card state-cancelled')
    assert arun("announce", "statuspage", env={"DESKCTL_NOW": "2026-12-30T10:00:00+01:00"}).code == 0
    assert "state-cancelled" not in (desk / "public" / "status" / "en" / "index.html").read_text(encoding="utf-8").split("</style>")[1]


def test_the_cancellation_goes_only_where_the_announcement_went(arun, desk, sms_desk, sms_gateway):
    env = {"SMS_GATEWAY_AUTH": SMS_TOKEN}
    (desk / "maintenance.yaml").write_text(TRANSLATED_YAML, encoding="utf-8")
    ann_id = create_approved(arun)
    assert arun("announce", "publish", ann_id, "--channel", "sms", env=env).code == 0
    assert arun("announce", "cancel", ann_id, "--reason", "postponed").code == 0
    assert arun("--actor", "bob", "announce", "approve", ann_id).code == 0
    result = arun("announce", "publish", ann_id, "--json", env=env)  # publish_channels would add `file`
    assert result.code == 0, result
    assert {d["channel"] for d in result.json()["sent"]} == {"sms"}
    texts = {r["json"]["language"]: r["json"]["text"] for r in sms_gateway.requests[5:]}
    assert len(sms_gateway.requests) == 10 and sorted(texts) == sorted(LANGS)
    assert texts["en"].startswith("Cancelled: the work on mail and calendar planned for")
    assert texts["ru"].startswith("Отменено: работы (mail и calendar)")


def test_a_rejected_cancellation_leaves_the_announcement_as_it_was(arun, desk):
    ann_id = published(arun, desk)
    assert arun("announce", "cancel", ann_id, "--reason", "maybe not").code == 0
    assert arun("--actor", "bob", "announce", "reject", ann_id, "--reason", "it goes ahead").code == 0
    # an update now starts from what the public has, not from the cancellation
    changed = arun("announce", "update", ann_id, "--set", "end=2026-12-06T03:00:00+01:00", "--json")
    assert changed.code == 0, changed
    newest = changed.json()["versions"][-1]
    assert newest["notice"] == "announcement" and newest["fields"]["impact"]["it"].startswith("Non sarà")
    assert arun("--actor", "bob", "announce", "approve", ann_id).code == 0
    assert arun("announce", "publish", ann_id).code == 0
    record = arun("announce", "show", ann_id, "--json").json()
    assert record["status"] == "published" and "cancel_reason" not in record


def test_cancel_sets_only_the_cancellation_text(arun, desk):
    ann_id = published(arun, desk)
    result = arun("announce", "cancel", ann_id, "--reason", "x", "--set", "impact=none")
    assert result.code == 3 and "cancel sets only cancellation" in result.stderr
    assert arun("announce", "cancel", ann_id, "--reason", " ").code == 2
