"""Progress bars (issue 19): drawn on stderr when it is a terminal, never on a pipe, with -q
or with --json. deskctl runs as a subprocess with its stderr on a real pseudo-terminal and
its stdout on a pipe, as when a person runs `deskctl ... > out.txt`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import deskctl_executable
from tests.support.terminal import on_terminal

SEED_MESSAGE = "generating 20000 ticket(s) over 90 day(s), seed 1...\n"


def run_on_terminal(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 120):
    return on_terminal([deskctl_executable(), *args], cwd, env, timeout)


@pytest.fixture
def seed_env(base_env):
    return {**base_env, "DESKCTL_NOW": "2026-12-01T12:00:00+00:00"}


def test_demo_seed_draws_a_progress_bar_on_a_terminal(desk, seed_env):
    found = run_on_terminal(["demo", "seed", "--tickets", "20000"], desk, seed_env)
    assert found.code == 0, found
    assert "seeded 20000 ticket(s)" in found.stdout
    assert "seeding tickets" in found.terminal  # the bar's label
    assert "━" in found.terminal  # its bar
    assert "%" in found.terminal and "/20000" in found.terminal  # how far, and of how many
    assert SEED_MESSAGE.strip() in found.terminal  # the usual message is still there
    assert "seeding" not in found.stdout and "\x1b" not in found.stdout  # stdout is data only


def test_demo_seed_on_a_pipe_prints_only_its_messages(drun, seed_env):
    result = drun("demo", "seed", "--tickets", "20000", env=seed_env)
    assert result.code == 0, result
    assert result.stderr == SEED_MESSAGE
    assert result.stdout.startswith("seeded 20000 ticket(s)")


def test_quiet_draws_no_progress_bar_on_a_terminal(desk, seed_env):
    found = run_on_terminal(["-q", "demo", "seed", "--tickets", "20000"], desk, seed_env)
    assert found.code == 0, found
    assert found.terminal == ""  # -q: no message and no bar
    assert "seeded 20000 ticket(s)" in found.stdout


def test_json_draws_no_progress_bar_and_keeps_stdout_json(desk, seed_env):
    found = run_on_terminal(["demo", "seed", "--tickets", "20000", "--json"], desk, seed_env)
    assert found.code == 0, found
    assert found.terminal.replace("\r\n", "\n") == SEED_MESSAGE  # the message; no bar
    assert json.loads(found.stdout)["tickets"] == 20000


NAPS = """\
name: naps
description: sleep a little on each host
version: 1
targets: all
steps:
  - name: nap
    ssh: sleep 0.4; test {{ n }} -ne 3
  - name: nap again
    ssh: sleep 0.4
"""


def test_sop_fan_out_shows_hosts_done_failed_running_and_keeps_each_hosts_lines(desk, base_env):
    hosts = "".join(f"  h{i}: {{connection: local, vars: {{n: {i}}}}}\n" for i in range(1, 7))
    (desk / "config" / "inventory.yaml").write_text("hosts:\n" + hosts)
    (desk / "sops" / "naps.yaml").write_text(NAPS)
    found = run_on_terminal(["sop", "run", "naps", "--forks", "2"], desk, base_env)
    assert found.code == 1, found  # h3 fails on purpose
    assert "naps: hosts" in found.terminal
    assert "ok, 1 failed, " in found.terminal and " running" in found.terminal
    for i in (1, 2, 4, 5, 6):  # every host's step lines, whole, as without a bar
        assert f"[h{i}] nap: ok (" in found.terminal and f"[h{i}] nap again: ok (" in found.terminal
    assert "[h3] nap: failed (" in found.terminal
    assert "h3    failed  nap" in found.stdout  # the result table, on stdout as ever
    assert "naps: hosts" not in found.stdout


def test_store_backup_and_check_draw_their_progress_on_a_terminal(desk, seed_env, drun):
    assert drun("demo", "seed", "--tickets", "20000", env=seed_env).code == 0
    backup = run_on_terminal(["store", "backup", "--out", str(desk / "b.tar.gz")], desk, seed_env)
    assert backup.code == 0, backup
    assert "backing up tickets" in backup.terminal and "/20000" in backup.terminal
    assert backup.stdout.strip() == str(desk / "b.tar.gz")
    check = run_on_terminal(["store", "check"], desk, seed_env)
    assert check.code == 0, check
    assert "checking ticket files" in check.terminal
    assert "ticket store ok: 20000 tickets" in check.terminal
    piped = drun("store", "check", env=seed_env)  # and on a pipe, the one line only
    assert piped.code == 0 and piped.stderr.startswith("ticket store ok: 20000 tickets") and piped.stderr.count("\n") == 1


def test_demo_seed_into_postgresql_draws_a_progress_bar(tmp_path, run, base_env, seed_env, pg_cluster):
    from tests.store.test_postgresql import point_at
    from tests.support.postgres import new_database

    desk = tmp_path / "pg-desk"
    assert run("init", str(desk)).code == 0
    point_at(desk, new_database(pg_cluster))
    assert run("store", "migrate", cwd=desk).code == 0
    found = run_on_terminal(["demo", "seed", "--tickets", "20000"], desk, seed_env)
    assert found.code == 0, found
    assert "seeding tickets" in found.terminal and "/20000" in found.terminal
    assert "seeded 20000 ticket(s)" in found.stdout
