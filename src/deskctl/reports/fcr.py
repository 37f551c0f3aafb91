"""First-contact resolution by its definition (docs/kpis.md, config `kpis.fcr`).

A ticket is resolved at first contact when its first resolution came in the first interaction:
by the account that registered it, within a window of business time (30 minutes of the
ticket's SLA calendar by default), with no escalation, no reassignment to another group, no
pending period, and it was never reopened, whatever solved it (`create --resolved`, a KB flow,
a search, a SOP run). Judged on `first_contact_facts`, which `sla.periods` derives from the
history into the summary row, so the reports never read the histories.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from deskctl.errors import BadInput
from deskctl.util.durations import parse_duration

DEFAULTS = {"window": "30m", "calendar": "sla", "same_account": True}


@dataclass(frozen=True)
class FcrRules:
    window: float | None = 1800.0  # seconds; None: no limit
    calendar: str = "sla"  # sla: the ticket's SLA calendar; wall: wall-clock time; or a calendar name
    same_account: bool = True

    def to_dict(self) -> dict:
        return {"window_seconds": self.window, "calendar": self.calendar, "same_account": self.same_account}


def load_rules(desk, policy=None) -> FcrRules:
    """`kpis.fcr` of the desk's config, over the defaults."""
    spec = {**DEFAULTS, **(desk.setting("kpis", "fcr", default={}) or {})}
    window = spec.get("window")
    seconds = None if window in (None, False, "off", "none") else parse_duration(window, "kpis.fcr.window")
    calendar = str(spec.get("calendar") or "sla")
    if policy is not None and calendar not in ("sla", "wall") and calendar not in policy.calendars:
        known = ", ".join(["sla", "wall", *policy.calendars])
        raise BadInput(f"{desk.rel(desk.config_file)}: kpis.fcr.calendar {calendar!r} is not a calendar",
                       f"use one of: {known}")
    return FcrRules(seconds, calendar, bool(spec.get("same_account", True)))


def _ts(iso: str | None) -> float | None:
    return datetime.fromisoformat(iso).timestamp() if iso else None


def is_first_contact(row: dict, rules: FcrRules, policy) -> bool:
    """Whether the summary row's ticket was resolved at first contact."""
    if "first_contact_facts" not in row:  # a row stored before the facts were kept
        return bool(row.get("first_contact")) and not row.get("reopen_count")
    facts = row["first_contact_facts"]
    if not facts or facts.get("broken") or row.get("reopen_count"):
        return False
    if facts.get("registered_resolved"):  # `ticket create --resolved`: resolved as it was registered
        return True
    if rules.same_account and facts.get("resolved_by") != facts.get("by"):
        return False
    if rules.window is None:
        return True
    start, end = _ts(row.get("created_at")), _ts(facts.get("resolved_at"))
    if start is None or end is None:
        return False
    return _elapsed(row, rules, policy, start, end) <= rules.window


def _elapsed(row: dict, rules: FcrRules, policy, start: float, end: float) -> float:
    if rules.calendar == "wall":
        return max(0.0, end - start)
    if rules.calendar == "sla":
        target = policy.target_for(row)
        calendar = target.calendar if target else None
    else:
        calendar = policy.calendars.get(rules.calendar)
    return calendar.elapsed(start, end) if calendar else max(0.0, end - start)
