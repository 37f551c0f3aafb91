"""Moments written by people, one parser for every option and field that takes one
(`--since`, `--until`, an announcement's `start=`/`end=`): `now`, a duration from now
(`30d` ago for a `--since`, `+2h` ahead, `-1w` back), a day (`2026-11-01`, midnight in the desk's
time zone) or an ISO 8601 time (without an offset, the desk's time zone)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from deskctl.errors import BadInput
from deskctl.util import clock

HINT = "write it like now, 30d (ago), +2h (from now), 2026-11-01 or 2026-11-01T09:00"


def parse_moment(text: str, what: str, zone: tzinfo, *, end_of_day: bool = False,
                 bare_duration: int = -1) -> datetime:
    """The instant `text` names, timezone-aware. A bare duration (`30d`) counts back from now
    (`bare_duration=-1`, for `--since`) or ahead (`+1`, for a start); a day with `end_of_day`
    is the next midnight, so that `--until 2026-11-30` includes the 30th."""
    raw = str(text).strip()
    now = clock.now().replace(microsecond=0)  # what people write is never finer than a second
    if raw.lower() == "now":
        return now
    relative = _relative(raw, bare_duration)
    if relative is not None:
        try:
            return _bounded(now + relative, what, text)
        except OverflowError:
            raise BadInput(f"{what} {text!r} is too far from now", HINT) from None
    try:
        if len(raw) == 10 and raw[4] == "-":
            day = date.fromisoformat(raw) + timedelta(days=1 if end_of_day else 0)
            moment = datetime.combine(day, time(0, 0), tzinfo=zone)
        else:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        raise BadInput(f"{what} {text!r} is not a time", HINT) from None
    return _bounded(moment if moment.tzinfo else moment.replace(tzinfo=zone), what, text)


def _bounded(moment: datetime, what: str, text: str) -> datetime:
    return clock.within_years(moment, what, text, HINT)


def _relative(raw: str, bare_duration: int) -> timedelta | None:
    """`30d`, `+2h`, `-1w` -> a signed offset from now; None for anything else."""
    sign = bare_duration
    body = raw
    if raw[:1] and raw[0] in "+-":
        sign, body = (1 if raw[0] == "+" else -1), raw[1:]
    if not body or body[-1:].lower() not in "smhdw" or not body[0].isdigit():
        return None
    from deskctl.util.durations import parse_duration

    try:
        seconds = parse_duration(body)
        return timedelta(seconds=sign * seconds)
    except (BadInput, OverflowError):
        return None


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def format_local(iso: str | None, zone_name: str) -> str:
    """`2026-12-02 13:32 CET`: a stored ISO time as people read it, in the desk's zone and
    labelled with the zone's abbreviation ("" for no time)."""
    if not iso:
        return ""
    from zoneinfo import ZoneInfo

    t = datetime.fromisoformat(iso).astimezone(ZoneInfo(zone_name))
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d} {t.tzname()}"


def desk_moment(desk, text: str, what: str) -> datetime:
    """`parse_moment` in the desk's configured time zone (a `--since` and the like)."""
    from zoneinfo import ZoneInfo

    return parse_moment(text, what, ZoneInfo(str(desk.setting("timezone", default="UTC"))))


def desk_local(desk, iso: str | None) -> str:
    """`format_local` in the desk's configured time zone."""
    return format_local(iso, str(desk.setting("timezone", default="UTC")))
