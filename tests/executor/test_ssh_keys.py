"""Encrypted key files: the passphrase is asked on a terminal before the run starts, a key
ssh-agent holds needs none, and IdentitiesOnly keeps the agent's other keys out."""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import time

import pytest

from tests.conftest import deskctl_executable
from tests.runbooks.conftest import write_inventory
from tests.support.missing import missing

PASSPHRASE = "s3cret"


def encrypted_key(folder):
    key = folder / "locked_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", PASSPHRASE, "-f", str(key)], check=True,
                   stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    return key


def key_desk(desk, server, key, **extra) -> None:
    host = {"address": "127.0.0.1", "port": server.port, "user": server.user, **extra}
    if key is not None:
        host["key"] = str(key)
    write_inventory(desk, {"web1": host})
    (desk / "config" / "known_hosts").write_text(server.known_hosts.read_text())
    (desk / "sops" / "hi.yaml").write_text("name: hi\ntargets: web1\nsteps:\n  - name: hi\n    ssh: echo hi-from-web1\n")


def test_passphrase_is_asked_once_on_a_terminal(desk, sshd_factory, isolated_env, tmp_path):
    key = encrypted_key(tmp_path)
    server = sshd_factory(client_key=key)
    key_desk(desk, server, key)
    pid, fd = pty.fork()
    if pid == 0:  # the child: deskctl on a terminal of its own
        os.chdir(desk)
        os.execve(deskctl_executable(), ["deskctl", "sop", "run", "hi"], isolated_env)
    seen, asked = b"", 0
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 1)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            if seen.count(b"Passphrase for key") > asked:
                asked += 1
                os.write(fd, PASSPHRASE.encode() + b"\n")
            if seen.rstrip().endswith(b"[y/N]:"):
                os.write(fd, b"y\n")
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert asked == 1, seen
    assert str(key).encode() in seen
    assert os.waitstatus_to_exitcode(status) == 0, seen


@pytest.fixture
def agent(tmp_path):
    if shutil.which("ssh-agent") is None or shutil.which("ssh-add") is None:
        missing("ssh-agent not found: apt-get install -y openssh-client")
    sock = tmp_path / "agent.sock"
    proc = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(250):  # up to ~5 s
            if sock.exists():
                break
            time.sleep(0.02)
        yield sock
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def agent_add(sock, key, tmp_path) -> None:
    askpass = tmp_path / "askpass"
    askpass.write_text(f"#!/bin/sh\necho {PASSPHRASE}\n")
    askpass.chmod(0o700)
    env = dict(os.environ, SSH_AUTH_SOCK=str(sock), SSH_ASKPASS=str(askpass), SSH_ASKPASS_REQUIRE="force", DISPLAY=":0")
    subprocess.run(["ssh-add", str(key)], env=env, stdin=subprocess.DEVNULL, capture_output=True, check=True, timeout=30)


def test_encrypted_key_held_by_ssh_agent_needs_no_passphrase(desk, sshd_factory, sshrun, agent, tmp_path):
    key = encrypted_key(tmp_path)
    server = sshd_factory(client_key=key)
    key_desk(desk, server, key)
    assert sshrun("sop", "run", "hi", "--yes").code == 1  # no agent: it cannot be unlocked
    agent_add(agent, key, tmp_path)
    result = sshrun("sop", "run", "hi", "--yes", "--json", env={"SSH_AUTH_SOCK": str(agent)})
    assert result.code == 0, result
    assert result.json()["hosts"][0]["steps"][0]["stdout_tail"] == "hi-from-web1\n"


def test_identities_only_offers_no_other_agent_key(desk, sshd_factory, sshrun, agent, tmp_path):
    key = encrypted_key(tmp_path)
    server = sshd_factory(client_key=key)
    key_desk(desk, server, None)
    agent_add(agent, key, tmp_path)
    other = tmp_path / "other_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True,
                   stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    config = tmp_path / "ssh_config"
    env = {"SSH_AUTH_SOCK": str(agent), "DESKCTL_SSH_CONFIG": str(config)}
    config.write_text(f"Host web1\n  IdentityFile {other}\n")
    assert sshrun("sop", "run", "hi", "--yes", env=env).code == 0  # the agent's key is offered too
    config.write_text(f"Host web1\n  IdentityFile {other}\n  IdentitiesOnly yes\n")
    refused = sshrun("sop", "run", "hi", "--yes", "--json", env=env)
    assert refused.code == 1
    assert "authentication failed" in refused.json()["hosts"][0]["reason"], refused
