"""Runs that stop when told (acceptance item 2): SIGTERM and Ctrl-C during a 3-host run,
a second signal, step timeouts with retries, and an included SOP's rollback and finally.

Every run is a real `deskctl sop run` subprocess against the loopback sshd. The long
commands run a copy of `sleep` named after a token unique to the test, so `pgrep -f` finds
every process of the run on the host (here: this machine) and nothing else.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import deskctl_executable

HOSTS = ("web1", "web2", "web3")


def wait_until(predicate, timeout: float, what: str):
    """Poll `predicate` (bounded); fail naming `what` when it never holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def pids_of(token: str) -> list[int]:
    out = subprocess.run(["pgrep", "-f", token], capture_output=True, text=True, timeout=10).stdout
    return [int(p) for p in out.split()]


class Run:
    """`deskctl sop run ...` as a background process in its own session."""

    def __init__(self, desk: Path, env: dict, tmp: Path, *args: str):
        self.out = open(tmp / "run.stdout", "w+b")  # noqa: SIM115 - closed in stop()
        self.err = open(tmp / "run.stderr", "w+b")  # noqa: SIM115
        self.proc = subprocess.Popen([deskctl_executable(), "sop", "run", *args], cwd=desk, env=env,
                                     stdin=subprocess.DEVNULL, stdout=self.out, stderr=self.err,
                                     start_new_session=True)

    def signal(self, sig: int) -> None:
        os.killpg(self.proc.pid, sig)  # as a terminal does for Ctrl-C: the whole group

    def wait(self, timeout: float) -> int:
        return self.proc.wait(timeout=timeout)

    @property
    def stderr(self) -> str:
        self.err.flush()
        return Path(self.err.name).read_text(errors="replace")

    @property
    def stdout(self) -> str:
        self.out.flush()
        return Path(self.out.name).read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        self.out.close()
        self.err.close()


@pytest.fixture
def token(tmp_path) -> str:
    return f"dk-stop-{os.urandom(4).hex()}"


@pytest.fixture
def sleeper(tmp_path, token):
    """A copy of `sleep` whose path holds the token; every process left behind is killed
    by PID at the end, so a failing test does not leave them running."""
    path = tmp_path / f"{token}-sleep"
    shutil.copy(shutil.which("sleep"), path)
    path.chmod(0o755)
    yield path
    for pid in pids_of(token):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def write_sop(desk: Path, name: str, body: str) -> None:
    (desk / "sops" / f"{name}.yaml").write_text(body)


def long_sop(desk: Path, marks: Path, sleeper: Path, *, slow_rollback: bool = False) -> None:
    rollback = (f"touch {marks}/rollback-{{{{ host.name }}}} && {sleeper} 60" if slow_rollback
                else f"touch {marks}/rollback-{{{{ host.name }}}}")
    write_sop(desk, "longrun", f"""name: longrun
lock: true
targets: [web1, web2, web3]
params:
  secs: {{type: int, default: 60}}
steps:
  - name: prepare
    ssh: echo prepared
  - name: long
    ssh: touch {marks}/started-{{{{ host.name }}}} && {sleeper} {{{{ secs }}}}
  - name: after
    ssh: touch {marks}/after-{{{{ host.name }}}}
rollback:
  - name: undo
    ssh: {rollback}
finally:
  - name: cleanup
    ssh: touch {marks}/finally-{{{{ host.name }}}}
""")


def marks_of(marks: Path, kind: str, hosts=HOSTS) -> list[str]:
    return [h for h in hosts if (marks / f"{kind}-{h}").exists()]


def assert_nothing_left(token: str) -> None:
    wait_until(lambda: not pids_of(token), 15, f"every process of the run ({token}) to end")


def record_of(sshrun, run_id: str | None = None) -> dict:
    history = sshrun("sop", "history", "--json").json()
    shown = sshrun("sop", "show-run", run_id or history[0]["id"], "--json")
    assert shown.code == 0, shown
    return shown.json()


@pytest.mark.parametrize(("sig", "code", "hosts"), [
    (signal.SIGTERM, 143, HOSTS),
    # Ctrl-C, with a `connection: local` host among the three: local commands stop too
    (signal.SIGINT, 130, ("web1", "web2", "localhost")),
])  # fmt: skip
def test_a_signal_stops_every_host_runs_rollback_and_finally_and_records_it(
        ssh_desk, sshd, sshrun, isolated_env, tmp_path, token, sleeper, sig, code, hosts):
    marks = tmp_path / "marks"
    marks.mkdir()
    long_sop(ssh_desk, marks, sleeper)
    ticket = sshrun("ticket", "create", "--title", "web tier slow", "--json").json()["id"]
    run = Run(ssh_desk, isolated_env, tmp_path, "longrun", "--hosts", ",".join(hosts), "--ticket", ticket, "--json")
    try:
        wait_until(lambda: len(marks_of(marks, "started", hosts)) == 3 and len(pids_of(token)) >= 3, 60,
                   f"the long step to run on every host: {run.stderr}")
        started = time.monotonic()
        run.signal(sig)
        assert run.wait(60) == code, run.stderr
        assert time.monotonic() - started < 30  # not the 60 s of the sleep
        assert marks_of(marks, "rollback", hosts) == list(hosts), run.stderr
        assert marks_of(marks, "finally", hosts) == list(hosts), run.stderr
        assert marks_of(marks, "after", hosts) == []
        assert_nothing_left(token)
        assert f"{signal.Signals(sig).name} received" in run.stderr
        printed = json.loads(run.stdout)  # --json: the record on stdout, even when stopped
    finally:
        run.stop()
    assert printed["status"] == "interrupted" and printed["exit_code"] == code
    record = record_of(sshrun, printed["id"])
    assert sshrun("sop", "history", "--json").json()[0]["status"] == "interrupted"
    assert record["status"] == "interrupted" and record["exit_code"] == code
    assert record["signal"] == signal.Signals(sig).name
    for host in record["hosts"]:
        assert host["status"] == "interrupted" and host["failed_step"] == "long", host
        assert signal.Signals(sig).name in host["reason"]
        steps = [(s["section"], s["name"], s["status"]) for s in host["steps"]]
        assert steps == [("steps", "prepare", "ok"), ("steps", "long", "interrupted"),
                         ("rollback", "undo", "ok"), ("finally", "cleanup", "ok")], host
    events = [e for e in sshrun("ticket", "show", ticket, "--json").json()["history"] if e["action"] == "sop.run"]
    assert events and events[-1]["data"]["status"] == "interrupted", events
    # the host locks are free again: a second run starts and completes
    again = sshrun("sop", "run", "longrun", "--hosts", ",".join(hosts), "-p", "secs=0")
    assert again.code == 0, again


def test_hosts_not_started_when_the_signal_came_are_recorded_as_not_run(
        ssh_desk, sshd, sshrun, isolated_env, tmp_path, token, sleeper):
    marks = tmp_path / "marks"
    marks.mkdir()
    long_sop(ssh_desk, marks, sleeper)
    run = Run(ssh_desk, isolated_env, tmp_path, "longrun", "--forks", "1")
    try:
        wait_until(lambda: marks_of(marks, "started"), 60, f"the first host to start: {run.stderr}")
        run.signal(signal.SIGTERM)
        assert run.wait(60) == 143, run.stderr
        assert_nothing_left(token)
    finally:
        run.stop()
    states = {h["host"]: h["status"] for h in record_of(sshrun)["hosts"]}
    assert states == {"web1": "interrupted", "web2": "not run", "web3": "not run"}
    assert marks_of(marks, "started") == ["web1"] and marks_of(marks, "rollback") == ["web1"]


def test_a_second_signal_skips_rollback_and_finally_and_still_stops_everything(
        ssh_desk, sshd, sshrun, isolated_env, tmp_path, token, sleeper):
    marks = tmp_path / "marks"
    marks.mkdir()
    long_sop(ssh_desk, marks, sleeper, slow_rollback=True)
    run = Run(ssh_desk, isolated_env, tmp_path, "longrun")
    try:
        wait_until(lambda: len(marks_of(marks, "started")) == 3 and len(pids_of(token)) >= 3, 60,
                   f"the long step to run on every host: {run.stderr}")
        run.signal(signal.SIGTERM)
        wait_until(lambda: len(marks_of(marks, "rollback")) == 3, 30, f"the rollback to start: {run.stderr}")
        started = time.monotonic()
        run.signal(signal.SIGTERM)
        assert run.wait(30) == 143, run.stderr
        assert time.monotonic() - started < 20
        assert "received again" in run.stderr
        assert marks_of(marks, "finally") == []  # skipped
        assert_nothing_left(token)  # the rollback's own command was stopped too
    finally:
        run.stop()
    record = record_of(sshrun)
    assert record["status"] == "interrupted" and record["exit_code"] == 143
    for host in record["hosts"]:
        assert host["status"] == "interrupted", host
        steps = [(s["section"], s["name"], s["status"]) for s in host["steps"]]
        assert steps == [("steps", "prepare", "ok"), ("steps", "long", "interrupted"),
                         ("rollback", "undo", "interrupted"), ("finally", "cleanup", "skipped")], host


def test_a_timed_out_step_is_killed_on_the_host_before_its_retry(ssh_desk, sshd, sshrun, tmp_path, token, sleeper):
    counts = tmp_path / "counts"
    # each attempt first notes how many copies of the step's command are still running
    write_sop(ssh_desk, "hang", f"""name: hang
targets: web1
steps:
  - name: hangs
    ssh: pgrep -fc '^{sleeper}' >> {counts}; {sleeper} 30
    timeout: 3
    retries: 1
    delay: 0
""")
    result = sshrun("sop", "run", "hang", "--json", timeout=60)
    assert result.code == 1, result
    step = result.json()["hosts"][0]["steps"][0]
    assert step["status"] == "failed" and step["attempts"] == 2 and "timed out" in step["message"]
    assert counts.read_text().split() == ["0", "0"]  # never two copies at once
    assert pids_of(token) == []  # and none left behind: killed before the run returned
    assert "deskctl-pgid" not in step["stderr_tail"]


def test_an_included_sops_rollback_and_finally_run_in_order(ssh_desk, sshd, sshrun, tmp_path):
    order = tmp_path / "order"
    write_sop(ssh_desk, "inner", f"""name: inner
params:
  mode: {{type: string, default: ok}}
steps:
  - name: work
    ssh: echo inner-work >> {order}
  - name: maybe fail
    ssh: test {{{{ mode }}}} != fail
rollback:
  - name: inner undo
    ssh: echo inner-rollback >> {order}
finally:
  - name: inner cleanup
    ssh: echo inner-finally >> {order}
""")
    write_sop(ssh_desk, "outer", f"""name: outer
targets: web1
params:
  mode: {{type: string, default: ok}}
steps:
  - name: use inner
    include: inner
    params: {{mode: "{{{{ mode }}}}"}}
  - name: after
    ssh: echo outer-after >> {order}
rollback:
  - name: outer undo
    ssh: echo outer-rollback >> {order}
finally:
  - name: outer cleanup
    ssh: echo outer-finally >> {order}
""")
    assert sshrun("sop", "validate").code == 0
    failed = sshrun("sop", "run", "outer", "-p", "mode=fail", "--json")
    assert failed.code == 1, failed
    assert order.read_text().split() == ["inner-work", "inner-rollback", "inner-finally", "outer-rollback", "outer-finally"]
    steps = [(s["section"], s["name"], s["status"]) for s in failed.json()["hosts"][0]["steps"]]
    assert steps == [
        ("include inner", "work", "ok"), ("include inner", "maybe fail", "failed"),
        ("include inner rollback", "inner undo", "ok"), ("include inner finally", "inner cleanup", "ok"),
        ("steps", "use inner", "failed"), ("rollback", "outer undo", "ok"), ("finally", "outer cleanup", "ok"),
    ]  # fmt: skip
    order.unlink()
    ok = sshrun("sop", "run", "outer", "--json")
    assert ok.code == 0, ok  # the included SOP's finally runs on success too, its rollback not
    assert order.read_text().split() == ["inner-work", "inner-finally", "outer-after", "outer-finally"]


def test_ctrl_c_at_a_prompt_stops_the_run_and_runs_rollback_and_finally(ssh_desk, sshd, isolated_env, tmp_path):
    import pty

    marks = tmp_path / "marks"
    marks.mkdir()
    write_sop(ssh_desk, "ask", f"""name: ask
targets: [web1, web2]
steps:
  - name: question
    prompt: Has the user saved their work?
    choices: [yes, no]
    register: saved
  - name: act
    ssh: touch {marks}/acted-{{{{ host.name }}}}-{{{{ saved }}}}
rollback:
  - name: undo
    ssh: touch {marks}/rollback-{{{{ host.name }}}}
finally:
  - name: cleanup
    ssh: touch {marks}/finally-{{{{ host.name }}}}
""")
    for attempt, answer in (("answered", b"maybe\nyes\n"), ("interrupted", None)):
        master, terminal = pty.openpty()
        err = tmp_path / f"{attempt}.stderr"
        with open(err, "wb") as err_file:
            proc = subprocess.Popen([deskctl_executable(), "sop", "run", "ask"], cwd=ssh_desk, env=isolated_env,
                                    stdin=terminal, stdout=subprocess.DEVNULL, stderr=err_file, start_new_session=True)
        try:
            wait_until(lambda e=err: "saved their work? (yes, no): " in e.read_text(), 30, f"the question ({attempt})")
            if answer:
                os.write(master, answer)  # a wrong answer is asked again
                assert proc.wait(30) == 0, err.read_text()
                assert "'maybe' is not one of" in err.read_text()
                assert marks_of(marks, "acted", ("web1-yes", "web2-yes")) == ["web1-yes", "web2-yes"]
            else:
                os.killpg(proc.pid, signal.SIGINT)
                assert proc.wait(30) == 130, err.read_text()
                assert marks_of(marks, "rollback", ("web1", "web2")) == ["web1", "web2"]
                assert len(list(marks.glob("acted-*"))) == 2  # only the first, answered run acted
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(30)
            os.close(master)
            os.close(terminal)
    assert marks_of(marks, "finally", ("web1", "web2")) == ["web1", "web2"]


def test_a_signal_while_waiting_for_a_host_lock_ends_the_command_at_once(
        ssh_desk, sshd, sshrun, isolated_env, tmp_path, token, sleeper):
    marks = tmp_path / "marks"
    marks.mkdir()
    long_sop(ssh_desk, marks, sleeper)
    config = ssh_desk / "config" / "deskctl.yaml"
    config.write_text(config.read_text().replace("lock_timeout: 0 ", "lock_timeout: 60 "))
    first = Run(ssh_desk, isolated_env, tmp_path, "longrun", "--hosts", "web1")
    (tmp_path / "second").mkdir()
    second = None
    try:
        wait_until(lambda: marks_of(marks, "started", ["web1"]), 60, f"the first run: {first.stderr}")
        second = Run(ssh_desk, isolated_env, tmp_path / "second", "longrun", "--hosts", "web1")
        time.sleep(1.5)  # it waits for web1's lock
        assert second.proc.poll() is None, second.stderr
        second.signal(signal.SIGTERM)
        assert second.wait(10) == 143, second.stderr
        assert "nothing was run" in second.stderr
        assert first.proc.poll() is None  # the first run goes on
    finally:
        if second is not None:
            second.stop()
        first.stop()
