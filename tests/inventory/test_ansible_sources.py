"""Ansible inventories as inventory sources: `sop run --limit prod` reaches exactly the hosts
ansible-inventory lists for prod, as the users Ansible would log in as, over the real sshd."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.runbooks.conftest import fake_bin
from tests.support.fixtures import require_sshd
from tests.support.missing import missing
from tests.support.sshd import start_sshd

# systemctl cannot run without systemd, sudo is not installed: test doubles on the login PATH.
# The log line says who restarted what on which address (sshd sets SSH_CONNECTION).
SYSTEMCTL = """case "$1" in
  restart) echo "$(id -un) $2 $(echo "$SSH_CONNECTION" | cut -d' ' -f3)" >> "$(dirname "$0")/log/restarted";;
  is-active) echo active;;
esac"""
SUDO = '[ "$1" = -n ] && shift; [ "$1" = -- ] && shift; exec "$@"'


def sbin(tool: str) -> str | None:
    return shutil.which(tool, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))


@pytest.fixture
def account():
    """A throw-away login for the web hosts (the db host logs in as root)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to create a throw-away account")
    useradd, userdel = sbin("useradd"), sbin("userdel")
    if not (useradd and userdel):
        missing("useradd/userdel not found: apt-get install -y passwd")
    name = "dsk" + secrets.token_hex(3)
    # "*": no password, yet not locked ("!"), which sshd without PAM refuses
    subprocess.run([useradd, "-M", "-p", "*", "-s", "/bin/sh", name], check=True, timeout=30)
    try:
        yield name
    finally:
        subprocess.run([userdel, name], timeout=30, check=False)


@pytest.fixture
def shared_sshd():
    """An sshd on 127.0.0.1-4 whose files another account can read (pytest's tmp is 0700),
    with the test doubles first on the login PATH."""
    require_sshd()
    root = Path(tempfile.mkdtemp(prefix="deskctl-ansible-"))
    root.chmod(0o755)
    fb = fake_bin(root / "fakebin", {"systemctl": SYSTEMCTL, "sudo": SUDO})
    (fb / "log").mkdir()
    (fb / "log" / "restarted").touch()
    (fb / "log" / "restarted").chmod(0o666)  # both accounts append to it
    server = start_sshd(root / "sshd", ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"], fast_shell=False,
                        extra_config=[f"SetEnv SHLVL=1 PATH={fb}:/usr/local/bin:/usr/bin:/bin"])
    try:
        (root / "sshd").chmod(0o755)
        # sshd reads authorized_keys as the user logging in
        (root / "sshd" / "authorized_keys").chmod(0o644)
        yield server, fb
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def ansible_desk(desk: Path, server, account: str) -> Path:
    inv = desk / "ansible"
    (inv / "group_vars").mkdir(parents=True)
    (inv / "host_vars").mkdir()
    (inv / "hosts").write_text(f"""\
[web]
web[01:02] ansible_port={server.port}

[db]
db-a ansible_host=127.0.0.3 ansible_port={server.port}

[staging]
stage1 ansible_host=127.0.0.4 ansible_port={server.port}

[prod:children]
web
db

[all:vars]
ansible_user=root
ansible_ssh_private_key_file={server.client_key}
""")
    (inv / "group_vars" / "web.yml").write_text(f"ansible_user: {account}\n")
    (inv / "host_vars" / "web01.yml").write_text("ansible_host: 127.0.0.1\n")
    (inv / "host_vars" / "web02").mkdir()
    (inv / "host_vars" / "web02" / "net.yaml").write_text("ansible_host: 127.0.0.2\n")
    config = desk / "config" / "deskctl.yaml"
    config.write_text(config.read_text() + "\ninventory:\n  sources: [config/inventory.yaml, 'ansible:ansible/hosts']\n")
    (desk / "config" / "known_hosts").write_text(server.known_hosts.read_text())
    return inv / "hosts"


def restarted(fb: Path) -> list[tuple[str, str, str]]:
    log = fb / "log" / "restarted"
    lines = log.read_text().splitlines()
    log.write_text("")
    return sorted(tuple(line.split()) for line in lines)


def test_limit_prod_reaches_the_hosts_ansible_lists_for_prod_as_their_users(
        desk, shared_sshd, account, sshrun, ansible_inventory):
    server, fb = shared_sshd
    hosts_file = ansible_desk(desk, server, account)
    theirs = ansible_inventory.list(hosts_file)
    prod = {h for h in theirs["hosts"] if "prod" in theirs["groups"][h]}
    assert prod == {"web01", "web02", "db-a"}  # stage1 is not in prod
    expected = sorted((theirs["vars"][h]["ansible_user"], "nginx", theirs["vars"][h]["ansible_host"]) for h in prod)
    assert {user for user, _, _ in expected} == {account, "root"}

    # the shipped SOP with every host as its targets: --limit prod is then all of prod
    sop = (desk / "sops" / "restart-service.yaml").read_text()
    assert "\ntargets: web " in sop
    (desk / "sops" / "restart-anything.yaml").write_text(
        sop.replace("name: restart-service", "name: restart-anything").replace("\ntargets: web ", "\ntargets: all "))
    result = sshrun("sop", "run", "restart-anything", "-p", "service=nginx", "--limit", "prod", "--yes", "--json")
    assert result.code == 0, result
    assert {h["host"]: h["status"] for h in result.json()["hosts"]} == dict.fromkeys(prod, "ok")
    assert restarted(fb) == expected

    # the shipped SOP itself targets the web group: --limit prod narrows it to prod's web hosts
    result = sshrun("sop", "run", "restart-service", "-p", "service=nginx", "--limit", "prod", "--yes", "--json")
    assert result.code == 0, result
    web = {h for h in prod if "web" in theirs["groups"][h]}
    assert {h["host"] for h in result.json()["hosts"]} == web
    assert restarted(fb) == [e for e in expected if e[0] == account]


def test_inventory_list_shows_every_source(desk, drun, tmp_path):
    inv = desk / "ansible"
    inv.mkdir()
    (inv / "hosts.yml").write_text("all:\n  children:\n    web:\n      hosts:\n        web[1:2]:\n          ansible_user: ops\n")
    (inv / "more").write_text("[db]\ndb1 ansible_host=10.0.0.5 ansible_port=2222\n")
    config = desk / "config" / "deskctl.yaml"
    config.write_text(config.read_text() + "\ninventory:\n  sources: [config/inventory.yaml, 'ansible:ansible']\n")
    rows = {h["name"]: h for h in drun("inventory", "list", "--json").json()}
    assert rows["web1"]["source"] == rows["web2"]["source"] == "ansible:ansible/hosts.yml"
    assert rows["db1"]["source"] == "ansible:ansible/more"
    assert (rows["db1"]["address"], rows["db1"]["port"], rows["db1"]["groups"]) == ("10.0.0.5", 2222, ["db"])
    assert rows["web1"]["user"] == "ops" and rows["web1"]["vars"]["ansible_user"] == "ops"
    assert rows["localhost"]["source"] == "config/inventory.yaml"
    table = drun("inventory", "list")
    assert table.code == 0 and "SOURCE" in table.stdout.splitlines()[0]
    assert "ansible:ansible/more" in table.stdout
    shown = drun("inventory", "show", "db1", "--json").json()["ssh"]
    assert shown["sources"]["hostname"] == shown["sources"]["port"] == "ansible:ansible/more"


def merged_desk(desk: Path, order: str) -> None:
    (desk / "config" / "inventory.yaml").write_text(
        "defaults: {port: 2200, path_prepend: [/opt/tools/bin]}\n"
        "hosts:\n  web1: {address: 10.0.0.1, user: alice, groups: [legacy], vars: {a: 1, b: 1}}\n")
    (desk / "ansible").mkdir()
    (desk / "ansible" / "hosts").write_text("[web]\nweb1 ansible_user=bob b=2\nweb2\n")
    config = desk / "config" / "deskctl.yaml"
    config.write_text(config.read_text() + f"\ninventory:\n  sources: {order}\n")


def test_a_host_in_two_sources_takes_the_later_sources_settings(desk, drun):
    merged_desk(desk, "[config/inventory.yaml, 'ansible:ansible/hosts']")
    rows = {h["name"]: h for h in drun("inventory", "list", "--json").json()}
    web1 = rows["web1"]
    assert (web1["address"], web1["user"], web1["port"]) == ("10.0.0.1", "bob", 2200)  # port: the defaults
    assert web1["vars"]["a"] == 1 and web1["vars"]["b"] == 2
    assert web1["groups"] == ["legacy", "web"] and web1["path_prepend"] == ["/opt/tools/bin"]
    assert web1["source"] == "config/inventory.yaml, ansible:ansible/hosts"
    assert rows["web2"]["port"] == 2200 and rows["web2"]["source"] == "ansible:ansible/hosts"


def test_the_later_source_wins_whichever_kind_it_is(desk, drun):
    merged_desk(desk, "['ansible:ansible/hosts', config/inventory.yaml]")
    web1 = next(h for h in drun("inventory", "list", "--json").json() if h["name"] == "web1")
    assert web1["user"] == "alice" and web1["vars"]["b"] == 1 and web1["vars"]["ansible_user"] == "bob"
    assert web1["source"] == "ansible:ansible/hosts, config/inventory.yaml"


def test_without_inventory_sources_only_config_inventory_yaml_is_read(desk, drun):
    (desk / "ansible").mkdir()
    (desk / "ansible" / "hosts").write_text("[web]\nweb1\n")
    rows = drun("inventory", "list", "--json").json()
    assert rows and {h["source"] for h in rows} == {"config/inventory.yaml"}
    assert "web1" not in {h["name"] for h in rows}
    (desk / "config" / "inventory.yaml").unlink()
    assert [(h["name"], h["source"]) for h in drun("inventory", "list", "--json").json()] == [("localhost", "built-in")]
