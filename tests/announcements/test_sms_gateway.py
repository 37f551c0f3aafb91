"""The `sms` channel against a real HTTP server on 127.0.0.1 standing in for an SMS gateway:
one request per recipient, the credential from the environment and never in a record or
output, segments as `announce preview` counts them, failures recorded and retried alone."""

from __future__ import annotations

import json

from tests.announcements.conftest import SMS_TOKEN, TRANSLATED_YAML, create_approved, replace_config

ENV = {"SMS_GATEWAY_AUTH": SMS_TOKEN}


def translated(desk) -> None:
    (desk / "maintenance.yaml").write_text(TRANSLATED_YAML, encoding="utf-8")


def test_one_request_per_recipient_with_the_rendered_text_and_segments(arun, sms_desk, sms_gateway):
    translated(sms_desk)
    ann_id = create_approved(arun)
    result = arun("announce", "publish", ann_id, "--json", env=ENV)
    assert result.code == 0, result
    sms = [d for d in result.json()["sent"] if d["channel"] == "sms"]
    assert sorted((d["language"], d["recipients"][0]) for d in sms) == [
        ("en", "+44 7700 900001"), ("en", "+44 7700 900002"), ("it", "+39 333 0000001"),
        ("ro", "+40 700 000 001"), ("ru", "+7 900 000 0001")]
    assert len(sms_gateway.requests) == 5
    by_to = {r["json"]["to"]: r for r in sms_gateway.requests}
    russian = by_to["+7 900 000 0001"]
    assert russian["method"] == "POST" and russian["path"] == "/send"
    assert russian["json"]["language"] == "ru"
    assert russian["headers"]["Authorization"] == SMS_TOKEN and russian["headers"]["X-Client"] == "deskctl-tests"
    assert russian["headers"]["Content-Type"].startswith("application/json")
    # the very text and segment count `announce preview` shows
    preview = arun("announce", "preview", ann_id, "--lang", "ru", "--channel", "sms", "--json").json()[0]
    assert russian["json"]["text"] == preview["parts"]["text"] and "Плановые работы" in preview["parts"]["text"]
    segments = preview["sms"]["segments"]
    record = arun("announce", "show", ann_id, "--json").json()
    ledger = {d["recipients"][0]: d for d in record["deliveries"] if d["channel"] == "sms"}
    assert ledger["+7 900 000 0001"]["status"] == "sent"
    assert ledger["+7 900 000 0001"]["detail"] == f"HTTP 202 to +7 900 000 0001, {segments} UCS-2 segment{'s' if segments != 1 else ''}"
    # published again: nothing is sent twice
    again = arun("announce", "publish", ann_id, "--json", env=ENV)
    assert again.code == 0 and len(sms_gateway.requests) == 5 and len(again.json()["already_sent"]) == 9


def test_a_gateway_error_and_a_timeout_fail_and_only_they_are_retried(arun, sms_desk, sms_gateway):
    translated(sms_desk)
    ann_id = create_approved(arun)
    sms_gateway.fail["+39 333 0000001"] = 503
    sms_gateway.slow.add("+44 7700 900002")
    result = arun("announce", "publish", ann_id, "--json", env=ENV)
    assert result.code == 1, result
    failed = {d["recipients"][0]: d["error"] for d in result.json()["failed"]}
    assert set(failed) == {"+39 333 0000001", "+44 7700 900002"}
    assert failed["+39 333 0000001"].startswith("SMS gateway: HTTP 503")
    assert failed["+44 7700 900002"] == "cannot reach the SMS gateway: no answer within 2 s"
    # the gateway echoed the credential: neither the output nor the record holds it
    token = SMS_TOKEN.split()[1]
    record_text = (sms_desk / "data" / "announcements" / f"{ann_id}.json").read_text(encoding="utf-8")
    shown = arun("announce", "show", ann_id, "--json").stdout
    for text in (result.stdout, result.stderr, record_text, shown):
        assert token not in text
    assert "rejected, auth was ***" in failed["+39 333 0000001"]

    sms_gateway.fail.clear()
    sms_gateway.slow.clear()
    before = len(sms_gateway.requests)
    retried = arun("announce", "publish", ann_id, "--json", env=ENV)
    assert retried.code == 0, retried
    assert sorted(r["json"]["to"] for r in sms_gateway.requests[before:]) == ["+39 333 0000001", "+44 7700 900002"]
    ledger = [d for d in arun("announce", "show", ann_id, "--json").json()["deliveries"] if d["channel"] == "sms"]
    assert len(ledger) == 5 and all(d["status"] == "sent" for d in ledger)
    assert {d["recipients"][0]: d["attempts"] for d in ledger}["+39 333 0000001"] == 2


def test_a_body_template_and_get_requests(arun, sms_desk, sms_gateway):
    translated(sms_desk)
    replace_config(sms_desk, "auth_header_env: SMS_GATEWAY_AUTH,", 'auth_header_env: SMS_GATEWAY_AUTH, method: GET, '
                   'body: "to={{ to|urlencode }}&msg={{ text|urlencode }}&lang={{ language }}",')
    ann_id = create_approved(arun)
    result = arun("announce", "publish", ann_id, "--channel", "sms", "--json", env=ENV)
    assert result.code == 0, result
    italian = next(r for r in sms_gateway.requests if "lang=it" in r["path"])
    assert italian["method"] == "GET" and italian["path"].startswith("/send?to=%2B39%20333%200000001&msg=Manutenzione")


def test_settings_and_a_missing_credential_stop_the_publish_before_anything_is_sent(arun, sms_desk, sms_gateway):
    translated(sms_desk)
    ann_id = create_approved(arun)
    result = arun("announce", "publish", ann_id)  # SMS_GATEWAY_AUTH is not set
    assert result.code == 2 and "channels.sms.auth_header_env: $SMS_GATEWAY_AUTH is not set" in result.stderr
    assert sms_gateway.requests == []
    replace_config(sms_desk, "headers: {X-Client: deskctl-tests}", "headers: {Authorization: Bearer in-the-file}")
    checked = arun("config", "check")
    assert checked.code != 0
    assert "channels.sms.headers.Authorization keeps a secret in the config file" in checked.stdout + checked.stderr


def test_sms_recipients_and_body_are_checked_by_config_check(arun, sms_desk):
    replace_config(sms_desk, 'it: ["+39 333 0000001"]', 'it: ["not a number"], xx: ["+1 555 0100"]')
    replace_config(sms_desk, "timeout: 2,", "timeout: 2, body: '{{ to }} {{ message }}',")
    checked = arun("config", "check")
    text = checked.stdout + checked.stderr
    assert checked.code != 0
    assert "channels.sms.recipients.it: not a phone number: not a number" in text
    assert "channels.sms.recipients: 'xx' is not one of the desk's languages" in text
    assert "channels.sms.body: 'message' is undefined (the body may use: to, text, language)" in text


def test_the_json_body_quotes_what_the_text_holds(arun, sms_desk, sms_gateway):
    (sms_desk / "maintenance.yaml").write_text(TRANSLATED_YAML.replace(
        "en: E-mail cannot be sent or received.", 'en: \'Say "no" to {{ 7*7 }}, \\ and }\''), encoding="utf-8")
    ann_id = create_approved(arun)
    assert arun("announce", "publish", ann_id, "--channel", "sms", env=ENV).code == 0
    english = next(r for r in sms_gateway.requests if r["json"]["language"] == "en")
    assert json.loads(english["body"])["text"].endswith('Say "no" to {{ 7*7 }}, \\ and }')
