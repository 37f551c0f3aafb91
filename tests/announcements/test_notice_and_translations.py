"""The minimum notice per kind (`--short-notice REASON`), and free-text fields per language:
a missing translation is a warning at preview and submit, and stops publish unless
`--allow-fallback`."""

from __future__ import annotations

import re

from tests.announcements.conftest import (
    NOW,
    TRANSLATED_YAML,
    add_config,
    create_approved,
    resolve_and_publish,
)

SOON = TRANSLATED_YAML.replace("start: 2026-12-05T22:00:00+01:00", "start: 2026-12-01T11:00:00+01:00").replace(
    "end: 2026-12-06T02:00:00+01:00", "end: 2026-12-01T13:00:00+01:00")  # NOW + 1 hour


def write(desk, text: str, name: str = "maintenance.yaml") -> None:
    (desk / name).write_text(text, encoding="utf-8")


def test_a_planned_maintenance_in_an_hour_needs_a_short_notice_reason(arun, desk):
    write(desk, SOON)
    ann_id = arun("announce", "create", "planned-maintenance", "--from", "maintenance.yaml").stdout.strip()
    refused = arun("announce", "submit", ann_id)
    assert refused.code == 2
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, refused
    assert "planned-maintenance needs at least 3 days of notice" in lines[0] and "it starts in 1 hour" in lines[0]
    assert "--short-notice REASON" in lines[0]
    assert arun("announce", "show", ann_id, "--json").json()["status"] == "draft"  # nothing half-done

    done = arun("announce", "submit", ann_id, "--short-notice", "the storage vendor found a firmware bug")
    assert done.code == 0, done
    record = arun("announce", "show", ann_id, "--json").json()
    event = next(e for e in record["timeline"] if e["action"] == "short-notice")
    assert event["note"].startswith("the storage vendor found a firmware bug") and event["actor"] == "tester"
    assert "firmware bug" in record["approval"]["short_notice"]
    assert "short notice  the storage vendor found a firmware bug" in arun("announce", "show", ann_id).stdout
    approved = arun("--actor", "alice", "announce", "approve", ann_id)
    assert approved.code == 0 and "short notice: the storage vendor found a firmware bug" in approved.stderr
    # the reason given for this start covers the publish too
    published = arun("announce", "publish", ann_id)
    assert published.code == 0, published


def test_publishing_late_needs_the_reason_even_when_submitted_in_time(arun, desk):
    write(desk, TRANSLATED_YAML)  # 4.5 days ahead of NOW: in time
    ann_id = create_approved(arun)
    late = {"DESKCTL_NOW": "2026-12-04T10:00:00+01:00"}  # 1 day 12 hours before the start
    refused = arun("announce", "publish", ann_id, env=late)
    assert refused.code == 2 and "it starts in 1 day 12 hours" in refused.stderr, refused
    assert arun("announce", "show", ann_id, "--json").json()["deliveries"] == []
    ok = arun("announce", "publish", ann_id, "--short-notice", "approval took too long", env=late)
    assert ok.code == 0, ok
    record = arun("announce", "show", ann_id, "--json").json()
    assert record["short_notice"]["reason"] == "approval took too long" and record["status"] == "published"


def test_the_minimum_is_configurable_per_kind_and_outages_have_none(arun, desk):
    add_config(desk, "")  # (the announcements section already exists: change it in place)
    path = desk / "config" / "deskctl.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "  publish_channels: [file, statuspage]", "  publish_channels: [file, statuspage]\n"
        "  min_notice: {planned-maintenance: false, system-update: 2d}")
    path.write_text(text, encoding="utf-8")
    write(desk, SOON)
    maintenance = arun("announce", "create", "planned-maintenance", "--from", "maintenance.yaml").stdout.strip()
    assert arun("announce", "submit", maintenance).code == 0  # turned off
    update = arun("announce", "create", "system-update", "--set", "services=mail", "--set", "start=+1d",
                  "--set", "changes=New spam filter").stdout.strip()
    refused = arun("announce", "submit", update)
    assert refused.code == 2 and "system-update needs at least 2 days of notice, and it starts in 1 day" in refused.stderr
    outage = arun("announce", "create", "unplanned-outage", "--set", "services=mail", "--set", "start=now",
                  "--set", "impact=Mail is down").stdout.strip()
    assert arun("announce", "submit", outage).code == 0


def test_a_missing_translation_is_named_at_preview_and_submit_and_stops_publish(arun, desk, maintenance):
    ann_id = arun("announce", "create", "planned-maintenance", "--from", "maintenance.yaml").stdout.strip()
    preview = arun("announce", "preview", ann_id, "--lang", "it", "--channel", "email")
    assert "workaround has no it text" in preview.stderr
    submitted = arun("announce", "submit", ann_id)
    assert submitted.code == 0
    warned = re.findall(r"ANN-0001 v1: (\w+) has no (\w+) text", submitted.stderr)
    # the example file: workaround only in English, impact in English and Italian, contact once
    assert set(warned) == {
        ("workaround", "it"), ("workaround", "ru"), ("workaround", "ro"), ("impact", "ru"), ("impact", "ro"),
        ("contact", "it"), ("contact", "ru"), ("contact", "ro")}
    assert arun("--actor", "alice", "announce", "approve", ann_id).code == 0
    refused = arun("announce", "publish", ann_id)
    assert refused.code == 2
    assert "ANN-0001 v1: workaround has no it text" in refused.stderr and "--allow-fallback" in refused.stderr
    assert arun("announce", "show", ann_id, "--json").json()["status"] == "approved"  # nothing sent
    assert not (desk / "public" / "announcements").exists()

    allowed = arun("announce", "publish", ann_id, "--allow-fallback")
    assert allowed.code == 0, allowed
    record = arun("announce", "show", ann_id, "--json").json()
    assert record["fallback_allowed"] == [1]
    assert any(e["action"] == "fallback-allowed" and "workaround has no it text" in e["note"] for e in record["timeline"])
    assert arun("announce", "publish", ann_id).code == 0  # accepted once for this version


def test_every_free_text_field_takes_one_value_per_language(arun, desk):
    write(desk, TRANSLATED_YAML)
    ann_id = arun("announce", "create", "planned-maintenance", "--from", "maintenance.yaml",
                  "--set", "contact.en=Call 1234", "--set", "contact.it=Chiamate il 1234",
                  "--set", "contact.ru=Звоните 1234", "--set", "contact.ro=Sunați la 1234",
                  "--set", "title.en=Mail pause", "--set", "title.it=Pausa della posta",
                  "--set", "title.ru=Перерыв почты", "--set", "title.ro=Pauză e-mail").stdout.strip()
    submitted = arun("announce", "submit", ann_id)
    assert submitted.code == 0 and "has no" not in submitted.stderr, submitted
    italian = arun("announce", "preview", ann_id, "--lang", "it", "--channel", "email").stdout
    assert "Contatti: Chiamate il 1234" in italian and "Pausa della posta" in italian and "Call 1234" not in italian


def test_a_closing_notice_given_once_is_refused_before_anything_is_sent(arun, desk):
    write(desk, TRANSLATED_YAML)
    ann_id = create_approved(arun)
    assert arun("announce", "publish", ann_id).code == 0
    after = {"DESKCTL_NOW": "2026-12-06T03:00:00+01:00"}
    recorded = arun("announce", "resolve", ann_id, "--set", "resolution=The VPN works again.", env=after)
    assert recorded.code == 0 and "resolution has no it text" in recorded.stderr, recorded
    assert arun("--actor", "bob", "announce", "approve", ann_id, env=after).code == 0
    refused = arun("announce", "publish", ann_id, env=after)
    assert refused.code == 2 and "resolution has no it text" in refused.stderr, refused
    assert arun("announce", "show", ann_id, "--json").json()["status"] == "published"
    assert not (desk / "public" / "announcements" / ann_id / "v2").exists()
    # resolving again replaces the closing notice never sent: approved anew, then published
    done = resolve_and_publish(arun, ann_id, "--set", "resolution.en=The VPN works again.",
                               "--set", "resolution.it=La VPN funziona di nuovo.", "--set", "resolution.ru=VPN снова работает.",
                               "--set", "resolution.ro=VPN-ul funcționează din nou.", env=after)
    assert done.code == 0, done
    italian = (desk / "public" / "announcements" / ann_id / "v3" / "it" / "email.txt").read_text(encoding="utf-8")
    assert "Cosa è stato fatto:\nLa VPN funziona di nuovo." in italian and "The VPN" not in italian
    assert NOW  # the fixed clock of the other steps


def test_spans_and_minimums_read_as_people_write_them():
    from deskctl.announcements.notice import minimum_for, span

    assert span(3 * 86400) == "3 days" and span(86400 + 4 * 3600 + 59) == "1 day 4 hours"
    assert span(3600) == "1 hour" and span(45 * 60) == "45 minutes" and span(5) == "less than a minute"
    config = {"announcements": {"min_notice": {"planned-maintenance": "1d12h", "system-update": False}}}
    assert minimum_for(config, "planned-maintenance") == 36 * 3600
    assert minimum_for(config, "system-update") is None and minimum_for(config, "unplanned-outage") is None


def test_missing_translations_count_a_text_given_once_as_the_default_language():
    from deskctl.announcements.fields import missing_translations
    from deskctl.announcements.kinds import get_kind

    kind = get_kind({}, "planned-maintenance")
    fields = {"impact": {"en": "down", "it": "giù"}, "workaround": "use the phone", "services": ["mail"]}
    assert missing_translations(kind, fields, ["en", "it", "ru"], "en") == [
        ("impact", "ru"), ("workaround", "it"), ("workaround", "ru")]
    assert missing_translations(kind, fields, ["en"], "en") == []


def test_a_published_change_needs_the_reason_only_when_it_moves_the_start_earlier(arun, desk):
    write(desk, TRANSLATED_YAML)
    ann_id = create_approved(arun)
    assert arun("announce", "publish", ann_id).code == 0
    day_before = {"DESKCTL_NOW": "2026-12-04T22:00:00+01:00"}
    later = arun("announce", "update", ann_id, "--set", "end=2026-12-06T04:00:00+01:00", env=day_before)
    assert later.code == 0 and arun("--actor", "bob", "announce", "approve", ann_id, env=day_before).code == 0
    assert arun("announce", "publish", ann_id, env=day_before).code == 0  # announced in time already
    earlier = arun("announce", "update", ann_id, "--set", "start=2026-12-05T20:00:00+01:00", env=day_before)
    assert earlier.code == 0 and arun("--actor", "bob", "announce", "approve", ann_id, env=day_before).code == 0
    refused = arun("announce", "publish", ann_id, env=day_before)
    assert refused.code == 2 and "it starts in 22 hours" in refused.stderr, refused
    assert arun("announce", "publish", ann_id, "--short-notice", "the vendor moved it", env=day_before).code == 0
