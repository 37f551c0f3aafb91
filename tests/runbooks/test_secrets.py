"""Secrets that stay secret (issue 18, classes 2 and 3, acceptance 4): lock files and busy
messages, secrecy that follows the value through `include` and templates, masking that never
corrupts structured output or hints at the secret, and no secret left in any file."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import deskctl_executable
from tests.runbooks.conftest import ssh_hosts, write_inventory

SECRET = "S3cr3t-Value-42"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def one_host_desk(desk: Path, sshd, tmp_path: Path) -> Path:
    """web1 = 127.0.0.1 on the session sshd, with `psfile` (where a step saves `ps`); the
    inventory defaults reach the same sshd, so a host named by its address works too."""
    psfile = tmp_path / "ps.txt"
    write_inventory(
        desk, ssh_hosts(sshd, [("web1", "127.0.0.1")], vars={"psfile": str(psfile)}),
        defaults={"port": sshd.port, "user": sshd.user, "key": str(sshd.client_key), "vars": {"psfile": str(psfile)}},
    )
    return psfile


def start(desk: Path, env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen([deskctl_executable(), *args], cwd=desk, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_holder(locks: Path) -> Path:
    """The first lock file under `locks` that holds its holder (bounded wait)."""
    for _ in range(300):
        held = [p for p in locks.glob("sop-host-*.lock") if p.read_text().strip()] if locks.is_dir() else []
        if held:
            return held[0]
        time.sleep(0.05)
    raise AssertionError(f"no lock taken under {locks}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)


SLOW_SOP = """\
name: slow-secret
lock: true
params:
  token: {type: string, secret: true, required: true}
  target: {type: host, default: web1}
targets: "{{ target }}"
steps:
  - name: wait
    ssh: sleep 3; test -n {{ token }}
"""


def test_a_lock_file_and_the_busy_message_hold_no_parameter_value(ssh_desk, sshd, sshrun, isolated_env, tmp_path):
    one_host_desk(ssh_desk, sshd, tmp_path)
    (ssh_desk / "sops" / "slow-secret.yaml").write_text(SLOW_SOP)
    first = start(ssh_desk, isolated_env, "sop", "run", "slow-secret", "-p", f"token={SECRET}")
    try:
        lock = wait_for_holder(ssh_desk / "data" / "locks")
        text = lock.read_text()
        assert SECRET not in text
        assert lock.stat().st_mode & 0o007 == 0  # others never read it (the desk's group may: a shared desk)
        holder = json.loads(text)
        assert holder["sop"] == "slow-secret" and holder["pid"] == first.pid and holder["run_id"]
        assert "command" not in holder
        second = sshrun("sop", "run", "slow-secret", "-p", f"token={SECRET}")
        assert second.code == 4, second
        assert SECRET not in second.stderr
        assert f"pid {first.pid}" in second.stderr and f"running SOP slow-secret (run {holder['run_id']})" in second.stderr
        assert second.stderr.count("\n") == 1
    finally:
        out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err


def test_a_host_named_by_its_address_is_locked_with_its_name(ssh_desk, sshd, sshrun, isolated_env, tmp_path):
    one_host_desk(ssh_desk, sshd, tmp_path)
    (ssh_desk / "sops" / "slow-secret.yaml").write_text(SLOW_SOP)
    first = start(ssh_desk, dict(isolated_env, DESKCTL_PARAM_token=SECRET), "sop", "run", "slow-secret", "-p", "target=web1")
    try:
        wait_for_holder(ssh_desk / "data" / "locks")
        by_address = sshrun("sop", "run", "slow-secret", "-p", "target=127.0.0.1", env={"DESKCTL_PARAM_token": SECRET})
        assert by_address.code == 4, by_address
        assert "127.0.0.1" in by_address.stderr and "SOP run lock" in by_address.stderr
    finally:
        out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    # and the other way round, once the first run is over: the address runs alone
    assert sshrun("sop", "run", "slow-secret", "-p", "target=127.0.0.1", env={"DESKCTL_PARAM_token": SECRET}).code == 0


INNER_SOP = """\
name: inner
params:
  value: {type: string}
  label: {type: string}
steps:
  - name: use
    ssh: printf %s {{ value }} | sha256sum; printf %s {{ label }} | sha256sum; echo got {{ value }}; ps -eo args > {{ psfile }}
"""
OUTER_SOP = """\
name: outer
params:
  token: {type: string, secret: true, required: true}
targets: web1
steps:
  - name: hand on
    include: inner
    params:
      value: "{{ token }}"
      label: "{{ 'pre-' ~ token }}"
"""


def test_a_secret_handed_to_an_included_sop_stays_a_secret(ssh_desk, sshd, sshrun, tmp_path):
    psfile = one_host_desk(ssh_desk, sshd, tmp_path)
    (ssh_desk / "sops" / "inner.yaml").write_text(INNER_SOP)
    (ssh_desk / "sops" / "outer.yaml").write_text(OUTER_SOP)
    # the secret in the environment, so that deskctl's own command line cannot show it
    result = sshrun("sop", "run", "outer", "--json", env={"DESKCTL_PARAM_token": SECRET})
    assert result.code == 0, result
    step = next(s for s in result.json()["hosts"][0]["steps"] if s["name"] == "use")
    # the included SOP got the real values ...
    assert step["stdout_tail"].split()[::2][:2] == [sha(SECRET), sha("pre-" + SECRET)]
    assert "got ***" in step["stdout_tail"]
    # ... through its stdin: not on the command line `ps` shows, nor in the record
    assert SECRET not in psfile.read_text() and "DESKCTL_SECRET_value" in psfile.read_text()
    assert SECRET not in step["command"] and "$DESKCTL_SECRET_value" in step["command"]
    stored = (ssh_desk / "data" / "runs" / f"{result.json()['id']}.json").read_text()
    assert SECRET not in stored


def test_a_value_made_from_a_secret_reaches_the_command_and_is_masked(ssh_desk, sshd, sshrun, tmp_path):
    psfile = one_host_desk(ssh_desk, sshd, tmp_path)
    (ssh_desk / "sops" / "derived.yaml").write_text(
        "name: derived\nparams:\n  token: {type: string, secret: true, required: true}\ntargets: web1\nsteps:\n"
        "  - name: use\n"
        "    ssh: printf %s {{ 'pre-' ~ token }} | sha256sum; printf %s {{ token | upper }} | sha256sum;"
        " echo {{ 'Bearer ' ~ token }} {{ token | upper }}; ps -eo args > {{ psfile }}\n"
    )
    result = sshrun("sop", "run", "derived", "--json", env={"DESKCTL_PARAM_token": SECRET})
    assert result.code == 0, result
    step = result.json()["hosts"][0]["steps"][0]
    lines = step["stdout_tail"].splitlines()
    assert [line.split()[0] for line in lines[:2]] == [sha("pre-" + SECRET), sha(SECRET.upper())]
    assert lines[2] == "Bearer *** ***"  # the value and the value derived from it, masked
    listing = psfile.read_text()
    for value in (SECRET, SECRET.upper()):
        assert value not in listing and value not in step["command"]
        assert value not in (ssh_desk / "data" / "runs" / f"{result.json()['id']}.json").read_text()
    assert "DESKCTL_SECRET_" in step["command"]


@pytest.mark.parametrize("value", ["1", "s", ":", '"', "o", "hunter2", "password", "12345678", "ABCDEFGHIJ"])
def test_a_secret_too_short_or_too_plain_to_mask_is_refused(drun, desk, value):
    (desk / "sops" / "short.yaml").write_text(
        "name: short\nparams:\n  token: {type: string, secret: true}\ntargets: localhost\n"
        "steps:\n  - name: use\n    ssh: test -n {{ token }}\n"
    )
    result = drun("sop", "run", "short", "--json", env={"DESKCTL_PARAM_token": value})
    assert result.code == 2, result
    problem = result.stderr.splitlines()[0]
    assert problem.startswith("sops/short.yaml:3: parameter 'token': ")
    assert "at least 8 characters" in problem and "mix at least two of" in problem
    assert result.stdout == "" and not (desk / "data" / "runs").exists()  # nothing ran
    ok = drun("sop", "run", "short", "--json", env={"DESKCTL_PARAM_token": "Tr0ub4dor&3"})
    assert ok.code == 0, ok


@pytest.mark.parametrize("value", ['_tail": "', "failed_step", "started_at"])
def test_json_and_run_records_stay_whole_when_a_secret_is_common_text(drun, desk, value):
    (desk / "sops" / "plain.yaml").write_text(
        "name: plain\nparams:\n  token: {type: string, secret: true}\ntargets: localhost\n"
        "steps:\n  - name: greet\n    ssh: echo hi\n"
    )
    env = {"DESKCTL_PARAM_token": value}
    result = drun("sop", "run", "plain", "--json", env=env)
    assert result.code == 0, result
    record = result.json()  # valid JSON, keys intact
    step = record["hosts"][0]["steps"][0]
    assert step["stdout_tail"] == "hi\n" and record["hosts"][0]["failed_step"] is None and record["started_at"]
    assert record["params"]["token"] == "***"
    stored = json.loads((desk / "data" / "runs" / f"{record['id']}.json").read_text())
    assert stored["started_at"] == record["started_at"] and "failed_step" in stored["hosts"][0]
    history = drun("sop", "history", "--json", env=env)
    assert history.code == 0 and history.json()[0]["started_at"] == record["started_at"]
    shown = drun("sop", "show-run", record["id"], "--json", env=env)
    assert shown.code == 0 and shown.json()["hosts"][0]["steps"][0]["stdout_tail"] == "hi\n"
    human = drun("sop", "run", "plain", env=env)  # the summary table reads the returned record
    assert human.code == 0, human
    assert "internal error" not in human.stderr


def test_a_mask_never_shows_the_rest_of_the_word_it_hides(drun, desk):
    # `bobby` printed as `***by` tells whoever knows the word that the secret is `bob`
    (desk / "sops" / "word.yaml").write_text(
        "name: word\nparams:\n  token: {type: string, secret: true}\n  user: {type: string}\ntargets: localhost\n"
        "steps:\n  - name: greet\n    ssh: echo hello {{ user }}, x{{ token }}y\n"
    )
    result = drun("sop", "run", "word", "-p", "user=Bob-2026by", "--json", env={"DESKCTL_PARAM_token": "Bob-2026"})
    assert result.code == 0, result
    record = result.json()
    assert record["hosts"][0]["steps"][0]["stdout_tail"] == "hello ***, ***\n"
    assert record["params"]["user"] == "***"  # a value holding the secret is one


def test_no_secret_is_left_in_any_file_after_failed_killed_and_busy_runs(ssh_desk, sshd, sshrun, isolated_env,
                                                                        cache_dir, tmp_path):
    secret = "Zq7-sweep-" + secrets.token_hex(6)
    one_host_desk(ssh_desk, sshd, tmp_path)
    (ssh_desk / "sops" / "sweep.yaml").write_text(
        "name: sweep\nlock: true\nparams:\n  token: {type: string, secret: true, required: true}\n"
        "  nap: {type: int, default: 0}\ntargets: web1\nsteps:\n"
        "  - name: echo\n    ssh: echo {{ token }}; echo {{ 'pre-' ~ token }} >&2\n    save: out.txt\n"
        "  - name: ticket\n    ticket: {comment: 'token {{ token }} tried'}\n"
        "  - name: nap\n    ssh: sleep {{ nap }}\n"
        "  - name: fail\n    ssh: echo bad {{ token }} >&2; exit 1\n"
        "finally:\n  - name: note\n    local: echo done with {{ token }}\n"
    )
    tid = sshrun("ticket", "create", "--title", "Token reset", "--json").json()["id"]
    given = ["-p", f"token={secret}", "--ticket", tid]  # on the command line, as people do
    failed = sshrun("sop", "run", "sweep", *given, "--json")
    assert failed.code == 1, failed
    # killed with -9 while it holds the lock, mid-run
    killed = start(ssh_desk, isolated_env, "sop", "run", "sweep", *given, "-p", "nap=30")
    try:
        wait_for_holder(ssh_desk / "data" / "locks")
        busy = sshrun("sop", "run", "sweep", *given)
        assert busy.code == 4, busy
        time.sleep(1)  # into the `nap` step
    finally:
        stop(killed)
    assert killed.returncode == -signal.SIGKILL
    outputs = failed.stdout + failed.stderr + busy.stdout + busy.stderr + sshrun("ticket", "show", tid, "--json").stdout
    assert secret not in outputs
    checked = 0
    for root in (ssh_desk, cache_dir):
        for path in root.rglob("*"):
            assert secret not in str(path)
            if path.is_file() and not path.is_symlink():
                assert secret.encode() not in path.read_bytes(), path
                checked += 1
    assert checked > 10 and list((ssh_desk / "data" / "locks").glob("*.lock"))
