"""What is active now: bulletins for front-line staff and the outages a new ticket joins."""

from __future__ import annotations

import pytest

from deskctl.announcements.active import active_outages_for_service
from deskctl.desk import Desk
from deskctl.util.clock import parse_instant
from tests.announcements.conftest import create_approved, resolve_and_publish


def publish_outage(arun, *fields: str, ticket: str | None = None) -> str:
    args = ["--set", "impact=It does not work", *fields] + (["--ticket", ticket] if ticket else [])
    ann_id = create_approved(arun, "unplanned-outage", *args)
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 0
    return ann_id


def test_active_outages_for_a_service(arun, desk, maintenance, monkeypatch):
    monkeypatch.setenv("DESKCTL_CACHE_DIR", str(desk / ".cache"))
    vpn = publish_outage(arun, "--set", "services=vpn,wifi", "--set", "start=2026-12-01T09:00")
    later = publish_outage(arun, "--set", "services=vpn", "--set", "start=2026-12-02T09:00")  # not started
    create_approved(arun, "degraded-service", "--set", "services=vpn", "--set", "start=2026-12-01T08:00",
                    "--set", "impact=slow")  # approved, never published
    maint = create_approved(arun)  # mail/calendar, starts 5 Dec
    assert arun("announce", "publish", "--allow-fallback", maint).code == 0
    release = create_approved(arun, "feature-release", "--set", "services=vpn", "--set", "start=2026-11-30T08:00",
                              "--set", "features=Faster VPN")
    assert arun("announce", "publish", "--allow-fallback", release).code == 0  # not an outage kind

    d = Desk(desk)
    now = parse_instant("2026-12-01T10:00:00+01:00")
    found = active_outages_for_service(d, "vpn", now)
    assert [b["id"] for b in found] == [vpn]
    assert found[0]["text"].startswith(f"{vpn} v1 · Service outage: vpn and wifi are unavailable")
    assert "What to tell callers:" in found[0]["text"]
    assert active_outages_for_service(d, "wifi", now)[0]["id"] == vpn
    assert active_outages_for_service(d, "mail", now) == []
    assert [b["id"] for b in active_outages_for_service(d, "vpn", parse_instant("2026-12-03T10:00:00+01:00"))] == [vpn, later]
    during = parse_instant("2026-12-05T23:00:00+01:00")
    assert [b["id"] for b in active_outages_for_service(d, "mail", during)] == [maint]
    italian = active_outages_for_service(d, "vpn", now, lang="it")[0]
    assert italian["language"] == "it" and "Cosa dire a chi chiama:" in italian["text"]

    assert resolve_and_publish(arun, vpn, "--allow-fallback", env={"DESKCTL_NOW": "2026-12-01T11:00:00+01:00"}).code == 0
    assert active_outages_for_service(d, "vpn", now) == []


def test_bulletin_lists_what_callers_will_ask_about_today(arun, maintenance):
    assert arun("bulletin").stderr.startswith("no active bulletins")
    outage = publish_outage(arun, "--set", "services=vpn", "--set", "start=2026-12-01T09:00")
    maint = create_approved(arun)
    assert arun("announce", "publish", "--allow-fallback", maint).code == 0
    items = arun("bulletin", "--json").json()
    assert [(b["id"], b["state"]) for b in items] == [(outage, "active")]  # maintenance is 4 days away
    soon = {"DESKCTL_NOW": "2026-12-05T09:00:00+01:00"}
    items = arun("bulletin", "--json", "--lang", "ro", env=soon).json()
    assert [(b["id"], b["state"]) for b in items] == [(outage, "active"), (maint, "upcoming")]
    assert "Ce le spuneți celor care sună:" in items[1]["text"]
    text = arun("bulletin", env=soon).stdout
    assert text.startswith(f"[active] {outage} v1 · Service outage: vpn is unavailable")


def test_new_ticket_for_an_affected_service_shows_the_bulletin_and_links_the_incident(arun):
    if arun("ticket", "--help").code != 0:
        pytest.skip("the ticket commands are not installed in this build")
    incident = arun("ticket", "create", "--title", "VPN down for everyone", "--service", "vpn", "--json")
    assert incident.code == 0, incident
    incident_id = incident.json()["id"] if "id" in incident.json() else incident.json()["ticket"]["id"]
    outage = publish_outage(arun, "--set", "services=vpn", "--set", "start=2026-12-01T09:00", ticket=incident_id)
    created = arun("ticket", "create", "--title", "cannot connect to VPN", "--service", "vpn", "--json")
    assert created.code == 0, created
    data = created.json()
    assert [b["id"] for b in data["bulletin"]] == [outage]
    assert {"id": incident_id, "kind": "related"} in data["links"]
    assert f"BULLETIN {outage}" in created.stderr
    other = arun("ticket", "create", "--title", "printer jam", "--service", "printing", "--json").json()
    assert "bulletin" not in other or not other["bulletin"]


def test_a_ticket_moved_onto_an_affected_service_shows_the_bulletin_and_links_the_incident(arun):
    incident_id = arun("ticket", "create", "--title", "VPN down for everyone", "--service", "vpn").stdout.strip()
    outage = publish_outage(arun, "--set", "services=vpn", "--set", "start=2026-12-01T09:00", ticket=incident_id)
    caller = arun("ticket", "create", "--title", "cannot work from home").stdout.strip()
    moved = arun("ticket", "update", caller, "--service", "vpn", "--json")
    assert moved.code == 0, moved
    assert [b["id"] for b in moved.json()["bulletin"]] == [outage] and f"BULLETIN {outage}" in moved.stderr
    assert {"id": incident_id, "kind": "related"} in moved.json()["links"]
    again = arun("ticket", "update", caller, "--service", "vpn", "--title", "cannot work from home (VPN)", "--json")
    assert again.json()["links"].count({"id": incident_id, "kind": "related"}) == 1  # linked once
