""""Now" for every command: the system clock, or `DESKCTL_NOW` (ISO 8601) for tests, demos
and replaying a day."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from deskctl.errors import BadInput


def parse_instant(text: str, what: str = "time") -> datetime:
    """An ISO 8601 instant; one without a zone is taken as UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"{what} {text!r} is not an ISO 8601 time", "write it like 2026-11-23T09:30:00+01:00") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def now() -> datetime:
    """The current instant (timezone-aware, UTC)."""
    fixed = os.environ.get("DESKCTL_NOW")
    if fixed:
        return parse_instant(fixed, "DESKCTL_NOW").astimezone(UTC)
    return datetime.now(UTC)


def now_iso() -> str:
    return now().isoformat(timespec="seconds")
