"""Ticket ids: a per-type prefix and a number (`INC-42`), accepted in any case."""

from __future__ import annotations

import re

from deskctl.errors import NotFound

_ID = re.compile(r"^\s*([A-Za-z]+)-(\d+)\s*$")


def parse_id(ticket_id: str, prefixes: dict[str, str]) -> tuple[str, int]:
    """(PREFIX, number) of an id; an unknown prefix or shape is NotFound (exit 2)."""
    match = _ID.match(str(ticket_id))
    known = set(prefixes.values())
    if not match or match.group(1).upper() not in known:
        raise NotFound(
            f"no ticket {ticket_id!r}",
            f"ids look like {'-42, '.join(sorted(known))}-42",
        )
    return match.group(1).upper(), int(match.group(2))


def normalise_id(ticket_id: str, prefixes: dict[str, str]) -> str:
    prefix, number = parse_id(ticket_id, prefixes)
    return f"{prefix}-{number}"
