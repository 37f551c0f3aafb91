"""deskctl.mail.imap.fetch_new against a real Dovecot on loopback (tests/support/dovecot.py)."""

from __future__ import annotations

import socket

import pytest

from deskctl.errors import BadInput, ExitCode, OperationFailed
from deskctl.mail.imap import KEYWORD, fetch_new
from tests.support.dovecot import ImapAccount

PASSWORD_ENV = "DESK_TEST_IMAP_PASSWORD"


def message(n: int) -> bytes:
    return (f"From: requester{n}@example.com\r\nTo: desk@example.com\r\nSubject: Problem {n}\r\n"
            f"Message-ID: <m{n}@example.com>\r\n\r\nBody {n}\r\n").encode()


def settings(account: ImapAccount, **overrides) -> dict:
    return {"host": account.host, "port": account.port, "user": account.user,
            "password_env": PASSWORD_ENV, "tls": False, **overrides}


class Recorder:
    """A handle that keeps what it was given, optionally failing on one message."""

    def __init__(self, fail_on: bytes | None = None, outcome: str = "created") -> None:
        self.seen: list[bytes] = []
        self.fail_on = fail_on
        self.outcome = outcome

    def __call__(self, raw: bytes) -> str:
        self.seen.append(raw)
        if self.fail_on is not None and raw == self.fail_on:
            raise ValueError("cannot parse this one")
        return self.outcome


@pytest.fixture
def mailbox(dovecot: ImapAccount, monkeypatch) -> ImapAccount:
    monkeypatch.setenv(PASSWORD_ENV, dovecot.password)
    return dovecot


def flags_by_body(account: ImapAccount, folder: str = "INBOX") -> dict[bytes, tuple[str, ...]]:
    return {body: flags for _, flags, body in account.messages(folder)}


def test_new_messages_are_handled_oldest_first_and_marked(mailbox):
    sent = [message(n) for n in (1, 2, 3)]
    for raw in sent:
        mailbox.deliver(raw)
    handle = Recorder()
    report = fetch_new(settings(mailbox), handle)
    assert handle.seen == sent
    assert report.counts == {"created": 3} and report.handled == 3 and report.errors == []
    flags = flags_by_body(mailbox)
    assert all(KEYWORD in flags[raw] for raw in sent), flags
    assert not any("\\Seen" in flags[raw] for raw in sent), "reading must not mark \\Seen"
    assert report.to_dict() == {"server": f"127.0.0.1:{mailbox.port}", "folder": "INBOX",
                                "handled": 3, "counts": {"created": 3}, "errors": [],
                                "remaining": 0}


def test_a_second_fetch_finds_nothing_new(mailbox):
    for n in (1, 2, 3):
        mailbox.deliver(message(n))
    fetch_new(settings(mailbox), Recorder())
    again = Recorder()
    report = fetch_new(settings(mailbox), again)
    assert again.seen == [] and report.handled == 0 and report.counts == {}
    mailbox.deliver(message(4))  # only what arrived since is new
    later = Recorder()
    assert fetch_new(settings(mailbox), later).handled == 1 and later.seen == [message(4)]


def test_outcomes_are_counted_by_name(mailbox):
    for n in (1, 2, 3):
        mailbox.deliver(message(n))
    outcomes = iter(["created", "threaded", "created"])
    report = fetch_new(settings(mailbox), lambda raw: next(outcomes))
    assert report.counts == {"created": 2, "threaded": 1}


def test_a_message_whose_handling_fails_stays_new_and_the_others_are_marked(mailbox):
    for n in (1, 2, 3):
        mailbox.deliver(message(n))
    handle = Recorder(fail_on=message(2))
    report = fetch_new(settings(mailbox), handle)
    assert handle.seen == [message(1), message(2), message(3)], "the run goes on after a failure"
    assert report.counts == {"created": 2}
    assert len(report.errors) == 1
    failed_uid = next(uid for uid, _, body in mailbox.messages() if body == message(2))
    assert report.errors[0].uid == failed_uid
    assert "ValueError: cannot parse this one" in report.errors[0].error
    flags = flags_by_body(mailbox)
    assert KEYWORD not in flags[message(2)]
    assert KEYWORD in flags[message(1)] and KEYWORD in flags[message(3)]
    retry = Recorder()
    assert fetch_new(settings(mailbox), retry).handled == 1 and retry.seen == [message(2)]


def test_limit_leaves_the_newest_for_the_next_run(mailbox):
    for n in (1, 2, 3):
        mailbox.deliver(message(n))
    first = Recorder()
    report = fetch_new(settings(mailbox), first, limit=2)
    assert first.seen == [message(1), message(2)] and report.remaining == 1
    second = Recorder()
    assert fetch_new(settings(mailbox), second, limit=2).remaining == 0
    assert second.seen == [message(3)]


def test_mark_move_moves_handled_messages_to_the_processed_folder(mailbox):
    for n in (1, 2, 3):
        mailbox.deliver(message(n))
    assert "Processed" not in mailbox.folders()
    handle = Recorder(fail_on=message(3))
    report = fetch_new(settings(mailbox, mark="move", processed_folder="Processed"), handle)
    assert report.counts == {"created": 2} and len(report.errors) == 1
    assert "Processed" in mailbox.folders(), "the processed folder is created when missing"
    assert [body for _, _, body in mailbox.messages("INBOX")] == [message(3)]
    moved = flags_by_body(mailbox, "Processed")
    assert sorted(moved) == [message(1), message(2)]
    assert all(KEYWORD in flags for flags in moved.values())


def test_a_folder_other_than_inbox_is_read(mailbox):
    mailbox.deliver(message(1), folder="Support")
    mailbox.deliver(message(2))
    handle = Recorder()
    assert fetch_new(settings(mailbox, folder="Support"), handle).handled == 1
    assert handle.seen == [message(1)]


def test_a_wrong_password_names_user_and_server_but_not_the_password(mailbox, monkeypatch):
    wrong = "Wrong-" + mailbox.password
    monkeypatch.setenv(PASSWORD_ENV, wrong)
    mailbox.deliver(message(1))
    handle = Recorder()
    with pytest.raises(OperationFailed) as failed:
        fetch_new(settings(mailbox), handle)
    text = str(failed.value)
    assert f"{mailbox.user}@127.0.0.1:{mailbox.port}" in text
    assert wrong not in text and mailbox.password not in text
    assert "\n" not in text and failed.value.exit_code == ExitCode.FAILED
    assert handle.seen == []


def test_nothing_listening_names_host_and_port(dovecot, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "Some-password-1")
    with socket.socket() as sock:  # a port that was free a moment ago: nobody listens on it
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(OperationFailed, match=rf"cannot reach IMAP server 127\.0\.0\.1:{port}: "):
        fetch_new(settings(dovecot, port=port), Recorder())


def test_a_server_that_never_greets_times_out(dovecot, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "Some-password-1")
    with socket.socket() as silent:  # accepts TCP (backlog) but never says "* OK"
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        with pytest.raises(OperationFailed, match=rf"127\.0\.0\.1:{port} did not answer within 0\.5 s"):
            fetch_new(settings(dovecot, port=port, timeout=0.5), Recorder())


def test_starttls_to_a_server_without_it_fails_naming_the_server(mailbox):
    with pytest.raises(OperationFailed, match=rf"STARTTLS with IMAP server 127\.0\.0\.1:{mailbox.port}"):
        fetch_new(settings(mailbox, tls="starttls"), Recorder())


def test_tls_to_a_plain_port_fails_naming_the_server(mailbox):
    with pytest.raises(OperationFailed, match=rf"TLS with IMAP server 127\.0\.0\.1:{mailbox.port} failed"):
        fetch_new(settings(mailbox, tls=True), Recorder())


def test_a_missing_password_variable_is_named(dovecot, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    with pytest.raises(BadInput, match=rf"\${PASSWORD_ENV} is not set"):
        fetch_new(settings(dovecot), Recorder())


def test_plain_imap_to_a_remote_host_is_refused_before_connecting(monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "Some-password-1")
    plain = {"host": "imap.example.com", "user": "desk", "password_env": PASSWORD_ENV, "tls": False}
    with pytest.raises(BadInput, match="allowed only to a loopback host"):
        fetch_new(plain, Recorder())


@pytest.mark.parametrize(("override", "named"), [
    ({"host": ""}, "mail.imap.host is required"),
    ({"tls": "maybe"}, "mail.imap.tls"),
    ({"mark": "delete"}, "mail.imap.mark"),
    ({"mark": "move"}, "mail.imap.processed_folder is required"),
    ({"port": "imap"}, "mail.imap.port"),
    ({"timeout": 0}, "mail.imap.timeout"),
])
def test_bad_settings_name_the_field(override, named, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "Some-password-1")
    base = {"host": "127.0.0.1", "port": 1, "user": "desk", "password_env": PASSWORD_ENV, "tls": False}
    with pytest.raises(BadInput, match=named):
        fetch_new({**base, **override}, Recorder())


def test_a_missing_folder_is_bad_input_naming_it(mailbox):
    with pytest.raises(BadInput, match=r"mail\.imap\.folder: no folder 'Nowhere'"):
        fetch_new(settings(mailbox, folder="Nowhere"), Recorder())


def test_an_error_echoing_the_password_is_masked(mailbox):
    mailbox.deliver(message(1))

    def leaky(raw: bytes) -> str:
        raise RuntimeError(f"login with {mailbox.password} failed")

    report = fetch_new(settings(mailbox), leaky)
    assert mailbox.password not in report.errors[0].error and "***" in report.errors[0].error


# --------------------------------------------------------------------------
# TLS (the default) and STARTTLS, with the private server's own certificate


@pytest.fixture
def tls_mailbox(dovecot_tls_server, monkeypatch) -> ImapAccount:
    account = dovecot_tls_server.add_account()
    monkeypatch.setenv(PASSWORD_ENV, account.password)
    return account


def test_imaps_is_the_default_and_checks_the_certificate(tls_mailbox, dovecot_tls_server):
    tls_mailbox.deliver(message(1))
    imaps = {"host": "127.0.0.1", "port": dovecot_tls_server.tls_port, "user": tls_mailbox.user,
             "password_env": PASSWORD_ENV, "ca_file": str(dovecot_tls_server.ca_file)}
    handle = Recorder()
    assert fetch_new(imaps, handle).handled == 1 and handle.seen == [message(1)]
    untrusted = {k: v for k, v in imaps.items() if k != "ca_file"}
    with pytest.raises(OperationFailed, match=rf"TLS with IMAP server 127\.0\.0\.1:{imaps['port']} "
                                              r"failed: .*certificate verify failed"):
        fetch_new(untrusted, Recorder())


def test_starttls_upgrades_the_plain_port(tls_mailbox, dovecot_tls_server):
    tls_mailbox.deliver(message(1))
    report = fetch_new(settings(tls_mailbox, tls="starttls", ca_file=str(dovecot_tls_server.ca_file)),
                       Recorder())
    assert report.handled == 1
    assert "TLS, session=" in dovecot_tls_server.log_tail(20)  # the login went over TLS


# --------------------------------------------------------------------------
# servers without MOVE, and a server that goes away mid-run


def test_without_move_the_copy_fallback_expunges_only_the_handled_messages(monkeypatch):
    from tests.support.dovecot import require_dovecot, start_dovecot

    require_dovecot()
    no_move = ("imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE UIDPLUS "
               "NAMESPACE CHILDREN LITERAL+")
    with start_dovecot(extra_config=[no_move]) as server:
        monkeypatch.setenv(PASSWORD_ENV, server.password)
        conn = server.connect()
        try:
            assert b"MOVE" not in conn.capability()[1][-1].split()  # so fetch_new must COPY
        finally:
            conn.logout()
        # Already imported and deleted by a person, not yet expunged: not ours to expunge.
        server.deliver(message(0), flags=["\\Deleted", KEYWORD])
        for n in (1, 2):
            server.deliver(message(n))
        report = fetch_new(settings(server.account, mark="move", processed_folder="Done"), Recorder())
        assert report.counts == {"created": 2} and report.errors == []
        assert [body for _, _, body in server.messages("INBOX")] == [message(0)]
        assert sorted(body for _, _, body in server.messages("Done")) == [message(1), message(2)]


def test_a_server_lost_mid_run_keeps_what_was_done(monkeypatch):
    from tests.support.dovecot import require_dovecot, start_dovecot

    require_dovecot()
    server = start_dovecot()
    try:
        monkeypatch.setenv(PASSWORD_ENV, server.password)
        for n in (1, 2, 3):
            server.deliver(message(n))
        seen: list[bytes] = []

        def handle_then_lose_the_server(raw: bytes) -> str:
            seen.append(raw)
            server.stop()  # the intake ran; the connection is gone before marking
            return "created"

        report = fetch_new(settings(server.account, timeout=5), handle_then_lose_the_server)
    finally:
        server.stop()
    assert seen == [message(1)], "the run stops at the lost connection"
    assert report.counts == {"created": 1}
    assert report.errors[-1].uid is None and "connection to 127.0.0.1" in report.errors[-1].error


def test_an_interrupt_while_handling_stops_the_run_and_leaves_the_message_new(mailbox):
    from deskctl.errors import Interrupted

    for n in (1, 2):
        mailbox.deliver(message(n))

    def interrupted(raw: bytes) -> str:
        raise Interrupted("interrupted by SIGTERM", exit_code=143)

    with pytest.raises(Interrupted):
        fetch_new(settings(mailbox), interrupted)
    assert not any(KEYWORD in flags for flags in flags_by_body(mailbox).values())


def test_a_non_ascii_processed_folder_is_sent_in_modified_utf7(mailbox):
    mailbox.deliver(message(1))
    report = fetch_new(settings(mailbox, mark="move", processed_folder="Überprüft"), Recorder())
    assert report.handled == 1 and report.errors == []
    assert "&ANw-berpr&APw-ft" in mailbox.folders()  # RFC 3501 5.1.3: what other clients show as Überprüft
    assert [body for _, _, body in mailbox.messages("&ANw-berpr&APw-ft")] == [message(1)]


def test_a_non_ascii_password_logs_in(dovecot_server, monkeypatch):
    account = dovecot_server.add_account("umlaut-user", "Pässwort-Ünïcode-1")
    monkeypatch.setenv(PASSWORD_ENV, account.password)
    account.deliver(message(1))
    assert fetch_new(settings(account), Recorder()).handled == 1


def test_a_read_only_folder_fails_before_anything_is_handled(mailbox, dovecot_server):
    mailbox.deliver(message(1), folder="Shared")
    maildir = dovecot_server.workdir / "mail" / mailbox.user / ".Shared"
    for sub in ("", "cur", "new", "tmp"):  # Dovecot then opens the folder [READ-ONLY]
        (maildir / sub).chmod(0o555)
    handle = Recorder()
    try:
        with pytest.raises(OperationFailed, match=rf"IMAP folder Shared on 127\.0\.0\.1:{mailbox.port} "
                                                  rf"is read-only for {mailbox.user}"):
            fetch_new(settings(mailbox, folder="Shared"), handle)
    finally:
        for sub in ("", "cur", "new", "tmp"):
            (maildir / sub).chmod(0o755)
    assert handle.seen == [], "nothing is imported that could not be marked"
