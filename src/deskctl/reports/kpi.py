"""The desk's KPIs, computed from the store's summary rows (archive included) in one pass.

Every definition is in docs/kpis.md; the names here are the JSON keys. Per-ticket figures are
over the *cohort*: tickets created in [since, until) (and in --group, if given). The backlog is
the tickets open at the end of the period, whenever they were created.
"""

from __future__ import annotations

import statistics
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from deskctl.reports.facts import judged
from deskctl.reports.fcr import FcrRules
from deskctl.util import clock

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
AGE_BUCKETS = (("<1d", 86400), ("1-3d", 3 * 86400), ("3-7d", 7 * 86400), ("7-30d", 30 * 86400), (">30d", None))
DONE = ("resolved", "closed")


@dataclass
class Period:
    since: datetime | None
    until: datetime

    def to_dict(self) -> dict:
        return {"since": self.since.isoformat(timespec="seconds") if self.since else None,
                "until": self.until.isoformat(timespec="seconds")}


def _ts(iso: str | None) -> float | None:
    return datetime.fromisoformat(iso).timestamp() if iso else None


def _rate(numerator: int, denominator: int) -> dict:
    return {"rate": round(numerator / denominator, 4) if denominator else None,
            "numerator": numerator, "denominator": denominator}


def _stats(values: list[float]) -> dict:
    if not values:
        return {"count": 0, "mean_seconds": None, "median_seconds": None}
    return {"count": len(values), "mean_seconds": round(statistics.fmean(values), 1),
            "median_seconds": round(statistics.median(values), 1)}


def _count(counter: Counter) -> dict:
    counts: Counter = Counter()
    for value, n in counter.items():
        counts["(none)" if value is None else str(value)] += n
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


class _WeekIndex:
    """Local week (its Monday, ISO) of an instant, by bisecting precomputed week starts:
    a time-zone conversion per ticket is the slow part of a 100k-ticket report."""

    def __init__(self, tz: ZoneInfo, lo: float, hi: float):
        self.tz = tz
        self.starts: list[float] = []
        self.names: list[str] = []
        first = datetime.fromtimestamp(lo, tz).date()
        monday = first - timedelta(days=first.weekday())
        last = datetime.fromtimestamp(hi, tz).date()
        while monday <= last:
            self.starts.append(datetime.combine(monday, time(0, 0), tzinfo=tz).timestamp())
            self.names.append(monday.isoformat())
            monday += timedelta(days=7)

    def __call__(self, stamp: float) -> str:
        i = bisect_right(self.starts, stamp) - 1
        if 0 <= i < len(self.starts) - 1:
            return self.names[i]
        local = datetime.fromtimestamp(stamp, self.tz)  # outside the prepared range: the slow way
        return (local - timedelta(days=local.weekday())).date().isoformat()


def compute(rows: list[dict], *, policy, surveys, timezone: str, period: Period,
            group: str | None = None, now: datetime | None = None, fcr_rules: FcrRules | None = None) -> dict:
    """Every KPI of docs/kpis.md for `rows` (summary rows of active, closed and archived tickets);
    `fcr_rules`: the desk's first-contact definition (`reports.fcr.load_rules`)."""
    now_ts = (now or clock.now()).timestamp()
    tz = ZoneInfo(timezone)
    since_ts = period.since.timestamp() if period.since else None
    until_ts = period.until.timestamp()
    as_of = min(until_ts, now_ts)
    if group:
        rows = [r for r in rows if r.get("group") == group]

    # parse every instant once: (row, created, resolved, closed)
    parsed = []
    for row in rows:
        created = _ts(row.get("created_at"))
        if created is not None:
            parsed.append((row, created, _ts(row.get("resolved_at")), _ts(row.get("closed_at"))))

    fcr = esc = reopened = ever_resolved = kb_resolved = total = 0
    volume = {key: Counter() for key in ("type", "category", "priority", "channel")}
    fcr_rules = fcr_rules or FcrRules()
    fcr_by = {key: (Counter(), Counter()) for key in ("channel", "group")}  # (first contact, all)
    response_times, resolve_times, handling = [], [], []
    sla_counts = {"response": Counter(), "resolution": Counter()}
    asked = answered = 0
    scores: list[int] = []
    heat = [[0] * 24 for _ in range(7)]
    weeks: defaultdict[str, Counter] = defaultdict(Counter)
    local_slot: dict[int, tuple[int, int]] = {}  # 15-minute slot -> (weekday, hour) in the desk's zone
    breaches: list[dict] = []
    backlog = Counter({name: 0 for name, _ in AGE_BUCKETS})
    oldest = []
    week_of = _WeekIndex(tz, min((p[1] for p in parsed), default=until_ts), max(until_ts, now_ts) + 8 * 86400)

    for row, created, resolved, closed in parsed:
        status = row.get("status")
        done = status in DONE
        # resolutions per week: any ticket resolved in the period, whenever it was created
        if done and resolved is not None and (since_ts is None or resolved >= since_ts) and resolved < until_ts:
            weeks[week_of(resolved)]["resolved"] += 1
        # the backlog: open at the end of the period, whenever created
        if created <= as_of:
            ended = [t for t in (resolved, closed) if t is not None]
            if not (done and not ended) and not (ended and min(ended) <= as_of):
                age = as_of - created
                backlog[next(name for name, limit in AGE_BUCKETS if limit is None or age < limit)] += 1
                oldest.append((created, row))
        if not ((since_ts is None or created >= since_ts) and created < until_ts):
            continue
        # -- the cohort ---------------------------------------------------------------------
        total += 1
        for key, counter in volume.items():
            counter[row.get(key)] += 1
        slot = int(created // 900)  # every zone offset is a multiple of 15 minutes
        if slot not in local_slot:
            local = datetime.fromtimestamp(slot * 900, tz)
            local_slot[slot] = (local.weekday(), local.hour)
        weekday, hour = local_slot[slot]
        heat[weekday][hour] += 1
        week = weeks[week_of(created)]
        week["created"] += 1
        reopens = int(row.get("reopen_count") or 0)
        first = _ts(row.get("first_response_at"))
        first_contact, clocks, handling_seconds = judged(row, policy, fcr_rules, now_ts, created, resolved, closed, first)
        fcr += first_contact
        for key, (hits, seen) in fcr_by.items():
            seen[row.get(key)] += 1
            hits[row.get(key)] += first_contact
        if int(row.get("escalation_level") or 0) > 0:
            esc += 1
        if done or reopens:
            ever_resolved += 1
        if reopens:
            reopened += 1
        if first is not None:
            response_times.append(max(0.0, first - created))
        if done and resolved is not None:
            resolve_times.append(max(0.0, resolved - created))
            if row.get("kb_articles"):
                kb_resolved += 1
            if handling_seconds is not None:
                handling.append(handling_seconds)
        breached_clocks = []
        for name, verdict in clocks.items():
            sla_counts[name][verdict] += 1
            if verdict == "breached":
                breached_clocks.append(name)
        if breached_clocks:
            week["sla_breached"] += 1
            breaches.append({"id": row["id"], "title": row.get("title"), "priority": row.get("priority"),
                             "group": row.get("group"), "status": status, "clocks": breached_clocks,
                             "created_at": row.get("created_at"), "open": status not in DONE})
        survey = row.get("survey")
        if status == "closed" and surveys.sampled(row):
            asked += 1
            if survey:
                answered += 1
        if isinstance(survey, dict) and isinstance(survey.get("score"), int):
            scores.append(survey["score"])
    oldest.sort(key=lambda cr: (cr[0], cr[1]["id"]))

    def sla_rate(name: str) -> dict:
        c = sla_counts[name]
        return {**_rate(c["met"], c["met"] + c["breached"]), "met": c["met"], "breached": c["breached"],
                "running": c["running"]}

    breaches.sort(key=lambda b: (not b["open"], b["created_at"] or "", b["id"]))
    return {
        "period": period.to_dict(), "group": group, "timezone": timezone,
        "volume": {"total": total, **{f"by_{key}": _count(counter) for key, counter in volume.items()}},
        "first_contact_resolution": {
            **_rate(fcr, total), "definition": fcr_rules.to_dict(),
            **{f"by_{key}": {("(none)" if value is None else str(value)): _rate(hits[value], n)
                             for value, n in sorted(seen.items(), key=lambda kv: (-kv[1], str(kv[0])))}
               for key, (hits, seen) in fcr_by.items()}},
        "response_sla": sla_rate("response"),
        "resolution_sla": sla_rate("resolution"),
        "time_to_first_response": _stats(response_times),
        "time_to_resolve": _stats(resolve_times),
        "handling_time": _stats(handling),
        "reopen_rate": _rate(reopened, ever_resolved),
        "escalation_rate": _rate(esc, total),
        "kb_resolution_rate": _rate(kb_resolved, len(resolve_times)),
        "csat": {"average": round(statistics.fmean(scores), 2) if scores else None, "responses": len(scores),
                 "scores": {str(s): scores.count(s) for s in range(1, 6)},
                 "response_rate": _rate(answered, asked)},
        "backlog": {"as_of": datetime.fromtimestamp(as_of, UTC).isoformat(timespec="seconds"),
                    "total": sum(backlog.values()), "by_age": dict(backlog)},
        "arrivals": {"weekdays": list(WEEKDAYS), "by_weekday_hour": heat,
                     "by_weekday": {WEEKDAYS[i]: sum(heat[i]) for i in range(7)},
                     "by_hour": [sum(heat[d][h] for d in range(7)) for h in range(24)]},
        "weekly": [{"week": w, "created": c["created"], "resolved": c["resolved"], "sla_breached": c["sla_breached"]}
                   for w, c in sorted(weeks.items())],
        "oldest_open": [{"id": r["id"], "title": r.get("title"), "priority": r.get("priority"),
                         "status": r.get("status"), "group": r.get("group"), "created_at": r.get("created_at"),
                         "age_seconds": int(as_of - c)} for c, r in oldest[:20]],
        "sla_breaches": breaches[:50],
        "sla_breaches_total": len(breaches),
    }
