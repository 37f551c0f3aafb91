""""Now" for every command: the system clock, or `DESKCTL_NOW` (ISO 8601) for tests, demos
and replaying a day."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from deskctl.errors import BadInput

# The years deskctl works in: POSIX timestamps, calendars laid out year by year and dates
# printed with four digits all hold there. Year 1 or 9999 is a typo, not a plan.
MIN_YEAR, MAX_YEAR = 1970, 2999


def parse_instant(text: str, what: str = "time") -> datetime:
    """An ISO 8601 instant; one without a zone is taken as UTC."""
    hint = "write it like 2026-11-23T09:30:00+01:00"
    if len(text) > 64:
        raise BadInput(f"{what} is {len(text)} characters long: not an ISO 8601 time", hint)
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"{what} {text!r} is not an ISO 8601 time", hint) from None
    return within_years(value if value.tzinfo else value.replace(tzinfo=UTC), what, text, hint)


def within_years(value: datetime, what: str, text: str, hint: str) -> datetime:
    """`value`, or BadInput naming `what` when it lies outside MIN_YEAR..MAX_YEAR."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise BadInput(f"{what} {text!r} is outside the years {MIN_YEAR}-{MAX_YEAR}", hint)
    return value


def now() -> datetime:
    """The current instant (timezone-aware, UTC)."""
    fixed = os.environ.get("DESKCTL_NOW")
    if fixed:
        return parse_instant(fixed, "DESKCTL_NOW").astimezone(UTC)
    return datetime.now(UTC)


def now_iso() -> str:
    return now().isoformat(timespec="seconds")
