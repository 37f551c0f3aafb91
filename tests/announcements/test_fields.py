"""Fields as people write them: every problem at once, times in the desk's zone, texts per
language with a fallback."""

from __future__ import annotations

import pytest

from deskctl.announcements.fields import FieldChecker, parse_assignments, text_in
from deskctl.announcements.kinds import get_kind, load_kinds
from deskctl.desk import deep_merge
from deskctl.desk.defaults import DEFAULTS
from deskctl.errors import NotFound

CONFIG = deep_merge(DEFAULTS, {"timezone": "Europe/Rome", "desk": {"email": "sd@example.com", "phone": "+39 02 1"}})


def check(kind: str, raw: dict):
    return FieldChecker(get_kind(CONFIG, kind), CONFIG).check(raw, lambda name: f"f.yaml: {name}")


def test_every_problem_is_listed_at_once():
    _, problems = check("planned-maintenance", {
        "services": ["mail", "nosuch"], "start": "2026-12-05T22:00", "severity": "huge", "colour": "red",
    })
    assert "f.yaml: end: missing required field (when it ends, or is estimated to end)" in problems
    assert "f.yaml: impact: missing required field (what users will notice)" in problems
    assert any(p.startswith("f.yaml: services: unknown service(s) nosuch") for p in problems)
    assert "f.yaml: severity: 'huge' is not one of minor, major" in problems
    assert any(p.startswith("f.yaml: colour: unknown field for planned-maintenance") for p in problems)
    assert len(problems) == 5


def test_a_time_without_zone_is_the_desks_and_end_must_follow_start():
    fields, problems = check("unplanned-outage", {"services": "vpn", "start": "2026-12-05T22:00", "impact": "down"})
    assert problems == []
    assert fields["start"] == "2026-12-05T22:00:00+01:00"  # Europe/Rome in winter
    assert fields["services"] == ["vpn"]
    _, problems = check("unplanned-outage", {"services": "vpn", "start": "2026-12-05T22:00", "end": "2026-12-05T21:00", "impact": "x"})
    assert problems == ["f.yaml: end: 2026-12-05T21:00:00+01:00 is not after start 2026-12-05T22:00:00+01:00"]


def test_text_needs_the_default_language_or_every_published_one():
    raw = {"services": "vpn", "start": "2026-12-05T22:00", "impact": {"it": "giù"}}
    _, problems = check("unplanned-outage", raw)
    assert problems == ["f.yaml: impact: no text in the default language en and none in en, ru, ro (add impact.en)"]
    fields, problems = check("unplanned-outage", {**raw, "languages": ["it"]})
    assert problems == [] and fields["impact"] == {"it": "giù"}


def test_set_assignments_give_one_language_of_a_text():
    raw = parse_assignments({"impact": "Mail is down", "impact.it": "Posta non disponibile", "services": "mail,calendar"})
    assert raw == {"impact": {"": "Mail is down", "it": "Posta non disponibile"}, "services": "mail,calendar"}
    fields, problems = check("unplanned-outage", {**raw, "start": "2026-12-05T22:00"})
    assert problems == []
    assert fields["impact"] == {"en": "Mail is down", "it": "Posta non disponibile"}


def test_defaults_are_written_into_the_record():
    checker = FieldChecker(get_kind(CONFIG, "planned-maintenance"), CONFIG)
    fields = checker.with_defaults({"services": ["mail"]})
    assert fields["severity"] == "minor"
    assert fields["languages"] == ["en", "it", "ru", "ro"]
    # an address and a number read the same in every language: no translation is missing
    assert fields["contact"] == {lang: "sd@example.com, +39 02 1" for lang in ("en", "it", "ru", "ro")}


def test_missing_language_text_falls_back_to_the_default_language():
    assert text_in({"en": "down", "it": "giù"}, "it", "en") == ("giù", False)
    assert text_in({"en": "down", "it": "giù"}, "ru", "en") == ("down", True)
    # a text given once is the default language's: in another language it is a fallback
    assert text_in("down", "ru", "en") == ("down", True)
    assert text_in("down", "en", "en") == ("down", False)


def test_desk_kinds_extend_the_built_in_ones():
    config = deep_merge(CONFIG, {"announcements": {
        "fields": {"building": "string"},
        "kinds": {"fire-drill": {"required": ["start", "building"], "summary": "a fire drill"},
                  "feature-release": {"required": ["services", "start", "features", "audience"]}},
    }})
    kinds = load_kinds(config)
    assert kinds["fire-drill"].required == ["start", "building"]
    assert "audience" in kinds["feature-release"].required and "audience" not in kinds["feature-release"].optional
    with pytest.raises(NotFound):
        get_kind(config, "fire-dril")
