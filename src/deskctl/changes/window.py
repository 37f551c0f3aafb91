"""A change's window: start and end in a named time zone, and whether "now" lies inside."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from deskctl.errors import BadInput
from deskctl.util import clock


def zone_of(name: str | None, fallback: str) -> ZoneInfo:
    wanted = name or fallback or "UTC"
    try:
        return ZoneInfo(wanted)
    except Exception:
        raise BadInput(f"--window-zone {wanted!r} is not a time zone", "use an IANA name such as Europe/Rome") from None


def _instant(text: str, zone: ZoneInfo, what: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"{what} {text!r} is not an ISO 8601 time", "write it like 2026-12-05T22:00") from None
    value = value if value.tzinfo else value.replace(tzinfo=zone)  # a wall-clock time of the zone
    return clock.within_years(value.astimezone(zone), what, text, "write it like 2026-12-05T22:00")


def make(start: str, end: str, zone_name: str | None, desk_zone: str) -> dict:
    """{start, end, zone}: ISO instants with the zone's offset, start before end."""
    zone = zone_of(zone_name, desk_zone)
    begins, ends = _instant(start, zone, "--window-start"), _instant(end, zone, "--window-end")
    if ends <= begins:
        raise BadInput(f"the window ends ({end}) before it starts ({start})", "give --window-end after --window-start")
    return {"start": begins.isoformat(timespec="minutes"), "end": ends.isoformat(timespec="minutes"), "zone": zone.key}


def describe(window: dict) -> str:
    """"2026-12-05 22:00 - 2026-12-06 02:00 Europe/Rome"."""
    start = datetime.fromisoformat(window["start"])
    end = datetime.fromisoformat(window["end"])
    return f"{start:%Y-%m-%d %H:%M} - {end:%Y-%m-%d %H:%M} {window['zone']}"


def contains(window: dict, now: datetime | None = None) -> bool:
    now = now or clock.now()
    return datetime.fromisoformat(window["start"]) <= now < datetime.fromisoformat(window["end"])
