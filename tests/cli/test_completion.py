"""Shell completion through the real entry point: `deskctl completion SHELL` prints the script,
and the script's calls (`_DESKCTL_COMPLETE=bash_complete COMP_WORDS=... deskctl`) answer with
commands, options and the desk's own values."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def complete(run, words: str, cwd, shell: str = "bash", **env: str) -> list[str]:
    """The values offered for the last word of `words` (bash's and zsh's protocol: the index
    of the word being completed in COMP_CWORD)."""
    parts = words.split(" ")
    result = run(cwd=cwd, env={"_DESKCTL_COMPLETE": f"{shell}_complete", "COMP_WORDS": words,
                               "COMP_CWORD": str(len(parts) - 1), **env})
    assert result.code == 0, result
    assert result.stderr == "", result
    if shell == "zsh":  # type, value, help: three lines each
        lines = result.stdout.splitlines()
        return [lines[i + 1] for i in range(0, len(lines), 3)]
    return [line.split(",", 1)[1] for line in result.stdout.splitlines() if line]


@pytest.mark.parametrize("shell, marker", [
    ("bash", "complete -o nosort -F _deskctl_completion deskctl"),
    ("zsh", "#compdef deskctl"),
    ("fish", "complete --no-files --command deskctl"),
])
def test_the_script_for_each_shell(run, shell, marker):
    result = run("completion", shell)
    assert result.code == 0, result
    assert marker in result.stdout
    assert "_DESKCTL_COMPLETE" in result.stdout
    # the very script the shell's own request gives
    assert result.stdout == run(env={"_DESKCTL_COMPLETE": f"{shell}_source"}).stdout


def test_an_unknown_shell_is_bad_input(run):
    result = run("completion", "ksh")
    assert result.code == 2
    assert "ksh" in result.stderr and "bash" in result.stderr


def test_the_top_level_help_lists_the_command(run):
    assert run("--help").code == 0  # renders and caches the help
    cached = run("--help")
    assert "completion" in cached.stdout and "bash, zsh or fish" in cached.stdout


def test_commands_and_subcommands(drun, desk):
    assert complete(drun, "deskctl tic", desk) == ["ticket"]
    assert "completion" in complete(drun, "deskctl ", desk)
    offered = complete(drun, "deskctl ticket sh", desk)
    assert offered == ["show"]
    assert "--resolution" in complete(drun, "deskctl ticket resolve INC-1 --", desk)
    # `--desk` asks the shell for folders
    result = drun(env={"_DESKCTL_COMPLETE": "bash_complete", "COMP_WORDS": "deskctl --desk de",
                       "COMP_CWORD": "2"})
    assert result.stdout == "dir,de\n", result


@pytest.fixture
def tickets(drun):
    """REQ-1 (oldest, open), INC-1 (resolved), INC-2 (newest, open)."""
    for when, args in [
        ("2026-11-02T09:00:00Z", ["ticket", "create", "--title", "vpn access", "--type", "service-request"]),
        ("2026-11-02T10:00:00Z", ["ticket", "create", "--title", "printer jammed"]),
        ("2026-11-02T11:00:00Z", ["ticket", "create", "--title", "mail bounces"]),
        ("2026-11-02T12:00:00Z", ["ticket", "resolve", "INC-1", "--resolution", "paper", "--category", "other"]),
    ]:
        result = drun(*args, env={"DESKCTL_NOW": when})
        assert result.code == 0, result


def test_ticket_ids_open_first_oldest_first(drun, desk, tickets):
    assert complete(drun, "deskctl ticket show ", desk) == ["REQ-1", "INC-2", "INC-1"]
    # what was typed filters, whatever its case (`in<Tab>` finds the incidents)
    assert complete(drun, "deskctl ticket show IN", desk) == ["INC-2", "INC-1"]
    assert complete(drun, "deskctl ticket comment in", desk) == ["INC-2", "INC-1"]
    assert complete(drun, "deskctl ticket show REQ", desk) == ["REQ-1"]
    assert complete(drun, "deskctl ticket show CHG", desk) == []
    # zsh gets the status and title as the description
    result = drun(env={"_DESKCTL_COMPLETE": "zsh_complete", "COMP_WORDS": "deskctl ticket show REQ",
                       "COMP_CWORD": "3"})
    assert result.stdout.splitlines() == ["plain", "REQ-1", "new: vpn access"]


def test_ticket_ids_with_the_desk_option_from_elsewhere(run, desk, tickets, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert complete(run, f"deskctl --desk {desk} ticket show INC-2", elsewhere) == ["INC-2"]


def test_sop_names_from_the_sops_folder(drun, desk):
    assert complete(drun, "deskctl sop run re", desk) == ["reset-password", "restart-service"]
    (desk / "sops" / "rebuild-index.yml").write_text("not: [valid yaml")  # names only, never parsed
    assert complete(drun, "deskctl sop show reb", desk) == ["rebuild-index"]


def test_sop_parameters_of_the_named_sop(drun, desk):
    assert complete(drun, "deskctl sop run restart-service -p ", desk) == ["service="]
    assert complete(drun, "deskctl sop run --hosts localhost network-diagnostics -p c", desk) == ["count="]
    assert complete(drun, "deskctl sop run no-such-sop -p ", desk) == []
    assert complete(drun, "deskctl sop run ../../etc/passwd -p ", desk) == []


def test_hosts_groups_categories_and_support_groups(drun, desk):
    assert complete(drun, "deskctl sop run restart-service --hosts loc", desk) == ["localhost"]
    assert complete(drun, "deskctl sop run restart-service --hosts localhost,w", desk) == ["localhost,web"]
    assert complete(drun, "deskctl sop run restart-service --limit ", desk)[:2] == ["identity", "web"]
    assert complete(drun, "deskctl inventory show ", desk) == ["localhost"]
    assert complete(drun, "deskctl ticket list --category hard", desk) == ["hardware-fault"]
    assert complete(drun, "deskctl ticket escalate INC-1 --group L", desk) == ["L1", "L2", "L3"]
    assert "KB-printer-paper-jam" in complete(drun, "deskctl kb show KB-printer", desk)


def test_announcement_ids(drun, desk):
    created = drun("announce", "create", "unplanned-outage", "--set", "services=mail",
                   "--set", "start=2026-12-03T06:00Z", "--set", "impact=Mail is down")
    assert created.code == 0, created
    assert complete(drun, "deskctl announce show ", desk) == ["ANN-0001"]
    assert complete(drun, "deskctl announce submit ann", desk) == ["ANN-0001"]


def test_without_a_desk_there_is_nothing_to_offer(run, tmp_path):
    empty = tmp_path / "nowhere"
    empty.mkdir()
    for words in ("deskctl ticket show ", "deskctl sop run ", "deskctl ticket list --category ",
                  "deskctl --desk /does/not/exist ticket show IN"):
        result = run(cwd=empty, env={"_DESKCTL_COMPLETE": "bash_complete", "COMP_WORDS": words,
                                     "COMP_CWORD": str(len(words.split(" ")) - 1)})
        assert (result.code, result.stdout, result.stderr) == (0, "", ""), (words, result)


def test_a_broken_config_gives_no_candidates_and_no_traceback(drun, desk):
    (desk / "config" / "deskctl.yaml").write_text("tickets: [unclosed\n")
    result = drun(env={"_DESKCTL_COMPLETE": "bash_complete", "COMP_WORDS": "deskctl ticket show ",
                       "COMP_CWORD": "3"})
    assert (result.code, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_loads_the_script_and_completes(run, desk, tickets, base_env):
    """Acceptance 4: in bash with the completion loaded, `deskctl ticket show IN<Tab>`."""
    script = run("completion", "bash").stdout
    probe = script + "\nCOMP_WORDS=(deskctl ticket show IN); COMP_CWORD=3; _deskctl_completion deskctl; " \
                     'printf "%s\\n" "${COMPREPLY[@]}"\n'
    # the script calls `deskctl` by name: the one installed beside this interpreter
    env = {**base_env, "PATH": f"{Path(sys.executable).parent}:{base_env.get('PATH', '')}"}
    proc = subprocess.run(["bash", "--norc", "-c", probe], cwd=desk, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.stdout.split() == ["INC-2", "INC-1"], proc


def test_commands_of_a_desk_plugin_are_completed(drun, desk):
    (desk / "plugins" / "shout.py").write_text(
        "import click\nimport deskctl\n\n\n@deskctl.hookimpl\ndef register_commands(cli):\n"
        "    @cli.command()\n    @click.option('--loudness')\n    def shout(loudness):\n"
        "        'Shout.'\n")
    assert complete(drun, "deskctl sh", desk) == ["shout"]
    assert complete(drun, "deskctl shout --l", desk) == ["--loudness"]
