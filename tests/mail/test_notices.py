"""Mail to the requester, through a real SMTP server on loopback (aiosmtpd): the
acknowledgement in their language, public comments (never internal ones), the resolution
and what their reply does, and the outbox when the mail server is away."""

from __future__ import annotations

import pytest

from tests.announcements.conftest import SmtpSink, free_port
from tests.mail.test_intake import ITALIAN, message


@pytest.fixture
def sink():
    server = SmtpSink(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_desk(desk, sink):
    config = desk / "config" / "deskctl.yaml"
    text = config.read_text().replace("\nchannels:\n", f"\nchannels:\n  smtp: {{host: 127.0.0.1, port: {sink.port}}}\n")
    config.write_text(text + "\nmail: {address: servicedesk@example.com}\n")
    return desk


@pytest.fixture
def take(drun, mail_desk):
    def _take(raw: str) -> dict:
        result = drun("mail", "ingest", "--json", input=raw)
        assert result.code == 0, result
        return result.json()

    return _take


def sent_to(sink, address: str) -> list:
    return [m["message"] for m in sink.messages if address in m["to"]]


def test_the_requester_gets_an_acknowledgement_in_italian_and_replies_thread(take, drun, sink):
    tid = take(ITALIAN)["ticket"]
    [ack] = sent_to(sink, "ana@example.com")
    assert ack["Subject"] == f"[{tid}] Abbiamo ricevuto la sua richiesta: Stampante non stampa"
    assert ack["Auto-Submitted"] == "auto-generated" and ack["Content-Language"] == "it"
    assert ack["In-Reply-To"] == "<m1@example.com>" and ack["From"].addresses[0].addr_spec == "servicedesk@example.com"
    body = ack.get_body(("plain",)).get_content()
    assert f"come {tid}" in body and "Le risponderemo entro il" in body and "Gentile Ana Pop" in body
    # her answer to the acknowledgement, without the tag, lands on the same ticket
    reply = take(message("Re: ricevuta", "Il modello è HP 4250.", msgid="<m2@example.com>",
                         headers={"In-Reply-To": ack["Message-ID"]}))
    assert reply["outcome"] == "threaded" and reply["ticket"] == tid
    assert len(sent_to(sink, "ana@example.com")) == 1  # her own words are not mailed back to her
    # the desk's own notice coming back (a forwarding loop) is never answered
    echoed = take(ack.as_string().replace("Message-ID: <", "Message-ID: <echo."))
    assert echoed["outcome"] == "automatic" and len(sink.messages) == 1


def test_public_comments_and_the_resolution_reach_her_internal_ones_never(take, drun, sink):
    tid = take(ITALIAN)["ticket"]
    assert drun("ticket", "comment", tid, "--internal", "--text", "SECRET: the printer vendor is slow").code == 0
    assert drun("ticket", "comment", tid, "--text", "Un tecnico passerà alle 15.").code == 0
    assert drun("ticket", "resolve", tid, "--resolution", "Sostituito il toner.", "--category", "hardware-fault").code == 0
    mails = sent_to(sink, "ana@example.com")
    texts = [m.get_body(("plain",)).get_content() for m in mails]
    assert [m["Subject"].split("] ", 1)[1].split(":")[0] for m in mails] == [
        "Abbiamo ricevuto la sua richiesta", "Novità sulla sua richiesta", "La sua richiesta è stata risolta"]
    assert "Un tecnico passerà alle 15." in texts[1] and "Sostituito il toner." in texts[2]
    assert not any("SECRET" in m.as_string() or "hardware-fault" in m.as_string() for m in mails)
    assert len({m["Message-ID"] for m in mails}) == 3
    confirmed = take(message(f"Re: [{tid}] risolta", "Confermo, grazie.", msgid="<ok@example.com>",
                             headers={"In-Reply-To": mails[2]["Message-ID"]}))
    assert confirmed["outcome"] == "confirmed"
    assert drun("ticket", "show", tid, "--json").json()["confirmed"] is True
    closed, survey = sent_to(sink, "ana@example.com")[3:]
    assert closed["Subject"].endswith("La sua richiesta è chiusa: Stampante non stampa")
    assert "Com'è andata?" in survey["Subject"] and "da 1 (per niente soddisfatto) a 5" in survey.get_content()
    rated = take(message("Re: Com'è andata?", "4, grazie", msgid="<vote@example.com>",
                         headers={"In-Reply-To": survey["Message-ID"]}))
    assert rated["outcome"] == "survey" and drun("ticket", "show", tid, "--json").json()["survey"]["score"] == 4


def test_with_the_mail_server_down_the_change_succeeds_and_the_notice_waits(take, drun, sink):
    tid = take(ITALIAN)["ticket"]
    sink.stop()
    resolved = drun("ticket", "resolve", tid, "--resolution", "Sostituito il toner.", "--category", "hardware-fault")
    assert resolved.code == 0 and "waits in the outbox" in resolved.stderr, resolved
    assert drun("ticket", "show", tid, "--json").json()["status"] == "resolved"
    waiting = drun("mail", "outbox", "--json").json()
    assert [(w["ticket"], w["kind"], w["status"]) for w in waiting] == [(tid, "resolved", "pending")]
    down = drun("mail", "flush")
    assert down.code == 1 and "cannot reach the SMTP server" in down.stderr
    sink.start()
    before = len(sink.messages)
    flushed = drun("mail", "flush", "--json")
    assert flushed.code == 0 and [s["kind"] for s in flushed.json()["sent"]] == ["resolved"]
    assert drun("mail", "flush").code == 0 and drun("mail", "outbox", "--json").json() == []
    assert len(sink.messages) == before + 1  # exactly once
    assert "risolta" in sink.messages[-1]["message"]["Subject"]


def test_two_desks_mailing_each_other_do_not_loop(take, drun, sink, run, tmp_path):
    other = tmp_path / "other-desk"
    assert run("init", str(other)).code == 0
    config = other / "config" / "deskctl.yaml"
    text = config.read_text().replace("\nchannels:\n", f"\nchannels:\n  smtp: {{host: 127.0.0.1, port: {sink.port}}}\n")
    config.write_text(text + "\nmail: {address: helpdesk@example.org}\n")
    # our desk acknowledges a mail that came from the other desk's address
    take(message("Printer", "It jams.", sender="helpdesk@example.org", msgid="<o1@example.org>"))
    [ack] = sent_to(sink, "helpdesk@example.org")
    # the other desk gets that acknowledgement: automatic, so it opens nothing and answers nothing
    theirs = run("mail", "ingest", "--json", cwd=other, input=ack.as_string())
    assert theirs.code == 0 and theirs.json()["outcome"] == "automatic", theirs
    assert run("ticket", "list", "--all", "--json", cwd=other).json() == []
    assert len(sink.messages) == 1



def test_dates_are_in_the_requesters_language_and_time_zone(drun, mail_desk, sink):
    import json
    import os
    import pwd

    login = pwd.getpwuid(os.geteuid()).pw_name
    config = mail_desk / "config" / "deskctl.yaml"
    config.write_text(config.read_text() + "\naccounts: " + json.dumps({
        "intake": {"roles": ["automation"], "login": login},
        "ivan": {"email": "ivan@example.com", "language": "ru", "timezone": "Asia/Vladivostok"}}) + "\n")
    made = drun("mail", "ingest", input=message("Принтер", "Не печатает.", sender="ivan@example.com",
                                                  msgid="<iv@example.com>"), env={"DESKCTL_ACTOR": ""})
    assert made.code == 0, made
    [ack] = sent_to(sink, "ivan@example.com")
    body = ack.get_body(("plain",)).get_content()
    assert ack["Content-Language"] == "ru" and "Мы ответим до" in body
    assert "+1000" in body and "+0100" not in body  # Vladivostok's time, not the desk's (Rome)


def test_an_address_with_a_line_break_gets_no_notice_and_the_change_is_kept(drun, mail_desk, sink):
    made = drun("ticket", "create", "--title", "<img src=x onerror=alert(1)>",
                "--requester-email", "ana@example.com\r\nBcc: evil@example.org")
    assert made.code == 0 and made.stderr.count("\n") == 1, made  # one line, no warning split in two
    assert sink.messages == [] and drun("mail", "outbox", "--json").json() == []
