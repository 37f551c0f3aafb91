"""Where the KB meets tickets: reading a ticket's text, recording a guided flow in its
history, escalating or resolving it. All through `deskctl.tickets.operations`, imported only here."""

from __future__ import annotations

from typing import Any

from deskctl.kb.guide import Walk, describe


def _api():
    from deskctl.tickets import operations

    return operations


def get_ticket(desk, ticket_id: str) -> dict:
    """The ticket (NotFound, exit 2, for an unknown id)."""
    return _api().get_ticket(desk, ticket_id)


def check_can(ticket: dict, action: str) -> None:
    """BadInput when the ticket's status does not allow `action` (escalate, resolve): checked
    before anything is recorded, so a refused outcome leaves the ticket untouched."""
    from deskctl.tickets.lifecycle import check_transition

    check_transition(ticket, action)


def search_text(ticket: dict) -> str:
    """What to search the KB with for a ticket: its title, then its description."""
    return " ".join(part for part in (ticket.get("title"), ticket.get("description")) if part)


def outcome_data(walk: Walk, params: dict[str, str] | None = None, missing: dict[str, str] | None = None) -> dict[str, Any]:
    """The outcome of a walk as stored in the ticket history and printed by --json."""
    node = walk.outcome
    if node is None:
        return {"kind": "stopped", "node": walk.stopped_at.id if walk.stopped_at else None}
    data: dict[str, Any] = {"kind": node.kind, "node": node.id, "text": describe(node)}
    if node.kind == "article":
        data["article"] = node.article
    elif node.kind == "sop":
        data["sop"] = node.sop
        data["params"] = params or {}
        if missing:
            data["missing_params"] = missing
    elif node.kind == "escalate":
        data["group"] = node.group
        data["reason"] = node.reason
    elif node.kind == "resolve":
        data["resolution"] = node.resolution
    if node.note:
        data["note"] = node.note
    return data


def record_walk(desk, ticket_id: str, *, actor: str, walk: Walk, outcome: dict[str, Any]) -> dict:
    """Add the questions, answers and outcome to the ticket's history (action `kb.guide`)."""
    data = {
        "flow": walk.flow.id,
        "flow_title": walk.flow.title,
        "path": [step.to_dict() for step in walk.path],
        "outcome": outcome,
    }
    # the flow was used on this ticket: `kb stats` credits it when the ticket is resolved,
    # whatever the walk ended in (an article, a SOP, a resolution)
    return _api().add_event(desk, ticket_id, actor=actor, action="kb.guide", note=walk.summary(), data=data,
                            kb=f"flow:{walk.flow.id}")


def escalate(desk, ticket_id: str, *, actor: str, group: str, reason: str) -> dict:
    return _api().escalate(desk, ticket_id, actor=actor, group=group, reason=reason)


def resolve(desk, ticket_id: str, *, actor: str, resolution: str, flow_id: str) -> dict:
    # "flow:<id>" in kb_articles lets `kb stats` count tickets a flow solved on its own
    return _api().resolve(desk, ticket_id, actor=actor, resolution=resolution, kb=f"flow:{flow_id}")


def resolved_rows(desk) -> list[dict]:
    """Summary rows (with `kb_articles` and `resolved_at`) of every resolved or closed
    ticket, archived ones included."""
    from deskctl.store import open_store

    rows = open_store(desk).rows(active=True, closed=True, archived=True)
    return [row for row in rows if row.get("resolved_at") and row.get("status") in ("resolved", "closed")]
