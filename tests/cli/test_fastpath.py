"""The fast path: built-in commands run without click from a cached description of their
options. It must accept exactly what click accepts, with the same values, or step aside."""

from __future__ import annotations

import random
import textwrap

import click
import pytest

from deskctl import fastpath, fastpath_export
from deskctl.commands.ticket import ticket

SAMPLES = {"str": ["INC-1", "x", "two words", "", "ünï", "--", "-x", "a=b"], "int": ["1", "5", "0", "-3", "x", "99"]}
NOW = {"DESKCTL_NOW": "2026-11-23T10:00:00+00:00"}


def described() -> dict:
    commands = {name: fastpath_export.describe(cmd) for name, cmd in ticket.commands.items()}
    return {name: spec for name, spec in commands.items() if spec is not None}


def click_params(command: click.Command, argv: list[str]) -> dict | None:
    try:
        with command.make_context("deskctl", list(argv)) as ctx:
            return dict(ctx.params)
    except click.exceptions.Exit:  # --help
        return None
    except click.UsageError:
        return None


def random_argv(rng: random.Random, spec: dict) -> list[str]:
    argv: list[str] = []
    for param in spec["params"]:
        if rng.random() < 0.3 and not param["required"]:
            continue
        repeat = 2 if (param["multiple"] or rng.random() < 0.1) else 1
        for _ in range(repeat):
            if param["flag"]:
                argv.append(param["opts"][0])
                continue
            kind = param["type"]
            value = rng.choice(kind[1] + ["nope"] if kind[0] == "choice" else SAMPLES[kind[0]])
            if param["argument"]:
                argv.append(value)
            elif rng.random() < 0.3:
                argv.append(f"{param['opts'][0]}={value}")
            else:
                argv += [param["opts"][0], value]
    if rng.random() < 0.1:  # sometimes nonsense: arguments out of place
        rng.shuffle(argv)
    if rng.random() < 0.05:
        argv.insert(rng.randrange(len(argv) + 1), rng.choice(["--help", "-h", "--nope", "--", "extra"]))
    return argv


def test_ticket_commands_are_described_except_file_arguments():
    names = set(described())
    assert {"create", "show", "list", "update", "comment", "assign", "close", "survey", "link"} <= names
    assert "attach" not in names  # a click.Path argument: click checks it, so click runs it


def test_fast_parse_agrees_with_click_on_thousands_of_command_lines():
    rng = random.Random(20261123)
    accepted = 0
    for name, spec in sorted(described().items()):
        command = ticket.commands[name]
        for _ in range(300):
            argv = random_argv(rng, spec)
            fast = fastpath.parse(spec, argv)
            if fast is None:
                continue  # declining is always safe: click then decides
            accepted += 1
            assert fast == click_params(command, argv), (name, argv)
    assert accepted > 1500  # the common shapes really take the fast path


@pytest.mark.parametrize("argv", [
    ["show", "INC-1"], ["show", "--json", "inc-1"], ["list"], ["list", "--status", "all", "--json"],
    ["list", "--limit", "5", "--sort", "priority", "--tag", "a", "--tag", "b"],
    ["create", "--title", "Printer jam", "--system", "os=Windows 11", "--json"],
    ["comment", "INC-3", "--text", "called back", "--internal"], ["survey", "INC-3", "--score", "5"],
])
def test_common_command_lines_take_the_fast_path(argv):
    spec = described()[argv[0]]
    assert fastpath.parse(spec, argv[1:]) == click_params(ticket.commands[argv[0]], argv[1:])


@pytest.mark.parametrize("argv", [
    ["show"], ["show", "INC-1", "INC-2"], ["show", "INC-1", "--help"], ["list", "--limit", "0"],
    ["list", "--sort", "size"], ["survey", "INC-1", "--score", "6"], ["create"], ["create", "--title"],
    ["comment", "INC-1", "--text", "-5"], ["list", "--json=yes"], ["list", "--lim", "3"], ["show", "-j", "X"],
])
def test_what_click_would_question_is_left_to_click(argv):
    assert fastpath.parse(described()[argv[0]], argv[1:]) is None


def test_hot_ticket_commands_import_neither_click_nor_heavy_modules(drun):
    tid = drun("ticket", "create", "--title", "warm the caches", "--json").json()["id"]
    drun("ticket", "show", tid)  # the first display of an SLA lays out its calendar (cached)
    heavy = {"click", "pluggy", "yaml", "jinja2", "babel", "orjson", "tinydb", "dataclasses", "inspect",
             "typing", "pathlib", "holidays"}
    commands = (["ticket", "show", tid], ["ticket", "list"], ["ticket", "list", "--json"],
                ["ticket", "comment", tid, "--text", "hi"], ["ticket", "create", "--title", "another"],
                # a service: the ticket create looks for outage bulletins to show
                ["ticket", "create", "--title", "printer jam", "--service", "printing"])
    for args in commands:
        result = drun(*args, env={"PYTHONPROFILEIMPORTTIME": "1"})
        assert result.code == 0, result
        imported = {line.split("|")[-1].strip().split(".")[0] for line in result.stderr.splitlines()
                    if line.startswith("import time:")}
        assert "deskctl" in imported and not imported & heavy, (args, sorted(imported & heavy))


def test_fast_and_click_paths_print_the_same(drun, run, desk, tmp_path):
    tid = drun("ticket", "create", "--title", "VPN down", "--channel", "phone", "--json", env=NOW).json()["id"]
    cases = (["ticket", "show", tid], ["ticket", "show", tid, "--json"], ["ticket", "list", "--json"],
             ["ticket", "list", "--format", "csv"], ["ticket", "show", "INC-999"], ["ticket", "show", "BAD"])
    for i, args in enumerate(cases):
        # an empty cache: click runs the command (and describes the group for the next run)
        slow = run(*args, cwd=desk, env={"DESKCTL_CACHE_DIR": str(tmp_path / f"cold-{i}"), **NOW})
        fast = drun(*args, env=NOW)
        assert (fast.code, fast.stdout, fast.stderr) == (slow.code, slow.stdout, slow.stderr), args


def test_a_plugin_that_changes_the_ticket_group_always_wins(drun, desk):
    (desk / "plugins" / "myshow.py").write_text(textwrap.dedent("""
        import click
        import deskctl

        @deskctl.hookimpl
        def register_commands(cli):
            group = cli.get_command(None, "ticket")

            @group.command("show")
            @click.argument("ticket_id")
            def show(ticket_id):
                "A replacement show."
                click.echo(f"plugin shows {ticket_id}")
    """))
    for _ in range(3):
        result = drun("ticket", "show", "INC-1")
        assert result.code == 0 and result.stdout == "plugin shows INC-1\n", result


def test_a_stale_or_damaged_description_is_never_used(drun, base_env):
    from pathlib import Path

    drun("ticket", "list")  # click runs and describes the group
    cache = Path(base_env["DESKCTL_CACHE_DIR"])
    entries = list(cache.glob("commands-ticket-*.json"))
    assert entries
    for entry in entries:
        entry.write_text('{"key": ["other"], "value": {"commands": {"show": {"action": "os:_exit", "params": []}}}}')
    result = drun("ticket", "show", "INC-424242")
    assert result.code == 2 and "no ticket" in result.stderr, result
    for entry in entries:
        entry.write_text("{not json")
    result = drun("ticket", "show", "INC-424242")
    assert result.code == 2 and "no ticket" in result.stderr, result


def test_python_m_and_the_console_script_share_their_caches(drun, desk, base_env):
    """`sys.path[0]` differs between the two (the script's folder, the current directory):
    it must not be part of the cache keys, or each would discard the other's description."""
    import subprocess
    import sys

    drun("ticket", "list")  # the console script describes the ticket group
    env = {**base_env, "PYTHONPROFILEIMPORTTIME": "1"}
    module_run = subprocess.run([sys.executable, "-m", "deskctl", "ticket", "list"], cwd=desk, env=env,
                                capture_output=True, text=True, timeout=60)
    script_run = drun("ticket", "list", env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert module_run.returncode == 0 and script_run.code == 0, (module_run.stderr[-500:], script_run)
    for stderr in (module_run.stderr, script_run.stderr):
        imported = {line.split("|")[-1].strip() for line in stderr.splitlines() if line.startswith("import time:")}
        assert "deskctl.fastpath" in imported and "click" not in imported
