"""A ticket's SLA state: for the response and the resolution clock, the due time, business time
elapsed and remaining, and `ok` / `at-risk` / `breached` (running) or `met` / `breached` (done).

Both clocks run in the business time of the ticket's calendar and stop while the ticket is
pending (waiting on the requester or a third party). Computed on display from the summary row
(see `sla.periods` for the pending periods and priority changes it carries), never stored.

Across priority changes (docs/sla.md, "Priority changes"): a change by a person re-targets a
running clock from that moment, the business time already used kept; the sweep's automatic
raise keeps the target that was in force. A clock is breached when, in any period, the time
used passed the target in force then; a stopped clock keeps the verdict it stopped with.
"""

from __future__ import annotations

from datetime import datetime

from deskctl.sla.calendars import BusinessCalendar
from deskctl.sla.policy import CLOCKS, SlaPolicy, Target, format_business

RANK = {"none": 0, "met": 1, "ok": 2, "at-risk": 3, "breached": 4}
STATES = tuple(RANK)  # by rank


def ts(iso: str | None) -> float | None:
    return datetime.fromisoformat(iso).timestamp() if iso else None


def _iso(stamp: float | None) -> str | None:
    if stamp is None:
        return None
    from datetime import UTC

    return datetime.fromtimestamp(round(stamp), UTC).isoformat()


def _pauses(row: dict) -> list[tuple[float, float | None]]:
    return [(ts(p[0]), ts(p[1])) for p in row.get("pending_periods") or [] if p and p[0]]


def _elapsed(cal: BusinessCalendar, start: float, end: float, pauses, now: float) -> float:
    """Business seconds from `start` to `end`, less the business time spent pending."""
    if not pauses:
        return cal.elapsed(start, end)
    paused = 0.0
    for p_start, p_end in pauses:
        a, b = max(p_start, start), min(p_end if p_end is not None else now, end)
        if b > a:
            paused += cal.elapsed(a, b)
    return max(0.0, cal.elapsed(start, end) - paused)


def outcomes(row: dict, policy: SlaPolicy, now: float) -> dict[str, str]:
    """The KPI view of a ticket's clocks: `met`, `breached` or `running`, per clock with a
    target (the same verdicts as `ticket_sla`, without due times: fast over 100k tickets)."""
    if not row.get("created_at"):
        return {}
    first, finished = _stops(row)
    return outcomes_at(row, policy, now, ts(row["created_at"]), first, finished)


def outcomes_at(row: dict, policy: SlaPolicy, now: float, start: float, first: float | None,
                finished: float | None) -> dict[str, str]:
    """`outcomes` with the instants already parsed (creation, first response, resolution)."""
    if row.get("priority_changes"):
        return _outcomes_changed(row, policy, now, start, first, finished)
    target = policy.target_for(row)
    if target is None:
        return {}
    pauses = _pauses(row) if row.get("pending_periods") else []
    found = {}
    for name, done in (("response", first), ("resolution", finished)):
        seconds = target.seconds.get(name)
        if seconds is None:
            continue
        elapsed = _elapsed(target.calendar, start, done if done is not None else now, pauses, now)
        if done is not None:
            found[name] = "met" if elapsed <= seconds else "breached"
        elif elapsed > seconds:
            found[name] = "breached"
        elif elapsed >= seconds:  # used up outside working hours: late once the due time passed
            state = clock_state(target.calendar, start, seconds, None, now, pauses, policy.at_risk)["state"]
            found[name] = "breached" if state == "breached" else "running"
        else:
            found[name] = "running"
    return found


def _outcomes_changed(row: dict, policy: SlaPolicy, now: float, start: float, first: float | None,
                      finished: float | None) -> dict[str, str]:
    plan = schedule(row, policy, start)
    pauses = _pauses(row)
    found = {}
    for name, done in (("response", first), ("resolution", finished)):
        c = run_clock(plan, name, start, done, now, pauses, policy.at_risk, want_due=False)
        if c is None:
            continue
        if done is not None:
            found[name] = c["state"]
        else:
            found[name] = "breached" if c["state"] == "breached" else "running"
    return found


def schedule(row: dict, policy: SlaPolicy, start: float) -> list[tuple[float, Target | None, list | None]]:
    """The targets in force over the ticket's life: [(from, target, change)], the first from
    creation (`change` None), then one per priority change ([at, old, new, actor, automatic]
    from `sla.periods.priority_changes`). A change by a person brings the new priority's
    target; the sweep's automatic raise keeps the one in force."""
    changes = row.get("priority_changes")
    if not changes:
        return [(start, policy.target_for(row), None)]
    plan: list[tuple[float, Target | None, list | None]] = [
        (start, policy.target_for({**row, "priority": changes[0][1]}), None)]
    for change in changes:
        at, new, automatic = ts(change[0]), change[2], change[4]
        target = plan[-1][1] if automatic else policy.target_for({**row, "priority": new})
        plan.append((max(at, start), target, change))
    return plan


def run_clock(plan, name: str, start: float, done: float | None, now: float, pauses, at_risk: float,
              want_due: bool = True) -> dict | None:
    """`clock_state` over the periods of `schedule`: the time used in each period counts in
    that period's calendar, and only while a target for this clock is in force. The result
    also names the `target` (Target) in force when the clock stopped (or now), its `seconds`,
    and `breached_in` (the index of the first period whose target was passed, or None).
    None when no target for this clock is in force then."""
    end = done if done is not None else now
    live = [p for p in plan if p[0] < end] or plan[:1]
    used, breached_in, early_due = 0.0, None, None
    for i, (p_start, target, _) in enumerate(live[:-1]):
        seconds = target.seconds.get(name) if target else None
        if seconds is None:
            continue
        before = used
        used += _elapsed(target.calendar, p_start, live[i + 1][0], pauses, now)
        if used > seconds and breached_in is None:
            breached_in = i
            # when it ran out: within this period, or at its start if already used up then
            early_due = (clock_state(target.calendar, p_start, seconds - before, live[i + 1][0], now, pauses,
                                     at_risk)["due"] if seconds > before else p_start)
    p_start, target, _ = live[-1]
    seconds = target.seconds.get(name) if target else None
    if seconds is None:
        return None
    left = seconds - used
    if left > 0:
        c = clock_state(target.calendar, p_start, left, done, now, pauses, at_risk, want_due)
        part = c["elapsed"]
    else:  # a person raised the priority past what was already used: due at the change
        part = _elapsed(target.calendar, p_start, end, pauses, now)
        open_pause = bool(pauses) and pauses[-1][1] is None
        c = {"due": p_start, "done": done, "paused": done is None and open_pause}
    elapsed = used + part
    if elapsed > seconds and breached_in is None:
        breached_in = len(live) - 1
    if done is not None:
        state = "met" if breached_in is None and elapsed <= seconds else "breached"
    elif breached_in is not None or (left > 0 and c["state"] == "breached") or (left <= 0 and now > p_start):
        state = "breached"
        if breached_in is None:
            breached_in = len(live) - 1
    elif elapsed >= at_risk * seconds:
        state = "at-risk"
    else:
        state = "ok"
    return {"due": early_due if early_due is not None else c["due"], "done": done, "elapsed": elapsed, "remaining": seconds - elapsed,
            "used": elapsed / seconds, "state": state, "paused": c["paused"], "target": target,
            "seconds": seconds, "breached_in": breached_in, "period": len(live) - 1}


def clock_state(cal: BusinessCalendar, start: float, target: float, done: float | None, now: float,
                pauses: list[tuple[float, float | None]], at_risk: float, want_due: bool = True) -> dict:
    """One SLA clock. `done` is when it stopped for good (first response, resolution).

    Without `want_due`, `due` is None when the verdict does not depend on it: the clock
    stopped, or the business time elapsed is not exactly the target (less: the due instant
    lies ahead; more: late whenever it was). Exactly the target, the clock ran out outside
    working hours, and only the due instant says whether it is already late."""
    end = done if done is not None else now
    elapsed = _elapsed(cal, start, end, pauses, now)

    # due: walk the working time left, jumping over the pauses that come before it runs out
    pos, remaining, due, on_hold = start, target, None, False
    for p_start, p_end in sorted(pauses) if pauses else ():
        if p_end is not None and p_end <= pos:
            continue
        p_start = max(p_start, pos)
        reach = cal.add(pos, remaining)
        if reach <= p_start:
            due = reach
            break
        remaining -= cal.elapsed(pos, p_start)
        if p_end is None:
            on_hold = done is None
            pos = max(now, p_start)  # still waiting: due counts from a resumption now
        else:
            pos = p_end
    if due is None and (want_due or (done is None and elapsed == target)):
        due = cal.add(pos, remaining)

    if done is not None:
        state = "met" if elapsed <= target else "breached"
    elif elapsed > target or (due is not None and now > due):  # due passed outside working hours: still late
        state = "breached"
    elif elapsed >= at_risk * target:
        state = "at-risk"
    else:
        state = "ok"
    return {
        "due": due, "done": done, "elapsed": elapsed, "remaining": target - elapsed,
        "used": elapsed / target if target else 0.0, "state": state, "paused": on_hold,
    }


def _stops(row: dict) -> tuple[float | None, float | None]:
    """When the response and the resolution clock stopped for good (None: still running)."""
    finished = ts(row.get("resolved_at") or row.get("closed_at"))
    if finished is None and row.get("status") in ("resolved", "closed"):
        finished = ts(row.get("updated_at"))
    return ts(row.get("first_response_at")), finished


def ticket_sla(row: dict, policy: SlaPolicy, now: float) -> dict:
    """The SLA state of a ticket (summary row or full ticket with its derived fields)."""
    if not row.get("created_at"):
        return _no_sla()
    start = ts(row["created_at"])
    plan = schedule(row, policy, start)
    if all(target is None for _, target, _ in plan):
        return _no_sla()
    pauses = _pauses(row)
    done_at = dict(zip(CLOCKS, _stops(row), strict=True))
    clocks: dict[str, dict | None] = {}
    running: list[tuple[str, dict]] = []
    in_force = None
    for name in CLOCKS:
        c = run_clock(plan, name, start, done_at[name], now, pauses, policy.at_risk)
        if c is None:
            clocks[name] = None
            continue
        if c["done"] is None or in_force is None:
            in_force = c["target"]
        clock = clocks[name] = {
            "target": c["target"].texts[name], "target_seconds": c["seconds"],
            "due_at": _iso(c["due"]), "done_at": _iso(c["done"]),
            "elapsed_seconds": int(c["elapsed"]), "remaining_seconds": int(c["remaining"]),
            "used": round(c["used"], 4), "state": c["state"], "paused": c["paused"],
        }
        if len(plan) > 1:
            clock["target_of"] = c["target"].name
        if c["done"] is None:
            running.append((name, clock))
    if in_force is None:
        in_force = plan[-1][1] or next(t for _, t, _ in plan if t is not None)
    live = [c for c in clocks.values() if c is not None]
    state = max((c["state"] for c in live), key=RANK.__getitem__, default="none")
    nxt = min(running, key=lambda nc: nc[1]["remaining_seconds"], default=(None, None))[0]
    paused = bool(row.get("status") == "pending" and running)
    result = {"policy": in_force.name, "calendar": in_force.calendar.name, "state": state, "paused": paused,
              "response": clocks["response"], "resolution": clocks["resolution"], "next": nxt}
    if len(plan) > 1:
        result["priority_changes"] = len(plan) - 1
    result["summary"] = summary_text(result, policy.display_tz)
    return result


def _no_sla() -> dict:
    return {"policy": None, "state": "none", "paused": False, "response": None, "resolution": None,
            "next": None, "summary": "no SLA for this priority"}


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _when(iso: str, tz: str) -> str:
    """`Mon 2026-11-23 14:00 CET`. Formatted by hand: `strftime` costs ~25 µs a call here,
    most of `ticket list --json` over a few hundred tickets; the day names stay English
    whatever the process locale."""
    from zoneinfo import ZoneInfo

    t = datetime.fromisoformat(iso).astimezone(ZoneInfo(tz))
    return f"{_DAYS[t.weekday()]} {t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d} {t.tzname()}"


def summary_text(sla: dict, tz: str) -> str:
    """One line for `ticket show`: state, then each clock."""
    parts = [sla["state"] + (" (paused: pending)" if sla["paused"] else "")]
    for name in CLOCKS:
        c = sla.get(name)
        if not c:
            continue
        if c["done_at"]:
            parts.append(f"{name} {c['state']} ({format_business(c['elapsed_seconds'])} of {c['target']})")
        elif c["remaining_seconds"] < 0:
            parts.append(f"{name} due {_when(c['due_at'], tz)}, {format_business(-c['remaining_seconds'])} over")
        else:
            parts.append(f"{name} due {_when(c['due_at'], tz)}, {format_business(c['remaining_seconds'])} left"
                         + (" when resumed" if c["paused"] else ""))
    if sla.get("priority_changes"):
        parts.append(f"target of {sla['policy']} in force after {sla['priority_changes']} priority change(s) "
                     "(`deskctl ticket sla explain`)")
    return f"{sla['policy']} · " + " · ".join(parts) if sla.get("policy") else parts[0]


def table_cell(row: dict, policy: SlaPolicy, now: float) -> str:
    """`column_text(ticket_sla(row, policy, now))`, for the table of `ticket list`: the same
    verdicts from the same `clock_state`, without the due instants (when nothing depends on
    them) and without the dicts of the full state, which were most of its SLA work for a few
    hundred open tickets (a test holds the two to the same answers)."""
    if row.get("priority_changes"):
        return column_text(ticket_sla(row, policy, now))
    target = policy.target_for(row)
    if target is None or not row.get("created_at"):
        return "-"
    start = ts(row["created_at"])
    pauses = _pauses(row) if row.get("pending_periods") else []
    worst, left, left_state, running, breached_stopped = -1, None, None, False, None
    for name, done in zip(CLOCKS, _stops(row), strict=True):
        seconds = target.seconds.get(name)
        if seconds is None:
            continue
        c = clock_state(target.calendar, start, seconds, done, now, pauses, policy.at_risk, want_due=False)
        worst = max(worst, RANK[c["state"]])
        if done is None:
            running = True
            remaining = int(c["remaining"])
            if left is None or remaining < left:  # the first clock wins a tie, as in ticket_sla
                left, left_state = remaining, c["state"]
        elif c["state"] == "breached" and breached_stopped is None:
            breached_stopped = name
    if worst < 0:
        return "-"
    if running and row.get("status") == "pending":
        return "paused"
    if left is None:
        return STATES[worst]
    return _cell_text(left_state, left, breached_stopped)


def _cell_text(state: str, remaining: int, breached_stopped: str | None) -> str:
    """The running clock's state and time left; a clock that already stopped late is named
    apart, so that `breached` is never printed beside time that is still left."""
    text = f"{state} {format_business(remaining)}"
    return f"{text} ({breached_stopped} breached)" if breached_stopped and state != "breached" else text


def column_text(sla: dict) -> str:
    """A short cell for `ticket list`: `ok 3h`, `at-risk 20m`, `breached -1h`, `paused`, `met`."""
    if sla["state"] == "none":
        return "-"
    if sla["paused"]:
        return "paused"
    nxt = sla.get("next")
    if not nxt:
        return sla["state"]
    stopped_late = next((name for name in CLOCKS if sla.get(name) and sla[name]["done_at"]
                         and sla[name]["state"] == "breached"), None)
    return _cell_text(sla[nxt]["state"], sla[nxt]["remaining_seconds"], stopped_late)
