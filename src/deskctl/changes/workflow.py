"""The life of a change request: draft -> assessed -> submitted -> approved (or rejected) ->
implementing -> implemented (or failed) -> verified -> closed.

Each step is one `change_ticket` call on the CHG ticket: the same lock, permissions, journal
and history events as every ticket operation, with the change's fields old -> new.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from deskctl.changes import approvals, model
from deskctl.changes.model import ALLOWED
from deskctl.errors import BadInput, NotPermitted
from deskctl.tickets import lifecycle, operations

try:  # the CMDB (another package) computes impact when it is installed
    from deskctl.cmdb.impact import impact_of
except ImportError:  # pragma: no cover - depends on the build
    impact_of = None


def change_of(ticket: dict) -> dict:
    change = ticket.get("change")
    if ticket.get("type") != "change" or not isinstance(change, dict):
        raise BadInput(f"{ticket.get('id')} is not a change request", "list changes with `deskctl change list`")
    return change


def get(desk, change_id: str, *, reader: str | None = None) -> dict:
    ticket = operations.get_ticket(desk, change_id, reader=reader)
    change_of(ticket)
    return ticket


def list_changes(desk, *, status: str | None = None, include_closed: bool = False,
                 reader: str | None = None) -> list[dict]:
    """Change tickets, oldest first, with their change status, type, risk and window; with
    `reader`, those within its `read` scope (exit 3 without the permission)."""
    from deskctl import access
    from deskctl.store import open_store

    if status is not None and status not in model.STATUSES:
        raise BadInput(f"status {status!r} is not valid", f"use one of: {', '.join(model.STATUSES)}")
    if reader is not None:
        access.require(desk, reader, "read")
    scope = access.scope_of(desk, reader, "read") if reader is not None else "all"
    store = open_store(desk)
    rows = [r for r in store.rows(active=True, closed=True) if r.get("type") == "change"
            and (reader is None or access.in_scope(desk, reader, scope, r))]
    found = []
    for ticket in store.load([r["id"] for r in rows]):
        change = ticket.get("change") or {}
        if status and change.get("status") != status:
            continue
        if not status and not include_closed and change.get("status") == "closed":
            continue
        window = change.get("window") or {}
        found.append({"id": ticket["id"], "title": ticket.get("title"), "status": change.get("status"),
                      "type": change.get("type"), "risk": change.get("risk"), "items": change.get("items") or [],
                      "window_start": window.get("start"), "window_zone": window.get("zone"),
                      "created_at": ticket.get("created_at"), "abandoned": model.abandoned(change)})
    return sorted(found, key=lambda r: (str(r["created_at"]), r["id"]))


def step(desk, change_id: str, actor: str, name: str, apply: Callable[[dict, dict, str], str],
         *, permission: str = "update:change", data: dict | None = None,
         ticket_updates: Callable[[dict, str], dict] | None = None) -> dict:
    """Run step `name` on the change: `apply(change, ticket, now) -> note` edits a copy of the
    mapping; the ticket records it as event `change.NAME` with what changed."""

    def change(ticket: dict, now: str) -> dict:
        current = change_of(ticket)
        allowed = ALLOWED.get(name)
        if allowed is not None and current["status"] not in allowed:
            gone = model.abandoned(current)
            if not (gone and name in model.AFTER_ABANDONED):
                raise BadInput(f"cannot {name} {ticket['id']}: it is {current['status']}" + (f", but {gone}" if gone else ""),
                               model.hint(current, ticket["id"]))
        edited = copy.deepcopy(current)
        note = apply(edited, ticket, now)
        changes = model.diff(current, edited)
        ticket["change"] = edited
        if ticket_updates is not None:
            changes.update(lifecycle.apply_changes(ticket, ticket_updates(edited, now)))
        return lifecycle.record(ticket, at=now, actor=actor, action=f"change.{name}", changes=changes,
                                note=note, data=data)

    return operations.change_ticket(desk, change_id, actor, "event", change, permission=permission)


# -- creation ---------------------------------------------------------------------------------

def _choice(value: str | None, allowed: tuple[str, ...], option: str) -> None:
    if value is not None and value not in allowed:
        raise BadInput(f"{option} {value!r} is not valid", f"use one of: {', '.join(allowed)}")


def catalogue_entry(desk, name: str) -> dict:
    catalogue = desk.setting("changes", "catalogue", default={}) or {}
    if name not in catalogue:
        listed = ", ".join(sorted(catalogue)) or "none (add them under changes.catalogue in config/deskctl.yaml)"
        raise BadInput(f"no standard change {name!r} in the catalogue", f"use one of: {listed}")
    return dict(catalogue[name] or {})


def _plan(sop: str | None, params: dict | None) -> dict | None:
    return {"sop": sop, "params": dict(params or {})} if sop else None


def create(desk, *, actor: str, title: str | None = None, description: str = "", reason: str = "",
           risk: str | None = None, type: str | None = None, standard: str | None = None,
           items: list[str] | None = None, plan: dict | None = None, rollback: dict | None = None,
           verification: dict | None = None, window: dict | None = None, impact: dict | None = None,
           ci: dict | None = None) -> tuple[dict, bool]:
    """A new change request (a CHG ticket); with `ci` facts, the one already opened by the same
    pipeline run when there is one (whatever its status). Returns (ticket, created)."""
    from deskctl.changes import ci as ci_mod

    _choice(risk, model.RISKS, "--risk")
    _choice(type, model.TYPES, "--type")
    if "change" not in (desk.setting("tickets", "types", default={}) or {}):
        raise BadInput("the desk has no ticket type `change`", "add `change: CHG` under tickets.types in config/deskctl.yaml")
    entry: dict[str, Any] = {}
    if standard:
        if type not in (None, "standard"):
            raise BadInput(f"--standard {standard} is a standard change, not {type}", "drop --type or give --type standard")
        entry, type = catalogue_entry(desk, standard), "standard"
    elif type == "standard":
        raise BadInput("a standard change comes from the catalogue", "give --standard NAME (changes.catalogue)")
    title = title or (ci_mod.title(ci) if ci else None) or entry.get("title")
    if not title:
        raise BadInput("title is empty", "give --title with a short summary")
    values = model.new_change(
        type=type or "normal", risk=risk or entry.get("risk") or "medium", standard=standard,
        reason=reason or entry.get("reason") or "", items=list(dict.fromkeys(items or entry.get("items") or [])),
        plan=plan or _plan(entry.get("sop"), entry.get("params")),
        rollback=rollback or _plan(entry.get("rollback"), entry.get("rollback_params")),
        verification=verification or ({"text": entry["verification"]} if entry.get("verification") else None),
        window=window, ci=ci, requested_by=actor,
        impact={**_blank_impact(), **impact, "source": "given"} if impact else None,
    )
    ticket, created = operations.create_or_touch(
        desk, actor=actor, title=title, type="change", description=description or reason,
        dedup_key=ci_mod.dedup_key(ci) if ci else None, dedup_scope="any")
    if not created and isinstance(ticket.get("change"), dict):
        return ticket, False

    note = f"{values['type']} change, risk {values['risk']}" + (f" (pipeline {ci.get('url') or ci['pipeline']})" if ci else "")
    return _initialise(desk, ticket["id"], actor, values, note), True


def _initialise(desk, ticket_id: str, actor: str, values: dict, note: str) -> dict:
    """Write the change mapping into the new CHG ticket (or one a crash left without it)."""

    def change(ticket: dict, now: str) -> dict:
        if ticket.get("type") != "change":
            raise BadInput(f"{ticket['id']} is not a change request")
        ticket["change"] = dict(values)
        shown = {key: values[key] for key in ("status", "type", "risk")}
        return lifecycle.record(ticket, at=now, actor=actor, action="change.create",
                                changes=model.diff({}, shown), note=note)

    return operations.change_ticket(desk, ticket_id, actor, "event", change, permission="create")


def _blank_impact() -> dict:
    return {key: [] for key in model.IMPACT_KEYS}


# -- assessment and approval ------------------------------------------------------------------

def computed_impact(desk, items: list[str]) -> dict | None:
    """The CMDB's impact of `items`, or None without a CMDB (or without items, or when it
    knows none of them). An item the CMDB does not know (it raises NotFound) is left out and
    listed under `unknown`: a change may name things not recorded yet."""
    from deskctl.errors import NotFound

    if impact_of is None or not items:
        return None
    try:
        found = [impact_of(desk, list(items)) or {}]
        unknown: list[str] = []
    except NotFound:
        found, unknown = [], []
        for name in items:
            try:
                found.append(impact_of(desk, [name]) or {})
            except NotFound:
                unknown.append(name)
    if not found:
        return None
    merged = {key: sorted({n for f in found for n in f.get(key) or []}) for key in model.IMPACT_KEYS}
    if unknown:
        merged["unknown"] = unknown
    return merged


def _assess(desk, change: dict, given: dict | None, risk: str | None, items: list[str] | None) -> str:
    if items:
        change["items"] = list(dict.fromkeys([*change["items"], *items]))
    if risk:
        change["risk"] = risk
    computed = computed_impact(desk, change["items"])
    impact = {**_blank_impact(), **(change.get("impact") or {})}
    source = "cmdb" if computed is not None else (impact.get("source") or "given")
    if computed is not None:
        impact.update(computed)
    for key, names in (given or {}).items():  # given by hand: replaces what was computed
        if names:
            impact[key] = sorted(dict.fromkeys(names))
            source = "cmdb+given" if computed is not None else "given"
    impact["source"] = source
    change["impact"] = impact
    if change["status"] in ("draft", "rejected"):
        change["status"] = "assessed"
    shown = "; ".join(f"{k}: {', '.join(impact[k])}" for k in model.IMPACT_KEYS if impact[k]) or "no impact found"
    return f"assessed ({source}): {shown}; risk {change['risk']}"


def assess(desk, change_id: str, *, actor: str, impact: dict | None = None, risk: str | None = None,
           items: list[str] | None = None) -> dict:
    """Record the change's impact: computed from the CMDB when there is one, `impact`
    (key -> names) given by hand replacing what was computed."""
    _choice(risk, model.RISKS, "--risk")
    return step(desk, change_id, actor, "assess", lambda change, ticket, now: _assess(desk, change, impact, risk, items))


def submit(desk, change_id: str, *, actor: str, note: str = "") -> dict:
    """Send the change for approval; a standard change is approved at once (its catalogue
    entry is the approval). A draft is assessed on the way."""

    def apply(change: dict, ticket: dict, now: str) -> str:
        if change["status"] == "draft":
            _assess(desk, change, None, None, None)
        change["round"] = int(change.get("round") or 0) + 1
        if change["type"] == "standard":
            change["approvals"].append({"actor": f"catalogue:{change['standard']}", "roles": [], "decision": "approved",
                                        "round": change["round"], "at": now, "comment": "pre-approved standard change"})
            change["status"] = "approved"
            return note or f"standard change {change['standard']}: pre-approved by the catalogue"
        change["status"] = "submitted"
        return note or f"needs {approvals.describe(approvals.rules_for(desk, change))}"

    return step(desk, change_id, actor, "submit", apply, ticket_updates=lambda change, now: {"status": "in_progress"})


def _approver(desk, actor: str, change: dict, ticket: dict, doing: str) -> list[str]:
    from deskctl.access.permissions import roles_of

    held = roles_of(desk, actor)
    needed = approvals.roles_needed(approvals.rules_for(desk, change))
    if not set(held) & needed:
        raise NotPermitted(f"{actor} may not {doing} {ticket['id']}: that needs the role {' or '.join(sorted(needed))}",
                           "add the name under `roles:` in config/deskctl.yaml, or ask someone who holds the role")
    if actor.lower() == str(change.get("requested_by") or "").lower():
        raise NotPermitted(f"{actor} requested {ticket['id']} and may not {doing} it too", "ask another approver")
    return held


def approve(desk, change_id: str, *, actor: str, comment: str = "") -> dict:
    """One approval; the change is approved once its rules are met by distinct accounts."""

    def apply(change: dict, ticket: dict, now: str) -> str:
        held = _approver(desk, actor, change, ticket, "approve")
        if any(a["actor"].lower() == actor.lower() for a in approvals.valid(change)):
            raise BadInput(f"{actor} has already approved {ticket['id']}", "another approver must approve it")
        change["approvals"].append({"actor": actor, "roles": held, "decision": "approved", "round": change["round"],
                                    "at": now, "comment": comment})
        rules = approvals.rules_for(desk, change)
        if approvals.satisfied(rules, approvals.valid(change)):
            change["status"] = "approved"
            return comment or "approval complete"
        return comment or f"still needs {approvals.describe(rules)} in all"

    return step(desk, change_id, actor, "approve", apply, permission="approve-change")


def reject(desk, change_id: str, *, actor: str, reason: str) -> dict:
    if not reason.strip():
        raise BadInput("a rejection needs a reason", "pass --reason TEXT")

    def apply(change: dict, ticket: dict, now: str) -> str:
        held = _approver(desk, actor, change, ticket, "reject")
        change["approvals"].append({"actor": actor, "roles": held, "decision": "rejected", "round": change["round"],
                                    "at": now, "comment": reason})
        change["status"] = "rejected"
        change["round"] = int(change["round"]) + 1  # earlier approvals no longer count
        return reason

    return step(desk, change_id, actor, "reject", apply, permission="approve-change")


# -- after implementation ---------------------------------------------------------------------

def verify(desk, change_id: str, *, actor: str, ok: bool = True, note: str = "", run: dict | None = None) -> dict:
    """Record the verification: verified, or failed when it did not hold."""

    def apply(change: dict, ticket: dict, now: str) -> str:
        change["status"] = "verified" if ok else "failed"
        if run is not None:
            change["runs"].append(run)
        return note or ("verified" if ok else "verification failed")

    return step(desk, change_id, actor, "verify", apply)


def review(desk, change_id: str, *, actor: str, note: str) -> dict:
    """The review an emergency change needs after it was implemented (before it is closed)."""
    if not note.strip():
        raise BadInput("a review needs a text", "pass --note TEXT: what happened, why it was urgent, what follows")

    def apply(change: dict, ticket: dict, now: str) -> str:
        change["review"] = {"actor": actor, "at": now, "note": note.strip()}
        return f"review: {note.strip()}"

    return step(desk, change_id, actor, "review", apply)


def close(desk, change_id: str, *, actor: str, note: str = "", review_note: str | None = None) -> dict:
    """Close the change (and its ticket). An emergency change that was implemented needs its
    review first (`review_note` records one on the way)."""
    if review_note:
        review(desk, change_id, actor=actor, note=review_note)

    def apply(change: dict, ticket: dict, now: str) -> str:
        gone = model.abandoned(change)
        done = change["status"] in ("implemented", "failed", "verified") or gone
        if change["type"] == "emergency" and done and not change.get("review"):
            raise BadInput(f"{ticket['id']} is an emergency change: it needs a review before it is closed",
                           f"`deskctl change review {ticket['id']} --note TEXT`, or close it with --review TEXT")
        before = change["status"] + (f": {gone}" if gone else "")
        change["status"] = "closed"
        return f"{note} ({before})" if note and gone else note or f"closed ({before})"

    return step(desk, change_id, actor, "close", apply, permission="close",
                ticket_updates=lambda change, now: {"status": "closed", "closed_at": now})
