"""Two runs in one process share nothing: each gets a fresh root group and fresh globals."""

import textwrap

import pytest

SHOUT = textwrap.dedent("""
    import click
    import deskctl

    @deskctl.hookimpl
    def register_commands(cli):
        @cli.command()
        @click.argument("word")
        def shout(word):
            "Shout WORD."
            click.echo(word.upper())
""")


@pytest.fixture
def two_desks(run, tmp_path):
    loud, plain = tmp_path / "loud", tmp_path / "plain"
    for path in (loud, plain):
        assert run("init", str(path)).code == 0
    (loud / "plugins" / "shout.py").write_text(SHOUT)
    return loud, plain


def test_plugin_command_does_not_leak_into_the_next_desk(invoke, two_desks):
    loud, plain = two_desks
    first = invoke("shout", "hey", cwd=loud)
    assert first.code == 0 and first.stdout == "HEY\n", first
    second = invoke("shout", "hey", cwd=plain)
    assert second.code == 2, second
    assert "shout" not in invoke("--help", cwd=plain).stdout


def test_desk_without_plugins_first_then_plugin_desk(invoke, two_desks):
    loud, plain = two_desks
    assert invoke("shout", "hey", cwd=plain).code == 2
    assert "shout" not in invoke("--help", cwd=plain).stdout
    result = invoke("shout", "hey", cwd=loud)
    assert result.code == 0 and result.stdout == "HEY\n", result
    assert "shout" in invoke("--help", cwd=loud).stdout


def test_quiet_does_not_carry_over_to_the_next_run(invoke, two_desks):
    from deskctl import output

    _, plain = two_desks
    assert invoke("-q", "plugins", "list", cwd=plain).code == 0
    assert output.QUIET is True  # set by that run
    # --version is eager: the root callback never runs, so only the per-run reset clears it
    invoke("--version", cwd=plain)
    assert output.QUIET is False
