"""`change implement`: the plan's SOP, only inside the approved window and only on the
change's items that are inventory hosts, recorded on the change; the rollback plan on failure.

It reuses the runbook engine exactly as `deskctl sop run` does (prepare, host locks,
execute, the run's event on the ticket), with the change as the run's ticket.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deskctl.changes import model
from deskctl.changes import window as window_mod
from deskctl.changes.workflow import change_of, get, step
from deskctl.errors import BadInput, NotPermitted
from deskctl.util import clock


def host_items(desk, change: dict) -> list[str]:
    """The change's items that are hosts of the inventory (others are services, applications...)."""
    from deskctl.executor.inventory import load_inventory

    hosts = load_inventory(desk).hosts
    return [name for name in change.get("items") or [] if name in hosts]


def check_ready(desk, ticket: dict) -> tuple[dict, list[str]]:
    """Approved, inside its window, with a plan and hosts: else NotPermitted (exit 3)."""
    change = change_of(ticket)
    cid = ticket["id"]
    if change["status"] != "approved":
        gone = model.abandoned(change)
        raise NotPermitted(f"{cid} is {change['status']}" + (f" ({gone})" if gone else "")
                           + ", not approved: it is not implemented", model.hint(change, cid))
    window = change.get("window")
    if not window:
        raise NotPermitted(f"{cid} has no window: it is implemented only inside an approved window",
                           "create the change with --window-start/--window-end (and submit it for approval)")
    now = clock.now()
    if not window_mod.contains(window, now):
        when = now.astimezone(window_mod.zone_of(window["zone"], "UTC"))
        raise NotPermitted(f"{cid} may be implemented only in its window {window_mod.describe(window)} "
                           f"(now {when:%Y-%m-%d %H:%M} {window['zone']})", "run it again inside the window")
    if not (change.get("plan") or {}).get("sop"):
        raise BadInput(f"{cid} has no implementation plan (a SOP)", "create the change with --sop NAME")
    hosts = host_items(desk, change)
    if not hosts:
        raise NotPermitted(f"{cid} names no inventory host among its items ({', '.join(change['items']) or 'none'})",
                           "the plan runs only on the change's hosts: add them with `deskctl change assess ID --item HOST`")
    return change, hosts


def run_sop(desk, plugins, cid: str, sop: dict, hosts: list[str], *, actor: str,
            progress: Callable | None = None, notify: Callable | None = None) -> dict:
    """Run `sop` ({sop, params}) on `hosts`, linked to the change; the run record."""
    from deskctl.runbooks import engine, hostlocks, interrupts, ticketing

    plan = engine.prepare(desk, plugins, sop["sop"], raw_params={k: str(v) for k, v in (sop.get("params") or {}).items()},
                          actor=actor, hosts=",".join(hosts), ticket_id=cid)
    plan.run.progress = progress
    if notify is not None:
        plan.run.notify = notify
    # as `sop run`: SIGINT/SIGTERM stop the run on every host (each host's rollback and
    # finally run) and the record says `interrupted`; while waiting for a lock, at once
    stop = plan.run.stop
    stop.armed = False
    with interrupts.trapped(stop), hostlocks.host_locks(plan):
        stop.armed = True
        record = engine.execute(plan)
    ticketing.report_run(desk, cid, record, actor=actor, resolves=False)
    return record


def _summary(record: dict, purpose: str) -> dict[str, Any]:
    return {"purpose": purpose, "run_id": record["id"], "sop": record.get("sop"), "status": record["status"],
            "hosts": [h["host"] for h in record.get("hosts", [])]}


def implement(desk, plugins, change_id: str, *, actor: str, progress: Callable | None = None,
              notify: Callable | None = None) -> dict:
    """Implement the change; returns {ticket, run, rollback} (the runs' records, or None)."""
    ticket = get(desk, change_id)
    cid = ticket["id"]
    change, hosts = check_ready(desk, ticket)
    step(desk, cid, actor, "implement", lambda c, t, now: _started(c, hosts, now),
         ticket_updates=lambda c, now: {"status": "in_progress"})
    try:
        record = run_sop(desk, plugins, cid, change["plan"], hosts, actor=actor, progress=progress, notify=notify)
    except Exception as exc:
        # nothing ran (bad parameters, a host busy...): the change is approved as it was
        why = str(exc)
        step(desk, cid, actor, "implement-aborted", lambda c, t, now: _aborted(c, why))
        raise
    rollback, rollback_error = None, None
    # an interrupted run is not rolled back further: whoever stopped it decides what follows
    wanted = record["status"] == "failed" and (change.get("rollback") or {}).get("sop")
    if wanted:
        try:
            rollback = run_sop(desk, plugins, cid, change["rollback"], hosts, actor=actor, progress=progress, notify=notify)
        except Exception as exc:  # the change failed all the same: say why nothing was rolled back
            rollback_error = str(exc)
    runs = [_summary(record, "implement")] + ([_summary(rollback, "rollback")] if rollback else [])

    def finished(c: dict, t: dict, now: str) -> str:
        c["runs"].extend(runs)
        c["status"] = "implemented" if record["status"] == "ok" else "failed"
        note = f"run {record['id']} of {record.get('sop')}: {record['status']}"
        if rollback is not None:
            note += f"; rollback run {rollback['id']} of {rollback.get('sop')}: {rollback['status']}"
        if rollback_error:
            note += f"; the rollback plan did not run: {rollback_error}"
        return note

    ticket = step(desk, cid, actor, "implemented", finished)
    return {"ticket": ticket, "run": record, "rollback": rollback, "rollback_error": rollback_error}


def _started(change: dict, hosts: list[str], now: str) -> str:
    from deskctl.runbooks.records import owner

    change["status"] = "implementing"
    # who implements it: should this process die, `close` can tell the change is abandoned
    change["implementer"] = {**owner(), "since": now}
    return f"implementing {change['plan']['sop']} on {', '.join(hosts)}"


def _aborted(change: dict, why: str) -> str:
    change["status"] = "approved"
    return f"not implemented: {why}"


def verify(desk, plugins, change_id: str, *, actor: str, failed: bool = False, note: str = "",
           progress: Callable | None = None, notify: Callable | None = None) -> dict:
    """Record the verification; a verification plan that is a SOP runs first on the change's
    hosts, and the change is verified only when it succeeds. Returns {ticket, run}."""
    from deskctl.changes import workflow

    ticket = get(desk, change_id)
    change = change_of(ticket)
    sop = change.get("verification") or {}
    record = None
    if sop.get("sop") and not failed and change["status"] == "implemented":
        record = run_sop(desk, plugins, ticket["id"], sop, host_items(desk, change), actor=actor,
                         progress=progress, notify=notify)
        failed = record["status"] != "ok"
        note = note or f"verification run {record['id']} of {record['sop']}: {record['status']}"
    run = _summary(record, "verify") if record else None
    ticket = workflow.verify(desk, ticket["id"], actor=actor, ok=not failed, note=note, run=run)
    return {"ticket": ticket, "run": record}
