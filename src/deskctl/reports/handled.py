"""Work per group and per person, and time per call type: the parts of the KPI report read from
who held each ticket when (the summary row's `handling`, see `deskctl.tickets.handling`).

Definitions: docs/kpis.md ("Work per group and per person").
"""

from __future__ import annotations

import statistics
from datetime import datetime

from deskctl.reports.facts import handling_seconds
from deskctl.reports.kpi import DONE, Period, _ts, compute
from deskctl.tickets.handling import handled_in, handling_summary

DIMENSIONS = ("assignee", "group", "channel", "category", "type")
NONE = "(none)"


def with_handling(rows: list[dict], load) -> list[dict]:
    """Rows that lack `handling` (written by an older deskctl) get it from their tickets."""
    stale = [r["id"] for r in rows if "handling" not in r]
    if not stale:
        return rows
    fresh = {t["id"]: handling_summary(t)["handling"] for t in load(stale)}
    return [r if "handling" in r else {**r, "handling": fresh.get(r["id"], {})} for r in rows]


def holders(row: dict, by: str) -> list[str]:
    """The groups or people that handled the ticket (`group`, `assignee`), else its value."""
    if by in ("group", "assignee"):
        kind = "groups" if by == "group" else "people"
        found = list(((row.get("handling") or {}).get(kind)) or {})
        if found or "handling" in row:
            return found or ([NONE] if by == "assignee" else [])
        value = row.get(by)
        return [value] if value else [NONE]
    value = row.get(by)
    return [NONE if value is None else str(value)]


def rows_handled_by_group(rows: list[dict], group: str) -> list[dict]:
    """Tickets the group held at some time (`report kpi --group`)."""
    return [r for r in rows if group in holders(r, "group")]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


class _Window:
    """The period as timestamps, and what a group's entry in a row's `handling` says about it."""

    def __init__(self, period: Period):
        self.since, self.until = _iso(period.since), _iso(period.until)
        self.since_ts = period.since.timestamp() if period.since else None
        self.until_ts = period.until.timestamp()

    def holds(self, iso: str | None) -> bool:
        t = _ts(iso)
        return t is not None and (self.since_ts is None or t >= self.since_ts) and t < self.until_ts

    def outcomes(self, row: dict, group: str, entry: dict) -> list[str]:
        """[] if the group did not hold the ticket in the period, else "touched" and what else
        it did then: "escalated_onward" / "reassigned_onward" (it left the group in the period,
        or came back since), "resolved" (resolved in the period while the group held it)."""
        if not handled_in(entry, self.since, self.until):
            return []
        found = ["touched"]
        away = self.holds(entry.get("to")) or entry.get("to") is None  # None: it came back to the group since
        if entry.get("escalated") and away:
            found.append("escalated_onward")
        elif entry.get("reassigned") and away:
            found.append("reassigned_onward")
        if entry.get("resolved") and row.get("group") == group and self.holds(row.get("resolved_at")):
            found.append("resolved")
        return found


WORK = ("touched", "escalated_onward", "reassigned_onward", "resolved")


def group_work(rows: list[dict], group: str, period: Period) -> dict:
    """What `group` did in the period, whenever the tickets were created: tickets it held
    (touched), passed on by escalation or by reassignment, and resolved."""
    window = _Window(period)
    tickets: dict[str, list[str]] = {key: [] for key in WORK}
    for row in rows:
        entry = ((row.get("handling") or {}).get("groups") or {}).get(group)
        for outcome in window.outcomes(row, group, entry) if entry else []:
            tickets[outcome].append(row["id"])
    return {"group": group, **{key: len(ids) for key, ids in tickets.items()},
            "tickets": {key: sorted(ids)[:200] for key, ids in tickets.items()}}


def work_by_group(rows: list[dict], period: Period) -> list[dict]:
    """`group_work` counts for every group, in one pass (the HTML report's table)."""
    window = _Window(period)
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        for group, entry in (((row.get("handling") or {}).get("groups")) or {}).items():
            for outcome in window.outcomes(row, group, entry):
                slot = counts.setdefault(group, dict.fromkeys(WORK, 0))
                slot[outcome] += 1
    return [{"group": g, **c} for g, c in sorted(counts.items(), key=lambda gc: (-gc[1]["touched"], gc[0]))]


def _credited(row: dict, by: str, key: str, what: str) -> bool:
    """Did this group or person (not just the ticket) resolve / escalate it?"""
    kind = "groups" if by == "group" else "people"
    entry = ((row.get("handling") or {}).get(kind) or {}).get(key)
    return bool(entry and entry.get(what))


def breakdown(rows: list[dict], by: str, *, policy, surveys, timezone: str, period: Period,
              fcr_rules=None) -> dict:
    """One row per group, person, channel, category or type: the KPIs of compute() over that
    row's tickets (a ticket counts for every group and person that handled it)."""
    parts: dict[str, list[dict]] = {}
    for row in rows:
        for key in holders(row, by):
            parts.setdefault(key, []).append(row)
    out = []
    for key, subset in parts.items():
        kpis = compute(subset, policy=policy, surveys=surveys, timezone=timezone, period=period,
                       fcr_rules=fcr_rules)
        if not kpis["volume"]["total"]:
            continue
        cohort = _cohort(subset, period)
        if by in ("group", "assignee"):
            resolved = sum(1 for r in cohort if _credited(r, by, key, "resolved") and r.get("status") in DONE)
            escalated = sum(1 for r in cohort if _credited(r, by, key, "escalated"))
        else:
            resolved = kpis["time_to_resolve"]["count"]
            escalated = kpis["escalation_rate"]["numerator"]
        out.append({
            by: key, "volume": kpis["volume"]["total"], "resolved": resolved, "escalated": escalated,
            "first_contact_resolution": kpis["first_contact_resolution"],
            "median_handling_seconds": kpis["handling_time"]["median_seconds"],
            "median_resolution_seconds": kpis["time_to_resolve"]["median_seconds"],
            "response_sla": _rate_only(kpis["response_sla"]), "resolution_sla": _rate_only(kpis["resolution_sla"]),
            "csat": {"average": kpis["csat"]["average"], "responses": kpis["csat"]["responses"]},
        })
    out.sort(key=lambda r: (-r["volume"], str(r[by])))
    return {"period": period.to_dict(), "timezone": timezone, "by": by, "rows": out}


def _rate_only(rate: dict) -> dict:
    return {k: rate[k] for k in ("rate", "numerator", "denominator")}


def _cohort(rows: list[dict], period: Period) -> list[dict]:
    since_ts = period.since.timestamp() if period.since else None
    until_ts = period.until.timestamp()
    found = []
    for row in rows:
        created = _ts(row.get("created_at"))
        if created is not None and (since_ts is None or created >= since_ts) and created < until_ts:
            found.append(row)
    return found


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def time_per_type(rows: list[dict], *, policy, period: Period) -> dict:
    """Median handling (business time in progress) and resolution time of the cohort's resolved
    tickets, per type and per category: how long each kind of call takes."""
    groups: dict[str, dict[str, dict[str, list[float]]]] = {"by_type": {}, "by_category": {}}
    for row in _cohort(rows, period):
        if row.get("status") not in DONE or not row.get("resolved_at"):
            continue
        resolve = max(0.0, _ts(row["resolved_at"]) - _ts(row["created_at"]))
        handling = handling_seconds(row, policy) if row.get("work_periods") else None
        for part, key in (("by_type", row.get("type")), ("by_category", row.get("category"))):
            slot = groups[part].setdefault(NONE if key is None else str(key), {"resolution": [], "handling": []})
            slot["resolution"].append(resolve)
            if handling is not None:
                slot["handling"].append(handling)
    return {part: {key: {"resolved": len(v["resolution"]), "median_resolution_seconds": _median(v["resolution"]),
                         "handled": len(v["handling"]), "median_handling_seconds": _median(v["handling"])}
                   for key, v in sorted(found.items(), key=lambda kv: (-len(kv[1]["resolution"]), kv[0]))}
            for part, found in groups.items()}
