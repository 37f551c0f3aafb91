"""What is going on right now: the bulletins front-line staff need today, and the outages a
new ticket for a service belongs to.

`ticket create --service S` calls :func:`active_outages_for_service` to show the operator the
bulletin and link the new ticket to the incident ticket (:func:`link_ticket_to_outages`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from deskctl import clock
from deskctl.announcements.kinds import load_kinds
from deskctl.announcements.render import Renderer, languages_of, version_of
from deskctl.announcements.store import AnnouncementStore


def _window(record: dict) -> tuple[datetime | None, datetime | None]:
    fields = version_of(record)["fields"]
    start = datetime.fromisoformat(fields["start"]) if fields.get("start") else None
    end = datetime.fromisoformat(fields["end"]) if fields.get("end") else None
    return start, end


def _bulletin(renderer: Renderer, record: dict, lang: str | None) -> dict[str, Any]:
    version = version_of(record)
    languages = languages_of(record, version, renderer.config)
    shown = lang if lang and lang in languages else renderer.default_language
    rendered = renderer.render(record, version, shown, "bulletin")
    start, end = _window(record)
    return {
        "id": record["id"],
        "version": version["version"],
        "kind": record["kind"],
        "severity": version["fields"].get("severity", "minor"),
        "services": version["fields"].get("services", []),
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
        "ticket": record.get("ticket"),
        "language": shown,
        "title": rendered.parts["title"],
        "text": rendered.parts["text"],
        "warnings": rendered.warnings,
    }


def active_outages_for_service(desk, service: str, now: datetime | None = None, *, lang: str | None = None) -> list[dict]:
    """Published, unresolved announcements of an outage kind (planned maintenance, outage,
    degraded service) whose window has started and that name `service`, each with its
    bulletin text. Empty when there is none (or no announcement was ever made)."""
    now = now or clock.now()
    kinds = load_kinds(desk.config)
    matches = []
    for record in AnnouncementStore.for_desk(desk).all():
        kind = kinds.get(record["kind"])
        if record["status"] != "published" or kind is None or not kind.outage:
            continue
        start, _ = _window(record)
        if start is None or start > now:
            continue
        if service in (version_of(record)["fields"].get("services") or []):
            matches.append(record)
    if not matches:
        return []
    renderer = Renderer(desk)
    return [_bulletin(renderer, r, lang) for r in sorted(matches, key=lambda r: r["id"])]


def active_bulletins(desk, now: datetime | None = None, *, lang: str | None = None,
                     horizon_hours: float | None = None) -> list[dict]:
    """Every published announcement that matters to callers today: started, or starting
    within `horizon_hours` (announcements.bulletin_horizon_hours, default 24)."""
    now = now or clock.now()
    if horizon_hours is None:
        horizon_hours = float((desk.config.get("announcements") or {}).get("bulletin_horizon_hours", 24))
    limit = now + timedelta(hours=horizon_hours)
    chosen = []
    for record in AnnouncementStore.for_desk(desk).all():
        if record["status"] != "published":
            continue
        start, _ = _window(record)
        if start is not None and start > limit:
            continue
        chosen.append(record)
    if not chosen:
        return []
    renderer = Renderer(desk)
    result = []
    for record in sorted(chosen, key=lambda r: (_window(r)[0] or now, r["id"])):
        entry = _bulletin(renderer, record, lang)
        start = _window(record)[0]
        entry["state"] = "upcoming" if start and start > now else "active"
        result.append(entry)
    return result


def link_ticket_to_outages(desk, ticket: dict, *, actor: str, now: datetime | None = None) -> list[dict]:
    """For a newly created ticket with a `service`: the active outage bulletins for it, and
    the ticket linked to each outage's incident ticket (and noted in the announcement's
    timeline). Returns the bulletins (the `"bulletin"` of `ticket create --json`)."""
    service = ticket.get("service")
    if not service:
        return []
    bulletins = active_outages_for_service(desk, str(service), now)
    if not bulletins:
        return []
    from deskctl.announcements.workflow import event

    store = AnnouncementStore.for_desk(desk, actor)
    for bulletin in bulletins:
        incident = bulletin.get("ticket")
        if incident and incident != ticket.get("id"):
            from deskctl.tickets import api

            api.link(desk, ticket["id"], incident, actor=actor, kind="related")
            bulletin["linked_to"] = incident
        store.update(bulletin["id"], lambda rec, b=bulletin: event(
            rec, actor, "ticket-linked", f"{ticket['id']} opened for {service}", ticket=ticket["id"], incident=b.get("ticket")))
    return bulletins
