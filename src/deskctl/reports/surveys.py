"""Satisfaction surveys: which closed tickets the desk asks (deterministic sampling), and
recording a requester's answer (score 1-5 and a comment) on the ticket, once per ticket.

Sampling hashes the ticket id, so every run, report and machine agrees on who was asked
without storing an invitation list.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from deskctl.errors import BadInput
from deskctl.sla.policy import parse_percent
from deskctl.util import clock
from deskctl.util.durations import parse_duration

SCORES = range(1, 6)


@dataclass
class SurveySettings:
    sample: float = 1.0
    types: list[str] = field(default_factory=list)
    window: float | None = 14 * 86400.0
    once: bool = True

    def sampled(self, row: dict) -> bool:
        """Was this ticket chosen for a survey? (type filter, then the sampling share)"""
        if self.types and row.get("type") not in self.types:
            return False
        if self.sample >= 1:
            return True
        digest = hashlib.sha1(str(row["id"]).encode()).digest()
        return int.from_bytes(digest[:4], "big") % 10000 < round(self.sample * 10000)


def parse_sample(value) -> float:
    """`25%`, `0.25`, `0%` (nobody is asked) -> a share from 0 to 1."""
    if not isinstance(value, bool) and str(value).strip() in ("0", "0%", "0.0"):
        return 0.0
    return parse_percent(value)


def settings_problems(surveys) -> list[tuple[tuple, str]]:
    if not isinstance(surveys, dict):
        return [(("surveys",), "surveys must be a mapping like {sample: 25%, window: 14d}")]
    problems = []
    known = ("sample", "types", "window", "once")
    for key in sorted(set(surveys) - set(known)):
        problems.append((("surveys", key), f"unknown surveys setting {key!r} (known: {', '.join(known)})"))
    if "sample" in surveys:
        try:
            parse_sample(surveys["sample"])
        except (TypeError, ValueError):
            problems.append((("surveys", "sample"), f"surveys.sample {surveys['sample']!r} must be a share like 25% or 100%"))
    types = surveys.get("types", [])
    if not isinstance(types, list):
        problems.append((("surveys", "types"), "surveys.types must be a list of ticket types ([] = all)"))
    window = surveys.get("window")
    if window not in (None, False):
        try:
            parse_duration(window, "surveys.window")
        except BadInput as exc:
            problems.append((("surveys", "window"), exc.message + " (or false: no limit)"))
    if not isinstance(surveys.get("once", True), bool):
        problems.append((("surveys", "once"), "surveys.once must be true or false"))
    return problems


def load_settings(desk) -> SurveySettings:
    raw = desk.setting("surveys", default={}) or {}
    found = settings_problems(raw)
    if found:
        raise BadInput(f"{desk.rel(desk.config_file)}: {found[0][1]}", "run `deskctl config check`")
    sample = raw.get("sample", "100%")
    window = raw.get("window", "14d")
    return SurveySettings(
        sample=parse_sample(sample),
        types=[str(t) for t in raw.get("types") or []],
        window=None if window in (None, False) else parse_duration(window, "surveys.window"),
        once=bool(raw.get("once", True)),
    )


def record(desk, ticket_id: str, *, actor: str, score: int, comment: str = "") -> dict:
    """Store the requester's answer on a resolved or closed ticket (history event `survey`)."""
    from deskctl.tickets import lifecycle, operations

    if score not in SCORES:
        raise BadInput(f"score {score} is out of range", "give a score from 1 (very unhappy) to 5 (very happy)")
    settings = load_settings(desk)

    def change(ticket, now):
        previous = ticket.get("survey")
        if previous and settings.once:
            raise BadInput(f"{ticket['id']} already has a survey answer (score {previous.get('score')} "
                           f"on {str(previous.get('at'))[:10]})",
                           "one answer per ticket (set surveys.once: false to allow updates)")
        survey = {"score": score, "comment": comment or "", "at": now, "actor": actor}
        changes = lifecycle.apply_changes(ticket, {"survey": survey})
        note = f"satisfaction {score}/5" + (f": {comment}" if comment else "")
        return lifecycle.record(ticket, at=now, actor=actor, action="survey", changes=changes, note=note)

    # one transaction with the lifecycle check (resolved or closed only) and a fresh read
    return operations.change_ticket(desk, ticket_id, actor, "survey", change)


def pending(desk, *, include_expired: bool = False) -> list[dict]:
    """Closed tickets chosen for a survey that have no answer yet, oldest closing first."""
    from deskctl.store import open_store
    from deskctl.util import jsoncodec

    jsoncodec.use_orjson()  # closed and archived indexes: large files
    settings = load_settings(desk)
    now = clock.now()
    rows = open_store(desk).rows(active=False, closed=True, archived=True)
    found = []
    for row in rows:
        if row.get("survey") or not row.get("closed_at") or not settings.sampled(row):
            continue
        age = (now - datetime.fromisoformat(row["closed_at"])).total_seconds()
        if age < 0:
            continue
        if settings.window is not None and age > settings.window and not include_expired:
            continue
        found.append({**row, "closed_seconds_ago": int(age)})
    found.sort(key=lambda r: (r["closed_at"], r["id"]))
    return found
