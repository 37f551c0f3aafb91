"""The four languages as a native speaker writes them: every kind x channel x language rendered
for real and read back (Italian elision, no double full stops, zone labels across a clock
change), plus the rules themselves."""

from __future__ import annotations

import re

import pytest

from deskctl.announcements.typography import italian, polish, russian

KINDS = {
    "planned-maintenance": {"impact": "Mail is unavailable."},
    "unplanned-outage": {"impact": "Mail is unavailable."},
    "degraded-service": {"impact": "Mail is slow."},
    "system-update": {"changes": "A new spam filter."},
    "feature-release": {"features": "Shared calendars."},
    "post-incident": {"what_happened": "A disk failed.", "what_was_fixed": "The disk was replaced.",
                      "preventive_measures": "Disks are watched."},
}
NOT_ELIDED = re.compile(r"\b(?:il|dal|del|al|nel|sul) (?:8|11|0?1)\b|\b(?:le|alle|dalle|delle|nelle) 0?1[:.]", re.I)
DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")


def render_all(arun, tmp_path, kind: str, start: str, end: str) -> dict[str, str]:
    fields = [f"--set={k}={v}" for k, v in {"services": "mail", "start": start, "end": end, **KINDS[kind]}.items()]
    created = arun("announce", "create", kind, *fields)
    assert created.code == 0, created
    out = tmp_path / f"{kind}-{start[:10]}"
    rendered = arun("announce", "render", created.stdout.strip(), "--out", str(out))
    assert rendered.code == 0, rendered
    return {str(p.relative_to(out)): p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file()}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_channel_and_language_reads_as_a_native_speaker_writes(arun, tmp_path, kind):
    # 8 to 11 December, starting at one o'clock: Italian elides before all three numbers
    files = render_all(arun, tmp_path, kind, "2026-12-08T01:00:00+01:00", "2026-12-11T01:30:00+01:00")
    assert {name.split("/")[0] for name in files} == {"en", "it", "ru", "ro"}
    for name, text in files.items():
        assert not DOUBLE_STOP.search(text), (name, DOUBLE_STOP.search(text))
        if name.startswith("it/"):
            found = NOT_ELIDED.search(text)
            assert not found, (name, text[max(0, found.start() - 40):found.end() + 20])


def test_the_italian_maintenance_mail_for_8_december_elides(arun, tmp_path):
    files = render_all(arun, tmp_path, "planned-maintenance", "2026-12-08T22:00:00+01:00", "2026-12-11T02:00:00+01:00")
    assert "dall'8 all'11 dicembre 2026" in files["it/email.subject.txt"]
    assert "il 8" not in files["it/email.txt"] and "dall'8" in files["it/email.subject.txt"]


def test_a_window_across_the_october_clock_change_names_both_zones(arun, tmp_path):
    # Europe/Rome leaves summer time at 03:00 on 25 October 2026
    files = render_all(arun, tmp_path, "planned-maintenance", "2026-10-25T01:00:00+02:00", "2026-10-25T05:00:00+01:00")
    for lang in ("en", "it", "ru", "ro"):
        text = files[f"{lang}/email.txt"]
        assert "CEST" in text and "CET" in text.replace("CEST", ""), (lang, text)


@pytest.mark.parametrize("before, after", [
    ("il 8 dicembre", "l'8 dicembre"), ("Dal 11 al 18 marzo", "Dall'11 al 18 marzo"),
    ("dal 1 all'8", "dall'1 all'8"), ("del 80%", "dell'80%"), ("il 18 e il 28", "il 18 e il 28"),
    ("alle 01:00", "all'01:00"), ("entro le 1.30", "entro l'1.30"), ("alle 08:00 e alle 11:00", "alle 08:00 e alle 11:00"),
    ("il\u00a08 maggio", "l'8 maggio"), ("nel 2026", "nel 2026"),
])
def test_italian_elision(before, after):
    assert italian(before) == after


def test_russian_year_ends_a_sentence_with_one_stop_and_other_languages_are_left_alone():
    assert russian("до 5 декабря 2026\u202fг..") == "до 5 декабря 2026\u202fг."
    assert polish("en", "il 8..") == "il 8.."
