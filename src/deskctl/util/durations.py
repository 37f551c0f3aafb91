"""Durations written by people: `15m`, `4h`, `2d`, `1w`, `1d12h`, `90s`."""

from __future__ import annotations

import re

from deskctl.errors import BadInput

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# compiled on first use (by `re`'s own cache), not on every start
_PART = r"(\d+(?:\.\d+)?)\s*([smhdw])"
# No duration deskctl counts (ages, targets, retention) comes near a century; anything longer
# is a typo, and would overflow the date arithmetic that uses it.
MAX_SECONDS = 100 * 365 * 86400.0
MAX_TEXT = 64  # characters: "1w2d3h4m5s" needs ten


def _bounded(seconds: float, text: object, what: str) -> float:
    if not 0 <= seconds <= MAX_SECONDS:  # also false for NaN
        raise BadInput(f"{what} {text!r} is out of range",
                       "give a duration from 0 up to 100 years, like 30m, 4h, 2d or 1w")
    return seconds


def parse_duration(text: str | int | float, what: str = "duration") -> float:
    """Seconds in `text`; a bare number is seconds."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return _bounded(float(text), text, what)
    raw = str(text).strip().lower().replace(" ", "")
    if len(raw) > MAX_TEXT:
        raise BadInput(f"{what} is {len(raw)} characters long: not a duration", "write it like 30m, 4h, 2d or 1w")
    if re.fullmatch(r"\d+(\.\d+)?", raw):
        return _bounded(float(raw), text, what)
    parts = re.findall(_PART, raw)
    if not parts or "".join(n + u for n, u in parts) != raw:
        raise BadInput(f"{what} {text!r} is not a duration", "write it like 30m, 4h, 2d or 1w")
    return _bounded(sum(float(n) * UNITS[u] for n, u in parts), text, what)


def format_age(seconds: float) -> str:
    """A compact age for tables: 45s, 12m, 3h, 5d, 8w."""
    seconds = max(0, int(seconds))
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size * (2 if unit == "w" else 1):
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
