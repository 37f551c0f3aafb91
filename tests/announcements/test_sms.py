"""SMS length and segments: GSM-7 vs UCS-2."""

from __future__ import annotations

from deskctl.announcements.sms import measure, plain


def test_plain_latin_text_fits_one_gsm7_segment_up_to_160():
    assert measure("a" * 160).to_dict() == {"encoding": "GSM-7", "length": 160, "units": 160, "segments": 1, "per_segment": 160}
    assert measure("a" * 161).segments == 2  # 153 per part once split
    assert measure("a" * 307).segments == 3


def test_italian_accents_stay_gsm7():
    info = measure("Manutenzione programmata: è più facile così, perché sì")
    assert info.encoding == "GSM-7"


def test_extension_characters_cost_two_septets():
    info = measure("€" * 80)
    assert info.encoding == "GSM-7" and info.units == 160 and info.segments == 1
    assert measure("€" * 81).segments == 2


def test_cyrillic_costs_ucs2_segments():
    assert measure("Плановые работы" + "я" * 55).to_dict()["segments"] == 1  # 70 units
    info = measure("Плановые работы" + "я" * 56)  # 71 units
    assert (info.encoding, info.segments, info.per_segment) == ("UCS-2", 2, 67)


def test_romanian_comma_below_letters_force_ucs2():
    assert measure("Mentenanță planificată").encoding == "UCS-2"
    assert measure("Mentenanta planificata").encoding == "GSM-7"


def test_plain_removes_typography_that_would_force_ucs2():
    # Babel writes "10:00\u202fPM"; a typographic apostrophe or dash would cost UCS-2 for nothing
    text = plain("Back at 10:00\u202fPM \u2013 it\u2019s planned\n  really")
    assert text == "Back at 10:00 PM - it's planned really"
    assert measure(text).encoding == "GSM-7"
