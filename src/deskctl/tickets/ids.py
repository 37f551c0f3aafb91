"""Ticket ids: a per-type prefix and a number (`INC-42`), accepted in any case."""

from __future__ import annotations

from deskctl.errors import NotFound

MAX_DIGITS = 18


def parse_id(ticket_id: str, prefixes: dict[str, str]) -> tuple[str, int]:
    """(PREFIX, number) of an id; an unknown prefix or shape is NotFound (exit 2)."""
    prefix, dash, number = str(ticket_id).strip().partition("-")
    known = set(prefixes.values())
    # more than 18 digits (zeros included) is no ticket of any store, and int() of 5000 fails
    if not (dash and prefix.isascii() and prefix.isalpha() and number.isascii() and number.isdigit()
            and len(number) <= MAX_DIGITS) or prefix.upper() not in known:
        raise NotFound(
            f"no ticket {ticket_id!r}",
            f"ids look like {'-42, '.join(sorted(known))}-42",
        )
    return prefix.upper(), int(number)


def normalise_id(ticket_id: str, prefixes: dict[str, str]) -> str:
    prefix, number = parse_id(ticket_id, prefixes)
    return f"{prefix}-{number}"
