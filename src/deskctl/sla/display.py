"""SLA state for the ticket commands: a column for `ticket list`, a line for `ticket show`,
and the `ticket sla` queue ordered by the time left."""

from __future__ import annotations

from deskctl.sla.policy import format_business, load_policy
from deskctl.sla.state import column_text, table_cell, ticket_sla
from deskctl.tickets.model import OPEN
from deskctl.util import clock


def with_sla(desk, rows: list[dict], *, detail: bool = True) -> list[dict]:
    """Add `sla` (the state) and `sla_text` (a short cell) to each summary row; without
    `detail` (the table and CSV of `ticket list`), only `sla_text`."""
    policy = load_policy(desk)
    now = clock.now().timestamp()
    for row in rows:
        if detail:
            row["sla"] = ticket_sla(row, policy, now)
            row["sla_text"] = column_text(row["sla"])
        else:
            row["sla_text"] = table_cell(row, policy, now)
    return rows


def ticket_with_sla(desk, ticket: dict) -> dict:
    """The full ticket with its computed `sla` (never stored), with its `periods` (see
    `sla.explain`) when the priority changed or the ticket waited."""
    from deskctl.tickets.model import summary_row

    policy = load_policy(desk)
    row, now = summary_row(ticket), clock.now().timestamp()
    sla = ticket_sla(row, policy, now)
    if sla["policy"] is not None and (row.get("priority_changes") or row.get("pending_periods")):
        from deskctl.sla.explain import periods

        sla["periods"] = periods(row, policy, now)
    return {**ticket, "sla": sla}


def local_time(desk, iso: str | None) -> str:
    if not iso:
        return ""
    from deskctl.util.moments import format_local

    return format_local(iso, str(desk.setting("timezone", default="UTC")))


def sla_queue(desk, *, at_risk: bool = False, breached: bool = False, groups: list[str] | None = None) -> list[dict]:
    """Open tickets with a running SLA clock, least time left first."""
    from deskctl.store import open_store

    rows = [r for r in open_store(desk).rows(active=True, resolved=False) if r["status"] in OPEN]
    if groups:
        rows = [r for r in rows if r.get("group") in groups]
    wanted = {s for s, on in (("at-risk", at_risk), ("breached", breached)) if on}
    queue = []
    for row in with_sla(desk, rows):
        sla = row["sla"]
        nxt = sla.get("next")
        if not nxt or (wanted and sla["state"] not in wanted):
            continue
        c = sla[nxt]
        queue.append({
            "id": row["id"], "title": row.get("title"), "priority": row.get("priority"),
            "status": row["status"], "group": row.get("group"), "assignee": row.get("assignee"),
            "clock": nxt, "due_at": c["due_at"], "due_local": local_time(desk, c["due_at"]),
            "remaining_seconds": c["remaining_seconds"], "left": format_business(c["remaining_seconds"]),
            "used": c["used"], "used_text": f"{round(c['used'] * 100)}%", "state": sla["state"],
            "paused": sla["paused"], "sla": sla,
        })
    queue.sort(key=lambda r: (r["paused"], r["remaining_seconds"], r["id"]))
    return queue
