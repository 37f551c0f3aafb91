"""A reproducible synthetic ticket history: arrivals with office-hour and weekday peaks, channels,
types, categories and priorities in realistic shares, first-contact resolutions, escalations,
pending periods, reopenings, automatic closings and satisfaction answers.

Every ticket is replayed through the ticket model's own `apply_changes` and `record`, so its
history has exactly the shape the API writes. The same seed, size, span and "now" (set
DESKCTL_NOW) give the same tickets, byte for byte.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from deskctl.demo import catalogue as cat
from deskctl.tickets import lifecycle, model
from deskctl.util.durations import parse_duration

STAFF = {"L1": ("olga", "marco", "ioana", "paolo"), "L2": ("ivan", "giulia", "stefan"),
         "L3": ("dmitri", "chiara"), "network": ("sergei", "luca"), "security": ("irina", "alessandro"),
         "desktop": ("mihai", "sofia")}
HOUR = 3600.0


def _iso(stamp: float) -> str:
    return datetime.fromtimestamp(int(stamp), UTC).isoformat()


def _weighted(rng: random.Random, weights: dict, allowed: list[str] | None = None):
    items = [(k, w) for k, w in weights.items() if not allowed or k in allowed]
    if not items:  # the desk renamed every value: pick uniformly among its own
        return rng.choice(allowed) if allowed else None
    keys, cum = zip(*items, strict=True)
    return keys[bisect_left(list(accumulate(cum)), rng.random() * sum(cum))]


class Generator:
    def __init__(self, desk, *, tickets: int, days: float, seed: int, now: datetime):
        from deskctl.reports.surveys import load_settings
        from deskctl.sla.policy import load_policy

        self.desk, self.count, self.days, self.seed = desk, tickets, days, seed
        self.now = now.timestamp()
        self.rng = random.Random(f"deskctl-demo:{seed}")
        self.tz = ZoneInfo(str(desk.setting("timezone", default="UTC")))
        self.policy = load_policy(desk)
        self.surveys = load_settings(desk)
        self.prefixes = dict(desk.setting("tickets", "types", default={}))
        self.allowed = {key: model.choices(desk, key) for key in
                        ("categories", "channels", "services", "groups", "priorities")}
        self.archive_after = parse_duration(desk.setting("tickets", "archive_after", default="90d"))
        self.office = self.policy.calendars.get("office") or next(iter(self.policy.calendars.values()))

    # -- arrivals -----------------------------------------------------------------------------
    def arrivals(self) -> list[float]:
        start = self.now - self.days * 86400
        first_hour = math.floor(start / HOUR) * HOUR
        slots, weights = [], []
        hour = first_hour
        while hour < self.now:
            local = datetime.fromtimestamp(hour, self.tz)
            slots.append(hour)
            weights.append(cat.WEEKDAY_WEIGHTS[local.weekday()] * cat.HOUR_WEIGHTS[local.hour])
            hour += HOUR
        cum = list(accumulate(weights))
        rng = self.rng
        times = []
        for _ in range(self.count):
            slot = slots[bisect_left(cum, rng.random() * cum[-1])]
            times.append(max(start, min(self.now - 60, slot + rng.random() * HOUR)))
        times.sort()
        return times

    # -- one ticket -----------------------------------------------------------------------------
    def _person(self, group: str | None) -> str:
        return self.rng.choice(STAFF.get(group or "", (f"{(group or 'desk').lower()}-agent",)))

    def _business(self, cal, start: float, median_minutes: float, sigma: float = 0.75) -> float:
        minutes = self.rng.lognormvariate(math.log(max(median_minutes, 1)), sigma)
        return cal.add(start, minutes * 60)

    def ticket(self, ticket_id: str, ttype: str, created: float) -> dict:
        rng = self.rng
        channel = _weighted(rng, cat.CHANNELS, self.allowed["channels"])
        category = _weighted(rng, cat.CATEGORIES.get(ttype, {"other": 1}), self.allowed["categories"])
        services, group, titles = cat.TOPICS.get(category, cat.TOPICS["other"])
        services = [s for s in services if s in self.allowed["services"]] or self.allowed["services"]
        groups = self.allowed["groups"]
        group = group if group in groups else (groups[0] if groups else None)
        if ttype == "info-request":
            priority = _weighted(rng, {"low": 6, "informational": 4, "medium": 2}, self.allowed["priorities"])
        else:
            priority = _weighted(rng, cat.PRIORITIES, self.allowed["priorities"])
        first, last = rng.choice(cat.FIRST_NAMES), rng.choice(cat.LAST_NAMES)
        title = rng.choice(titles).format(n=rng.randint(1, 9), name=f"{rng.choice(cat.FIRST_NAMES)} {last}")
        t = model.new_ticket(ticket_id, ttype, _iso(created))
        t.update({
            "title": title, "description": f"Reported by {first} {last} via {channel}.",
            "category": category, "priority": priority, "channel": channel,
            "service": rng.choice(services) if services else None,
            "requester": {"name": f"{first} {last}", "email": f"{first}.{last}@example.com".lower(),
                          "phone": f"+39 02 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"},
            "system": {"os": rng.choice(cat.OS_NAMES), "memory": rng.choice(cat.MEMORY),
                       "hostname": f"pc-{last.lower()}-{rng.randint(10, 99)}"},
            "group": group, "tags": [],
        })
        target = self.policy.target_for(t)
        cal = target.calendar if target else self.office
        self._lifecycle(t, created, cal)
        if t["status"] == "closed" and self.now - datetime.fromisoformat(t["closed_at"]).timestamp() > self.archive_after:
            t["archived"] = True
        return t

    def _lifecycle(self, t: dict, created: float, cal) -> None:
        rng, priority = self.rng, t["priority"]
        steps: list[tuple[float, str, str, dict, str, dict | None]] = []

        def step(at, actor, action, updates=None, note="", data=None):
            steps.append((at, actor, action, updates or {}, note, data))

        operator = self._person(t["group"] if t["group"] in ("L1", None) else "L1")
        step(created, operator, "created", note=f"registered via {t['channel']}")
        easy = t["type"] == "info-request" or t["category"] == "user-support"
        live = t["channel"] in ("phone", "walk-in", "chat")
        fcr_share = (0.75 if easy else 0.3) if live else (0.2 if easy else 0.0)
        if rng.random() < fcr_share:
            step(created, operator, "resolve", {"status": "resolved", "resolution": rng.choice(cat.RESOLUTIONS),
                                                "resolved_at": _iso(created), "first_response_at": _iso(created),
                                                "first_contact": True}, "resolved at first contact")
            resolved = created
        else:
            owner = self._person(t["group"])
            at = cal.add(created, rng.uniform(2, 25) * 60)
            step(at, operator, "assign", {"status": "assigned", "assignee": owner}, "")
            respond = max(at, self._business(cal, created, cat.RESPONSE_MEDIAN.get(priority, 120)))
            step(respond, owner, "comment", {"first_response_at": _iso(respond)},
                 "Thank you, we are looking into it.")
            at = respond + rng.uniform(0, 20) * 60
            step(at, owner, "start", {"status": "in_progress"})
            done = self._business(cal, at, cat.RESOLUTION_MEDIAN.get(priority, 600))
            escalate = rng.random() < (0.3 if t["category"] in ("network", "security", "data-recovery") else 0.1)
            if escalate:
                esc_at = at + (done - at) * rng.uniform(0.2, 0.5)
                path = ["L1", "L2", "L3"]
                new_group = "L2" if t["group"] in path or t["group"] is None else t["group"]
                new_group = new_group if new_group in self.allowed["groups"] else t["group"]
                step(esc_at, owner, "escalate", {"status": "escalated", "group": new_group, "assignee": None,
                                                 "escalation_level": 1}, "needs second-line access")
                owner = self._person(new_group)
                pick = cal.add(esc_at, rng.uniform(10, 120) * 60)
                step(pick, owner, "start", {"status": "in_progress", "assignee": owner})
                done = max(done, pick) + (done - at) * 0.5
            if rng.random() < 0.2:
                pend_at = min(done, at + (done - at) * rng.uniform(0.3, 0.7))
                on = "requester" if rng.random() < 0.8 else "third-party"
                reason = rng.choice(cat.PENDING_REASONS)
                step(pend_at, owner, "pend", {"status": "pending", "pending_reason": reason, "pending_on": on}, reason)
                wait = rng.lognormvariate(math.log(20 * HOUR), 1.0)
                if on == "requester" and wait > 10 * 86400:  # nobody answered: the sweep closes it
                    gone = pend_at + 10 * 86400
                    text = "closed automatically: no answer from the requester in 10d"
                    step(gone, "sweep", "resolve", {"status": "resolved", "resolution": text,
                                                    "resolved_at": _iso(gone), "pending_reason": None}, text)
                    step(gone, "sweep", "close", {"status": "closed", "closed_at": _iso(gone), "confirmed": False}, text)
                    self._replay(t, steps)
                    return
                step(pend_at + wait, owner, "resume", {"status": "in_progress", "pending_reason": None})
                done = cal.add(pend_at + wait, max(60.0, cal.elapsed(pend_at, done)))
            resolved = done
            kb = rng.choice(cat.KB_ARTICLES) if rng.random() < 0.3 else None
            step(resolved, owner, "resolve", {"status": "resolved", "resolution": rng.choice(cat.RESOLUTIONS),
                                              "resolved_at": _iso(resolved), **({"kb_articles": [kb]} if kb else {})},
                 "resolved", {"kb": kb} if kb else None)
            if rng.random() < 0.05:
                back = resolved + rng.uniform(3, 60) * HOUR
                step(back, t["requester"]["email"], "reopen", {"status": "in_progress", "resolved_at": None, "reopen_count": 1},
                     "still not working")
                resolved = cal.add(back, rng.uniform(1, 6) * HOUR)
                step(resolved, owner, "resolve", {"status": "resolved", "resolved_at": _iso(resolved)}, "fixed for good")
        if rng.random() < 0.65:
            closed = resolved + rng.uniform(0.5, 48) * HOUR
            step(closed, t["requester"]["email"], "close", {"status": "closed", "closed_at": _iso(closed),
                                                            "confirmed": True}, "requester confirmed the resolution")
        else:
            closed = resolved + 5 * 86400
            step(closed, "sweep", "close", {"status": "closed", "closed_at": _iso(closed), "confirmed": False},
                 "closed automatically: resolved 5d ago and not reopened")
        if self.surveys.sampled(t) and rng.random() < 0.35:
            unhappy = t.get("reopen_count") or any(s[2] == "escalate" for s in steps)
            weights = {1: 10, 2: 12, 3: 25, 4: 33, 5: 20} if unhappy else cat.SURVEY_SCORES
            score = _weighted(rng, weights)
            at = closed + rng.uniform(1, 72) * HOUR
            survey = {"score": score, "comment": "", "at": _iso(at), "actor": t["requester"]["email"]}
            step(at, t["requester"]["email"], "survey", {"survey": survey}, f"satisfaction {score}/5")
        self._replay(t, steps)

    def _replay(self, t: dict, steps) -> None:
        """Apply the steps that happened before now, through the model's own history writer."""
        for at, actor, action, updates, note, data in steps:
            if at > self.now:
                break
            changes = lifecycle.apply_changes(t, updates) if updates else {}
            lifecycle.record(t, at=_iso(at), actor=actor, action=action, changes=changes, note=note, data=data)

    # -- everything -------------------------------------------------------------------------------
    def tickets(self, next_numbers: dict[str, int]) -> Iterator[dict]:
        numbers = dict(next_numbers)
        for created in self.arrivals():
            ttype = _weighted(self.rng, cat.TYPES, list(self.prefixes))
            prefix = self.prefixes[ttype]
            number = numbers.get(prefix, 1)
            numbers[prefix] = number + 1
            yield self.ticket(f"{prefix}-{number}", ttype, created)


def seed_desk(desk, *, tickets: int, days: float = 90, seed: int = 1, now: datetime | None = None) -> dict:
    """Append `tickets` synthetic tickets spread over the last `days` days to the desk's store."""
    from deskctl.store import open_backend
    from deskctl.tickets.model import summary_row
    from deskctl.util import clock
    from deskctl.util.progress import progress

    now = now or clock.now()
    gen = Generator(desk, tickets=tickets, days=days, seed=seed, now=now)
    # the bar counts tickets as the backend takes them (files and PostgreSQL alike)
    with progress("seeding tickets", tickets) as bar:
        result = open_backend(desk, "demo").bulk_insert(lambda following: bar.counted(gen.tickets(following)),
                                                        summary_row)
    from deskctl.audit import trail

    trail.touched("store", f"demo seed of {tickets} tickets")
    result["span"] = {"from": (now - timedelta(days=days)).isoformat(timespec="seconds"),
                      "to": now.isoformat(timespec="seconds")}
    return result
