"""A ticket's SLA state: for the response and the resolution clock, the due time, business time
elapsed and remaining, and `ok` / `at-risk` / `breached` (running) or `met` / `breached` (done).

Both clocks run in the business time of the ticket's calendar and stop while the ticket is
pending (waiting on the requester or a third party). Computed on display from the summary row
(see `sla.periods` for the pending periods it carries), never stored.
"""

from __future__ import annotations

from datetime import datetime

from deskctl.sla.calendars import BusinessCalendar
from deskctl.sla.policy import CLOCKS, SlaPolicy, format_business

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
    target = policy.target_for(row)
    if target is None or not row.get("created_at"):
        return {"policy": None, "state": "none", "paused": False, "response": None, "resolution": None,
                "next": None, "summary": "no SLA for this priority"}
    start = ts(row["created_at"])
    pauses = _pauses(row)
    done_at = dict(zip(CLOCKS, _stops(row), strict=True))
    clocks: dict[str, dict | None] = {}
    running: list[tuple[str, dict]] = []
    for name in CLOCKS:
        seconds = target.seconds.get(name)
        if seconds is None:
            clocks[name] = None
            continue
        c = clock_state(target.calendar, start, seconds, done_at[name], now, pauses, policy.at_risk)
        clock = clocks[name] = {
            "target": target.texts[name], "target_seconds": seconds,
            "due_at": _iso(c["due"]), "done_at": _iso(c["done"]),
            "elapsed_seconds": int(c["elapsed"]), "remaining_seconds": int(c["remaining"]),
            "used": round(c["used"], 4), "state": c["state"], "paused": c["paused"],
        }
        if c["done"] is None:
            running.append((name, clock))
    live = [c for c in clocks.values() if c is not None]
    state = max((c["state"] for c in live), key=RANK.__getitem__, default="none")
    nxt = min(running, key=lambda nc: nc[1]["remaining_seconds"], default=(None, None))[0]
    paused = bool(row.get("status") == "pending" and running)
    result = {"policy": target.name, "calendar": target.calendar.name, "state": state, "paused": paused,
              "response": clocks["response"], "resolution": clocks["resolution"], "next": nxt}
    result["summary"] = summary_text(result, policy.display_tz)
    return result


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
    return f"{sla['policy']} · " + " · ".join(parts) if sla.get("policy") else parts[0]


def table_cell(row: dict, policy: SlaPolicy, now: float) -> str:
    """`column_text(ticket_sla(row, policy, now))`, for the table of `ticket list`: the same
    verdicts from the same `clock_state`, without the due instants (when nothing depends on
    them) and without the dicts of the full state, which were most of its SLA work for a few
    hundred open tickets (a test holds the two to the same answers)."""
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
