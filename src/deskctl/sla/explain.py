"""`deskctl ticket sla explain`: a ticket's SLA clocks period by period, and why each verdict.

A period starts at creation, at each priority change (by a person, or the sweep's automatic
raise), and where a pending period starts or ends. Each names the priority, the target in
force, the business time it used and why it started (docs/sla.md, "Priority changes").
"""

from __future__ import annotations

from deskctl.sla.policy import CLOCKS, format_business, load_policy
from deskctl.sla.state import _iso, _pauses, _stops, run_clock, schedule, ticket_sla, ts


def _started_by(change: list | None) -> str:
    """Why a period of the schedule starts (the priorities are in the period itself)."""
    if change is None:
        return "created"
    if change[4]:
        return "raised by the sweep"
    return f"changed by {change[3]}"


def periods(row: dict, policy, now: float) -> list[dict]:
    """The periods of the ticket's life up to its resolution (or now)."""
    start = ts(row["created_at"])
    plan = schedule(row, policy, start)
    pauses = _pauses(row)
    first, finished = _stops(row)
    end = finished if finished is not None else now
    cuts = {start: []}
    for at, _, change in plan:
        if at < end:
            cuts.setdefault(at, []).append(_started_by(change))
    for p_start, p_end in pauses:
        if start <= p_start < end:
            cuts.setdefault(p_start, []).append("pending")
        if p_end is not None and start <= p_end < end:
            cuts.setdefault(p_end, []).append("resumed")
    instants = sorted(cuts)
    found = []
    for i, a in enumerate(instants):
        b = instants[i + 1] if i + 1 < len(instants) else end
        index = max(j for j, (at, _, _) in enumerate(plan) if at <= a or j == 0)
        _, target, change = plan[index]
        pending = any(ps <= a and (pe is None or a < pe) for ps, pe in pauses)
        running = [c for c, stop in zip(CLOCKS, (first, finished), strict=True)
                   if (stop is None or a < stop) and target and target.seconds.get(c) is not None]
        elapsed = 0.0 if pending or target is None or b <= a else target.calendar.elapsed(a, b)
        found.append({
            "from": _iso(a), "to": _iso(b) if (i + 1 < len(instants) or finished is not None) else None,
            "priority": change[2] if change else (plan[1][2][1] if len(plan) > 1 else row.get("priority")),
            "target": target.name if target else None,
            "targets": {c: (target.texts[c] if target else None) for c in CLOCKS},
            "calendar": target.calendar.name if target else None,
            "elapsed_seconds": int(elapsed), "elapsed": format_business(elapsed),
            "pending": pending, "clocks_running": [] if pending else running,
            "why": "; ".join(cuts[a]) if cuts[a] else "created",
            "changed": {"from": change[1], "to": change[2], "by": change[3], "automatic": change[4]}
            if change and a == plan[index][0] else None,
        })
    return found


def _clock_why(name: str, c: dict, plan, zone: str) -> str:
    target = c["target"]
    text = f"{target.texts[name]} of {target.name}"
    used = format_business(c["elapsed"])
    raised = [ch for _, _, ch in plan[1:c["period"] + 1] if ch and ch[4]]
    kept = (f"; the sweep's raise to {raised[-1][2]} kept the target in force" if raised else "")
    if c["breached_in"] is not None:
        at, t, change = plan[c["breached_in"]]
        from deskctl.util.moments import format_local

        since = "creation" if change is None else f"{format_local(_iso(at), zone)} ({_started_by(change)})"
        return f"breached: the {t.texts[name]} of {t.name} in force from {since} was passed ({used} used in all)"
    if c["done"] is not None:
        return f"met: {used} used, within the {text} in force when it stopped{kept}"
    left = format_business(c["remaining"])
    return f"{c['state']}: {used} used, {left} left of the {text} in force{kept}"


def explain(desk, ticket: dict, now: float) -> dict:
    """Periods and per-clock verdicts with their reasons, for `ticket sla explain`."""
    from deskctl.tickets.model import summary_row

    policy = load_policy(desk)
    row = summary_row(ticket)
    sla = ticket_sla(row, policy, now)
    result = {"id": ticket["id"], "priority": ticket.get("priority"), "status": ticket.get("status"),
              "state": sla["state"], "summary": sla["summary"], "periods": [], "clocks": {}}
    if not row.get("created_at") or sla["policy"] is None:
        return result
    result["periods"] = periods(row, policy, now)
    start = ts(row["created_at"])
    plan = schedule(row, policy, start)
    pauses = _pauses(row)
    for name, done in zip(CLOCKS, _stops(row), strict=True):
        c = run_clock(plan, name, start, done, now, pauses, policy.at_risk)
        if c is None:
            result["clocks"][name] = None
            continue
        result["clocks"][name] = {**sla[name], "target_of": c["target"].name,
                                  "why": _clock_why(name, c, plan, policy.display_tz)}
    return result


def lines(report: dict, zone: str) -> list[str]:
    """The human form: one row per period, then one line per clock."""
    out = [f"{report['id']}  priority {report['priority']}  {report['status']}  SLA {report['state']}"]
    if not report["periods"]:
        return [*out, "  no SLA for this priority"]
    from deskctl.tickets.render import sla_periods

    table = sla_periods(report["periods"], zone)
    out += ["", *("  " + line for line in table)]
    out.append("")
    for name, clock in report["clocks"].items():
        if clock:
            out.append(f"  {name}: {clock['why']}")
    return out
