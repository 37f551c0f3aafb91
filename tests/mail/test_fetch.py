"""`deskctl mail fetch` against a real Dovecot on loopback, with requester notices through a
real SMTP server: issue 16's acceptance from the desk's IMAP box."""

from __future__ import annotations

import pytest

from tests.mail.test_intake import ITALIAN, message
from tests.mail.test_notices import sent_to, sink  # noqa: F401 - fixture


@pytest.fixture
def imap_desk(desk, sink, dovecot):  # noqa: F811
    config = desk / "config" / "deskctl.yaml"
    text = config.read_text().replace("\nchannels:\n", f"\nchannels:\n  smtp: {{host: 127.0.0.1, port: {sink.port}}}\n")
    config.write_text(text + "\nmail:\n  address: servicedesk@example.com\n"
                      f"  imap: {{host: 127.0.0.1, port: {dovecot.port}, user: {dovecot.user}, "
                      "password_env: DESK_IMAP_PASSWORD, tls: false}\n")
    return desk


@pytest.fixture
def fetch(drun, imap_desk, dovecot):
    def _fetch(*args: str):
        return drun("mail", "fetch", *args, env={"DESK_IMAP_PASSWORD": dovecot.password})

    return _fetch


def test_mail_in_the_box_becomes_a_ticket_and_her_reply_threads(fetch, dovecot, drun, sink):  # noqa: F811
    dovecot.deliver(ITALIAN.encode())
    first = fetch("--json")
    assert first.code == 0, first
    [taken] = first.json()["messages"]
    assert taken["outcome"] == "created" and taken["language"] == "it"
    tid = taken["ticket"]
    ticket = drun("ticket", "show", tid, "--json").json()
    assert ticket["channel"] == "email" and ticket["requester"]["email"] == "ana@example.com"
    [ack] = sent_to(sink, "ana@example.com")
    assert tid in ack["Subject"] and "Abbiamo ricevuto la sua richiesta" in ack["Subject"]
    assert all("$DeskctlImported" in flags for _, flags, _ in dovecot.messages("INBOX"))
    # her reply to the acknowledgement, then an out-of-office: threaded, and recorded unanswered
    dovecot.deliver(message("Re: ricevuta", "Il modello è HP 4250.", msgid="<r@example.com>",
                            headers={"In-Reply-To": ack["Message-ID"]}).encode())
    dovecot.deliver(message(f"Fuori ufficio: [{tid}]", "Torno lunedì.", msgid="<ooo@example.com>",
                            headers={"Auto-Submitted": "auto-replied"}).encode())
    second = fetch("--json")
    assert [(m["outcome"], m["ticket"]) for m in second.json()["messages"]] == [("threaded", tid), ("automatic", tid)]
    again = fetch()
    assert again.code == 0 and "nothing new" in again.stderr
    assert len(sent_to(sink, "ana@example.com")) == 1  # nothing answered but the first mail
    actions = [e["action"] for e in drun("ticket", "show", tid, "--json").json()["history"]]
    assert actions.count("comment") == 1 and "mail.automatic" in actions


def test_a_wrong_password_or_a_missing_setting_is_one_line(fetch, drun, imap_desk):
    wrong = drun("mail", "fetch", env={"DESK_IMAP_PASSWORD": "not-it"})
    assert wrong.code == 1 and "IMAP login failed" in wrong.stderr and "not-it" not in wrong.stderr
    missing = drun("mail", "fetch", env={"DESK_IMAP_PASSWORD": ""})
    assert missing.code == 2 and "DESK_IMAP_PASSWORD" in missing.stderr
