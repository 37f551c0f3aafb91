"""ssh_config support: deskctl's effective settings agree with OpenSSH's own (`ssh -G`),
a host behind a jump host is reached through it with every hop verified, and an encrypted
key without a terminal stops at once."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time

import pytest

from tests.runbooks.conftest import write_inventory
from tests.support import jumphost
from tests.support.missing import missing

CONFIG = """\
Include {dir}/inc/*.conf
Host !web2 web*
  User alice
  IdentityFile {dir}/keys/web
Match host *.corp
  Port 2200
Match originalhost db* user dba
  IdentityFile {dir}/keys/dba
Host db1
  HostName db1.corp
  ProxyJump jump1
Host jump1
  HostName 10.9.0.1
  User jumper
Host jump2
  HostName %h.bastion
  Port 2022
  ProxyJump jump1
Host *
  User fallback
  IdentityFile {dir}/keys/any
"""
INCLUDED = """\
Host app?
  HostName %h.corp
  User appuser
  ProxyJump ops@jump1:2222,jump2
"""


def ssh_g(config, alias: str, *options: str) -> dict:
    out = subprocess.run(["ssh", "-G", "-F", str(config), *options, alias], capture_output=True, text=True,
                         timeout=30, stdin=subprocess.DEVNULL, check=True).stdout
    values: dict = {"identityfile": []}
    for line in out.splitlines():
        key, _, value = line.partition(" ")
        if key == "identityfile":
            values["identityfile"].append(value)
        else:
            values[key] = value
    return values


@pytest.fixture
def config_file(tmp_path):
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "10-app.conf").write_text(INCLUDED)
    path = tmp_path / "user_ssh_config"
    path.write_text(CONFIG.format(dir=tmp_path))
    return path


@pytest.mark.parametrize("name, inventory, options", [
    ("web1", {}, []),
    ("web2", {}, []),  # negated in `Host !web2 web*`
    ("app1", {}, []),  # Include, then Match host on the HostName it set; two hops
    ("app10", {}, []),  # `app?` does not match
    ("db1", {}, []),  # Match originalhost + user (the user not set yet: no match); one hop
    ("db2", {"user": "dba"}, ["-o", "User=dba"]),  # the inventory's user is what Match user sees
    ("web9", {"address": "10.1.1.9", "port": 2201}, ["-o", "HostName=10.1.1.9", "-o", "Port=2201"]),
    ("other", {}, []),
])  # fmt: skip
def test_inventory_show_agrees_with_ssh_G(desk, sshrun, config_file, name, inventory, options):
    if shutil.which("ssh") is None:
        missing("OpenSSH client (ssh) not found: apt-get install -y openssh-client")
    write_inventory(desk, {name: inventory})
    shown = sshrun("inventory", "show", name, "--json", env={"DESKCTL_SSH_CONFIG": str(config_file)})
    assert shown.code == 0, shown
    ours = shown.json()["ssh"]
    theirs = ssh_g(config_file, name, *options)
    assert (ours["user"], str(ours["port"]), ours["hostname"]) == (theirs["user"], theirs["port"], theirs["hostname"])
    assert ours["identity_files"] == theirs["identityfile"]
    assert ours["proxy_jump"] == theirs.get("proxyjump")
    # each hop resolved as the ssh that ProxyJump starts for it (`ssh -l USER -p PORT HOP`)
    hops = (theirs.get("proxyjump") or "").split(",") if theirs.get("proxyjump") else []
    assert len(ours["jumps"]) >= len(hops)
    if hops:
        user, _, rest = hops[-1].rpartition("@")
        alias, _, port = rest.partition(":")
        extra = [*(["-l", user] if user else []), *(["-p", port] if port else [])]
        if len(hops) > 1:
            extra += ["-J", ",".join(hops[:-1])]
        last = ssh_g(config_file, alias, *extra)
        assert (ours["jumps"][-1]["user"], str(ours["jumps"][-1]["port"]), ours["jumps"][-1]["hostname"]) == (
            last["user"], last["port"], last["hostname"])


def test_show_names_where_each_setting_came_from(desk, sshrun, config_file):
    (desk / "config" / "inventory.yaml").write_text("defaults:\n  user: ops\n  connect_timeout: 7\nhosts:\n  web1:\n    port: 2201\n")
    shown = sshrun("inventory", "show", "web1", "--json", env={"DESKCTL_SSH_CONFIG": str(config_file)})
    assert shown.code == 0, shown
    sources = shown.json()["ssh"]["sources"]
    assert sources["port"] == "config/inventory.yaml:6"  # the host's own entry wins over ssh_config
    assert sources["user"] == f"{config_file}:3"  # ssh_config wins over the inventory's defaults
    assert sources["connect_timeout"] == "config/inventory.yaml:3"  # defaults fill in what it leaves
    assert sources["identity_files"] == [f"{config_file}:4", f"{config_file}:21"]
    assert sources["hostname"] == "default"
    text = sshrun("inventory", "show", "web1", env={"DESKCTL_SSH_CONFIG": str(config_file)})
    assert text.code == 0 and f"alice  ({config_file}:3)" in text.stdout


def test_unsupported_match_exec_is_one_line_naming_it(desk, sshrun, tmp_path):
    config = tmp_path / "cfg"
    config.write_text("Host other\n  User x\nMatch exec \"true\"\n  User y\n")
    write_inventory(desk, {"web1": {}})
    shown = sshrun("inventory", "show", "web1", env={"DESKCTL_SSH_CONFIG": str(config)})
    assert shown.code == 2
    assert shown.stderr.count("\n") == 1 and f"{config}:3" in shown.stderr and "Match exec" in shown.stderr


@pytest.fixture
def jump(tmp_path):
    why = jumphost.available()
    if why:
        missing(f"no isolated jump host setup: {why}")
    setup = jumphost.start(tmp_path / "jump")
    yield setup
    setup.stop()


def jump_desk(desk, setup, tmp_path, known: str | None = None):
    config = tmp_path / "jump_ssh_config"
    config.write_text(
        f"Host bastion\n  HostName 127.0.0.1\n  Port {setup.jump_port}\n  User {setup.user}\n  IdentityFile {setup.client_key}\n"
        f"Host target\n  HostName {jumphost.TARGET_ADDRESS}\n  Port {setup.target_port}\n  User {setup.user}\n"
        f"  IdentityFile {setup.client_key}\n  ProxyJump bastion\n  ServerAliveInterval 15\n"
        "  StrictHostKeyChecking no\n"  # from the user's file: must not weaken verification
    )  # fmt: skip
    write_inventory(desk, {"target": {}, "direct": {"address": jumphost.TARGET_ADDRESS, "port": setup.target_port,
                                                    "user": setup.user, "key": str(setup.client_key)}})  # fmt: skip
    (desk / "config" / "known_hosts").write_text(setup.known_hosts() if known is None else known)
    (desk / "sops" / "where.yaml").write_text(
        "name: where\ntargets: target\nsteps:\n  - name: where\n    ssh: echo \"on $SSH_CONNECTION\"\n"
    )
    return {"DESKCTL_SSH_CONFIG": str(config)}


def test_a_host_reachable_only_through_a_jump_host_runs_a_step_through_it(desk, sshrun, jump, tmp_path):
    env = jump_desk(desk, jump, tmp_path)
    with pytest.raises(ConnectionRefusedError):  # the target really refuses a direct connection
        socket.create_connection((jumphost.TARGET_ADDRESS, jump.target_port), timeout=5).close()
    direct = sshrun("sop", "run", "where", "--hosts", "direct", "--yes", "--json", env=env)
    assert direct.code == 1 and direct.json()["hosts"][0]["status"] == "unreachable", direct
    assert "refused" in direct.json()["hosts"][0]["reason"]
    before = jump.target_log.read_text().count("Accepted publickey")
    result = sshrun("sop", "run", "where", "--yes", "--json", env=env)
    assert result.code == 0, result
    out = result.json()["hosts"][0]["steps"][0]["stdout_tail"]
    # sshd's SSH_CONNECTION: client, client port, server address, server port: the target's
    assert out.strip().endswith(f"{jumphost.TARGET_ADDRESS} {jump.target_port}"), out
    assert jump.target_log.read_text().count("Accepted publickey") == before + 1
    assert "Accepted publickey" in jump.jump_log.read_text()
    config = tmp_path / "jump_ssh_config"
    config.write_text(config.read_text().replace(f"HostName {jumphost.TARGET_ADDRESS}", "HostName 127.0.0.9"))
    nowhere = sshrun("sop", "run", "where", "--yes", "--json", env=env)  # nothing listens there
    assert nowhere.code == 1, nowhere
    assert f"jump host bastion cannot reach 127.0.0.9:{jump.target_port}" in nowhere.json()["hosts"][0]["reason"]


def test_every_hop_is_verified_and_trusted_one_at_a_time(desk, sshrun, jump, tmp_path):
    env = jump_desk(desk, jump, tmp_path, known="")
    refused = sshrun("sop", "run", "where", "--yes", "--json", env=env)
    assert refused.code == 1, refused
    reason = refused.json()["hosts"][0]["reason"]
    assert f"[127.0.0.1]:{jump.jump_port} (jump host bastion) is not known" in reason, reason
    first = sshrun("inventory", "trust", "target", "--yes", env=env)
    assert first.code == 0 and "jump host bastion" in first.stderr, first
    assert sshrun("sop", "run", "where", "--yes", "--json", env=env).json()["hosts"][0]["reason"].startswith(
        f"host key of [{jumphost.TARGET_ADDRESS}]:{jump.target_port} is not known")
    second = sshrun("inventory", "trust", "target", "--yes", env=env)
    assert second.code == 0, second
    known = (desk / "config" / "known_hosts").read_text()
    assert jump.jump_public_key in known and jump.target_public_key in known
    assert sshrun("sop", "run", "where", "--yes", env=env).code == 0


def test_only_the_desks_ssh_config_may_accept_new_keys(desk, sshrun, jump, tmp_path):
    env = jump_desk(desk, jump, tmp_path, known="")
    (desk / "config" / "ssh_config").write_text("Host bastion target\n  StrictHostKeyChecking accept-new\n")
    shown = sshrun("inventory", "show", "target", "--json", env=env).json()["ssh"]
    assert shown["strict_host_key_checking"] == "accept-new"
    assert shown["sources"]["strict_host_key_checking"] == "config/ssh_config:2"
    result = sshrun("sop", "run", "where", "--yes", env=env)
    assert result.code == 0, result
    known = (desk / "config" / "known_hosts").read_text()
    assert jump.jump_public_key in known and jump.target_public_key in known


def test_encrypted_key_without_a_terminal_fails_at_once_naming_it(desk, sshd, sshrun, tmp_path):
    key = tmp_path / "locked_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "s3cret", "-f", str(key)], check=True,
                   stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    write_inventory(desk, {"web1": {"address": "127.0.0.1", "port": sshd.port, "user": sshd.user, "key": str(key)}})
    (desk / "sops" / "hi.yaml").write_text("name: hi\ntargets: web1\nsteps:\n  - name: hi\n    ssh: echo hi\n")
    started = time.monotonic()
    result = sshrun("sop", "run", "hi", "--yes", timeout=30)
    assert time.monotonic() - started < 15
    assert result.code == 1, result
    assert result.stderr.count("\n") == 1 and str(key) in result.stderr and "encrypted" in result.stderr, result
    assert "passphrase" in result.stderr and not json.dumps(result.stdout).count("hi\\n")


def test_the_host_lock_is_the_machine_ssh_config_names(desk, sshd, sshrun, tmp_path):
    config = tmp_path / "cfg"
    config.write_text(f"Host named\n  HostName 127.0.0.3\n  Port {sshd.port}\n  User {sshd.user}\n  IdentityFile {sshd.client_key}\n")
    write_inventory(desk, {"named": {}})
    (desk / "config" / "known_hosts").write_text(sshd.known_hosts.read_text())
    (desk / "sops" / "locked.yaml").write_text("name: locked\nlock: true\ntargets: named\nsteps:\n  - name: s\n    ssh: echo ok\n")
    result = sshrun("sop", "run", "locked", "--yes", env={"DESKCTL_SSH_CONFIG": str(config)})
    assert result.code == 0, result
    locks = sorted(p.name for p in (desk / "data" / "locks").iterdir())
    assert f"sop-host-127.0.0.3_{sshd.port}.lock" in locks, locks


def test_two_jump_hosts_in_a_row(desk, sshd, sshrun, jump, tmp_path):
    env = jump_desk(desk, jump, tmp_path)
    config = tmp_path / "jump_ssh_config"
    config.write_text(config.read_text() + (
        f"Host hop1\n  HostName 127.0.0.2\n  Port {sshd.port}\n  User {sshd.user}\n  IdentityFile {sshd.client_key}\n"
        f"Host target2\n  HostName {jumphost.TARGET_ADDRESS}\n  Port {jump.target_port}\n  User {jump.user}\n"
        f"  IdentityFile {jump.client_key}\n  ProxyJump hop1,bastion\n"
    ))  # fmt: skip
    write_inventory(desk, {"target2": {}})
    (desk / "config" / "known_hosts").write_text(jump.known_hosts() + sshd.known_hosts.read_text())
    (desk / "sops" / "where.yaml").write_text(
        "name: where\ntargets: target2\nsteps:\n  - name: where\n    ssh: echo \"on $SSH_CONNECTION\"\n"
    )
    shown = sshrun("inventory", "show", "target2", "--json", env=env).json()["ssh"]
    assert [j["alias"] for j in shown["jumps"]] == ["hop1", "bastion"]
    first_hop = sshd.log_file.read_text().count("Accepted publickey")
    result = sshrun("sop", "run", "where", "--yes", "--json", env=env)
    assert result.code == 0, result
    out = result.json()["hosts"][0]["steps"][0]["stdout_tail"]
    assert out.strip().endswith(f"{jumphost.TARGET_ADDRESS} {jump.target_port}"), out
    assert sshd.log_file.read_text().count("Accepted publickey") == first_hop + 1  # through hop1 ...
    assert "Accepted publickey" in jump.jump_log.read_text()  # ... then the bastion


def test_connect_timeout_from_ssh_config_bounds_a_silent_server(desk, sshrun, tmp_path):
    silent = socket.socket()  # accepts TCP (the kernel's backlog) and never says a word
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    try:
        config = tmp_path / "cfg"
        config.write_text(f"Host mute\n  HostName 127.0.0.1\n  Port {silent.getsockname()[1]}\n  ConnectTimeout 1\n")
        write_inventory(desk, {"mute": {}})
        (desk / "sops" / "hi.yaml").write_text("name: hi\ntargets: mute\nsteps:\n  - name: hi\n    ssh: echo hi\n")
        started = time.monotonic()
        result = sshrun("sop", "run", "hi", "--yes", "--json", env={"DESKCTL_SSH_CONFIG": str(config)})
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert result.code == 1 and result.json()["hosts"][0]["status"] == "unreachable", result
    assert elapsed < 8, elapsed  # deskctl's own default is 10 s


@pytest.mark.parametrize("text, line, words", [
    ("Host web1\n  ProxyCommand nc %h %p\n", 2, "ProxyCommand is not supported"),
    ("Host web1\n  Port abc\n", 2, "Port must be a whole number"),
    ("Host *\n  Match canonical\n", 2, "Match canonical"),
    ("Host web1\n  IdentityFile ~/.ssh/%C\n", 2, "token %C is not supported"),
    ("Host web1\n  StrictHostKeyChecking maybe\n", 2, "StrictHostKeyChecking must be one of"),
    ("Host web1\n  StrictHostKeyChecking no\n", 2, None),  # the user's file: ignored, never loosens
])  # fmt: skip
def test_a_bad_or_unsupported_line_is_one_line_naming_it(desk, sshrun, tmp_path, text, line, words):
    config = tmp_path / "cfg"
    config.write_text(text)
    write_inventory(desk, {"web1": {}})
    shown = sshrun("inventory", "show", "web1", "--json", env={"DESKCTL_SSH_CONFIG": str(config)})
    if words is None:
        assert shown.code == 0 and shown.json()["ssh"]["strict_host_key_checking"] == "yes", shown
        return
    assert shown.code == 2, shown
    assert shown.stderr.count("\n") == 1 and f"{config}:{line}:" in shown.stderr and words in shown.stderr, shown


def test_an_include_loop_is_refused(desk, sshrun, tmp_path):
    config = tmp_path / "cfg"
    config.write_text(f"Include {config}\n")
    write_inventory(desk, {"web1": {}})
    shown = sshrun("inventory", "show", "web1", env={"DESKCTL_SSH_CONFIG": str(config)})
    assert shown.code == 2 and "Include nested more than 16 deep" in shown.stderr, shown
