"""Publishing through real servers: SMTP (aiosmtpd) and a webhook (http.server) on
127.0.0.1. One message per language and recipient list, nothing sent twice, failures
recorded and retried."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.announcements.conftest import SmtpSink, create_approved, free_port, replace_config

ATOM = {"a": "http://www.w3.org/2005/Atom"}


def test_after_approval_smtp_gets_one_message_per_language_and_list(arun, smtp_desk, smtp_sink, maintenance):
    ann_id = create_approved(arun)
    assert smtp_sink.messages == []
    result = arun("announce", "publish", "--allow-fallback", ann_id, "--json")
    assert result.code == 0, result
    report = result.json()
    assert report["failed"] == [] and report["status"] == "published"
    assert "smtp: no recipients for ru; not sent by smtp" in report["notes"]  # rendered, not mailed
    assert sorted(tuple(m["to"]) for m in smtp_sink.messages) == [
        ("staff-it@example.com", "it-managers@example.com"),
        ("staff@example.com",),
    ]
    by_lang = {m["message"]["Content-Language"]: m["message"] for m in smtp_sink.messages}
    italian = by_lang["it"]
    assert italian["Subject"] == "Manutenzione programmata: mail e calendar dal 5 al 6 dicembre 2026"
    assert italian["From"] == "servicedesk@example.com"
    assert italian.get_content_type() == "multipart/alternative"
    assert "sabato 5 dicembre 2026, 22:00" in italian.get_body(("plain",)).get_content()
    assert "<td style=\"padding:4px 0\">mail e calendar</td>" in italian.get_body(("html",)).get_content()
    assert by_lang["en"]["X-Deskctl-Announcement"] == f"{ann_id} v1"

    # the status page and the Atom feed show it, in every language
    page = (smtp_desk / "public" / "status" / "it" / "index.html").read_text(encoding="utf-8")
    assert "Manutenzione programmata: mail e calendar dal 5 al 6 dicembre 2026" in page and 'id="ANN-0001"' in page
    feed = ET.parse(smtp_desk / "public" / "status" / "ru" / "feed.xml").getroot()
    titles = [e.findtext("a:title", namespaces=ATOM) for e in feed.findall("a:entry", ATOM)]
    assert titles == ["Плановые работы: mail и calendar, 5 декабря 2026 г."]  # titles are one plain line

    # publishing again sends nothing new
    again = arun("announce", "publish", "--allow-fallback", ann_id, "--json")
    assert again.code == 0, again
    assert again.json()["sent"] == [] and len(again.json()["already_sent"]) == 6
    assert len(smtp_sink.messages) == 2


def test_a_failed_delivery_is_recorded_and_retried_alone(arun, desk, maintenance):
    port = free_port()  # nothing listens there yet
    replace_config(desk, "\nchannels:\n", f"\nchannels:\n  smtp: {{host: 127.0.0.1, port: {port}, starttls: false}}\n")
    replace_config(desk, "publish_channels: [file, statuspage]",
                   "publish_channels: [smtp, file]\n  recipients: {en: [staff@example.com]}")
    ann_id = create_approved(arun)
    result = arun("announce", "publish", "--allow-fallback", ann_id, "--json")
    assert result.code == 1
    report = result.json()
    assert [(d["channel"], d["language"]) for d in report["failed"]] == [("smtp", "en")]
    assert f"cannot connect to SMTP server 127.0.0.1:{port}" in report["failed"][0]["error"]
    assert len(report["sent"]) == 4  # the file channel, every language
    assert "1 delivery(ies) of ANN-0001 failed" in result.stderr
    shown = arun("announce", "show", ann_id, "--json").json()
    failed = [d for d in shown["deliveries"] if d["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["attempts"] == 1
    assert any(e["action"] == "delivery-failed" for e in shown["timeline"])

    sink = SmtpSink(port)
    sink.start()
    try:
        retry = arun("announce", "publish", "--allow-fallback", ann_id, "--json")
    finally:
        sink.stop()
    assert retry.code == 0, retry
    assert [(d["channel"], d["language"]) for d in retry.json()["sent"]] == [("smtp", "en")]
    assert len(retry.json()["already_sent"]) == 4
    assert len(sink.messages) == 1
    delivery = next(d for d in arun("announce", "show", ann_id, "--json").json()["deliveries"] if d["channel"] == "smtp")
    assert delivery["status"] == "sent" and delivery["attempts"] == 2 and "error" not in delivery


def test_incomplete_channel_settings_stop_the_publish_before_sending(arun, desk, maintenance):
    replace_config(desk, "publish_channels: [file, statuspage]", "publish_channels: [file, smtp]")
    ann_id = create_approved(arun)
    result = arun("announce", "publish", "--allow-fallback", ann_id)
    assert result.code == 2
    assert "config/deskctl.yaml: channels.smtp.host is not set" in result.stderr
    record = arun("announce", "show", ann_id, "--json").json()
    assert record["status"] == "approved" and record["deliveries"] == []


def test_webhook_gets_one_json_post_per_language(arun, desk, hook_server, maintenance):
    replace_config(desk, "\nchannels:\n", f"\nchannels:\n  webhook: {{url: '{hook_server.url}', headers: {{Authorization: Bearer s3cr3t}}}}\n")
    replace_config(desk, "publish_channels: [file, statuspage]", "publish_channels: [webhook]")
    ann_id = create_approved(arun)
    hook_server.status = 500
    failed = arun("announce", "publish", "--allow-fallback", ann_id, "--json")
    assert failed.code == 1
    assert {d["error"] for d in failed.json()["failed"]} == {"HTTP 500: boom"}
    assert len(hook_server.requests) == 4

    hook_server.status = 200
    result = arun("announce", "publish", "--allow-fallback", ann_id, "--json")
    assert result.code == 0, result
    assert len(result.json()["sent"]) == 4
    posts = {r["json"]["language"]: r for r in hook_server.requests[4:]}
    assert sorted(posts) == ["en", "it", "ro", "ru"]
    italian = posts["it"]["json"]
    assert italian["announcement"] == ann_id and italian["version"] == 1 and italian["services"] == ["mail", "calendar"]
    assert italian["text"].startswith("**Manutenzione programmata: mail e calendar dal 5 al 6 dicembre 2026**")
    assert posts["it"]["headers"]["Authorization"] == "Bearer s3cr3t"
    assert posts["it"]["path"] == "/hook"
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 0
    assert len(hook_server.requests) == 8  # nothing posted twice
    stored = (desk / "data" / "announcements" / f"{ann_id}.json").read_text(encoding="utf-8")
    assert "s3cr3t" not in stored


def test_every_mail_is_marked_automatic_and_keeps_encoded_words_within_rfc_2047(arun, smtp_desk, smtp_sink, maintenance):
    import re

    replace_config(smtp_desk, "it: [staff-it@example.com, it-managers@example.com]}",
                   "it: [staff-it@example.com], ru: [staff-ru@example.com], ro: [staff-ro@example.com]}")
    ann_id = create_approved(arun)
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 0
    assert len(smtp_sink.messages) == 4
    for sent in smtp_sink.messages:
        message = sent["message"]
        assert message["Auto-Submitted"] == "auto-generated"  # RFC 3834: auto-replies stay quiet
        head = sent["raw"].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("ascii")
        words = re.findall(r"=\?[^?]+\?[bBqQ]\?[^?]*\?=", head)
        assert all(len(w) <= 75 for w in words), (message["Content-Language"], [len(w) for w in words])
    russian = next(m["message"] for m in smtp_sink.messages if m["message"]["Content-Language"] == "ru")
    assert russian["Subject"].startswith("Плановые работы")  # and it decodes back whole
