"""`deskctl ticket sweep`: the escalation policy a cron job applies to the open queue.

- a running SLA clock at risk -> notify the ticket's group (once per clock);
- a running SLA clock breached -> escalate one level along `escalation_path`, raise the priority
  one step and notify (once per ticket, per reopening); the raise is for the queue and who
  handles it: the SLA target in force stays the one the ticket had (`sla.state.schedule`);
- resolved for `resolved_autoclose` without reopening -> close;
- pending on the requester for `pending_reminder` -> remind (once per pending period), and for
  `pending_autoclose` -> resolve and close.

Every action goes through `deskctl.tickets.operations` with actor `sweep`, so it is in the history.
Idempotent: each one-off action first records an event whose `data.sweep` key the next run
finds and skips; status changes (close) are their own proof.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from deskctl.errors import BadInput
from deskctl.sla.policy import format_business, load_policy
from deskctl.sla.state import ticket_sla, ts
from deskctl.util import clock
from deskctl.util.durations import format_age, parse_duration

ACTOR = "sweep"
DURATION_KEYS = ("resolved_autoclose", "pending_reminder", "pending_autoclose")

Notify = Callable[[str, dict, list[str]], list]


@dataclass
class Action:
    ticket: str
    action: str  # notify-at-risk | escalate | raise-priority | remind | close | resolve
    detail: str
    key: str = ""
    done: bool = False
    deliveries: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"ticket": self.ticket, "action": self.action, "detail": self.detail,
                "done": self.done, "deliveries": self.deliveries}


def _duration(value, what: str) -> float | None:
    if value in (None, False, "", "off", "none"):
        return None
    return parse_duration(value, what)


def settings_problems(sweep: dict) -> list[tuple[tuple, str]]:
    """Mistakes in the `sweep:` section for `deskctl config check`."""
    if not isinstance(sweep, dict):
        return [(("sweep",), "sweep must be a mapping (see docs/sla.md)")]
    problems = []
    known = {"at_risk", "breached", "escalation_path", "recipients", *DURATION_KEYS}
    for key in sorted(set(sweep) - known):
        problems.append((("sweep", key), f"unknown sweep setting {key!r} (known: {', '.join(sorted(known))})"))
    for key in DURATION_KEYS:
        try:
            _duration(sweep.get(key), f"sweep.{key}")
        except BadInput as exc:
            problems.append((("sweep", key), exc.message + " (or false to turn it off)"))
    for key, flags in (("at_risk", {"notify"}), ("breached", {"escalate", "raise_priority", "notify"})):
        value = sweep.get(key, {})
        if not isinstance(value, dict):
            problems.append((("sweep", key), f"sweep.{key} must be a mapping like {{notify: true}}"))
            continue
        for flag, setting in value.items():
            if flag not in flags:
                problems.append((("sweep", key, flag), f"unknown setting sweep.{key}.{flag} (known: {', '.join(sorted(flags))})"))
            elif not isinstance(setting, bool):
                problems.append((("sweep", key, flag), f"sweep.{key}.{flag} must be true or false"))
    path = sweep.get("escalation_path", [])
    if not isinstance(path, list) or not all(isinstance(g, str) for g in path):
        problems.append((("sweep", "escalation_path"), "sweep.escalation_path must be a list of groups, e.g. [L1, L2, L3]"))
    recipients = sweep.get("recipients", {})
    if not isinstance(recipients, dict) or not all(isinstance(v, list | str) for v in recipients.values()):
        problems.append((("sweep", "recipients"), "sweep.recipients must map a group to e-mail addresses, e.g. {L2: [l2@example.com]}"))
    return problems


def _marker_keys(ticket: dict) -> set[str]:
    return {str((e.get("data") or {}).get("sweep")) for e in ticket.get("history") or []
            if e.get("actor") == ACTOR and (e.get("data") or {}).get("sweep")}


def _next_group(path: list[str], group: str | None) -> str | None:
    if group in path:
        i = path.index(group)
        return path[i + 1] if i + 1 < len(path) else group
    return group


def _raised(priorities: list[str], priority: str | None) -> str | None:
    if priority in priorities:
        i = priorities.index(priority)
        return priorities[i - 1] if i > 0 else None
    return None


class Sweep:
    """Plan (and, unless dry-run, apply) the sweep over the desk's open queue."""

    def __init__(self, desk, notify: Notify | None = None):
        self.desk = desk
        self.notify = notify
        self.settings = dict(desk.setting("sweep", default={}) or {})
        problems = settings_problems(self.settings)
        if problems:
            raise BadInput(f"{desk.rel(desk.config_file)}: {problems[0][1]}", "run `deskctl config check`")
        self.policy = load_policy(desk)
        self.priorities = list(desk.setting("tickets", "priorities", default=[]))
        self.path = list(self.settings.get("escalation_path") or [])
        self.groups = set(desk.setting("tickets", "groups", default=[]))

    def _when(self, iso: str) -> str:
        """An instant as the desk reads it (its time zone)."""
        return datetime.fromisoformat(iso).astimezone(ZoneInfo(self.policy.display_tz)).strftime("%Y-%m-%d %H:%M %Z")

    def _recipients(self, row: dict) -> list[str]:
        group = row.get("group")
        configured = (self.settings.get("recipients") or {}).get(group) if group else None
        if configured:
            return [configured] if isinstance(configured, str) else list(configured)
        return [group] if group else []

    def plan(self, rows: list[dict], tickets: dict[str, dict], now: float) -> list[tuple[Action, Callable]]:
        """(action, apply) pairs for every row, given full tickets for the candidates."""
        from deskctl.tickets import operations

        desk, s = self.desk, self.settings
        steps: list[tuple[Action, Callable]] = []
        resolved_after = _duration(s.get("resolved_autoclose"), "sweep.resolved_autoclose")
        remind_after = _duration(s.get("pending_reminder"), "sweep.pending_reminder")
        close_after = _duration(s.get("pending_autoclose"), "sweep.pending_autoclose")
        at_risk_cfg, breach_cfg = s.get("at_risk") or {}, s.get("breached") or {}
        for row in rows:
            tid, status = row["id"], row["status"]
            full = tickets.get(tid) or {}
            done = _marker_keys(full)
            cycle = int(row.get("reopen_count") or 0)
            if status == "resolved":
                since = ts(row.get("resolved_at"))
                if resolved_after and since is not None and now - since >= resolved_after:
                    age = format_age(now - since)
                    steps.append((Action(tid, "close", f"resolved {age} ago, not reopened"),
                                  lambda tid=tid, age=age: operations.close(desk, tid, actor=ACTOR, note=f"closed automatically: resolved {age} ago and not reopened")))
                continue
            if status == "pending":
                steps += self._pending(row, done, now, remind_after, close_after)
                continue
            if status not in ("new", "assigned", "in_progress", "escalated"):
                continue
            sla = ticket_sla(row, self.policy, now)
            running = [(name, sla[name]) for name in ("response", "resolution")
                       if sla.get(name) and not sla[name]["done_at"]]
            breached = [(n, c) for n, c in running if c["state"] == "breached"]
            breach_key = f"breached:{cycle}"
            if breached and breach_key not in done:
                steps += self._breach(row, breached, breach_key, breach_cfg)
                continue
            if breach_key in done or not at_risk_cfg.get("notify", True):
                continue
            for name, c in running:
                key = f"at-risk:{name}:{cycle}"
                if c["state"] == "at-risk" and key not in done:
                    note = (f"{name} SLA at risk: {int(c['used'] * 100)}% used, due {self._when(c['due_at'])} "
                            f"({format_business(c['remaining_seconds'])} left)")
                    steps.append(self._event_step(row, "notify-at-risk", "sla-at-risk", note, key,
                                                  "sla.at-risk", {"clock": name, "due_at": c["due_at"]}))
        return steps

    def _event_step(self, row, action, event, note, key, topic, data, extra=None, notify=True):
        """Record a marker event first (the proof for the next run), then notify."""
        from deskctl.tickets import operations

        desk, tid = self.desk, row["id"]
        recipients = self._recipients(row) + (extra or [])
        act = Action(tid, action, note, key)

        def apply():
            operations.add_event(desk, tid, actor=ACTOR, action=event, note=note, data={"sweep": key, **data})
            if self.notify and notify:
                subject = f"[{tid}] {note}"
                text = f"{tid}: {row.get('title') or ''}\n{note}\npriority {row.get('priority')}, group {row.get('group')}"
                act.deliveries = self.notify(topic, {"subject": subject, "text": text, "ticket": tid}, recipients)

        return act, apply

    def _breach(self, row, breached, key, cfg) -> list[tuple[Action, Callable]]:
        from deskctl.tickets import operations

        desk, tid = self.desk, row["id"]
        names = ", ".join(n for n, _ in breached)
        dues = "; ".join(f"{n} was due {self._when(c['due_at'])}" for n, c in breached)
        note = f"{names} SLA breached ({dues})"
        notify = bool(cfg.get("notify", True))
        marker = self._event_step(row, "notify-breach" if notify else "record-breach", "sla-breached", note,
                                  key, "sla.breached", {"clocks": [n for n, _ in breached]}, notify=notify)
        steps = [marker]
        if cfg.get("escalate", True):
            group = _next_group(self.path, row.get("group")) or row.get("group")
            if group in self.groups:
                steps.append((Action(tid, "escalate", f"to {group} (level {int(row.get('escalation_level') or 0) + 1})", key),
                               lambda: operations.escalate(desk, tid, actor=ACTOR, group=group, reason=f"automatic: {note}")))
        if cfg.get("raise_priority", True):
            higher = _raised(self.priorities, row.get("priority"))
            if higher:
                steps.append((Action(tid, "raise-priority", f"{row.get('priority')} -> {higher}", key),
                               lambda: operations.update(desk, tid, actor=ACTOR, fields={"priority": higher},
                                                         note=f"automatic: {names} SLA breached",
                                                         # the target in force stays (docs/sla.md)
                                                         data={"automatic": "sla-breach"})))
        return steps

    def _pending(self, row, done, now, remind_after, close_after):
        from deskctl.tickets import operations

        desk, tid = self.desk, row["id"]
        if (row.get("pending_on") or "requester") != "requester":
            return []
        periods = row.get("pending_periods") or []
        since_iso = periods[-1][0] if periods and periods[-1][1] is None else row.get("updated_at")
        since = ts(since_iso)
        if since is None:
            return []
        waited = now - since
        if close_after and waited >= close_after:
            text = f"closed automatically: no answer from the requester in {format_age(waited)}"

            def close_it():
                operations.resolve(desk, tid, actor=ACTOR, resolution=text)
                operations.close(desk, tid, actor=ACTOR, note=text)

            return [(Action(tid, "close", f"pending on the requester for {format_age(waited)}"), close_it)]
        key = f"pending-reminder:{since_iso}"
        if remind_after and waited >= remind_after and key not in done:
            note = f"reminder: waiting for the requester since {self._when(since_iso)} ({row.get('pending_reason') or ''})"
            extra = [row["requester"]] if "@" in str(row.get("requester") or "") else []
            return [self._event_step(row, "remind", "reminder", note, key, "ticket.pending-reminder",
                                     {"pending_since": since_iso}, extra)]
        return []


def _candidates(rows: list[dict], sweep: Sweep, now: float) -> list[str]:
    """Ids whose history must be read to know what was already done (few: at risk or waiting)."""
    working = ("new", "assigned", "in_progress", "escalated")
    ids = [row["id"] for row in rows
           if row["status"] == "pending"
           or (row["status"] in working and ticket_sla(row, sweep.policy, now)["state"] in ("at-risk", "breached"))]
    return ids


def run_sweep(desk, *, dry_run: bool = False, notify: Notify | None = None, actor: str | None = None) -> dict:
    """Apply (or with `dry_run` only list) the sweep, started by `actor` (who needs the
    `sweep` permission; its changes are recorded as "sweep"); returns {"actions": [...], ...}."""
    from deskctl.store import open_store

    if actor and not dry_run:
        from deskctl import access

        access.require(desk, actor, "sweep")

    sweep = Sweep(desk, notify=None if dry_run else notify)
    store = open_store(desk, ACTOR)
    now = clock.now().timestamp()
    rows = sorted(store.rows(active=True), key=lambda r: (r.get("created_at") or "", r["id"]))
    tickets = {t["id"]: t for t in store.load(_candidates(rows, sweep, now))}
    steps = sweep.plan(rows, tickets, now)
    failures = []
    if not dry_run:
        for act, apply in steps:
            try:
                apply()
                act.done = True
            except BadInput as exc:  # e.g. someone closed it meanwhile: report, go on
                failures.append(f"{act.ticket}: {act.action}: {exc}")
    return {"dry_run": dry_run, "at": clock.now_iso(),
            "checked": len(rows), "actions": [a.to_dict() for a, _ in steps], "failures": failures}
