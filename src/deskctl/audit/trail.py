"""What the current command did, for its audit record: the domain calls `touched(kind, id)`
when it writes a record and `attempted(operation)` when it checks a permission for a change;
the CLI names the command (`invoked`) and, when it ends, `finish` appends one record if the
command changed or tried to change anything. Only names and ids are kept: no option values,
so no secret ever reaches the trail.
"""

from __future__ import annotations

from typing import Any

MAX_TARGETS = 50  # a bulk command (demo seed, archive) keeps the first ones and a total
READ_ONLY = frozenset({"read-internal", "read-audit"})  # permissions checked to read, not to change
OUTCOMES = {0: "ok", 1: "failed", 2: "bad-input", 3: "refused", 4: "busy", 130: "interrupted", 143: "interrupted"}


class _Command:
    """(A plain class: generating a dataclass would cost every command half a millisecond.)"""

    def __init__(self) -> None:
        self.name = ""
        self.options: list[str] = []
        self.targets: list[str] = []
        self.targets_total = 0
        self.operations: list[str] = []
        self.account: str | None = None  # who, once known (also when the identity check refused)
        self.on_behalf_of: str | None = None


_current = _Command()


def begin() -> None:
    """A new command starts (several run in one process under tests)."""
    global _current
    _current = _Command()


def invoked(name: str, options: list[str]) -> None:
    _current.name, _current.options = name, sorted(options)


def identified(account: str, on_behalf_of: str | None) -> None:
    _current.account, _current.on_behalf_of = account, on_behalf_of


def touched(kind: str, ident: object) -> None:
    """The command wrote the record `kind:ident` (a ticket, announcement, run, ...)."""
    target = f"{kind}:{ident}" if kind != "ticket" else str(ident)
    if target in _current.targets:
        return
    _current.targets_total += 1
    if len(_current.targets) < MAX_TARGETS:
        _current.targets.append(target)


def attempted(operation: str) -> None:
    """A permission was checked for a change (allowed or not: refusals are audited too)."""
    if operation not in READ_ONLY and operation not in _current.operations:
        _current.operations.append(operation)


def pending(exit_code: int) -> bool:
    """Whether the ended command gets a record: it changed something, or it was refused (a
    permission checked and denied). A check that was allowed but led to no change (a dry
    run, a sweep with nothing to do) leaves none."""
    return bool(_current.targets_total) or (bool(_current.operations) and exit_code == 3)


def record_fields(*, account: str, exit_code: int, argv_command: str) -> dict[str, Any]:
    """The audit record of the command that just ended (before sealing); `account`: who, if
    the identity was never looked up."""
    import os
    import platform  # (click has loaded it already)
    from datetime import UTC, datetime

    fields: dict[str, Any] = {
        "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "account": _current.account or account,
        "on_behalf_of": _current.on_behalf_of,
        "host": platform.node(),
        "pid": os.getpid(),
        "command": _current.name or argv_command,
        "options": _current.options,
        "operations": _current.operations,
        "targets": _current.targets,
        "outcome": OUTCOMES.get(exit_code, "failed"),
        "exit_code": exit_code,
    }
    if _current.targets_total > len(_current.targets):
        fields["targets_total"] = _current.targets_total
    return fields


def finish(desk, *, account: str, exit_code: int, argv_command: str) -> dict[str, Any] | None:
    """Append the ended command's record to the desk's trail, if it changed anything or was
    refused (`pending`); returns the sealed record."""
    if not pending(exit_code):
        return None
    from deskctl.store import open_backend

    fields = record_fields(account=account, exit_code=exit_code, argv_command=argv_command)
    begin()  # recorded once, whatever happens next
    return open_backend(desk).audit.append(fields)
