"""One parser for the moments people write: `--since`, `--until`, an announcement's start."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from deskctl.errors import BadInput
from deskctl.util.moments import format_local, parse_moment

ROME = ZoneInfo("Europe/Rome")
NOW = "2026-12-02T12:30:15.250000+00:00"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setenv("DESKCTL_NOW", NOW)


@pytest.mark.parametrize("text, expected", [
    ("now", "2026-12-02T12:30:15+00:00"),
    ("30d", "2026-11-02T12:30:15+00:00"),
    ("-1w", "2026-11-25T12:30:15+00:00"),
    ("+2h", "2026-12-02T14:30:15+00:00"),
    ("2026-11-01", "2026-10-31T23:00:00+00:00"),  # midnight in the desk's zone
    ("2026-11-01T09:00", "2026-11-01T08:00:00+00:00"),  # no offset: the desk's zone
    ("2026-11-01T09:00:00Z", "2026-11-01T09:00:00+00:00"),
])
def test_moments_people_write(text, expected):
    assert parse_moment(text, "--since", ROME).astimezone(UTC).isoformat() == expected


def test_a_bare_duration_counts_ahead_for_a_start_and_a_day_can_mean_its_end():
    assert parse_moment("2h", "start", ROME, bare_duration=+1) == datetime(2026, 12, 2, 14, 30, 15, tzinfo=UTC)
    assert parse_moment("2026-11-30", "--until", ROME, end_of_day=True) == datetime(2026, 12, 1, tzinfo=ROME)


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "30x", "", "99999999999999w"])
def test_anything_else_is_one_clear_error(text):
    with pytest.raises(BadInput) as caught:
        parse_moment(text, "--since", ROME)
    assert "--since" in str(caught.value) and "30d" in str(caught.value)


def test_times_are_shown_in_the_desk_zone_with_its_abbreviation():
    assert format_local("2026-07-01T08:00:00+00:00", "Europe/Rome") == "2026-07-01 10:00 CEST"
    assert format_local("2026-12-01T08:00:00+00:00", "Europe/Moscow") == "2026-12-01 11:00 MSK"
    assert format_local(None, "UTC") == ""
