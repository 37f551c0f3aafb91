"""The store backend is chosen by `store: {backend: NAME}` through `register_store_backends`."""

from __future__ import annotations

import json
import textwrap


def _add_config(desk, text: str) -> None:
    config = desk / "config" / "deskctl.yaml"
    config.write_text(config.read_text() + "\n" + text + "\n")


def _session(drun) -> tuple:
    created = drun("ticket", "create", "--title", "printer jammed", "--json")
    assert created.code == 0, created.stderr
    ticket_id = json.loads(created.stdout)["id"]
    shown = drun("ticket", "show", ticket_id, "--json")
    listed = drun("ticket", "list", "--json")
    assert shown.code == 0 and listed.code == 0, shown.stderr + listed.stderr
    return ticket_id, json.loads(shown.stdout)["title"], [t["id"] for t in json.loads(listed.stdout)]


def test_files_backend_and_no_store_key_behave_the_same(run, tmp_path):
    results = []
    for name, extra in (("plain", ""), ("files", "store: {backend: files}")):
        desk = tmp_path / name
        assert run("init", str(desk)).code == 0
        if extra:
            _add_config(desk, extra)
        results.append(_session(lambda *a, desk=desk, **k: run(*a, cwd=desk, **k)))
    assert results[0] == results[1]
    assert results[0][1] == "printer jammed" and results[0][0] in results[0][2]


def test_unknown_backend_is_bad_input(drun, desk):
    _add_config(desk, "store: {backend: postgres}")
    line = ("config/deskctl.yaml: store.backend 'postgres' is not installed; "
            "installed backends: files")
    result = drun("ticket", "list")
    assert result.code == 2 and line in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    checked = drun("config", "check")
    assert checked.code != 0 and line in checked.stdout + checked.stderr


def test_desk_plugin_backend_is_used(drun, desk):
    (desk / "plugins" / "memorylog.py").write_text(textwrap.dedent("""
        import sys
        import deskctl

        @deskctl.hookimpl
        def register_store_backends(register):
            def factory(desk, settings, actor):
                from deskctl.store.files import FilesBackend
                sys.stderr.write("memorylog: opened\\n")
                return FilesBackend(desk, settings, actor)
            register("memorylog", factory)
    """))
    _add_config(desk, "store: {backend: memorylog}")
    created = drun("ticket", "create", "--title", "via plugin")
    assert created.code == 0, created.stderr
    assert "memorylog: opened" in created.stderr
    listed = drun("ticket", "list", "--json")
    assert "memorylog: opened" in listed.stderr
    assert [t["title"] for t in json.loads(listed.stdout)] == ["via plugin"]
    assert drun("config", "check").code == 0


def test_a_desk_plugin_replacing_files_is_used_also_when_the_plugin_index_is_warm(drun, desk):
    (desk / "plugins" / "wrapfiles.py").write_text(textwrap.dedent("""
        import sys
        import deskctl

        @deskctl.hookimpl
        def register_store_backends(register):
            def factory(desk, settings, actor):
                from deskctl.store.files import FilesBackend
                sys.stderr.write("wrapfiles: opened\\n")
                return FilesBackend(desk, settings, actor)
            register("files", factory, replace=True)
    """))
    for _ in range(3):  # the first run loads every plugin and writes the index; the others use it
        listed = drun("ticket", "list", "--json")
        assert listed.code == 0 and "wrapfiles: opened" in listed.stderr, listed
