"""The CLI contract: version, help, exit codes, one-line errors, lazy imports."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, deskctl_executable

HEAVY = ("paramiko", "jinja2", "tinydb", "babel", "cryptography")


def imported_modules(args: list[str], env: dict, cwd: Path) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", deskctl_executable(), *args],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def test_version_prints_the_package_version(run):
    from deskctl import __version__

    result = run("--version")
    assert result.code == 0
    assert result.stdout == f"deskctl {__version__}\n"


def test_help_lists_command_groups_with_summaries(run):
    result = run("--help")
    assert result.code == 0
    for group in ("config", "init", "plugins"):
        line = next(l for l in result.stdout.splitlines() if l.strip().startswith(group + " "))
        assert len(line.split(None, 1)[1]) > 10, line


@pytest.mark.parametrize("warm", [False, True], ids=["cold-cache", "warm-cache"])
def test_help_imports_no_heavy_module(base_env, desk, warm, tmp_path):
    env = dict(base_env, DESKCTL_CACHE_DIR=str(tmp_path / ("warm" if warm else "cold")))
    if warm:
        imported_modules(["--help"], env, desk)
    names = imported_modules(["--help"], env, desk)
    assert not [m for m in names if m.split(".")[0] in HEAVY]


def test_warm_help_imports_neither_click_nor_pluggy(base_env, desk):
    imported_modules(["--help"], base_env, desk)
    names = imported_modules(["--help"], base_env, desk)
    assert "click" not in names and "pluggy" not in names


def test_group_help_imports_no_heavy_module(base_env, desk):
    from deskctl.plugins.builtin.builtin_commands import COMMANDS

    for group in COMMANDS:
        names = imported_modules([group, "--help"], base_env, desk)
        heavy = sorted(m for m in names if m.split(".")[0] in HEAVY)
        assert not heavy, f"deskctl {group} --help imports {heavy}"


def test_unknown_command_is_a_one_line_usage_error(run):
    result = run("no-such-command")
    assert result.code == 2
    assert result.stderr.count("\n") == 1
    assert "no-such-command" in result.stderr and "Traceback" not in result.stderr


def test_bad_option_is_exit_2(run):
    result = run("config", "show", "--no-such-option")
    assert result.code == 2
    assert "--no-such-option" in result.stderr


def test_only_cli_layer_imports_click():
    """click belongs to the command modules, the root command and its lazy group; the domain
    never imports it."""
    src = REPO / "src" / "deskctl"
    offenders = []
    for path in src.rglob("*.py"):
        rel = path.relative_to(src)
        if rel.parts[0] == "commands" or rel.as_posix() in ("cli/root.py", "cli/lazy_group.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] == "click" for n in names):
                offenders.append(str(rel))
    assert offenders == []


def test_every_hook_is_documented():
    from deskctl import hookspecs

    for name in dir(hookspecs):
        func = getattr(hookspecs, name)
        if callable(func) and hasattr(func, "deskctl_spec"):
            assert func.__doc__ and len(func.__doc__.strip()) > 20, name


def test_builtin_command_runs_without_pluggy_once_the_plugin_index_exists(base_env, desk):
    imported_modules(["ticket", "list"], base_env, desk)  # first run: full load, index written
    names = imported_modules(["ticket", "list"], base_env, desk)
    assert "pluggy" not in names and "deskctl.plugins.builtin.step_types" not in names


@pytest.mark.parametrize("args", [["ticket", "show", "INC-99"], ["sop", "run", "no-such-sop"]])
def test_debug_adds_the_traceback_but_keeps_the_exit_code(drun, args):
    plain = drun(*args)
    debug = drun("--debug", *args)
    assert plain.code == debug.code == 2, debug
    assert "Traceback (most recent call last)" in debug.stderr
    assert debug.stderr.rstrip().endswith(plain.stderr.strip())


def test_the_ticket_table_names_every_subcommand_with_its_own_summary():
    """`deskctl ticket --help` prints the table's summaries (importing no subcommand): each is the
    command's own first docstring line, and the table names the command it loads."""
    from deskctl.commands.ticket import SUBCOMMANDS, ticket

    for name, (_, summary) in SUBCOMMANDS.items():
        command = ticket.commands[name]
        assert command.name == name and command.get_short_help_str(limit=500) == summary
