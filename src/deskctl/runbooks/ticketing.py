"""The one place runbooks touch tickets (`--ticket ID`, the `ticket` step type), through
`deskctl.tickets.operations`. Everything passes through the secret registry first."""

from __future__ import annotations

from typing import Any

from deskctl.errors import BadInput
from deskctl.util import redact


def _api():
    try:
        from deskctl.tickets import operations
    except ImportError:  # pragma: no cover - a build without tickets
        raise BadInput("tickets are not available in this installation") from None
    return operations


def fetch(desk, ticket_id: str) -> dict[str, Any]:
    """The ticket a run is linked to (NotFound, exit 2, for an unknown id)."""
    return _api().get_ticket(desk, ticket_id)


def comment(desk, ticket_id: str, *, actor: str, text: str, internal: bool = True) -> dict:
    return _api().comment(desk, ticket_id, actor=actor, text=redact.redact(text), internal=internal)


def attach(desk, ticket_id: str, path, *, actor: str) -> dict:
    return _api().attach(desk, ticket_id, path, actor=actor)


def resolve(desk, ticket_id: str, *, actor: str, resolution: str) -> dict:
    return _api().resolve(desk, ticket_id, actor=actor, resolution=redact.redact(resolution))


def report_run(desk, ticket_id: str, record: dict[str, Any], *, actor: str, resolves: bool) -> list[str]:
    """Add the run's summary to the ticket's history; resolve it when the SOP says so and
    every host succeeded. Returns what was done, for the run's output."""
    operations = _api()
    hosts = record.get("hosts", [])
    ok = [h["host"] for h in hosts if h.get("status") == "ok"]
    failed = [f"{h['host']} ({h.get('failed_step') or h.get('status')}: {h.get('reason', '')})" for h in hosts if h.get("status") not in ("ok", "interrupted", "not run")]
    stopped = [f"{h['host']} ({h.get('status')}: {h.get('reason', '')})" for h in hosts if h.get("status") in ("interrupted", "not run")]
    status = record["status"] + (f" by {record['signal']}" if record.get("signal") else "")
    note = f"SOP {record['sop']} run {record['id']}: {status}; ok: {', '.join(ok) or 'none'}"
    if failed:
        note += f"; failed: {'; '.join(failed)}"
    if stopped:
        note += f"; stopped: {'; '.join(stopped)}"
    data = {"run_id": record["id"], "sop": record["sop"], "sop_hash": record.get("sop_hash"),
            "status": record["status"], "params": record.get("params"), "hosts": len(hosts)}
    operations.add_event(desk, ticket_id, actor=actor, action="sop.run", note=redact.redact(note), data=redact.redact_data(data))
    done = ["history event added"]
    if resolves and record["status"] == "ok":
        ticket = operations.get_ticket(desk, ticket_id)
        if ticket.get("status") not in ("resolved", "closed"):
            operations.resolve(desk, ticket_id, actor=actor, resolution=redact.redact(f"Resolved by SOP {record['sop']} (run {record['id']})"))
            done.append("ticket resolved")
    return done
