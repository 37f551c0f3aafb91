"""Ansible host patterns and INI values, read as Ansible reads them: `web[01:20].example.com`,
`db-[a:c]`, `n[0:10:2]`, `host:2222`, `[::1]:22`; `22`, `True`, `[1, 2]`, `'quoted'`."""

from __future__ import annotations

import ast
import re
import string
from typing import Any

from deskctl.errors import BadInput

MAX_HOSTS = 100_000  # hosts one pattern may expand to: a typo like [1:10000000] stops here


def ini_value(value: str) -> Any:
    """An INI value as Ansible reads it: a Python literal when it is one (22, True, [1, 2],
    'quoted'), else the text itself."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            parsed = ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return value
    return _plain(parsed)


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if value is ... or isinstance(value, complex):
        return "..." if value is ... else str(value)
    return value


def split_port(pattern: str) -> tuple[str, int | None]:
    """`host:22` -> (host, 22); `[::1]:22` and `web[01:09]:2222` too; a bare IPv6 address has
    no port."""
    bracketed = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\](?::(\d+))?", pattern)
    if bracketed and ":" in bracketed.group(1):
        return bracketed.group(1), int(bracketed.group(2)) if bracketed.group(2) else None
    outside = re.sub(r"\[[^\]]*\]", "", pattern)
    if outside.count(":") == 1:
        head, _, tail = pattern.rpartition(":")
        if tail.isdigit() and head:
            return head, int(tail)
    return pattern, None


def expand_pattern(pattern: str, where: str = "") -> tuple[list[str], int | None]:
    """A host pattern -> its host names and the port it gives them (or None)."""
    name, port = split_port(pattern.strip())
    hosts: list[str] = []
    if "[" in name:
        _expand_range(name, hosts, where)
    else:
        hosts.append(name)
    return hosts, port


def _expand_range(name: str, out: list[str], where: str) -> None:
    head, _, rest = name.partition("[")
    body, closed, tail = rest.partition("]")
    if not closed:
        raise BadInput(f"{where}: host range in {name!r} has no closing ]")
    bounds = body.split(":")
    if len(bounds) not in (2, 3):
        raise BadInput(f"{where}: host range [{body}] must be [BEGIN:END] or [BEGIN:END:STEP]")
    begin, end = bounds[0] or "0", bounds[1]
    step_text = bounds[2] if len(bounds) == 3 else "1"
    if not end:
        raise BadInput(f"{where}: host range [{body}] has no end")
    try:
        step = int(step_text)
    except ValueError:
        raise BadInput(f"{where}: host range step {step_text!r} must be a whole number") from None
    if step < 1:
        raise BadInput(f"{where}: host range step must be 1 or more")
    width = len(begin) if begin[0] == "0" and len(begin) > 1 else 0
    if width and width != len(end):
        raise BadInput(f"{where}: host range [{body}]: BEGIN and END must have the same width ({begin}, {end})")
    letters = string.ascii_letters
    if len(begin) == 1 and len(end) == 1 and begin in letters and end in letters:
        if letters.index(begin) > letters.index(end):
            raise BadInput(f"{where}: host range [{body}] must have BEGIN <= END")
        values = [letters[i] for i in range(letters.index(begin), letters.index(end) + 1, step)]
    else:
        try:
            low, high = int(begin), int(end)
        except ValueError:
            raise BadInput(f"{where}: host range [{body}] must be numbers or single letters") from None
        if (high - low) // step + 1 > MAX_HOSTS:
            raise BadInput(f"{where}: host range [{body}] makes more than {MAX_HOSTS} hosts")
        values = [str(n).zfill(width) if width else str(n) for n in range(low, high + 1, step)]
    for value in values:
        expanded = f"{head}{value}{tail}"
        if "[" in expanded:
            _expand_range(expanded, out, where)
        else:
            out.append(expanded)
        if len(out) > MAX_HOSTS:
            raise BadInput(f"{where}: host pattern {name!r} makes more than {MAX_HOSTS} hosts")
