"""Tests for the real-sshd test support (tests/support/sshd.py, fixtures.py)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import paramiko
import pytest

# Imported here so this module works whether or not conftest.py registers
# the fixtures too (a local definition simply takes precedence).
from .fixtures import SshdFactory, require_sshd, sshd, sshd_factory  # noqa: F401
from .sshd import SshServer, start_sshd, start_sshd_many, stop_all


def run_paramiko(
    server: SshServer, address: str, command: str, known_hosts: Path | None = None
) -> tuple[int, str]:
    """Run *command* on *address* with strict host key checking; (status, stdout)."""
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.load_host_keys(str(known_hosts or server.known_hosts))
    try:
        client.connect(
            address,
            port=server.port,
            username=server.user,
            key_filename=str(server.client_key),
            allow_agent=False,
            look_for_keys=False,
            timeout=10,
            banner_timeout=10,
            auth_timeout=10,
        )
        _, stdout, _ = client.exec_command(command, timeout=10)
        out = stdout.read().decode()
        return stdout.channel.recv_exit_status(), out
    finally:
        client.close()


def test_paramiko_runs_commands_on_several_addresses(sshd: SshServer) -> None:  # noqa: F811
    assert sshd.addresses == [f"127.0.0.{i}" for i in range(1, 6)]
    for address in ("127.0.0.1", "127.0.0.3"):
        assert run_paramiko(sshd, address, "echo ok") == (0, "ok\n")


def test_known_hosts_has_a_line_per_address(sshd: SshServer) -> None:  # noqa: F811
    lines = sshd.known_hosts.read_text().splitlines()
    assert lines == [f"[{a}]:{sshd.port} {sshd.host_public_key}" for a in sshd.addresses]
    assert sshd.host_public_key.startswith("ssh-ed25519 AAAA")


def test_exit_status_and_stderr_are_passed_through(sshd: SshServer) -> None:  # noqa: F811
    assert run_paramiko(sshd, "127.0.0.2", "echo out; echo err >&2; exit 3") == (3, "out\n")


def test_unknown_host_key_is_rejected(sshd: SshServer, tmp_path: Path) -> None:  # noqa: F811
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    with pytest.raises(paramiko.SSHException, match="not found in known_hosts"):
        run_paramiko(sshd, "127.0.0.1", "echo ok", known_hosts=empty)


def test_wrong_host_key_is_rejected(
    sshd: SshServer,  # noqa: F811
    sshd_factory: SshdFactory,  # noqa: F811
    tmp_path: Path,
) -> None:
    other = sshd_factory()
    assert other.host_public_key != sshd.host_public_key
    wrong = tmp_path / "known_hosts"
    wrong.write_text(f"[127.0.0.1]:{sshd.port} {other.host_public_key}\n")
    with pytest.raises(paramiko.BadHostKeyException):
        run_paramiko(sshd, "127.0.0.1", "echo ok", known_hosts=wrong)


def test_sftp_subsystem(sshd: SshServer, tmp_path: Path) -> None:  # noqa: F811
    target = tmp_path / "remote.txt"
    target.write_text("hello\n")
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.load_host_keys(str(sshd.known_hosts))
    client.connect(
        "127.0.0.4", port=sshd.port, username=sshd.user, key_filename=str(sshd.client_key),
        allow_agent=False, look_for_keys=False, timeout=10,
    )  # fmt: skip
    try:
        with client.open_sftp() as sftp, sftp.open(str(target)) as fh:
            assert fh.read() == b"hello\n"
    finally:
        client.close()


@pytest.mark.skipif(shutil.which("ssh") is None, reason="OpenSSH client not installed")
def test_openssh_client_with_ssh_options(sshd: SshServer) -> None:  # noqa: F811
    result = subprocess.run(
        sshd.ssh_argv("127.0.0.5", "echo ok"),
        capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert (result.returncode, result.stdout) == (0, "ok\n"), result.stderr


def test_login_shell_skips_bashrc_by_default(sshd: SshServer) -> None:  # noqa: F811
    # SHLVL=1 from SetEnv, incremented by the shell; bash only sources
    # ~/.bashrc for ssh commands when it starts at level 1.
    status, out = run_paramiko(sshd, "127.0.0.1", 'echo "$SHLVL"')
    assert status == 0
    assert int(out) >= 2


def test_start_sshd_many_20_hosts(tmp_path: Path) -> None:
    require_sshd()
    servers = start_sshd_many(tmp_path, 20)
    try:
        assert len(servers) == 2
        assert [len(s.addresses) for s in servers] == [16, 4]
        assert [a for s in servers for a in s.addresses] == [f"127.0.0.{i}" for i in range(1, 21)]
        assert len({s.pid for s in servers}) == 2
        targets = [(s, a) for s in servers for a in s.addresses]
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda t: run_paramiko(t[0], t[1], "echo ok"), targets))
        assert results == [(0, "ok\n")] * 20
        merged = (tmp_path / "known_hosts").read_text().splitlines()
        assert len(merged) == 20
    finally:
        stop_all(servers)

    for server in servers:
        assert not server.running
        with pytest.raises(ProcessLookupError):
            os.kill(server.pid, 0)
        for address in server.addresses:
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection((address, server.port), timeout=2).close()
    stop_all(servers)  # idempotent


def test_factory_single_and_many(sshd_factory: SshdFactory) -> None:  # noqa: F811
    single = sshd_factory(addresses=["127.0.0.7", "127.0.0.8"])
    assert run_paramiko(single, "127.0.0.8", "echo ok") == (0, "ok\n")
    fleet = sshd_factory(n_hosts=3)
    assert len(fleet) == 1 and fleet[0].addresses == ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
    assert len(sshd_factory.servers) == 2


def test_stop_is_idempotent_and_frees_the_port(sshd_factory: SshdFactory) -> None:  # noqa: F811
    server = sshd_factory()
    assert server.running
    server.stop()
    server.stop()
    assert not server.running
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((server.host, server.port), timeout=2).close()


def test_more_than_16_addresses_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at most 16"):
        start_sshd(tmp_path, [f"127.0.0.{i}" for i in range(1, 18)])


def test_non_loopback_address_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="127.0.0.0/8"):
        start_sshd(tmp_path, ["0.0.0.0"])


def test_startup_failure_reports_log_tail(sshd: SshServer, tmp_path: Path) -> None:  # noqa: F811
    # The session server already holds this port on 127.0.0.1.
    with pytest.raises(RuntimeError, match="127.0.0.1"):
        start_sshd(tmp_path, ["127.0.0.1"], port=sshd.port, timeout=5)


def test_stop_ends_open_sessions(sshd_factory: SshdFactory) -> None:  # noqa: F811
    server = sshd_factory()
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.load_host_keys(str(server.known_hosts))
    client.connect(
        server.host, port=server.port, username=server.user,
        key_filename=str(server.client_key), allow_agent=False, look_for_keys=False, timeout=10,
    )  # fmt: skip
    try:
        _, stdout, _ = client.exec_command("echo $$; exec sleep 60", timeout=10)
        remote_pid = int(stdout.readline())
        server.stop()
        # The remote command runs in its own session without a tty, so it
        # would survive sshd's exit unless stop() ends it explicitly.
        stat = Path(f"/proc/{remote_pid}/stat")
        assert not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"
        assert stdout.read() == b""
    finally:
        client.close()


@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
def test_missing_sshd_skips_locally_and_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch, ci: str, outcome: type[BaseException]
) -> None:
    from . import fixtures

    monkeypatch.setattr(fixtures, "find_sshd", lambda: None)
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="apt-get install -y openssh-server"):
        fixtures.require_sshd()
