"""Click-free helpers for command arguments, shared by the click commands and the actions
the fast path calls directly."""

from __future__ import annotations

import sys


def interactive(assume_yes: bool = False) -> bool:
    """True when we may ask a person: stdin is a terminal and --yes was not given."""
    return not assume_yes and sys.stdin is not None and sys.stdin.isatty()


def parse_assignments(values: tuple[str, ...], option: str) -> dict[str, object]:
    """`key=value` pairs from repeated options; a malformed one is a usage error."""
    from deskctl.errors import BadInput

    result: dict[str, object] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise BadInput(f"{option} {item!r}: expected key=value")
        result[key.strip()] = value
    return result


def csv_list(values: tuple[str, ...]) -> list[str]:
    """Repeated options that may also hold comma-separated values, flattened."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]
