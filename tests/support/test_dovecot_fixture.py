"""Tests for the private Dovecot test server (tests/support/dovecot.py)."""

from __future__ import annotations

import imaplib
import os
from pathlib import Path

import pytest

from .dovecot import DovecotServer, ImapAccount, require_dovecot, start_dovecot

MESSAGE = b"From: ana@example.com\r\nSubject: printer\r\nMessage-ID: <1@example.com>\r\n\r\njammed\r\n"


def test_a_delivered_message_is_read_back_unseen(dovecot: ImapAccount):
    uid = dovecot.deliver(MESSAGE)
    messages = dovecot.messages()
    assert [(u, body) for u, _, body in messages] == [(uid, MESSAGE)]
    assert "\\Seen" not in messages[0][1]
    assert "\\Seen" not in dovecot.messages()[0][1]  # reading did not mark it either


def test_delivering_to_a_missing_folder_creates_it(dovecot: ImapAccount):
    dovecot.deliver(MESSAGE, folder="Processed")
    assert "Processed" in dovecot.folders()
    assert [body for _, _, body in dovecot.messages("Processed")] == [MESSAGE]
    assert dovecot.messages("INBOX") == []


@pytest.mark.parametrize("round_", [1, 2])
def test_each_test_gets_an_empty_mailbox(dovecot: ImapAccount, dovecot_server: DovecotServer, round_):
    assert dovecot.user != dovecot_server.user
    assert dovecot.messages() == []
    dovecot.deliver(MESSAGE)  # left behind on purpose: the next round must not see it


def test_a_wrong_password_is_refused(dovecot: ImapAccount):
    conn = imaplib.IMAP4(dovecot.host, dovecot.port, timeout=10)
    try:
        with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
            conn.login(dovecot.user, dovecot.password + "x")
    finally:
        conn.shutdown()


def test_a_named_account_is_usable_once_added(dovecot_server: DovecotServer):
    account = dovecot_server.add_account("named-account", "Named-pass-1")
    account.deliver(MESSAGE)
    assert len(account.messages()) == 1


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def test_stop_ends_the_master_and_its_processes_and_removes_the_directory():
    require_dovecot()
    server = start_dovecot()
    assert server.host == "127.0.0.1" and server.running
    assert (server.workdir / "run" / "master.pid").read_text().strip() == str(server.pid)
    server.deliver(MESSAGE)
    conn = server.connect()  # an open session: its imap process must go too
    children = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
                and _parent(int(p.name)) == server.pid]
    assert children
    try:
        server.stop()
    finally:
        conn.shutdown()
    assert not _alive(server.pid)
    assert not any(_alive(pid) for pid in children)
    assert not server.workdir.exists()
    server.stop()  # idempotent


def test_the_private_server_uses_its_own_directories_only():
    require_dovecot()
    with start_dovecot() as server:
        config = server.config.read_text()
        for line in ("base_dir", "state_dir", "mail_location", "log_path"):
            value = next(row for row in config.splitlines() if row.startswith(line + " ="))
            assert str(server.workdir) in value, value
        assert f"port = {server.port}" in config and "listen = 127.0.0.1" in config
        if os.geteuid() == 0:
            assert "default_internal_user = dovecot" in config


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def test_a_server_left_running_is_stopped_when_the_process_exits():
    import json
    import subprocess
    import sys

    require_dovecot()
    forgetful = ("import json; from tests.support.dovecot import start_dovecot; s = start_dovecot(); "
                 "print(json.dumps([s.pid, str(s.workdir)]))")  # exits without stop()
    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", forgetful], cwd=repo, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    pid, workdir = json.loads(done.stdout)
    assert not _alive(pid)
    assert not Path(workdir).exists()
