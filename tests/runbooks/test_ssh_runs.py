"""Running SOPs over SSH against the real loopback sshd (acceptance items 1, 4, 5, 6)."""

from __future__ import annotations

import json
import subprocess
import time

from tests.runbooks.conftest import fake_bin, ssh_hosts, write_inventory

# systemctl/journalctl cannot run in a container without systemd: test doubles on the remote
# PATH (through the inventory's path_prepend), standing in for exactly those two tools.
SYSTEMCTL = """case "$1" in
  restart) [ "$2" = broken ] && { echo "Job for $2.service failed" >&2; exit 1; }; echo "$2" >> "$(dirname "$0")/restarted";;
  is-active) [ "$2" = broken ] && { echo failed; exit 3; }; echo active;;
esac"""
JOURNALCTL = 'echo "-- journal of $2: it crashed --"'


def restart_desk(desk, sshd, tmp_path, *, unreachable: bool = True):
    fb = fake_bin(tmp_path / "fakebin", {"systemctl": SYSTEMCTL, "journalctl": JOURNALCTL})
    hosts = ssh_hosts(sshd, [(f"web{i}", f"127.0.0.{i}") for i in range(1, 5)], groups=["web"], path_prepend=[str(fb)])
    if unreachable:
        # nothing listens on 127.0.0.9 at the sshd's port
        hosts["web5"] = {**hosts["web1"], "address": "127.0.0.9"}
    write_inventory(desk, {"localhost": {"connection": "local"}, **hosts})
    (desk / "config" / "known_hosts").write_text(sshd.known_hosts.read_text())
    return fb


def test_one_unreachable_host_fails_alone_and_the_run_is_recorded(ssh_desk, sshd, sshrun, tmp_path):
    fb = restart_desk(ssh_desk, sshd, tmp_path)
    result = sshrun("sop", "run", "restart-service", "-p", "service=nginx", "--yes", "--json")
    assert result.code == 1, result
    record = result.json()
    status = {h["host"]: h for h in record["hosts"]}
    assert [status[f"web{i}"]["status"] for i in range(1, 5)] == ["ok"] * 4
    assert status["web5"]["status"] == "unreachable"
    assert "127.0.0.9" in status["web5"]["reason"] and "refused" in status["web5"]["reason"]
    assert status["web5"]["failed_step"] == "restart"
    assert (fb / "restarted").read_text().count("nginx") == 4  # really ran on four hosts
    assert "[web5] restart: failed" in result.stderr
    history = sshrun("sop", "history", "--json").json()
    assert history[0]["id"] == record["id"] and history[0]["status"] == "failed"
    assert history[0]["hosts"] == 5 and history[0]["failed"] == 1
    shown = sshrun("sop", "show-run", record["id"])
    assert shown.code == 0 and "web5: unreachable" in shown.stdout


def test_summary_table_names_host_result_failed_step_and_duration(ssh_desk, sshd, sshrun, tmp_path):
    restart_desk(ssh_desk, sshd, tmp_path)
    result = sshrun("sop", "run", "restart-service", "-p", "service=nginx", "--yes")
    assert result.code == 1
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["HOST", "RESULT", "FAILED", "STEP", "REASON", "TIME"]
    web5 = next(r for r in rows if r.startswith("web5"))
    assert "unreachable" in web5 and "restart" in web5
    assert "failed on 1 of 5 host(s)" in result.stderr


def test_failing_step_runs_rollback_and_finally_always_runs(ssh_desk, sshd, sshrun, tmp_path):
    restart_desk(ssh_desk, sshd, tmp_path, unreachable=False)
    failed = sshrun("sop", "run", "restart-service", "-p", "service=broken", "--hosts", "web1", "--yes", "--json")
    assert failed.code == 1, failed
    steps = [(s["section"], s["name"], s["status"]) for s in failed.json()["hosts"][0]["steps"]]
    assert steps == [("steps", "safe unit", "ok"), ("steps", "restart", "failed"), ("rollback", "journal tail", "ok"),
                     ("finally", "note", "ok")]
    journal = failed.json()["hosts"][0]["steps"][2]["stdout_tail"]
    assert "journal of broken" in journal
    ok = sshrun("sop", "run", "restart-service", "-p", "service=nginx", "--hosts", "web1", "--yes", "--json")
    assert ok.code == 0, ok
    steps = [(s["section"], s["name"]) for s in ok.json()["hosts"][0]["steps"]]
    assert steps == [("steps", "safe unit"), ("steps", "restart"), ("steps", "verify"), ("finally", "note")]  # no rollback


def test_unknown_host_key_fails_clearly_until_trusted(ssh_desk, sshd, sshrun, tmp_path):
    restart_desk(ssh_desk, sshd, tmp_path, unreachable=False)
    (ssh_desk / "config" / "known_hosts").write_text("")
    result = sshrun("sop", "run", "restart-service", "-p", "service=nginx", "--hosts", "web2", "--yes", "--json")
    assert result.code == 1
    reason = result.json()["hosts"][0]["reason"]
    assert "host key" in reason and "not known" in reason and "SHA256:" in reason
    assert "deskctl inventory trust" in reason
    assert "Socket exception" not in result.stderr  # paramiko's thread stays quiet
    refused = sshrun("inventory", "trust", "web2")  # no terminal, no --yes: nothing recorded
    assert refused.code == 2 and "--yes" in refused.stderr
    assert (ssh_desk / "config" / "known_hosts").read_text() == ""
    trusted = sshrun("inventory", "trust", "web2", "--yes")
    assert trusted.code == 0, trusted
    fingerprint = reason.split("SHA256:")[1].split(")")[0]
    assert fingerprint in trusted.stderr
    assert f"[127.0.0.2]:{sshd.port} ssh-ed25519" in (ssh_desk / "config" / "known_hosts").read_text()
    again = sshrun("sop", "run", "restart-service", "-p", "service=nginx", "--hosts", "web2", "--yes")
    assert again.code == 0, again
    assert "already trusted" in sshrun("inventory", "trust", "web2", "--yes").stderr


def test_changed_host_key_is_refused(ssh_desk, sshd, sshd_factory, sshrun, tmp_path):
    restart_desk(ssh_desk, sshd, tmp_path, unreachable=False)
    other = sshd_factory()
    (ssh_desk / "config" / "known_hosts").write_text(f"[127.0.0.1]:{sshd.port} {other.host_public_key}\n")
    result = sshrun("sop", "run", "restart-service", "-p", "service=nginx", "--hosts", "web1", "--yes", "--json")
    assert result.code == 1
    assert "CHANGED" in result.json()["hosts"][0]["reason"]


def test_users_known_hosts_is_read_too(ssh_desk, sshd, sshrun, tmp_path):
    restart_desk(ssh_desk, sshd, tmp_path, unreachable=False)
    (ssh_desk / "config" / "known_hosts").unlink()
    user_file = tmp_path / "user_known_hosts"
    user_file.write_text(sshd.known_hosts.read_text())
    result = sshrun("sop", "run", "restart-service", "-p", "service=nginx", "--hosts", "web3", "--yes",
                    env={"DESKCTL_USER_KNOWN_HOSTS": str(user_file)})
    assert result.code == 0, result


def test_second_locked_run_on_the_same_host_exits_4(ssh_desk, sshd, run, isolated_env, tmp_path):
    (ssh_desk / "sops" / "slow.yaml").write_text(
        "name: slow\nlock: true\ntargets: web1\nsteps:\n  - name: wait\n    ssh: sleep 3\n"
    )
    from tests.conftest import deskctl_executable

    first = subprocess.Popen([deskctl_executable(), "sop", "run", "slow"], cwd=ssh_desk, env=isolated_env,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lock = ssh_desk / "data" / "locks" / f"sop-host-127.0.0.1_{sshd.port}.lock"  # the machine, not the name
        for _ in range(200):  # wait (bounded) until the first run holds the lock
            if lock.exists() and lock.read_text().strip():
                break
            time.sleep(0.05)
        holder = json.loads(lock.read_text())
        second = run("sop", "run", "slow", cwd=ssh_desk, env=isolated_env)
        assert second.code == 4, second
        assert f"pid {first.pid}" in second.stderr and holder["since"] in second.stderr
        assert second.stderr.count("\n") == 1
    finally:
        out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    # other hosts are not blocked by it
    assert run("sop", "run", "slow", "--hosts", "web2", cwd=ssh_desk, env=isolated_env).code == 0


def test_one_connection_per_host_for_all_its_steps(ssh_desk, sshd, sshrun):
    (ssh_desk / "sops" / "multi.yaml").write_text(
        "name: multi\ntargets: web4\nsteps:\n"
        + "".join(f"  - name: s{i}\n    ssh: echo {i}\n" for i in range(5))
    )
    before = sshd.log_file.read_text().count("Accepted publickey")
    result = sshrun("sop", "run", "multi", "--json")
    assert result.code == 0, result
    assert [s["stdout_tail"] for s in result.json()["hosts"][0]["steps"]] == [f"{i}\n" for i in range(5)]
    for _ in range(50):  # sshd may log a moment after the client is done
        accepted = sshd.log_file.read_text().count("Accepted publickey") - before
        if accepted:
            break
        time.sleep(0.05)
    assert accepted == 1


def test_serial_batches_stop_after_a_failed_batch(ssh_desk, sshd, sshrun):
    (ssh_desk / "sops" / "roll.yaml").write_text(
        "name: roll\ntargets: web\nsteps:\n  - name: s\n    ssh: test {{ host.name }} != web2\n"
    )
    result = sshrun("sop", "run", "roll", "--serial", "2", "--json")
    assert result.code == 1
    status = {h["host"]: h["status"] for h in result.json()["hosts"]}
    assert status == {"web1": "ok", "web2": "failed", "web3": "not run", "web4": "not run"}


def test_dry_run_connects_nowhere(desk, sshrun, tmp_path):
    # port 9 on 127.0.0.1: nothing listens, and no host key is known: a dry run must not care
    write_inventory(desk, {"h1": {"address": "127.0.0.1", "port": 9, "groups": ["web"]}})
    result = sshrun("sop", "run", "restart-service", "-p", "service=nginx", "--dry-run")
    assert result.code == 0, result
    assert "systemctl restart nginx" in result.stdout and "journalctl -u nginx" in result.stdout
    assert not (desk / "data" / "runs").exists() or not list((desk / "data" / "runs").glob("*.json"))
