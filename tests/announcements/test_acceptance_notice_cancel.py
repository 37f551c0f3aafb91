"""Issue 20, acceptance 6, as a new user would try it through the `deskctl` program: a planned
maintenance due in 1 hour is refused without --short-notice, a missing Italian `workaround`
is named at submit, and `announce cancel` sends a cancellation in all four languages
(files and SMS through a loopback gateway)."""

from __future__ import annotations

from tests.announcements.conftest import SMS_TOKEN

IN_AN_HOUR = """\
services: [vpn]
start: +1h
end: +3h
impact:
  en: The VPN will not connect.
  it: La VPN non si collegherà.
  ru: VPN не будет подключаться.
  ro: VPN-ul nu se va conecta.
workaround:
  en: Work in the office, or use webmail.
  ru: Работайте в офисе или используйте веб-почту.
  ro: Lucrați la birou sau folosiți webmail.
contact:
  en: servicedesk@example.com
  it: servicedesk@example.com
  ru: servicedesk@example.com
  ro: servicedesk@example.com
"""


def test_short_notice_missing_translation_and_cancellation_in_four_languages(arun, sms_desk, sms_gateway):
    env = {"SMS_GATEWAY_AUTH": SMS_TOKEN}
    (sms_desk / "vpn.yaml").write_text(IN_AN_HOUR, encoding="utf-8")
    created = arun("announce", "create", "planned-maintenance", "--from", "vpn.yaml")
    assert created.code == 0, created
    ann_id = created.stdout.strip()

    refused = arun("announce", "submit", ann_id)
    assert refused.code == 2 and "--short-notice" in refused.stderr and "3 days" in refused.stderr, refused
    assert "it starts in 1 hour" in refused.stderr

    submitted = arun("announce", "submit", ann_id, "--short-notice", "VPN concentrator fails over at random")
    assert submitted.code == 0, submitted
    assert "workaround has no it text" in submitted.stderr
    assert "workaround has no ru text" not in submitted.stderr and "impact has no" not in submitted.stderr

    approved = arun("--actor", "alice", "announce", "approve", ann_id)
    assert approved.code == 0 and "VPN concentrator fails over at random" in approved.stderr
    assert arun("announce", "publish", ann_id, env=env).code == 2  # the Italian fallback
    assert arun("announce", "publish", ann_id, "--allow-fallback", env=env).code == 0
    assert len(sms_gateway.requests) == 5

    assert arun("announce", "cancel", ann_id, "--reason", "the vendor fixed it remotely").code == 0
    assert arun("--actor", "bob", "announce", "approve", ann_id).code == 0
    sent = arun("announce", "publish", ann_id, "--json", env=env)
    assert sent.code == 0, sent
    report = sent.json()
    assert report["status"] == "cancelled"
    assert sorted({d["language"] for d in report["sent"] if d["channel"] == "file"}) == ["en", "it", "ro", "ru"]
    sms = {r["json"]["language"]: r["json"]["text"] for r in sms_gateway.requests[5:]}
    assert sorted(sms) == ["en", "it", "ro", "ru"] and len(sms_gateway.requests) == 10
    assert sms["it"].startswith("Annullato: l'intervento su vpn")
    assert sms["ro"].startswith("Anulat: lucrările la vpn")
    shown = arun("announce", "show", ann_id).stdout
    assert "cancelled     the vendor fixed it remotely" in shown and "status        cancelled" in shown
