"""Finding and describing announcements for `announce list` and `announce show`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from deskctl.announcements import roles
from deskctl.announcements.store import Announcements
from deskctl.announcements.workflow import current_fields, severity_of, valid_approvals


def _texts(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [str(v) for v in value.values()]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [] if value is None else [str(value)]


def summary_row(record: dict) -> dict[str, Any]:
    fields = current_fields(record)
    return {
        "id": record["id"],
        "kind": record["kind"],
        "status": record["status"],
        "version": record["version"],
        "severity": fields.get("severity", "minor"),
        "services": fields.get("services", []),
        "start": fields.get("start"),
        "end": fields.get("end"),
        "ticket": record.get("ticket"),
        "created_at": record["created_at"],
        "updated_at": record.get("updated_at"),
    }


def search_records(desk, *, status: str | None = None, kind: str | None = None, text: str | None = None,
                   since: datetime | None = None) -> list[dict]:
    """Summary rows, newest first, of the announcements matching every filter given."""
    rows = []
    needle = (text or "").strip().lower()
    for record in Announcements.for_desk(desk).all():
        if status and record["status"] != status:
            continue
        if kind and record["kind"] != kind:
            continue
        if since and datetime.fromisoformat(record["created_at"]) < since:
            continue
        if needle:
            haystack = [record["id"], record["kind"], record.get("ticket") or ""]
            for version in record["versions"]:
                for value in version["fields"].values():
                    haystack += _texts(value)
            if not any(needle in h.lower() for h in haystack):
                continue
        rows.append(summary_row(record))
    rows.sort(key=lambda r: r["id"], reverse=True)
    return rows


def describe(desk, ann_id: str) -> dict[str, Any]:
    """The whole record plus its current fields and where its approval stands."""
    record = Announcements.for_desk(desk).get(ann_id)
    severity = severity_of(record)
    rules = roles.rules_for(desk.config, severity)
    approvals = valid_approvals(record)
    pending = record.get("pending")
    done = (record["status"] in ("approved", "published", "resolved", "cancelled", "archived") and not pending) \
        or roles.satisfied(rules, approvals)
    approved_by = ", ".join(a["actor"] for a in approvals)
    summary = (f"complete ({approved_by})" if approved_by else "complete") if done else \
        f"needs {roles.describe(rules)}" + (f"; so far: {approved_by}" if approved_by else "")
    data = dict(record)
    data["fields"] = current_fields(record)
    if pending:
        summary = f"version {pending['version']} is a change {pending['status']}: {summary}"
    data["approval"] = {"severity": severity, "rule": rules, "complete": done, "summary": summary}
    from deskctl.announcements.notice import summary as short_notice_summary

    if short_notice_summary(record):
        data["approval"]["short_notice"] = short_notice_summary(record)
    return data
