"""Plugins: entry points, desk plugin files, isolation of broken plugins, registries."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO


def pip_install_target(project: Path, target: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(project)],
        check=True, capture_output=True, timeout=300,
    )


def make_project(root: Path, name: str, module_source: str, entry: str) -> Path:
    project = root / name
    project.mkdir(parents=True)
    module = name.replace("-", "_")
    (project / "pyproject.toml").write_text(textwrap.dedent(f"""
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"
        [project]
        name = "{name}"
        version = "0.3.0"
        [project.entry-points.deskctl]
        {entry} = "{module}"
        [tool.hatch.build.targets.wheel]
        include = ["{module}.py"]
    """))
    (project / f"{module}.py").write_text(textwrap.dedent(module_source))
    return project


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A directory with the example plugin and a broken plugin pip-installed into it."""
    root = tmp_path_factory.mktemp("plugins")
    target = root / "site"
    pip_install_target(REPO / "examples" / "deskctl-hello", target)
    broken = make_project(root, "deskctl-broken", "raise RuntimeError('boom at import')\n", "broken")
    pip_install_target(broken, target)
    return target


def test_entry_point_plugin_is_listed_and_its_command_runs(drun, site):
    env = {"PYTHONPATH": str(site)}
    listed = {p["name"]: p for p in drun("plugins", "list", "--json", env=env).json()}
    hello = listed["hello"]
    assert hello["source"] == "entry point"
    assert hello["version"] == "1.2.0"
    assert hello["origin"] == "deskctl-hello"
    assert "register_commands" in hello["hooks"] and "ticket_created" in hello["hooks"]
    result = drun("hello", "Ana", "--json", env=env)
    assert result.code == 0, result
    assert result.json() == {"greeting": "Hello, Ana!"}


def test_example_plugin_observes_new_tickets(drun, desk, site):
    tid = drun("ticket", "create", "--title", "Screen flickers", "--json", env={"PYTHONPATH": str(site)}).json()["id"]
    assert (desk / "data" / "hello-tickets.log").read_text() == f"{tid} Screen flickers\n"


def test_plugin_command_appears_in_help(drun, site):
    result = drun("--help", env={"PYTHONPATH": str(site)})
    assert any(line.split()[:1] == ["hello"] for line in result.stdout.splitlines())
    # and disappears once the plugin is gone: the help cache notices
    result = drun("--help")
    assert not any(line.split()[:1] == ["hello"] for line in result.stdout.splitlines())


def test_broken_plugin_is_named_in_one_warning_and_the_rest_works(drun, site):
    env = {"PYTHONPATH": str(site)}
    result = drun("config", "show", "--json", env=env)
    assert result.code == 0
    warnings = [l for l in result.stderr.splitlines() if "broken" in l]
    assert len(warnings) == 1
    assert "boom at import" in warnings[0] and "pip uninstall deskctl-broken" in warnings[0]
    listed = {p["name"]: p for p in drun("plugins", "list", "--json", env=env).json()}
    assert listed["broken"]["status"] == "error"


def test_desk_plugin_file_adds_a_command(drun, desk):
    (desk / "plugins" / "shout.py").write_text(textwrap.dedent("""
        import click
        import deskctl

        __version__ = "0.9"

        @deskctl.hookimpl
        def register_commands(cli):
            @cli.command()
            @click.argument("word")
            def shout(word):
                "Shout WORD."
                click.echo(word.upper())
    """))
    result = drun("shout", "hey")
    assert result.code == 0 and result.stdout == "HEY\n"
    listed = {p["name"]: p for p in drun("plugins", "list", "--json").json()}
    assert listed["shout"]["source"] == "desk" and listed["shout"]["version"] == "0.9"


def test_plugin_with_unknown_hook_or_bad_signature_is_rejected(drun, desk):
    (desk / "plugins" / "typo.py").write_text(
        "import deskctl\n\n@deskctl.hookimpl\ndef ticket_craeted(ticket):\n    pass\n"
    )
    (desk / "plugins" / "badargs.py").write_text(
        "import deskctl\n\n@deskctl.hookimpl\ndef ticket_created(ticket, nonsense):\n    pass\n"
    )
    result = drun("plugins", "list", "--json")
    assert result.code == 0
    listed = {p["name"]: p for p in result.json()}
    assert "ticket_craeted" in listed["typo"]["error"]
    assert listed["badargs"]["status"] == "error"
    assert sum("plugin 'typo'" in l for l in result.stderr.splitlines()) == 1
    assert sum("plugin 'badargs'" in l for l in result.stderr.splitlines()) == 1


def test_duplicate_registration_names_both_plugins():
    import deskctl
    from deskctl.plugins.manager import Registry, load_plugins

    class First:
        @deskctl.hookimpl
        def register_channels(self, register):
            register("pager", object())

    class Second:
        @deskctl.hookimpl
        def register_channels(self, register):
            register("pager", object())

    plugins = load_plugins(None)
    plugins.pm.register(First(), name="first")
    plugins.pm.register(Second(), name="second")
    registry = Registry("channel").collect(plugins, "register_channels")
    assert registry.owners["pager"] == "first"
    assert any("'first'" in e and "'second'" in e for e in registry.errors)


def test_broken_plugin_warning_repeats_on_every_run(drun, site):
    env = {"PYTHONPATH": str(site)}
    for _ in range(3):  # the later runs use the cached plugin index
        result = drun("ticket", "list", "--json", env=env)
        assert result.code == 0
        assert sum("plugin 'broken'" in l for l in result.stderr.splitlines()) == 1


def test_plugin_replacing_a_builtin_command_wins_on_every_run(drun, desk):
    (desk / "plugins" / "mystore.py").write_text(textwrap.dedent("""
        import click
        import deskctl

        @deskctl.hookimpl
        def register_commands(cli):
            @cli.command("store")
            def store():
                "A replacement store command."
                click.echo("replaced")
    """))
    for _ in range(3):
        result = drun("store")
        assert result.code == 0 and result.stdout == "replaced\n", result


def test_builtin_command_skips_plugin_loading_but_observers_still_fire(drun, desk, base_env):
    (desk / "plugins" / "count.py").write_text(textwrap.dedent("""
        import deskctl

        @deskctl.hookimpl
        def ticket_updated(ticket, changes, event, desk):
            with open(desk.data_dir / "count.log", "a") as fh:
                fh.write(event["action"] + "\\n")
    """))
    tid = drun("ticket", "create", "--title", "x", "--json").json()["id"]  # full load: index written
    for text in ("a", "b"):
        assert drun("ticket", "comment", tid, "--text", text).code == 0
    assert (desk / "data" / "count.log").read_text() == "comment\ncomment\n"
