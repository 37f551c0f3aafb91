"""Business calendars: working days and hours in a time zone, minus holidays, and arithmetic in
business time (how much working time lies between two instants; when N working hours after an
instant have passed).

Instants are POSIX timestamps (float seconds) so that a KPI report over 100k tickets stays a
matter of bisecting two sorted lists: each calendar lays out its working intervals once per
year range and keeps running sums, instead of walking day by day for every ticket.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, time, timedelta

from deskctl.util import cache

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# compiled on first use (by `re`'s own cache): the usual one-unit durations never need it
_PART = r"(\d+(?:\.\d+)?)\s*([smhdw])"
MAX_YEARS = 60  # bound on how far a calendar lays itself out (a target of years is a typo)


class CalendarError(ValueError):
    """A calendar setting is invalid; the message says which value and how to write it."""


def parse_days(value) -> frozenset[int]:
    """`all`, `mon-fri`, or a list of day names -> weekday numbers (Monday = 0)."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("all", "every", "daily"):
            return frozenset(range(7))
        if "-" in text and text.count("-") == 1:
            first, last = (p.strip()[:3] for p in text.split("-"))
            if first in DAY_NAMES and last in DAY_NAMES:
                a, b = DAY_NAMES.index(first), DAY_NAMES.index(last)
                return frozenset((a + i) % 7 for i in range((b - a) % 7 + 1))
        value = [p for p in re.split(r"[\s,]+", text) if p]
    if not isinstance(value, list) or not value:
        raise CalendarError("days must be `all`, a range like `mon-fri`, or a list like [mon, tue]")
    days = set()
    for item in value:
        name = str(item).strip().lower()[:3]
        if name not in DAY_NAMES:
            raise CalendarError(f"unknown day {item!r} (use {', '.join(DAY_NAMES)})")
        days.add(DAY_NAMES.index(name))
    return frozenset(days)


def _clock_minutes(text: str) -> int | None:
    """`9:00` or `18:30` -> minutes after midnight (the hour unchecked); None if malformed.
    Parsed by hand: the policy is built on every ticket command, and a regex compile costs
    more than the rest of it."""
    hours, colon, minutes = text.strip().partition(":")
    if not (colon and 1 <= len(hours) <= 2 and len(minutes) == 2 and (hours + minutes).isascii()
            and (hours + minutes).isdigit() and int(minutes) < 60):
        return None
    return int(hours) * 60 + int(minutes)


def parse_hours(value) -> tuple[tuple[int, int], ...]:
    """`09:00-18:00`, `09:00-13:00, 14:00-18:00` or a list of such -> (start, end) minutes."""
    parts = value if isinstance(value, list) else str(value).split(",")
    spans = []
    for part in parts:
        first, dash, second = str(part).partition("-")
        start, end = _clock_minutes(first), _clock_minutes(second)
        if not dash or start is None or end is None:
            raise CalendarError(f"hours {part!r} must look like 09:00-18:00")
        if start >= 1440 or end > 1440 or end <= start:
            raise CalendarError(f"hours {part!r}: the end must come after the start, within 00:00-24:00")
        spans.append((start, end))
    spans.sort()
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        if start < end:
            raise CalendarError(f"hours {value!r} overlap")
    if not spans:
        raise CalendarError("hours is empty (write e.g. 09:00-18:00)")
    return tuple(spans)


def parse_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise CalendarError(f"holiday {value!r} is not a date like 2026-12-25") from None


def _country_calendar(country: str, subdiv: str | None, years: range) -> tuple[set[date], set[date]]:
    """Public holidays and the weekend days that are working days by law (the Russian,
    Belarusian, Kazakh and Uzbek production calendars move days off onto Saturdays), from
    the `holidays` package, cached (importing it costs ~0.3 s)."""
    key = [cache.installed_fingerprint(), country, subdiv, years.start, years.stop]
    name = f"holidays-{country}-{subdiv or ''}"
    hit = cache.read(name, key)
    if isinstance(hit, dict) and isinstance(hit.get("closed"), list) and isinstance(hit.get("working"), list):
        return ({date.fromisoformat(d) for d in hit["closed"]},
                {date.fromisoformat(d) for d in hit["working"]})
    import holidays

    try:
        table = holidays.country_holidays(country, subdiv=subdiv, years=list(years))
    except NotImplementedError:
        raise CalendarError(f"country {country!r} (subdivision {subdiv!r}) is not known to the "
                            "holidays package (use an ISO code such as IT, RO, DE)") from None
    closed = set(table.keys())
    # the package keeps every year's transfers it knows, whatever years were asked for
    working = {d for d in getattr(table, "weekend_workdays", ()) if d.year in years} - closed
    cache.write(name, key, {"closed": sorted(d.isoformat() for d in closed),
                            "working": sorted(d.isoformat() for d in working)})
    return closed, working


def known_timezone(name: str) -> bool:
    """Whether `name` is a time zone of the tz database. A zone once found is remembered in
    the cache: importing zoneinfo costs about as much as the SLA clocks of a whole queue,
    and the commands that only compute business time never need it. (Zones are never
    removed from the tz database, only turned into links.)"""
    if name == "UTC":
        return True
    key = [sys.prefix, sys.version]
    known = cache.read("timezones", key)
    if isinstance(known, list) and name in known:
        return True
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(name)
    except Exception:
        return False
    cache.write("timezones", key, sorted({*(known if isinstance(known, list) else []), name}))
    return True


def check_country(country: str, subdiv: str | None) -> None:
    """Raise CalendarError when the holidays package does not know the country/subdivision."""
    _country_calendar(country, subdiv, range(2026, 2027))


class BusinessCalendar:
    """Working time of one calendar. All public methods take and return POSIX timestamps.

    (A plain class: `dataclasses` would import `inspect` on every `ticket show`.)"""

    def __init__(self, name: str, timezone: str = "UTC", days: frozenset[int] = frozenset(range(5)),
                 hours: tuple[tuple[int, int], ...] = ((540, 1080),), holidays: frozenset[date] = frozenset(),
                 country: str | None = None, subdiv: str | None = None):
        self.name, self.timezone, self.days, self.hours = name, timezone, days, hours
        self.holidays, self.country, self.subdiv = holidays, country, subdiv
        # the layout of working intervals, built on first use (see _ensure)
        self._years = range(0)
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._cum_start: list[float] = []  # business seconds before interval i
        self._cum_end: list[float] = []
        self._lo = 0.0
        self._hi = 0.0

    def __repr__(self) -> str:
        return f"BusinessCalendar({self.name!r}, timezone={self.timezone!r})"

    @classmethod
    def from_config(cls, name: str, spec: dict) -> BusinessCalendar:
        """Build from a `calendars:` entry; raises CalendarError naming the bad value."""
        if not isinstance(spec, dict):
            raise CalendarError("a calendar is a mapping: {timezone: ..., days: ..., hours: ...}")
        tz = str(spec.get("timezone") or "UTC")
        if not known_timezone(tz):
            raise CalendarError(f"unknown time zone {tz!r} (use an IANA name such as Europe/Rome)") from None
        raw_holidays = spec.get("holidays") or []
        if not isinstance(raw_holidays, list):
            raise CalendarError("holidays must be a list of dates like [2026-12-25]")
        country = spec.get("country")
        return cls(
            name=name, timezone=tz,
            days=parse_days(spec.get("days", "mon-fri")),
            hours=parse_hours(spec.get("hours", "09:00-18:00")),
            holidays=frozenset(parse_date(d) for d in raw_holidays),
            country=str(country).upper() if country else None,
            subdiv=str(spec["subdiv"]) if spec.get("subdiv") else None,
        )

    # -- sizes of business units ------------------------------------------------------------
    @property
    def day_seconds(self) -> float:
        """One business day: the working hours of one working day."""
        return float(sum(end - start for start, end in self.hours) * 60)

    @property
    def week_seconds(self) -> float:
        return self.day_seconds * len(self.days)

    def parse_duration(self, text, what: str = "duration") -> float:
        """Business seconds in `4h`, `2d` (two working days of this calendar's hours), `1w`."""
        if isinstance(text, int | float) and not isinstance(text, bool):
            return float(text)
        raw = str(text).strip().lower().replace(" ", "")
        unit = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": self.day_seconds, "w": self.week_seconds}
        if raw[:-1].isascii() and raw[:-1].isdigit() and raw[-1:] in unit:  # the usual `4h`
            return float(raw[:-1]) * unit[raw[-1]]
        parts = re.findall(_PART, raw)
        if not parts or "".join(n + u for n, u in parts) != raw:
            raise CalendarError(f"{what} {text!r} is not a duration (write it like 30m, 4h, 2d or 1w)")
        return sum(float(n) * unit[u] for n, u in parts)

    # -- layout -------------------------------------------------------------------------------
    def _layout(self, years: range) -> None:
        closed = set(self.holidays)
        working: set[date] = set()
        if self.country:
            national_closed, working = _country_calendar(self.country, self.subdiv, years)
            closed |= national_closed
        working -= closed
        # Laying out three years of working hours costs more than the rest of a command;
        # the result depends only on these inputs, so it is kept in the cache.
        key = [self.timezone, sorted(self.days), [list(h) for h in self.hours],
               sorted(d.isoformat() for d in closed), sorted(d.isoformat() for d in working),
               years.start, years.stop]
        name = "calendar-" + cache.short_hash(repr(key))
        hit = cache.read(name, key)
        if isinstance(hit, dict):
            starts, ends = hit["starts"], hit["ends"]
        else:
            starts, ends = self._intervals(years, closed, working)
            cache.write(name, key, {"starts": starts, "ends": ends})
        self._finish_layout(years, starts, ends)

    def _intervals(self, years: range, closed: set, working: set) -> tuple[list[float], list[float]]:
        """Working intervals: the calendar's days and hours, minus closed days, plus the
        weekend days that national law makes working days (with the usual hours)."""
        from zoneinfo import ZoneInfo

        tz = ZoneInfo(self.timezone)
        starts: list[float] = []
        ends: list[float] = []
        day = date(years.start, 1, 1)
        last = date(years.stop - 1, 12, 31)
        one = timedelta(days=1)
        while day <= last:
            if (day.weekday() in self.days or day in working) and day not in closed:
                for start_min, end_min in self.hours:
                    start = datetime.combine(day, time(start_min // 60, start_min % 60), tzinfo=tz)
                    end_day = day + one if end_min == 1440 else day
                    end = datetime.combine(end_day, time((end_min // 60) % 24, end_min % 60), tzinfo=tz)
                    s, e = start.timestamp(), end.timestamp()
                    if ends and s <= ends[-1]:  # 24:00 meets the next day's 00:00: one interval
                        ends[-1] = max(ends[-1], e)
                    elif e > s:
                        starts.append(s)
                        ends.append(e)
            day += one
        return starts, ends

    def _finish_layout(self, years: range, starts: list[float], ends: list[float]) -> None:
        cum_start, cum_end, total = [], [], 0.0
        for s, e in zip(starts, ends, strict=True):
            cum_start.append(total)
            total += e - s
            cum_end.append(total)
        self._years, self._starts, self._ends = years, starts, ends
        # instants safely inside the layout (a day of margin for the zone offset)
        self._lo = datetime(years.start, 1, 2, tzinfo=UTC).timestamp()
        self._hi = datetime(years.stop - 1, 12, 30, tzinfo=UTC).timestamp()
        self._cum_start, self._cum_end = cum_start, cum_end

    def _ensure(self, ts: float) -> None:
        if self._lo <= ts < self._hi:  # the hot path: already laid out
            return
        # one spare year on both sides: local dates differ from UTC near New Year
        year = datetime.fromtimestamp(ts, UTC).year
        lo, hi = year - 1, year + 2
        if self._years and self._years.start <= lo and hi <= self._years.stop:
            return
        if self._years:
            lo, hi = min(lo, self._years.start), max(hi, self._years.stop)
        if hi - lo > MAX_YEARS:
            from deskctl.errors import BadInput  # a date, not the calendar, is wrong: bad input

            raise BadInput(f"calendar {self.name!r}: dates span more than {MAX_YEARS} years "
                           f"({lo + 1}-{hi - 2})", "check DESKCTL_NOW and the dates given")
        self._layout(range(lo, hi))

    def _cum(self, ts: float) -> float:
        """Business seconds from the start of the layout to `ts`."""
        starts = self._starts
        i = bisect_right(starts, ts) - 1
        if i < 0:
            return 0.0
        end = self._ends[i]
        return self._cum_start[i] + (ts if ts < end else end) - starts[i]

    # -- arithmetic -----------------------------------------------------------------------------
    # (`ticket list` runs these a few times per open ticket: the common case, both instants
    # inside the laid-out years, is tested inline before any further call.)
    def elapsed(self, start: float, end: float) -> float:
        """Business seconds between two instants (0 when `end` is not after `start`)."""
        if end <= start:
            return 0.0
        if not (self._lo <= start and end < self._hi):
            self._ensure(start)
            self._ensure(end)
        return self._cum(end) - self._cum(start)

    def add(self, start: float, seconds: float) -> float:
        """The first instant at which `seconds` of business time have passed since `start`."""
        if seconds <= 0:
            return start
        if not (self._lo <= start < self._hi):
            self._ensure(start)
        for _ in range(MAX_YEARS):
            target = self._cum(start) + seconds
            if self._cum_end and target <= self._cum_end[-1]:
                i = bisect_left(self._cum_end, target)
                return self._starts[i] + (target - self._cum_start[i])
            # extend the layout by a few years and try again
            self._ensure(datetime(self._years.stop + 1, 6, 1, tzinfo=UTC).timestamp())
        raise CalendarError(f"calendar {self.name!r} has no working time to count {seconds:.0f}s in")

    def is_working(self, ts: float) -> bool:
        self._ensure(ts)
        i = bisect_right(self._starts, ts) - 1
        return i >= 0 and ts < self._ends[i]

    def describe(self) -> str:
        days = ",".join(DAY_NAMES[d] for d in sorted(self.days))
        hours = ",".join(f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in self.hours)
        return f"{days} {hours} {self.timezone}"
