"""How far ahead an announcement is made: the minimum notice per kind
(`announcements.min_notice`, default planned maintenance 3 days, none for outages), and the
`--short-notice REASON` that lets a late one go out, recorded for the approvers to see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from deskctl.announcements.records import public_version
from deskctl.errors import BadInput
from deskctl.util import clock


@dataclass(frozen=True)
class ShortNotice:
    kind: str
    start: str  # ISO 8601, as stored
    minimum: float  # seconds
    left: float  # seconds from now to the start (negative: already started)
    local: str = ""  # the start in the desk's time zone, for messages

    def describe(self) -> str:
        when = f"it starts in {span(self.left)}" if self.left > 0 else f"it started {span(-self.left)} ago"
        return f"{self.kind} needs at least {span(self.minimum)} of notice, and {when} ({self.local or self.start})"


def span(seconds: float) -> str:
    """3 days, 1 day 4 hours, 1 hour, 45 minutes: the two largest units, for people."""
    seconds = int(max(0, round(seconds)))
    parts = []
    for name, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {name}{'s' if count != 1 else ''}")
    return " ".join(parts[:2]) or "less than a minute"


def minimum_for(config: dict, kind: str) -> float | None:
    """The kind's minimum notice in seconds, or None when it has none (0, false, unset)."""
    from deskctl.util.durations import parse_duration

    value = ((config.get("announcements") or {}).get("min_notice") or {}).get(kind)
    if value in (None, False, 0, "", "off", "none", "false"):
        return None
    seconds = parse_duration(value, f"announcements.min_notice.{kind}")
    return seconds or None


def short_notice(config: dict, record: dict, version: dict, now: datetime | None = None) -> ShortNotice | None:
    """Why `version` would go out at short notice, or None when it would not. Only what
    tells people of an event counts (not a closing or cancellation notice), and for a change
    to a published announcement only a start moved earlier: the rest was announced in time."""
    if version.get("notice", "announcement") != "announcement":
        return None
    minimum = minimum_for(config, record["kind"])
    start = (version.get("fields") or {}).get("start")
    if minimum is None or not start:
        return None
    if record.get("published_at"):
        shown = public_version(record)
        before = (shown.get("fields") or {}).get("start")
        if shown["version"] == version["version"] or (before and datetime.fromisoformat(start) >= datetime.fromisoformat(before)):
            return None
    left = (datetime.fromisoformat(start) - (now or clock.now())).total_seconds()
    if left >= minimum:
        return None
    from deskctl.announcements.fields import desk_zone

    local = datetime.fromisoformat(start).astimezone(desk_zone(config)).isoformat(timespec="minutes")
    return ShortNotice(record["kind"], start, minimum, left, local)


def covered(record: dict, found: ShortNotice) -> bool:
    """A short-notice reason was already given for this start."""
    given = record.get("short_notice") or {}
    return bool(given.get("reason")) and given.get("start") == found.start


def require(record: dict, found: ShortNotice | None, reason: str | None, actor: str, doing: str) -> None:
    """Refuse `doing` at short notice without a reason; with one, record it (the caller
    writes the record)."""
    from deskctl.announcements.workflow import event

    if found is None or (not reason and covered(record, found)):
        return
    if not (reason or "").strip():
        raise BadInput(f"{record['id']}: {found.describe()}: pass --short-notice REASON to {doing} it anyway")
    record["short_notice"] = {
        "reason": reason.strip(), "by": actor, "at": clock.now_iso(), "start": found.start,
        "minimum": span(found.minimum),
        "left": f"{span(found.left)} before the start" if found.left > 0 else "after the start",
    }
    event(record, actor, "short-notice", f"{reason.strip()} ({found.describe()})")


def summary(record: dict) -> str | None:
    """The short-notice reason as approvers see it, or None."""
    given = record.get("short_notice") or {}
    if not given.get("reason"):
        return None
    return f"{given['reason']} (given by {given.get('by')} {given.get('left')}; minimum {given.get('minimum')})"
