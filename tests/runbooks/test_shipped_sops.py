"""Each shipped SOP, run against the real sshd. Test doubles only where a container has no
such service: CUPS (lpstat/cancel/cupsenable). Accounts are real: a throw-away user is
created with useradd and removed afterwards (the tests run as root)."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from tests.runbooks.conftest import fake_bin, ssh_hosts, write_inventory
from tests.support.missing import missing


def identity_desk(desk, sshd, **extra):
    write_inventory(desk, {"localhost": {"connection": "local"},
                           **ssh_hosts(sshd, [("id1", "127.0.0.3")], groups=["identity"], **extra)})
    (desk / "config" / "known_hosts").write_text(sshd.known_hosts.read_text())


def sbin(tool: str) -> str | None:
    """The path of an account tool: /usr/sbin is not on every root PATH (su without -)."""
    return shutil.which(tool, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))


@pytest.fixture
def account():
    if os.geteuid() != 0:
        pytest.skip("needs root to create a throw-away account")
    useradd, chpasswd, userdel = (sbin(tool) for tool in ("useradd", "chpasswd", "userdel"))
    if not (useradd and chpasswd and userdel):
        missing("useradd/chpasswd/userdel not found: apt-get install -y passwd")
    name = "dsk" + secrets.token_hex(3)
    subprocess.run([useradd, "-M", "-s", "/bin/sh", name], check=True, timeout=30)
    subprocess.run([chpasswd], input=f"{name}:Old-Passw0rd!\n", text=True, check=True, timeout=30)
    try:
        yield name
    finally:
        subprocess.run([userdel, name], timeout=30, check=False)


def shadow_entry(name: str) -> list[str]:
    for line in Path("/etc/shadow").read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith(name + ":"):
            return line.rstrip("\n").split(":")
    raise AssertionError(f"{name} not in /etc/shadow")


def test_reset_password_sets_a_generated_password_and_forces_a_change(desk, sshd, sshrun, account):
    identity_desk(desk, sshd)
    old_hash = shadow_entry(account)[1]
    ticket = sshrun("ticket", "create", "--title", f"{account} forgot the password", "--json").json()["id"]
    result = sshrun("sop", "run", "reset-password", "-p", f"user={account}@example.com", "--yes",
                    "--ticket", ticket, "--json")
    assert result.code == 0, result
    line = next(l for l in result.stderr.splitlines() if l.startswith("generated password"))
    password = line.split(": ", 1)[1].split()[0]
    entry = shadow_entry(account)
    assert entry[1] != old_hash and entry[2] == "0"  # new hash; last change 0 = must change
    crypt = subprocess.run(["openssl", "passwd", "-6", "-salt", entry[1].split("$")[2], password],
                           capture_output=True, text=True, timeout=30) if shutil.which("openssl") else None
    if crypt is not None and entry[1].startswith("$6$"):
        assert crypt.stdout.strip() == entry[1]  # the shown password is the one that was set
    stored = "".join(p.read_text(errors="replace") for p in (desk / "data").rglob("*") if p.is_file())
    assert password not in stored and password not in result.stdout
    shown = sshrun("ticket", "show", ticket, "--json").json()
    assert shown["status"] == "resolved"
    assert password not in str(shown)


def test_unlock_account_unlocks_a_locked_account(desk, sshd, sshrun, account):
    identity_desk(desk, sshd)
    subprocess.run([sbin("usermod") or "usermod", "-L", account], check=True, timeout=30)
    assert shadow_entry(account)[1].startswith("!")
    result = sshrun("sop", "run", "unlock-account", "-p", f"user={account}", "--yes", "--json")
    assert result.code == 0, result
    assert not shadow_entry(account)[1].startswith("!")
    steps = {s["name"]: s["status"] for s in result.json()["hosts"][0]["steps"]}
    assert steps["unlock password"] == "ok"
    again = sshrun("sop", "run", "unlock-account", "-p", f"user={account}", "--yes", "--json")
    assert {s["name"]: s["status"] for s in again.json()["hosts"][0]["steps"]}["unlock password"] == "skipped"


def test_unknown_account_fails_at_the_first_step(desk, sshd, sshrun):
    identity_desk(desk, sshd)
    result = sshrun("sop", "run", "reset-password", "-p", "user=nosuchuser4711", "--yes", "--json")
    assert result.code == 1
    assert result.json()["hosts"][0]["failed_step"] == "a person's account"


# Doubles for the tools that change accounts: they only record what they were asked, so a
# regression (or these tests run on code without the guards) cannot touch a real account.
ACCOUNT_TOOLS = {
    "chpasswd": 'cut -d: -f1 >> "$(dirname "$0")/changed"',
    "chage": 'echo "chage $*" >> "$(dirname "$0")/changed"; echo "Last password change : password must be changed"',
    "usermod": 'echo "usermod $*" >> "$(dirname "$0")/changed"',
    "faillock": 'echo "faillock $*" >> "$(dirname "$0")/changed"',
}


def _group_exists(name: str) -> bool:
    import grp

    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


def test_account_sops_never_act_on_root_or_a_system_or_admin_account(desk, sshd, sshrun, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to create throw-away accounts")
    useradd, userdel = sbin("useradd"), sbin("userdel")
    if not (useradd and userdel):
        missing("useradd/userdel not found: apt-get install -y passwd")
    fb = fake_bin(tmp_path / "tools", ACCOUNT_TOOLS)
    identity_desk(desk, sshd, path_prepend=[str(fb)])
    for sop in ("reset-password", "unlock-account"):
        for user in ("root", "root@example.com", "daemon"):
            result = sshrun("sop", "run", sop, "-p", f"user={user}", "--yes")
            assert result.code == 2 and "protected account" in result.stderr, (sop, user, result)
    system = "dsys" + secrets.token_hex(3)  # uid below 1000, a name no list knows
    admin = "dadm" + secrets.token_hex(3)  # a person's uid, but an administrator
    group = next((g for g in ("sudo", "wheel", "adm") if _group_exists(g)), None)
    if group is None:
        pytest.skip("no sudo, wheel or adm group on this machine")
    try:
        subprocess.run([useradd, "-r", "-M", "-s", "/usr/sbin/nologin", system], check=True, timeout=30)
        subprocess.run([useradd, "-M", "-G", group, "-s", "/bin/sh", admin], check=True, timeout=30)
        for sop in ("reset-password", "unlock-account"):
            for user, why in ((system, "system or service account"), (admin, f"administrators' group {group}")):
                result = sshrun("sop", "run", sop, "-p", f"user={user}", "--yes", "--json")
                assert result.code == 1, (sop, user, result)
                host = result.json()["hosts"][0]
                assert host["failed_step"] == "a person's account", (sop, user, host)
                assert why in str(host["steps"][0]), host
        assert not (fb / "changed").exists()
    finally:
        for name in (system, admin):
            subprocess.run([userdel, name], timeout=30, check=False)


# CUPS is not installed in the test container: lpstat/cancel/cupsenable doubles keep a queue
# in a folder so the SOP's real commands, quoting and checks are exercised over SSH.
CUPS = {
    "lpstat": 'q="$(dirname "$0")/queue"; [ -s "$q" ] && cat "$q"; exit 0',
    "cancel": 'q="$(dirname "$0")/queue"; [ "$1" = -a ] || exit 2; echo "$@" >> "$(dirname "$0")/cancelled"; : > "$q"',
    "cupsenable": 'echo "$1" >> "$(dirname "$0")/enabled"',
}


def test_clear_print_queue_on_a_host_named_by_parameter(desk, sshd, sshrun, tmp_path):
    fb = fake_bin(tmp_path / "cups", CUPS)
    (fb / "queue").write_text("hp4-12 root 1024 Mon\nhp4-13 root 2048 Mon\n")
    write_inventory(desk, {"localhost": {"connection": "local"},
                           **ssh_hosts(sshd, [("ws-042", "127.0.0.4")], path_prepend=[str(fb)])})
    (desk / "config" / "known_hosts").write_text(sshd.known_hosts.read_text())
    result = sshrun("sop", "run", "clear-print-queue", "-p", "target=ws-042", "-p", "printer=hp4", "--yes", "--json")
    assert result.code == 0, result
    assert (fb / "queue").read_text() == "" and (fb / "cancelled").read_text() == "-a hp4\n"
    assert (fb / "enabled").read_text() == "hp4\n"
    bad = sshrun("sop", "run", "clear-print-queue", "-p", "target=ws-042", "-p", "printer=hp4;reboot", "--yes")
    assert bad.code == 2 and "printer" in bad.stderr


def test_disk_cleanup_removes_only_old_files_above_the_threshold(desk, sshd, sshrun, tmp_path):
    identity_desk(desk, sshd)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    old, new = scratch / "old.log", scratch / "new.log"
    old.write_text("x" * 1000)
    new.write_text("y")
    ten_days = time.time() - 10 * 86400
    os.utime(old, (ten_days, ten_days))
    ticket = sshrun("ticket", "create", "--title", "disk full", "--json").json()["id"]
    high = sshrun("sop", "run", "disk-cleanup", "-p", "target=id1", "-p", f"path={scratch}", "-p", "threshold=100",
                  "--yes", "--json")
    assert high.code == 0 and old.exists()  # below the threshold: nothing deleted
    result = sshrun("sop", "run", "disk-cleanup", "-p", "target=id1", "-p", f"path={scratch}", "-p", "threshold=0",
                    "-p", "days=7", "--yes", "--ticket", ticket, "--json")
    assert result.code == 0, result
    assert not old.exists() and new.exists()
    history = sshrun("ticket", "show", ticket, "--json").stdout
    assert "Disk cleanup of" in history and "1 file(s)" in history
    refused = sshrun("sop", "run", "disk-cleanup", "-p", "path=/etc", "-p", "threshold=0", "--yes")
    assert refused.code == 2 and "parameter 'path'" in refused.stderr  # before anything runs


def old_file(path: Path, days: int = 10) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("old")
    then = time.time() - days * 86400
    os.utime(path, (then, then))
    return path


def test_disk_cleanup_never_follows_a_symlink_out_of_the_folder(desk, sshd, sshrun, tmp_path):
    identity_desk(desk, sshd)
    protected = tmp_path / "protected"  # stands for /etc: a folder the cleanup must never touch
    kept = [old_file(protected / "passwd"), old_file(protected / "sub" / "shadow")]
    scratch = tmp_path / "scratch"
    junk = old_file(scratch / "junk.log")
    (scratch / "link").symlink_to(protected, target_is_directory=True)
    (scratch / "passwd-link").symlink_to(protected / "passwd")
    clean = ["sop", "run", "disk-cleanup", "-p", "target=id1", "-p", "threshold=0", "--yes", "--json"]
    result = sshrun(*clean, "-p", f"path={scratch}")
    assert result.code == 0, result
    assert not junk.exists() and (scratch / "link").is_symlink() and (scratch / "passwd-link").is_symlink()
    assert all(p.exists() for p in kept)
    # a symlinked component of the path itself: refused on the host, nothing deleted anywhere
    for through in (scratch / "link" / "sub", scratch / "link", scratch / "link" / "sub" / ".."):
        refused = sshrun(*clean, "-p", f"path={through}")
        assert [p for p in kept if not p.exists()] == [], (through, refused)
        assert refused.code == 1, (through, refused)
        assert refused.json()["hosts"][0]["failed_step"] == "safe folder", (through, refused)


def test_network_diagnostics_attaches_results_to_the_ticket(drun, desk):
    ticket = drun("ticket", "create", "--title", "no network on ws-042", "--json").json()["id"]
    result = drun("sop", "run", "network-diagnostics", "-p", "target=127.0.0.1", "-p", "count=1",
                  "--ticket", ticket, "--json")
    steps = {s["name"]: s for s in result.json()["hosts"][0]["steps"]}
    assert "127.0.0.1" in steps["dns"]["stdout_tail"]
    assert steps["attach results"]["status"] == "ok"
    history = drun("ticket", "show", ticket, "--json").stdout
    assert "Network diagnostics for 127.0.0.1" in history and "sop.run" in history
    if shutil.which("ping"):
        assert result.code == 0, result
    bad = drun("sop", "run", "network-diagnostics", "-p", "target=no-such-host.invalid", "-p", "count=1", "--json")
    assert bad.code == 1 and bad.json()["hosts"][0]["failed_step"] == "reachable"


def test_collect_logs_bundles_and_attaches_an_archive(desk, sshd, sshrun):
    identity_desk(desk, sshd)
    ticket = sshrun("ticket", "create", "--title", "escalate: app crash", "--json").json()["id"]
    result = sshrun("sop", "run", "collect-logs", "-p", "target=id1", "--ticket", ticket, "--json")
    assert result.code == 0, result
    bundle = desk / "data" / "runs" / result.json()["id"] / "id1" / "logs.tar.gz"
    with tarfile.open(bundle) as tar:
        names = tar.getnames()
        system = tar.extractfile("./system.txt").read().decode()
    assert "./system.txt" in names and "Linux" in system
    shown = sshrun("ticket", "show", ticket, "--json").stdout
    assert "logs.tar.gz" in shown


def test_restart_service_refuses_options_and_units_that_stop_the_host(desk, sshd, sshrun, tmp_path):
    fb = fake_bin(tmp_path / "systemd", {"systemctl": 'echo "$*" >> "$(dirname "$0")/called"; echo active'})
    write_inventory(desk, {"localhost": {"connection": "local"},
                           **ssh_hosts(sshd, [("web1", "127.0.0.1")], groups=["web"], path_prepend=[str(fb)])})
    (desk / "config" / "known_hosts").write_text(sshd.known_hosts.read_text())
    for option in ("-Hattacker.example", "--now"):
        result = sshrun("sop", "run", "restart-service", "-p", f"service={option}", "--yes")
        assert result.code == 2 and "parameter 'service'" in result.stderr, (option, result)
    for unit in ("poweroff.target", "rescue.target", "systemd-poweroff", "dbus", "networking.service", "sshd"):
        result = sshrun("sop", "run", "restart-service", "-p", f"service={unit}", "--yes", "--json")
        assert result.code == 1, (unit, result)
        assert result.json()["hosts"][0]["failed_step"] == "safe unit", (unit, result)
    assert not (fb / "called").exists()
    ok = sshrun("sop", "run", "restart-service", "-p", "service=php8.2-fpm", "--yes", "--json")
    assert ok.code == 0, ok
    assert (fb / "called").read_text().splitlines()[0] == "restart php8.2-fpm"
    printer = sshrun("sop", "run", "clear-print-queue", "-p", "target=web1", "-p", "printer=-hevil", "--yes")
    assert printer.code == 2 and "parameter 'printer'" in printer.stderr
