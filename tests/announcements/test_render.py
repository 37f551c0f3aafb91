"""Rendering: every language x channel, Babel dates in the desk's zone, SMS segments, the
sandbox with StrictUndefined naming file:line, fallbacks with warnings, HTML escaping."""

from __future__ import annotations

import json


def test_maintenance_renders_every_language_and_channel(arun, maintenance, tmp_path):
    created = arun("announce", "create", "planned-maintenance", "--from", "maintenance.yaml")
    assert created.code == 0, created
    ann_id = created.stdout.strip()
    out = tmp_path / "out"
    result = arun("announce", "render", ann_id, "--out", str(out), "--json")
    assert result.code == 0, result
    rendered = result.json()["rendered"]
    assert {(r["language"], r["channel"]) for r in rendered} == {
        (lang, ch) for lang in ("en", "it", "ru", "ro") for ch in ("email", "sms", "chat", "web", "bulletin")
    }
    for lang in ("en", "it", "ru", "ro"):
        for name in ("email.subject.txt", "email.txt", "email.html", "sms.txt", "chat.md", "web.html", "bulletin.txt"):
            assert (out / lang / name).stat().st_size > 10, (lang, name)
    # an Italian reader sees Italian weekday and month names, in the desk's time zone
    italian = (out / "it" / "email.txt").read_text(encoding="utf-8")
    assert "sabato 5 dicembre 2026, 22:00 – domenica 6 dicembre 2026, 02:00" in italian
    assert "Non sarà possibile inviare o ricevere e-mail." in italian
    assert "Durata: 4 ore" in italian
    assert (out / "it" / "email.subject.txt").read_text(encoding="utf-8").strip() == \
        "Manutenzione programmata: mail e calendar dal 5 al 6 dicembre 2026"
    # (CLDR puts a narrow no-break space before Russian "г.")
    assert "суббота, 5 декабря 2026\u202fг." in (out / "ru" / "email.txt").read_text(encoding="utf-8")
    assert "Saturday, December 5, 2026" in (out / "en" / "email.txt").read_text(encoding="utf-8")
    sms = {r["language"]: r["sms"] for r in rendered if r["channel"] == "sms"}
    assert sms["ru"]["encoding"] == "UCS-2" and sms["ru"]["segments"] >= 2 and sms["ru"]["per_segment"] == 67
    assert sms["it"]["encoding"] == "GSM-7" and sms["it"]["segments"] == 1
    assert "ANN-0001: impact has no ru text; using the en text" in result.stderr


def test_preview_reports_the_russian_sms_segments(arun, maintenance):
    assert arun("announce", "create", "planned-maintenance", "--from", "maintenance.yaml").code == 0
    result = arun("announce", "preview", "ANN-0001", "--lang", "ru", "--channel", "sms")
    assert result.code == 0, result
    header, text = result.stdout.splitlines()[:2]
    assert header.startswith("=== ru sms (") and "UCS-2, 2 segments" in header
    # an SMS gets plain spaces and dashes: they cost nothing extra
    assert text.startswith("Плановые работы (mail и calendar): 5 дек. 2026 г., 22:00 - 6 дек. 2026 г., 02:00.")
    as_json = arun("announce", "preview", "1", "--lang", "ru", "--channel", "sms", "--json").json()
    assert as_json[0]["sms"]["encoding"] == "UCS-2"


def test_times_are_shown_in_the_desks_time_zone(arun):
    # 21:00 UTC is 22:00 in Rome (the desk's zone) and must be shown as 22:00
    result = arun("announce", "create", "unplanned-outage", "--set", "services=vpn",
                  "--set", "start=2026-12-05T21:00:00Z", "--set", "impact=VPN is down")
    assert result.code == 0, result
    text = arun("announce", "preview", "1", "--lang", "it", "--channel", "bulletin").stdout
    assert "Inizio: sabato 5 dicembre 2026, 22:00" in text
    assert "dalle 22:00 vpn non è disponibile" in text


def test_sms_over_the_configured_limit_warns(arun, desk, maintenance):
    path = desk / "config" / "deskctl.yaml"
    path.write_text(path.read_text().replace("sms_max_segments: 3", "sms_max_segments: 1"))
    assert arun("announce", "create", "planned-maintenance", "--from", "maintenance.yaml").code == 0
    result = arun("announce", "preview", "1", "--channel", "sms")
    assert result.code == 0
    assert "the ru SMS takes 2 UCS-2 segments" in result.stderr and "the en SMS" not in result.stderr


def test_a_template_using_an_unknown_field_fails_naming_file_and_line(arun, desk, maintenance):
    template = desk / "templates" / "announcements" / "planned-maintenance" / "sms.en.j2"
    template.write_text('{% extends "_layouts/sms.j2" %}\n{% block text %}\nMaintenance of {{ services|join_list }}\nat {{ locaton }}{% endblock %}\n')
    assert arun("announce", "create", "planned-maintenance", "--from", "maintenance.yaml").code == 0
    result = arun("announce", "preview", "1", "--lang", "en", "--channel", "sms")
    assert result.code == 2
    assert "templates/announcements/planned-maintenance/sms.en.j2:4: 'locaton' is undefined" in result.stderr
    assert "Traceback" not in result.stderr
    check = arun("config", "check")
    assert check.code == 2
    assert "templates/announcements/planned-maintenance/sms.en.j2:4: unknown field 'locaton'" in check.stderr


def test_a_missing_language_template_falls_back_with_a_warning(arun, desk, maintenance):
    (desk / "templates" / "announcements" / "planned-maintenance" / "sms.ro.j2").unlink()
    assert arun("announce", "create", "planned-maintenance", "--from", "maintenance.yaml").code == 0
    result = arun("announce", "preview", "1", "--lang", "ro", "--channel", "sms")
    assert result.code == 0, result
    assert "templates/announcements/planned-maintenance/sms.ro.j2 is missing; the sms ro text uses the en template" in result.stderr
    assert "Planned maintenance of mail and calendar" in result.stdout
    assert "sms.ro.j2: missing" in arun("config", "check").stderr


def test_html_parts_escape_values_and_text_parts_keep_them(arun):
    impact = "Uploads <script>alert(1)</script> & downloads fail"
    assert arun("announce", "create", "degraded-service", "--set", "services=file-share",
                "--set", "start=2026-12-05T09:00", "--set", f"impact={impact}", "--set", "languages=en").code == 0
    parts = {(r["channel"]): r["parts"] for r in arun("announce", "preview", "1", "--json").json()}
    assert impact in parts["email"]["text"]
    assert "Uploads &lt;script&gt;alert(1)&lt;/script&gt; &amp; downloads fail" in parts["email"]["html"]
    assert "<script>" not in parts["email"]["html"] and "<script>" not in parts["web"]["html"]


def test_templates_cannot_reach_python_internals(arun, desk):
    template = desk / "templates" / "announcements" / "degraded-service" / "chat.en.j2"
    template.write_text('{% extends "_layouts/chat.j2" %}\n{% block subject %}{{ services.__class__.__mro__ }}{% endblock %}\n')
    assert arun("announce", "create", "degraded-service", "--set", "services=vpn",
                "--set", "start=2026-12-05T09:00", "--set", "impact=slow").code == 0
    result = arun("announce", "preview", "1", "--lang", "en", "--channel", "chat")
    assert result.code == 2
    assert "chat.en.j2:2:" in result.stderr and "unsafe" in result.stderr


def test_free_text_per_language_and_plural_forms(arun):
    assert arun("announce", "create", "unplanned-outage", "--set", "services=mail", "--set", "start=2026-12-05T09:00",
                "--set", "impact=No mail", "--set", "impact.ru=Почта не работает").code == 0
    one = {r["language"]: r["parts"]["subject"] for r in arun("announce", "preview", "1", "--channel", "email", "--json").json()}
    assert one == {
        "en": "Service outage: mail is unavailable",
        "it": "Disservizio: mail non disponibile",
        "ru": "Сбой: mail недоступен",
        "ro": "Întrerupere: mail indisponibil",
    }
    assert arun("announce", "create", "unplanned-outage", "--set", "services=mail,calendar",
                "--set", "start=2026-12-05T09:00", "--set", "impact=No mail").code == 0
    two = {r["language"]: r["parts"]["subject"] for r in arun("announce", "preview", "2", "--channel", "email", "--json").json()}
    assert two["ru"] == "Сбой: mail и calendar недоступны"
    assert two["it"] == "Disservizio: mail e calendar non disponibili"
    ru_text = next(r for r in arun("announce", "preview", "1", "--channel", "email", "--lang", "ru", "--json").json())
    assert "Последствия: Почта не работает" in ru_text["parts"]["text"]


def test_create_from_a_file_lists_every_problem_with_its_line(arun, desk):
    (desk / "bad.yaml").write_text(
        "services: [mail]\nstart: 2026-12-05T22:00:00+01:00\nseverity: huge\nimpact: x\nlocation: Milan\n"
    )
    result = arun("announce", "create", "planned-maintenance", "--from", "bad.yaml")
    assert result.code == 2
    lines = result.stderr.splitlines()
    assert "bad.yaml:3: severity: 'huge' is not one of minor, major" in lines
    assert any(line.startswith("bad.yaml:5: location: unknown field for planned-maintenance") for line in lines)
    assert "bad.yaml:1: end: missing required field (when it ends, or is estimated to end)" in lines
    assert lines[-1].startswith("deskctl: error: 3 problem(s)")
    assert not (desk / "data" / "announcements").exists() or not list((desk / "data" / "announcements").glob("ANN-*"))


def test_without_the_end_time_creation_fails_naming_the_field(arun, desk, maintenance):
    text = maintenance.read_text().replace("end: 2026-12-06T02:00:00+01:00\n", "")
    (desk / "noend.yaml").write_text(text)
    result = arun("announce", "create", "planned-maintenance", "--from", "noend.yaml", "--json")
    assert result.code == 2 and result.stdout == ""
    assert "noend.yaml:1: end: missing required field" in result.stderr
    assert json.loads(arun("announce", "list", "--json").stdout) == []
