"""What the KPI report needs of one ticket, derived once from its summary row: the same
definitions whichever store holds the ticket (docs/kpis.md).

The facts that depend on the desk's SLA policy and first-contact rules (first-contact
resolution, the two SLA verdicts, business handling time) are final once a ticket is
resolved or closed. The PostgreSQL store keeps them with the row when it writes a finished
ticket, under a `key` naming the policy they were judged by, so that `report kpi` can add up
a million tickets in SQL and judge only the open ones (and any judged by another policy)
when it runs.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

DONE = ("resolved", "closed")
# bumped when a fact's definition changes: facts kept under an older version are judged again
VERSION = 1


def _ts(iso: str | None) -> float | None:
    return datetime.fromisoformat(iso).timestamp() if iso else None


def policy_key(desk) -> str:
    """A name for what the judged facts depend on: the SLA policy's config (time zone,
    calendars, targets, priorities) and the first-contact rules."""
    config = desk.config or {}
    basis = {"version": VERSION, "timezone": config.get("timezone"), "calendars": config.get("calendars"),
             "sla": config.get("sla"), "priorities": (config.get("tickets") or {}).get("priorities"),
             "fcr": desk.setting("kpis", "fcr", default=None)}
    text = json.dumps(basis, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def judged(row: dict, policy, fcr_rules, now: float, created: float, resolved: float | None,
           closed: float | None, first: float | None) -> tuple[bool, dict[str, str], float | None]:
    """(resolved at first contact, SLA verdicts {"response"/"resolution": met|breached|running},
    business seconds in progress of a resolved ticket with work periods, else None)."""
    from deskctl.reports.fcr import is_first_contact
    from deskctl.sla.state import outcomes_at

    done = row.get("status") in DONE
    finished = resolved if resolved is not None else closed
    if done and finished is None:
        finished = _ts(row.get("updated_at"))
    clocks = outcomes_at(row, policy, now, created, first, finished)
    handling = handling_seconds(row, policy) if done and resolved is not None and row.get("work_periods") else None
    return is_first_contact(row, fcr_rules, policy), clocks, handling


def handling_seconds(row: dict, policy) -> float:
    """Business seconds (of the ticket's SLA calendar; wall clock without one) in progress."""
    target = policy.target_for(row)
    total = 0.0
    for start, end in row["work_periods"]:
        a, b = _ts(start), _ts(end)
        if a is None or b is None or b <= a:
            continue
        total += target.calendar.elapsed(a, b) if target else b - a
    return total


def of_row(row: dict, policy, fcr_rules, now: float) -> dict | None:
    """Every fact the report adds up for one ticket, judged at `now` (None: no creation time).
    Instants are epoch seconds; `held`: (group, from, to, flags) per group that held it, flags
    ESCALATED | REASSIGNED | RESOLVED as in its `handling` entry."""
    created = _ts(row.get("created_at"))
    if created is None:
        return None
    resolved, closed, first = _ts(row.get("resolved_at")), _ts(row.get("closed_at")), _ts(row.get("first_response_at"))
    fcr, clocks, handling = judged(row, policy, fcr_rules, now, created, resolved, closed, first)
    from deskctl.reports.surveys import requester_key, sample_bucket

    survey = row.get("survey")
    consent = row.get("survey_consent")
    status = row.get("status")
    return {
        "id": row["id"], "created": created, "resolved": resolved, "closed": closed, "status": status,
        "done": status in DONE, "type": row.get("type"), "category": row.get("category"),
        "priority": row.get("priority"), "channel": row.get("channel"), "grp": row.get("group"),
        "reopens": int(row.get("reopen_count") or 0), "escalated": int(row.get("escalation_level") or 0) > 0,
        "first_response": first, "kb": bool(row.get("kb_articles")), "handling": handling, "fcr": fcr,
        "response": clocks.get("response"), "resolution": clocks.get("resolution"),
        "surveyed": bool(survey), "survey": survey if isinstance(survey, dict) else None,
        "score": survey["score"] if isinstance(survey, dict) and isinstance(survey.get("score"), int) else None,
        "requester": requester_key(row.get("requester")), "bucket": sample_bucket(row["id"]),
        "consent": consent if isinstance(consent, dict) else None, "has_handling": "handling" in row,
        "held": held(row),
    }


ESCALATED, REASSIGNED, RESOLVED = 1, 2, 4


def held(row: dict) -> list[tuple[str, float | None, float | None, int]]:
    groups = ((row.get("handling") or {}).get("groups")) or {}
    return [(str(name), _ts(entry.get("from")), _ts(entry.get("to")),
             (ESCALATED if entry.get("escalated") else 0) | (REASSIGNED if entry.get("reassigned") else 0)
             | (RESOLVED if entry.get("resolved") else 0))
            for name, entry in groups.items()]


def kept(row: dict, policy, fcr_rules, key: str) -> dict | None:
    """The facts the PostgreSQL store keeps with a finished ticket's row, or None while they
    can still change: an open ticket, or a clock still running (a finished ticket that never
    had a first response, its response clock not yet past due)."""
    from deskctl.util import clock

    if row.get("status") not in DONE:
        return None
    found = of_row(row, policy, fcr_rules, clock.now().timestamp())
    if found is None or "running" in (found["response"], found["resolution"]):
        return None
    return {"key": key, **found}


class Keeper:
    """`kept` with the desk's policy, loaded on the first finished ticket (a store writing
    only open tickets never loads it)."""

    def __init__(self, desk):
        self.desk = desk
        self._judging: tuple | None = None

    def __call__(self, row: dict) -> dict | None:
        if row.get("status") not in DONE:
            return None
        if self._judging is None:
            from deskctl.errors import BadInput
            from deskctl.reports.fcr import load_rules
            from deskctl.sla.policy import load_policy

            try:
                policy = load_policy(self.desk)
                self._judging = (policy, load_rules(self.desk, policy), policy_key(self.desk))
            except BadInput:  # a config mistake: nothing kept, the report judges (and names it)
                self._judging = ()
        return kept(row, *self._judging) if self._judging else None
