"""What is going on right now: the bulletins front-line staff need today, and the outages a
new ticket for a service belongs to.

`ticket create --service S` calls :func:`active_outages_for_service` to show the operator the
bulletin and link the new ticket to the incident ticket (:func:`link_ticket_to_outages`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

# The rendering machinery (render, kinds: Jinja2, Babel) is imported inside the functions,
# once a published announcement is known to matter: `ticket create` asks on every call, and
# usually nothing is published for the ticket's service.
from typing import TYPE_CHECKING

from deskctl.announcements.records import languages_of, public_version
from deskctl.util import clock

if TYPE_CHECKING:
    from typing import Any

    from deskctl.announcements.render import Renderer

def _published(desk) -> list[dict]:
    """Published announcement records (one that cannot be read is skipped here:
    `deskctl announce list` and `config check` report it)."""
    from deskctl.store import open_backend

    return open_backend(desk).announcements.published()


def _window(record: dict) -> tuple[datetime | None, datetime | None]:
    fields = public_version(record).get("fields") or {}
    start = datetime.fromisoformat(fields["start"]) if fields.get("start") else None
    end = datetime.fromisoformat(fields["end"]) if fields.get("end") else None
    return start, end


def _bulletin(renderer: Renderer, record: dict, lang: str | None) -> dict[str, Any]:
    version = public_version(record)
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
    candidates = []
    for record in _published(desk):
        start, _ = _window(record)
        if start is not None and start <= now and service in ((public_version(record).get("fields") or {}).get("services") or []):
            candidates.append(record)
    if not candidates:
        return []
    from deskctl.announcements.kinds import load_kinds
    from deskctl.announcements.render import Renderer

    kinds = load_kinds(desk.config)
    matches = [r for r in candidates if kinds.get(r["kind"]) is not None and kinds[r["kind"]].outage]
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
    for record in _published(desk):
        start, _ = _window(record)
        if start is not None and start > limit:
            continue
        chosen.append(record)
    if not chosen:
        return []
    from deskctl.announcements.render import Renderer

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
    from deskctl.announcements.store import Announcements
    from deskctl.announcements.workflow import event

    store = Announcements.for_desk(desk, actor)
    for bulletin in bulletins:
        incident = bulletin.get("ticket")
        if incident and incident != ticket.get("id"):
            from deskctl.tickets import operations

            operations.link(desk, ticket["id"], incident, actor=actor, kind="related")
            bulletin["linked_to"] = incident
        store.update(bulletin["id"], lambda rec, b=bulletin: event(
            rec, actor, "ticket-linked", f"{ticket['id']} opened for {service}", ticket=ticket["id"], incident=b.get("ticket")))
    return bulletins
