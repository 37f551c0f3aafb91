"""Mail into the desk, as an MTA pipe or a person with a saved message drives it:
`deskctl mail ingest` with one RFC 5322 message on stdin."""

from __future__ import annotations

import hashlib
import json
from email.message import EmailMessage

import pytest


def message(subject: str, body: str, *, sender: str = "Ana Pop <ana@example.com>", msgid: str | None = None,
            headers: dict | None = None, attachment: tuple[str, bytes] | None = None) -> str:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "servicedesk@example.com"
    mail["Subject"] = subject
    if msgid:
        mail["Message-ID"] = msgid
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(body)
    if attachment:
        mail.add_attachment(attachment[1], maintype="application", subtype="octet-stream", filename=attachment[0])
    return mail.as_string()


@pytest.fixture
def ingest(drun):
    def _ingest(raw: str, **kwargs):
        result = drun("mail", "ingest", "--json", input=raw, **kwargs)
        assert result.code == 0, result
        return result.json()

    return _ingest


def show(drun, ticket_id: str) -> dict:
    return drun("ticket", "show", ticket_id, "--json").json()


ITALIAN = message("Stampante non stampa", "Buongiorno, la stampante del secondo piano non stampa più.\nGrazie\n\n"
                  "-- \nAna Pop\nUfficio acquisti\n", msgid="<m1@example.com>")


def test_a_new_mail_opens_a_ticket_once(ingest, drun):
    first = ingest(ITALIAN)
    assert first["outcome"] == "created" and first["language"] == "it"
    ticket = show(drun, first["ticket"])
    assert ticket["channel"] == "email" and ticket["title"] == "Stampante non stampa"
    assert ticket["requester"]["email"] == "ana@example.com" and ticket["requester"]["language"] == "it"
    assert ticket["requester"]["name"] == "Ana Pop"
    assert ticket["description"] == "Buongiorno, la stampante del secondo piano non stampa più.\nGrazie"
    assert ticket["history"][0]["on_behalf_of"] == "ana@example.com"
    again = ingest(ITALIAN)
    assert again == {**again, "outcome": "duplicate", "ticket": first["ticket"]}
    assert show(drun, first["ticket"])["history"] == ticket["history"]  # nothing recorded twice
    assert len(drun("ticket", "list", "--json").json()) == 1


def test_replies_thread_by_tag_or_by_the_message_they_answer(ingest, drun):
    tid = ingest(ITALIAN)["ticket"]
    assert drun("ticket", "pend", tid, "--reason", "Which printer model?").code == 0
    by_tag = ingest(message(f"Re: [{tid}] Stampante non stampa", "È una HP 4250.\n\n"
                            "Il giorno gio 3 dic 2026 alle 09:00 Service Desk ha scritto:\n> Quale modello?\n",
                            sender="ana@example.com", msgid="<m2@example.com>"))
    assert by_tag["outcome"] == "threaded" and by_tag["ticket"] == tid
    ticket = show(drun, tid)
    assert ticket["status"] != "pending"  # the requester answered: the clock runs again
    last = ticket["history"][-1]
    assert last["action"] == "comment" and last["note"] == "È una HP 4250." and not last.get("internal")
    by_reference = ingest(message("Re: Stampante non stampa", "Anche la seconda.", sender="ana@example.com",
                                  msgid="<m3@example.com>", headers={"In-Reply-To": "<m1@example.com>"}))
    assert by_reference["ticket"] == tid and by_reference["outcome"] == "threaded"
    assert ingest(message(f"Re: [{tid}] x", "È una HP 4250.", msgid="<m2@example.com>"))["outcome"] == "duplicate"
    assert [e["note"] for e in show(drun, tid)["history"] if e["action"] == "comment"] == ["È una HP 4250.",
                                                                                           "Anche la seconda."]


@pytest.mark.parametrize("headers, sender, kind", [
    ({"Auto-Submitted": "auto-replied"}, "ana@example.com", "auto-reply"),
    ({"Precedence": "bulk"}, "news@example.com", "bulk"),
    ({}, "MAILER-DAEMON@example.com", "bounce"),
    ({}, "servicedesk@example.com", "loop"),  # the desk's own notice coming back
    ({"X-Loop": "servicedesk@example.com"}, "other-desk@example.org", "loop"),
])
def test_automatic_mail_is_recorded_and_never_answered(ingest, drun, desk, headers, sender, kind):
    config = desk / "config" / "deskctl.yaml"
    config.write_text(config.read_text() + "\nmail: {address: servicedesk@example.com}\n")
    tid = ingest(ITALIAN)["ticket"]
    took = ingest(message(f"Out of office: [{tid}]", "Sono fuori ufficio.", sender=sender,
                          msgid=f"<auto-{kind}@x>", headers=headers))
    assert took["outcome"] == "automatic" and took["reason"].startswith(kind) and took["ticket"] == tid
    assert show(drun, tid)["history"][-1]["action"] == "mail.automatic"
    alone = ingest(message("Automatic reply", "I am away.", sender=sender, msgid=f"<alone-{kind}@x>", headers=headers))
    assert alone["outcome"] == "automatic" and alone["ticket"] is None
    assert len(drun("ticket", "list", "--all", "--json").json()) == 1  # no ticket for it


def test_the_requester_confirms_reopens_and_rates_by_mail(ingest, drun):
    ids = [ingest(message(f"Problem {n}", "It does not work.", msgid=f"<p{n}@example.com>"))["ticket"] for n in range(3)]
    for tid in ids:
        assert drun("ticket", "resolve", tid, "--resolution", "Replaced the toner", "--category", "hardware-fault").code == 0
    confirmed = ingest(message(f"Re: [{ids[0]}] Problem 0", "Confermo, grazie!\n\n> Replaced the toner",
                               msgid="<r0@example.com>"))
    assert confirmed["outcome"] == "confirmed"
    ticket = show(drun, ids[0])
    assert ticket["status"] == "closed" and ticket["confirmed"] is True
    reopened = ingest(message(f"Re: [{ids[1]}] Problem 1", "Non funziona ancora, stessa cosa.", msgid="<r1@example.com>"))
    assert reopened["outcome"] == "reopened"
    ticket = show(drun, ids[1])
    assert ticket["status"] in ("new", "assigned", "in_progress") and ticket["reopen_count"] == 1
    assert "Non funziona ancora" in ticket["history"][-2]["note"] + ticket["history"][-1]["note"]
    assert drun("ticket", "close", ids[2]).code == 0
    rated = ingest(message(f"Re: [{ids[2]}] How did we do?", "4\n\n> Reply with a score from 1 to 5",
                           msgid="<r2@example.com>"))
    assert rated["outcome"] == "survey"
    assert show(drun, ids[2])["survey"]["score"] == 4
    assert ingest(message(f"Re: [{ids[2]}] How did we do?", "4", msgid="<r2@example.com>"))["outcome"] == "duplicate"


def test_unreadable_or_huge_mail_is_quarantined_never_lost(drun, desk):
    garbage = b"\x00\xff\xfe not a mail at all"
    result = drun("mail", "ingest", input=garbage.decode("latin-1"))
    assert result.code == 0 and "quarantined: no headers" in result.stderr
    kept = list((desk / "data" / "mail" / "quarantine").glob("*.eml"))
    assert len(kept) == 1 and kept[0].read_bytes() == garbage.decode("latin-1").encode("utf-8")
    reason = json.loads(kept[0].with_suffix(".json").read_text())
    assert reason["reason"].startswith("no headers")
    config = desk / "config" / "deskctl.yaml"
    config.write_text(config.read_text() + "\nmail: {max_bytes: 2048}\n")
    big = drun("mail", "ingest", "--json", input=message("Big", "x" * 5000, msgid="<big@x>"))
    assert big.json()["outcome"] == "quarantined" and "too large" in big.json()["reason"]
    assert drun("ticket", "list", "--all", "--json").json() == []


def test_attachments_are_stored_by_sha256_under_a_name_of_ours(ingest, drun, desk):
    data = b"log line 1\nlog line 2\n"
    tid = ingest(message("VPN log", "See the log.", msgid="<att@x>", attachment=("../../../etc/cron.d/evil", data)))["ticket"]
    files = show(drun, tid)["attachments"]
    assert [f["sha256"] for f in files] == [hashlib.sha256(data).hexdigest()]
    stored = desk / "data" / files[0]["path"]
    assert stored.read_bytes() == data and stored.is_relative_to(desk / "data" / "attachments" / tid)
    assert ".." not in files[0]["name"] and "/" not in files[0]["name"]


def test_the_sender_never_chooses_who_acts(ingest, drun, desk):
    import os
    import pwd

    config = desk / "config" / "deskctl.yaml"
    login = pwd.getpwuid(os.geteuid()).pw_name
    config.write_text(config.read_text() + "\naccounts: " + json.dumps({
        "intake": {"roles": ["automation"], "login": login},
        "boss": {"roles": ["admin"], "email": "boss@example.com"}}) + "\n")
    took = ingest(message("Please delete everything", "I am the admin.", sender="boss@example.com", msgid="<b@x>"),
                  env={"DESKCTL_ACTOR": ""})
    first = show(drun, took["ticket"])["history"][0]
    assert first["actor"] == "intake" and first["on_behalf_of"] == "boss@example.com"


def test_a_bounce_is_recorded_on_the_ticket_whose_mail_it_returns(ingest, drun):
    from email.message import EmailMessage

    tid = ingest(ITALIAN)["ticket"]
    returned = EmailMessage()
    returned["From"], returned["To"] = "servicedesk@example.com", "ana@example.com"
    returned["Subject"], returned["Message-ID"] = "Abbiamo ricevuto la sua richiesta", f"<deskctl.{tid}.1.ab12@example.com>"
    returned.set_content("...")
    report = EmailMessage()
    report["From"], report["To"] = "MAILER-DAEMON@example.com", "servicedesk@example.com"
    report["Subject"], report["Message-ID"] = "Undelivered Mail Returned to Sender", "<bounce-1@example.com>"
    report.set_content("The mail could not be delivered: mailbox full.")
    report.add_attachment(returned)
    report.replace_header("Content-Type", report.get("Content-Type").replace("multipart/mixed", "multipart/report"))
    took = ingest(report.as_string())
    assert took["outcome"] == "automatic" and took["ticket"] == tid and took["reason"].startswith("bounce")
    assert show(drun, tid)["history"][-1]["action"] == "mail.automatic"


def test_a_flood_from_one_sender_waits_in_quarantine(ingest, drun, desk):
    config = desk / "config" / "deskctl.yaml"
    config.write_text(config.read_text() + "\nmail: {per_sender_per_hour: 3}\n")
    outcomes = [ingest(message(f"Help {n}", "again", sender="loop@example.org", msgid=f"<f{n}@x>"))["outcome"]
                for n in range(5)]
    assert outcomes == ["created"] * 3 + ["quarantined"] * 2
    assert len(list((desk / "data" / "mail" / "quarantine").glob("*.eml"))) == 2
    assert ingest(message("Other", "hello", sender="ana@example.com", msgid="<other@x>"))["outcome"] == "created"
