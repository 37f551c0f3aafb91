"""`deskctl config check` for announcements: templates and config sections, as file:line."""

from __future__ import annotations

from tests.announcements.conftest import replace_config
from tests.conftest import REPO


def test_fresh_desk_and_repository_desk_pass(run, desk):
    assert run("config", "check", cwd=desk).code == 0
    result = run("config", "check", cwd=REPO)
    assert result.code == 0, result


def test_every_kind_channel_and_language_needs_a_template(drun, desk):
    (desk / "templates" / "announcements" / "resolved" / "bulletin.ru.j2").unlink()
    result = drun("config", "check")
    assert result.code == 2
    assert ("templates/announcements/resolved/bulletin.ru.j2: missing: every kind needs a template per "
            "channel and language") in result.stderr


def test_template_problems_name_file_and_line(drun, desk):
    root = desk / "templates" / "announcements"
    (root / "system-update" / "chat.it.j2").write_text(
        '{% extends "_layouts/chat.j2" %}\n{% block subject %}Aggiornamento{% endblock %}\n'
        '{% block lead %}\nCambia: {{ changes }}\nVersione: {{ release_version }}\n{% endblock %}\n')
    (root / "feature-release" / "web.ro.j2").write_text('{% extends "_layouts/web.j2" %}\n{% block subject %}{{ services|join_list }\n')
    (root / "degraded-service" / "sms.en.j2").write_text('{% extends "_layouts/sms.j2" %}\n{% block text %}Slow since {{ end|time }}{% endblock %}\n')
    (root / "planed-maintenance").mkdir()
    (root / "planed-maintenance" / "sms.en.j2").write_text("x\n")
    result = drun("config", "check")
    assert result.code == 2
    lines = result.stderr.splitlines()
    assert any(l.startswith("templates/announcements/system-update/chat.it.j2:5: unknown field 'release_version'") for l in lines)
    syntax = [l for l in lines if l.startswith("templates/announcements/feature-release/web.ro.j2:2: template syntax error")]
    assert len(syntax) == 1  # reported once even though two checkers read templates
    # `end` is optional for a degraded service: a template must not assume it is there
    assert any(l.startswith("templates/announcements/degraded-service/sms.en.j2:2: expected a date and time, got NoneType")
               and "only the required fields" in l for l in lines), lines
    assert any(l.startswith("templates/announcements/planed-maintenance/sms.en.j2:1: no announcement kind 'planed-maintenance'") for l in lines)


def test_announcement_settings_are_checked_with_their_line(drun, desk):
    replace_config(desk, "publish_channels: [file, statuspage]",
                   "publish_channels: [file, statuspage]\n  recipients: {en: [staff@example.com], xx: [a@b.c], it: [not-an-address]}\n"
                   "  approvals: {major: [{manager: 0}]}")
    replace_config(desk, "\nchannels:\n", "\nchannels:\n  smtp: {host: 127.0.0.1, port: 99999, password: hunter2}\n  webhook: {url: ftp://x}\n")
    replace_config(desk, "  head: [carol]", "  head: carol")
    result = drun("config", "check")
    assert result.code == 2
    text = result.stderr
    assert "announcements.recipients: 'xx' is not one of the desk's languages" in text
    assert "not an e-mail address: not-an-address" in text
    assert "announcements.approvals.major.0.manager: must be a whole number from 1 to 100, not the number 0" in text
    assert "channels.smtp.port: must be a whole number from 1 to 65535, not the number 99999" in text
    assert "channels.smtp.password keeps a secret in the config file; use password_env" in text
    assert "channels.webhook.url: must be a URL starting with http:// or https://, not text 'ftp://x'" in text
    assert "roles.head: must be a list of names, not text 'carol'" in text
    for line in text.splitlines()[:-1]:
        assert line.startswith("config/deskctl.yaml:") and line.split(":")[1].isdigit(), line
