"""Business-time arithmetic of the SLA calendars."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from deskctl.sla.calendars import BusinessCalendar, CalendarError

ROME = ZoneInfo("Europe/Rome")


def at(text: str, tz=ROME) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=tz).timestamp()


def local(stamp: float, tz=ROME) -> str:
    return datetime.fromtimestamp(stamp, tz).strftime("%a %Y-%m-%d %H:%M")


@pytest.fixture
def office() -> BusinessCalendar:
    return BusinessCalendar.from_config("office", {
        "timezone": "Europe/Rome", "days": ["mon", "tue", "wed", "thu", "fri"], "hours": "09:00-18:00",
        "holidays": ["2026-12-25", "2026-12-26"]})


def test_friday_1700_plus_4_business_hours_is_monday_1200(office):
    due = office.add(at("2026-11-20T17:00"), 4 * 3600)
    assert local(due) == "Mon 2026-11-23 12:00"
    assert office.elapsed(at("2026-11-20T17:00"), due) == 4 * 3600


def test_time_outside_working_hours_does_not_count(office):
    assert office.elapsed(at("2026-11-20T18:00"), at("2026-11-23T09:00")) == 0  # the weekend
    assert office.elapsed(at("2026-11-20T07:00"), at("2026-11-20T10:30")) == 1.5 * 3600
    assert local(office.add(at("2026-11-21T15:00"), 3600)) == "Mon 2026-11-23 10:00"


def test_a_target_that_ends_at_closing_time_is_due_that_evening(office):
    assert local(office.add(at("2026-11-20T17:00"), 3600)) == "Fri 2026-11-20 18:00"


def test_days_in_a_business_calendar_are_working_days(office):
    assert office.parse_duration("2d") == 18 * 3600
    assert office.parse_duration("1w") == 45 * 3600
    assert office.parse_duration("1d4h") == 13 * 3600
    assert local(office.add(at("2026-11-20T10:00"), office.parse_duration("2d"))) == "Tue 2026-11-24 10:00"


def test_explicit_holidays_are_skipped(office):
    # Thu 24 Dec 17:00 + 4h: Christmas (Fri) is a listed holiday, then the weekend
    assert local(office.add(at("2026-12-24T17:00"), 4 * 3600)) == "Mon 2026-12-28 12:00"


def test_country_holidays_come_from_the_holidays_package(tmp_path, monkeypatch):
    monkeypatch.setenv("DESKCTL_CACHE_DIR", str(tmp_path))
    italy = BusinessCalendar.from_config("it", {"timezone": "Europe/Rome", "days": "mon-fri",
                                                "hours": "09:00-18:00", "country": "IT"})
    # 8 December (Immaculate Conception) is a Tuesday in 2026, a public holiday in Italy
    assert local(italy.add(at("2026-12-07T17:00"), 4 * 3600)) == "Wed 2026-12-09 12:00"
    # the second calendar reads the cached list (the package is slow to import)
    again = BusinessCalendar.from_config("it2", {"timezone": "Europe/Rome", "country": "IT"})
    assert local(again.add(at("2026-12-07T17:00"), 4 * 3600)) == "Wed 2026-12-09 12:00"
    assert list(tmp_path.glob("holidays-IT*.json"))


MOSCOW = ZoneInfo("Europe/Moscow")


def test_russian_working_saturday_counts_as_a_working_day(tmp_path, monkeypatch):
    # 2025: Saturday 1 November is a working day, Monday 3 and Tuesday 4 are days off
    monkeypatch.setenv("DESKCTL_CACHE_DIR", str(tmp_path))
    cal = BusinessCalendar.from_config("ru", {"timezone": "Europe/Moscow", "days": "mon-fri",
                                              "hours": "09:00-18:00", "country": "RU"})
    due = cal.add(at("2025-10-31T18:30", MOSCOW), 3600)
    assert local(due, MOSCOW) == "Sat 2025-11-01 10:00"
    assert cal.is_working(at("2025-11-01T12:00", MOSCOW))
    assert not cal.is_working(at("2025-11-03T12:00", MOSCOW))
    # a second calendar reads the same national calendar from the cache
    again = BusinessCalendar.from_config("ru2", {"timezone": "Europe/Moscow", "country": "RU"})
    assert local(again.add(at("2025-10-31T18:30", MOSCOW), 3600), MOSCOW) == "Sat 2025-11-01 10:00"


@pytest.mark.parametrize("country, saturday", [("BY", "2025-04-26"), ("KZ", "2025-01-05"),
                                                ("UZ", "2025-01-04")])
def test_working_weekend_days_of_other_production_calendars(tmp_path, monkeypatch, country, saturday):
    monkeypatch.setenv("DESKCTL_CACHE_DIR", str(tmp_path))
    cal = BusinessCalendar.from_config(country, {"timezone": "UTC", "country": country})
    assert cal.is_working(at(f"{saturday}T12:00", ZoneInfo("UTC")))


def test_24x7_calendar_counts_wall_time():
    always = BusinessCalendar.from_config("always", {"timezone": "UTC", "days": "all", "hours": "00:00-24:00"})
    start = at("2026-11-20T17:00", ZoneInfo("UTC"))
    assert always.add(start, 4 * 3600) == start + 4 * 3600
    assert always.elapsed(start, start + 3 * 86400) == 3 * 86400


def test_daylight_saving_change_keeps_local_office_hours(office):
    # Rome leaves summer time on Sun 25 Oct 2026: Monday still opens at 09:00 local
    assert local(office.add(at("2026-10-23T17:00"), 4 * 3600)) == "Mon 2026-10-26 12:00"


def test_split_hours_and_day_ranges():
    cal = BusinessCalendar.from_config("split", {"timezone": "UTC", "days": "mon-fri",
                                                 "hours": "09:00-13:00, 14:00-18:00"})
    start = at("2026-11-23T12:00", ZoneInfo("UTC"))
    assert local(cal.add(start, 2 * 3600), ZoneInfo("UTC")) == "Mon 2026-11-23 15:00"
    assert cal.day_seconds == 8 * 3600


@pytest.mark.parametrize("spec, message", [
    ({"hours": "18:00-09:00"}, "end must come after the start"),
    ({"hours": "9-18"}, "must look like 09:00-18:00"),
    ({"days": ["mon", "funday"]}, "unknown day"),
    ({"timezone": "Mars/Olympus"}, "unknown time zone"),
    ({"holidays": ["25/12/2026"]}, "not a date"),
])
def test_invalid_calendar_settings_say_what_to_write(spec, message):
    with pytest.raises(CalendarError, match=message):
        BusinessCalendar.from_config("bad", spec)


def test_a_target_used_up_at_closing_time_is_breached_the_second_after(office):
    # docs/sla.md: due Friday 18:00 and breached from 18:00:01, not from Monday 09:00
    from deskctl.sla.state import clock_state

    start = at("2026-11-27T17:00")  # a Friday
    on_time = clock_state(office, start, 3600, None, at("2026-11-27T18:00"), [], 0.8)
    late = clock_state(office, start, 3600, None, at("2026-11-27T18:00:01"), [], 0.8)
    assert local(late["due"]) == "Fri 2026-11-27 18:00"
    assert on_time["state"] == "at-risk" and late["state"] == "breached"
