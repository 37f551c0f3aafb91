"""Desk plugins that add a top-level command or wrap a built-in one, run as `deskctl`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

SHOUT_COMMAND = """
    import click
    import deskctl

    @deskctl.hookimpl
    def register_commands(cli):
        @cli.command()
        @click.argument("word")
        def shout(word):
            "Echo WORD upper-cased."
            click.echo(word.upper())
"""

# The idiomatic way to extend a built-in command: take it from its group, wrap its callback.
LOUD_SHOW = """
    import contextlib
    import functools
    import io

    import click
    import deskctl

    @deskctl.hookimpl
    def register_commands(cli):
        from deskctl.commands.ticket import ticket

        show = ticket.commands["show"]
        if getattr(show.callback, "loud", False):  # loaded once per process, but be safe
            return
        original = show.callback

        @functools.wraps(original)
        def loud(*args, shout=False, **kwargs):
            if not shout:
                return original(*args, **kwargs)
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                original(*args, **kwargs)
            click.echo(buffer.getvalue().upper(), nl=False)

        loud.loud = True
        show.callback = loud
        show.params.append(click.Option(["--shout"], is_flag=True, help="Upper-case the output."))
"""


# The same, taking the group at the plugin's import rather than in its hook.
LOUD_SHOW_AT_IMPORT = LOUD_SHOW.replace("    def register_commands(cli):\n        from deskctl.commands.ticket import ticket\n",
                                        "    def register_commands(cli):\n").replace(
    "    import deskctl\n", "    import deskctl\n    from deskctl.commands.ticket import ticket\n", 1)


def make_desk(run, path: Path, plugin: str | None = None, name: str = "loud") -> Path:
    assert run("init", str(path)).code == 0
    if plugin:
        (path / "plugins" / f"{name}.py").write_text(textwrap.dedent(plugin))
    return path


def new_ticket(run, desk: Path) -> str:
    result = run("--desk", str(desk), "ticket", "create", "--title", "printer jam", "--json")
    assert result.code == 0, result
    return result.json()["id"]


@pytest.mark.parametrize("plugin", [LOUD_SHOW, LOUD_SHOW_AT_IMPORT], ids=["in the hook", "at import"])
@pytest.mark.parametrize("first", ["plugin desk", "plain desk"])
def test_wrapped_ticket_show_in_one_desk_leaves_another_desk_alone(run, tmp_path, first, plugin):
    assert plugin.count("from deskctl.commands.ticket import ticket") == 1
    loud = make_desk(run, tmp_path / "d1", plugin)
    plain = make_desk(run, tmp_path / "d2")
    loud_id, plain_id = new_ticket(run, loud), new_ticket(run, plain)

    def shout():
        result = run("--desk", str(loud), "ticket", "show", loud_id, "--shout")
        assert result.code == 0, result
        assert "PRINTER JAM" in result.stdout and "printer jam" not in result.stdout
        quiet = run("--desk", str(loud), "ticket", "show", loud_id)
        assert quiet.code == 0 and "printer jam" in quiet.stdout

    def normal():
        result = run("--desk", str(plain), "ticket", "show", plain_id)
        assert result.code == 0, result
        assert "printer jam" in result.stdout
        refused = run("--desk", str(plain), "ticket", "show", plain_id, "--shout")
        assert refused.code == 2 and "--shout" in refused.stderr

    steps = [shout, normal] if first == "plugin desk" else [normal, shout]
    for _ in range(2):
        for step in steps:
            step()


@pytest.mark.parametrize("args", [
    ["--actor", "bob", "--desk", "{D}", "shout", "hi"],
    ["--desk", "{D}", "--actor", "bob", "shout", "hi"],
    ["--desk={D}", "-q", "--actor", "bob", "--debug", "shout", "hi"],
])
def test_plugin_command_after_root_options_in_any_order(run, tmp_path, args):
    desk = make_desk(run, tmp_path / "d", SHOUT_COMMAND, name="shout")
    result = run(*[a.replace("{D}", str(desk)) for a in args], cwd=tmp_path)
    assert result.code == 0, result
    assert result.stdout == "HI\n"
