"""Telling stakeholders: an approved change raises a `planned-maintenance` announcement,
pre-filled from its window and impacted services (a draft: it is approved and published as
every announcement is)."""

from __future__ import annotations

from deskctl.changes.workflow import change_of, get, step
from deskctl.errors import BadInput

KIND = "planned-maintenance"


def announce(desk, change_id: str, *, actor: str, impact: str | None = None,
             services: list[str] | None = None, extra: dict | None = None) -> tuple[dict, dict]:
    """The draft announcement for the change, linked both ways; (ticket, announcement)."""
    from deskctl.announcements import workflow as announcements

    ticket = get(desk, change_id)
    cid, change = ticket["id"], change_of(ticket)
    if change["status"] not in ("approved", "implementing"):
        raise BadInput(f"{cid} is {change['status']}: only an approved change is announced",
                       f"have it approved first (`deskctl change show {cid}`)")
    if change.get("announcement"):
        raise BadInput(f"{cid} is already announced by {change['announcement']}",
                       f"change that one: deskctl announce update {change['announcement']}")
    window = change.get("window")
    if not window:
        raise BadInput(f"{cid} has no window to announce", "create the change with --window-start/--window-end")
    wanted = services or list((change.get("impact") or {}).get("services") or [])
    if not wanted:
        raise BadInput(f"{cid} names no impacted service", f"assess it (`deskctl change assess {cid} --impact-service NAME`) "
                       "or pass --service NAME")
    prefilled = {"services": wanted, "start": window["start"], "end": window["end"],
                 "impact": impact or f"{ticket['title']} ({cid})"}
    raw = {**prefilled, **(extra or {})}

    def where(name: str) -> str:  # where a field came from, for its error message
        return f"--set {name}" if name in (extra or {}) else f"{cid} {name}"

    record = announcements.create(desk, KIND, raw, actor=actor, where=where, ticket=cid)

    def linked(c: dict, t: dict, now: str) -> str:
        c["announcement"] = record["id"]
        return f"announced by {record['id']} ({KIND}, draft)"

    return step(desk, cid, actor, "announce", linked, permission="announce"), record
