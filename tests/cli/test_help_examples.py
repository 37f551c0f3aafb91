"""The examples of `deskctl GROUP COMMAND --help`: the common commands have some, and every
example names a real command with options that command takes (parsed by click as a run
would parse them, without running it)."""

from __future__ import annotations

import shlex

import click
import pytest

from deskctl.cli.command_table import COMMANDS
from deskctl.cli.root import make_cli

COMMON = ["ticket create", "ticket list", "ticket show", "ticket update", "ticket resolve", "sop run",
          "sop list", "announce create", "announce publish", "kb search", "report kpi", "store backup",
          "store copy", "help"]


def root_group() -> click.Group:
    root = make_cli()
    for name, (import_path, summary) in COMMANDS.items():
        root.add_lazy_command(name, import_path, summary)
    return root


def all_commands(command: click.Command, ctx: click.Context, path: list[str]):
    yield path, command
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            yield from all_commands(sub, click.Context(sub, info_name=name, parent=ctx), [*path, name])


def example_lines(epilog: str) -> list[list[str]]:
    """Each example's words up to a pipe or redirection, comments dropped, `\\` lines joined."""
    text = epilog.split("Examples:", 1)[1].replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0] == "deskctl":
            cut = next((i for i, w in enumerate(words) if w in ("|", ">", ">>", "<")), len(words))
            found.append(words[1:cut])
    return found


def parsed_command(root: click.Group, args: list[str]) -> list[str]:
    """Parse `deskctl ARGS` as a run does, down to the command; its path. Raises click's
    UsageError for an unknown command or option, a bad or missing value."""
    ctx = root.make_context("deskctl", list(args))
    command, path = root, ["deskctl"]
    while isinstance(command, click.Group):
        rest = [*ctx._protected_args, *ctx.args]
        name, sub, rest = command.resolve_command(ctx, rest)
        ctx = sub.make_context(name, rest, parent=ctx)
        command, path = sub, [*path, name]
    return path


def test_common_commands_have_examples():
    root = root_group()
    ctx = click.Context(root, info_name="deskctl")
    epilogs = {" ".join(path[1:]): cmd.epilog or "" for path, cmd in all_commands(root, ctx, ["deskctl"])}
    lacking = [name for name in COMMON if not epilogs[name].startswith("Examples:")]
    assert lacking == []
    for name in COMMON:
        assert example_lines(epilogs[name]), name


def test_every_example_parses_as_the_command_it_documents():
    root = root_group()
    ctx = click.Context(root, info_name="deskctl")
    checked = 0
    for path, command in all_commands(root, ctx, ["deskctl"]):
        if not (command.epilog or "").startswith("Examples:"):
            continue
        for args in example_lines(command.epilog):
            try:
                parsed = parsed_command(root_group(), args)
            except click.UsageError as exc:
                pytest.fail(f"`{' '.join(path)} --help` example `deskctl {shlex.join(args)}`: {exc.format_message()}")
            # an example of `help` shows other commands; every other one shows its own
            assert parsed == path or path == ["deskctl", "help"] or parsed[:2] == path[:2], (path, args)
            checked += 1
    assert checked >= 40


def test_the_check_finds_a_wrong_option():
    with pytest.raises(click.UsageError):
        parsed_command(root_group(), ["ticket", "create", "--titel", "typo"])
    with pytest.raises(click.UsageError):
        parsed_command(root_group(), ["sop", "frobnicate"])
