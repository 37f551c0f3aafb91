"""The plugin example of docs/runbooks.md, copied from the page and run (a desk plugin)."""

from __future__ import annotations

import re

from tests.conftest import REPO
from tests.runbooks.conftest import write_inventory


def code_blocks(lang: str) -> list[str]:
    text = (REPO / "docs" / "runbooks.md").read_text(encoding="utf-8")
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


def test_the_documented_plugin_step_type_works(drun, desk, tmp_path):
    plugin = next(b for b in code_blocks("python") if "# plugins/file_contains.py" in b)
    sop = next(b for b in code_blocks("yaml") if "# sops/motd-check.yaml" in b)
    (desk / "plugins" / "file_contains.py").write_text(plugin)
    (desk / "sops" / "motd-check.yaml").write_text(sop)
    motd = tmp_path / "motd"
    motd.write_text("Welcome to the service desk\n")
    write_inventory(desk, {"localhost": {"connection": "local", "vars": {"motd": str(motd)}}})
    assert "file_contains" in drun("sop", "types").stdout
    assert drun("sop", "validate").code == 0
    assert drun("sop", "run", "motd-check", "-p", "word=service").code == 0
    missing = drun("sop", "run", "motd-check", "-p", "word=holiday", "--json")
    assert missing.code == 1 and "'holiday' not in" in missing.json()["hosts"][0]["reason"]


def test_a_duplicate_step_type_names_both_plugins(drun, desk):
    (desk / "plugins" / "myssh.py").write_text(
        "from deskctl.hookspecs import hookimpl\n"
        "from deskctl.plugins.builtin.step_types import ShellStep\n\n"
        "@hookimpl\ndef register_step_types(register):\n    register('ssh', ShellStep())\n"
    )
    result = drun("sop", "validate")
    assert result.code == 2
    assert "'ssh'" in result.stderr and "'step_types'" in result.stderr and "'myssh'" in result.stderr


def test_schema_lists_every_step_type(drun):
    schema = drun("sop", "schema").json()
    assert schema["required"] == ["name", "steps"]
    step_keys = schema["$defs"]["step"]["properties"]
    for name in ("ssh", "local", "check", "prompt", "wait_for", "http", "ticket", "include"):
        assert name in step_keys
