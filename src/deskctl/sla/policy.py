"""The desk's SLA policy from its config: calendars, targets per priority (with optional
overrides per type, group, category or service) and the at-risk threshold.

`problems(config)` lists every mistake for `deskctl config check`; `load_policy(desk)` builds the
policy or fails with the first mistake as `file:line: message`.
"""

from __future__ import annotations

import re

from deskctl.errors import BadInput
from deskctl.sla.calendars import BusinessCalendar, CalendarError

CLOCKS = ("response", "resolution")
MATCH_KEYS = ("type", "group", "priority", "category", "service", "channel")
TARGET_KEYS = ("calendar", *CLOCKS)


# Plain classes, not dataclasses: `dataclasses` imports `inspect`, a noticeable share of the
# start-up of `ticket show` and `ticket list`, which display SLA clocks.
class Target:
    """The SLA one ticket is held to: a calendar and business seconds per clock (None: none)."""

    __slots__ = ("name", "calendar", "seconds", "texts")

    def __init__(self, name: str, calendar: BusinessCalendar, seconds: dict[str, float | None],
                 texts: dict[str, str | None]):
        self.name, self.calendar, self.seconds, self.texts = name, calendar, seconds, texts


class SlaPolicy:
    __slots__ = ("calendars", "targets", "overrides", "at_risk", "display_tz")

    def __init__(self, calendars: dict[str, BusinessCalendar], targets: dict[str, Target],
                 overrides: list[tuple[dict, dict[str, Target | None]]] | None = None,
                 at_risk: float = 0.8, display_tz: str = "UTC"):
        self.calendars = calendars
        self.targets = targets  # by priority
        self.overrides = overrides if overrides is not None else []  # (match, targets by priority)
        self.at_risk = at_risk
        self.display_tz = display_tz

    def target_for(self, row: dict) -> Target | None:
        priority = row.get("priority") or ""
        for match, built in self.overrides:
            if all(row.get(k) in values for k, values in match.items()):
                return built.get(priority) or built[""]
        return self.targets.get(priority)


def parse_percent(value) -> float:
    """`80%`, `80` or `0.8` -> 0.8."""
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, str):
        text = value.strip()
        number = float(text.rstrip("%").strip())
        fraction = number / 100 if text.endswith("%") or number > 1 else number
    else:
        number = float(value)
        fraction = number / 100 if number > 1 else number
    if not 0 < fraction <= 1:
        raise ValueError
    return fraction


def _as_list(value) -> list:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _build(config: dict) -> tuple[SlaPolicy | None, list[tuple[tuple, str]]]:
    """The policy and the problems found on the way (keypath, message)."""
    problems: list[tuple[tuple, str]] = []
    default_tz = str(config.get("timezone") or "UTC")
    calendars: dict[str, BusinessCalendar] = {}
    raw_calendars = config.get("calendars") or {}
    if not isinstance(raw_calendars, dict):
        return None, [(("calendars",), "calendars must be a mapping of calendar name -> settings")]
    for name, spec in raw_calendars.items():
        if isinstance(spec, dict):
            unknown = set(spec) - {"timezone", "days", "hours", "holidays", "country", "subdiv"}
            for key in sorted(unknown):
                problems.append((("calendars", name, key), f"unknown calendar setting {key!r} "
                                 "(known: timezone, days, hours, holidays, country, subdiv)"))
            spec = {"timezone": default_tz, **spec}
        try:
            calendars[str(name)] = BusinessCalendar.from_config(str(name), spec)
        except CalendarError as exc:
            problems.append((("calendars", name), f"calendar {name!r}: {exc}"))

    sla = config.get("sla") or {}
    if not isinstance(sla, dict):
        return None, problems + [(("sla",), "sla must be a mapping of priority -> {calendar, response, resolution}")]
    at_risk = 0.8
    if "at_risk" in sla:
        try:
            at_risk = parse_percent(sla["at_risk"])
        except (TypeError, ValueError):
            problems.append((("sla", "at_risk"), f"sla.at_risk {sla['at_risk']!r} must be a share like 80%"))
    priorities = list((config.get("tickets") or {}).get("priorities") or [])

    def target(name: str, spec, keypath: tuple, base: Target | None = None) -> Target | None:
        if not isinstance(spec, dict):
            problems.append((keypath, f"{'.'.join(map(str, keypath))} must be a mapping like "
                             "{calendar: office, response: 1h, resolution: 4h}"))
            return None
        cal_name = spec.get("calendar", base.calendar.name if base else None)
        if cal_name is None:
            cal_name = "always" if "always" in calendars else next(iter(calendars), None)
        calendar = calendars.get(str(cal_name))
        if calendar is None:
            if str(cal_name) not in raw_calendars:
                known = ", ".join(raw_calendars) or "none defined"
                problems.append((keypath + ("calendar",), f"{'.'.join(map(str, keypath))}: unknown calendar "
                                 f"{cal_name!r} (calendars: {known})"))
            return None
        seconds: dict[str, float | None] = {}
        texts: dict[str, str | None] = {}
        for clock in CLOCKS:
            raw = spec[clock] if clock in spec else (base.texts[clock] if base else None)
            if raw in (None, False, "none", "off"):
                seconds[clock], texts[clock] = None, None
                continue
            try:
                value = calendar.parse_duration(raw, f"{'.'.join(map(str, keypath))}.{clock}")
            except CalendarError as exc:
                problems.append((keypath + (clock,), str(exc)))
                return None
            if value <= 0:
                problems.append((keypath + (clock,), f"{'.'.join(map(str, keypath))}.{clock} must be more than 0"))
                return None
            seconds[clock], texts[clock] = value, str(raw)
        return Target(name, calendar, seconds, texts)

    targets: dict[str, Target] = {}
    overrides_spec = sla.get("overrides") or []
    for key, spec in sla.items():
        if key in ("at_risk", "overrides"):
            continue
        if priorities and key not in priorities:
            problems.append((("sla", key), f"sla.{key}: {key!r} is not a priority "
                             f"(priorities: {', '.join(priorities)}; other keys: at_risk, overrides)"))
            continue
        if isinstance(spec, dict):
            for extra in sorted(set(spec) - set(TARGET_KEYS)):
                problems.append((("sla", key, extra), f"unknown SLA setting sla.{key}.{extra!r} "
                                 f"(known: {', '.join(TARGET_KEYS)})"))
        built = target(str(key), spec, ("sla", key))
        if built is not None:
            targets[str(key)] = built

    overrides: list[tuple[dict, dict[str, Target | None]]] = []
    if not isinstance(overrides_spec, list):
        problems.append((("sla", "overrides"), "sla.overrides must be a list of {type/group/...: value, response/resolution: ...}"))
        overrides_spec = []
    for i, spec in enumerate(overrides_spec):
        keypath = ("sla", "overrides", i)
        if not isinstance(spec, dict):
            problems.append((keypath, "an SLA override is a mapping like {type: change, resolution: 5d}"))
            continue
        match = {k: _as_list(spec[k]) for k in MATCH_KEYS if k in spec}
        for extra in sorted(set(spec) - set(MATCH_KEYS) - set(TARGET_KEYS) - {"name"}):
            problems.append((keypath + (extra,), f"unknown override setting {extra!r} "
                             f"(match on: {', '.join(MATCH_KEYS)}; set: {', '.join(TARGET_KEYS)})"))
        if not match:
            problems.append((keypath, "an SLA override needs at least one of: " + ", ".join(MATCH_KEYS)))
            continue
        name = str(spec.get("name") or f"override {i + 1}")
        # what the override does not set comes from the ticket's own priority target
        by_priority = {prio: target(name, spec, keypath, base) for prio, base in targets.items()
                       if prio in match.get("priority", [prio])}
        fallback = target(name, spec, keypath, None)
        overrides.append((match, {**{p: t for p, t in by_priority.items() if t}, "": fallback}))
    policy = SlaPolicy(calendars, targets, overrides, at_risk, default_tz)
    return policy, list(dict.fromkeys(problems))


def problems(config: dict) -> list[tuple[tuple, str]]:
    found = _build(config)[1]
    # the calendar first-contact resolution counts its window in (docs/kpis.md)
    fcr = (config.get("kpis") or {}).get("fcr") if isinstance(config.get("kpis"), dict) else None
    calendar = fcr.get("calendar") if isinstance(fcr, dict) else None
    known = ["sla", "wall", *(config.get("calendars") or {})]
    if calendar is not None and str(calendar) not in known:
        found.append((("kpis", "fcr", "calendar"), f"kpis.fcr.calendar {calendar!r} is not a calendar "
                      f"(use one of: {', '.join(map(str, known))})"))
    return found


def load_policy(desk) -> SlaPolicy:
    """The desk's policy (built once per process); a mistake is BadInput naming file:line."""
    cached = getattr(desk, "_sla_policy", None)
    if cached is not None:
        return cached
    policy, found = _build(desk.config)
    if found or policy is None:
        from deskctl.desk import yamlio

        keypath, message = found[0]
        lines = yamlio.line_index(desk.config_file)
        line = next((lines[keypath[:n]] for n in range(len(keypath), 0, -1) if keypath[:n] in lines), 1)
        raise BadInput(f"{desk.rel(desk.config_file)}:{line}: {message}",
                       "fix it, then run `deskctl config check`")
    desk._sla_policy = policy
    return policy


def format_business(seconds: float | None) -> str:
    """A duration for people: `2h 15m`, `45m`, `3d 4h` (wall-clock days of 24h), `-1h 5m` late."""
    if seconds is None:
        return "-"
    sign = "-" if seconds < 0 else ""
    s = int(abs(seconds))
    d, rem = divmod(s, 86400)
    h, rem = divmod(rem, 3600)
    m = rem // 60
    if d:
        text = f"{d}d {h}h" if h else f"{d}d"
    elif h:
        text = f"{h}h {m}m" if m else f"{h}h"
    else:
        text = f"{m}m" if m or s >= 60 else f"{s}s"
    return sign + text


def percent_text(fraction: float) -> str:
    return re.sub(r"\.0$", "", f"{fraction * 100:.1f}") + "%"
