"""`deskctl kb stats`: per article (and flow) how many tickets it resolved and when it was
last useful: the desk's "knowledge contribution" KPI."""

from __future__ import annotations

from typing import Any

FLOW_PREFIX = "flow:"


def kb_stats(desk, *, since: str | None = None) -> dict[str, Any]:
    """Rows for every article and flow with their resolved-ticket counts, and totals.

    `since` (an ISO date or time) counts only tickets resolved from then on.
    """
    from deskctl.kb.flows import flow_files
    from deskctl.kb.index import documents
    from deskctl.kb.ticket_link import resolved_rows

    rows = resolved_rows(desk)
    if since:
        rows = [r for r in rows if (r.get("resolved_at") or "") >= since]
    resolved_total = len(rows)
    counts: dict[str, dict[str, Any]] = {}
    tickets_with_kb = 0
    for row in rows:
        ids = list(dict.fromkeys(row.get("kb_articles") or []))
        if ids:
            tickets_with_kb += 1
        for kb_id in ids:
            entry = counts.setdefault(kb_id.casefold(), {"resolved": 0, "last_useful": None, "tickets": []})
            entry["resolved"] += 1
            entry["tickets"].append(row["id"])
            at = row.get("resolved_at")
            if at and (entry["last_useful"] is None or at > entry["last_useful"]):
                entry["last_useful"] = at
    table: list[dict[str, Any]] = []
    for doc in documents(desk):
        entry = counts.pop(doc["id"].casefold(), None) or {}
        table.append(_row(doc["id"], "article", doc["title"], doc["language"], entry))
    for path in flow_files(desk):
        flow_id, title, language = _flow_meta(path)
        entry = counts.pop((FLOW_PREFIX + flow_id).casefold(), None) or {}
        table.append(_row(FLOW_PREFIX + flow_id, "flow", title, language, entry))
    for kb_id, entry in counts.items():  # articles deleted since: their history still counts
        table.append(_row(kb_id, "missing", "(no longer in the KB)", "", entry))
    table.sort(key=lambda r: (-r["resolved"], r["last_useful"] is None, _neg(r["last_useful"]), r["id"]))
    return {
        "since": since,
        "articles": sum(1 for r in table if r["kind"] == "article"),
        "articles_used": sum(1 for r in table if r["kind"] == "article" and r["resolved"]),
        "tickets_resolved_with_kb": tickets_with_kb,
        "tickets_resolved": resolved_total,
        "kb_share": round(tickets_with_kb / resolved_total, 4) if resolved_total else None,
        "rows": table,
    }


def _flow_meta(path) -> tuple[str, str, str]:
    """A flow file's id (what tickets record), title and language."""
    from deskctl.desk import yamlio
    from deskctl.errors import BadInput

    try:
        data = yamlio.load(path)
    except BadInput:
        return path.stem, path.stem, ""
    if not isinstance(data, dict):
        return path.stem, path.stem, ""
    flow_id = str(data.get("id") or path.stem)
    return flow_id, str(data.get("title") or flow_id), str(data.get("language") or "")


def _neg(value: str | None) -> str:
    # newest first among equal counts: invert the ISO string's order cheaply
    return "".join(chr(0x10FFFF - ord(c)) for c in value) if value else ""


def _row(kb_id: str, kind: str, title: str, language: str, entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": kb_id,
        "kind": kind,
        "title": title,
        "language": language,
        "resolved": entry.get("resolved", 0),
        "last_useful": entry.get("last_useful"),
        "tickets": entry.get("tickets", []),
    }
