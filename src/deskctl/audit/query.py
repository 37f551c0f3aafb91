"""Reading the audit trail: records chosen by time, account and target; the chain verified."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from deskctl.audit.verify import verify as verify_chain


def _log(desk):
    from deskctl.store import open_backend

    return open_backend(desk).audit


def require_reader(desk, account: str) -> None:
    from deskctl.access import permissions

    permissions.require(desk, account, "read-audit")


def select(desk, *, since: datetime | None = None, account: str | None = None, target: str | None = None,
           limit: int | None = None) -> list[dict[str, Any]]:
    """Matching records, oldest first (`limit`: the newest that many). Records that do not
    parse are left out here: `verify` names them."""
    log = _log(desk)
    wanted_target = target.upper() if target else None
    found = []
    for entry in log.entries():
        record = entry.record
        if not isinstance(record, dict):
            continue
        if since is not None:
            try:
                if datetime.fromisoformat(str(record.get("at"))) < since:
                    continue
            except ValueError:
                continue
        if account and account.lower() not in (str(record.get("account", "")).lower(),
                                                str(record.get("on_behalf_of") or "").lower()):
            continue
        if wanted_target and not any(wanted_target == str(t).upper() or str(t).upper().endswith(":" + wanted_target)
                                     for t in record.get("targets") or []):
            continue
        found.append(record)
    return found[-limit:] if limit else found


def verify(desk) -> dict[str, Any]:
    """{"records": N, "head": {...}|None, "intact": bool, "problem": {...}|None}."""
    log = _log(desk)
    head = log.head()
    count, problem = verify_chain(log.entries(), head, log.head_where)
    return {"records": count, "head": head, "intact": problem is None,
            "problem": None if problem is None else {"seq": problem.seq, "where": problem.where,
                                                     "message": problem.message}}
