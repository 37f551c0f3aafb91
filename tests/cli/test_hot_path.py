"""The hot path: what a ticket command may import. Engineers and cron run ticket commands all
day, so heavy libraries (paramiko, jinja2, babel, YAML parsing, pluggy, tinydb, ...) are imported
inside the functions that need them. docs/contributing.md states the rule; this test holds it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Third-party top-level packages a warm ticket command may load, and why.
HOT_PATH_ALLOWED = {
    "deskctl",
    "click",  # the command line itself
    "orjson",  # the store's JSON
    "holidays", "dateutil", "six",  # business-hours SLA clocks (show, list)
}

PROBE = """
import json, sys
from deskctl.cli.entry import main
code = main(sys.argv[1:])
third_party = sorted({m.split('.')[0] for m in sys.modules} - set(sys.stdlib_module_names)
                     - {m for m in sys.builtin_module_names})
print(json.dumps({"code": code, "modules": [m for m in third_party if not m.startswith('_')]}))
"""


def imported_by(args: list[str], cwd, env) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout.splitlines()[-1])
    assert found["code"] == 0, proc.stderr
    return set(found["modules"])


@pytest.mark.parametrize("args", [
    ["ticket", "show", "INC-1"],
    ["ticket", "list"],
    ["ticket", "update", "INC-1", "--priority", "high"],
    ["ticket", "create", "--title", "printer jammed"],
    ["ticket", "create", "--title", "printer jammed", "--field", "location=Room 3.12", "--field", "started_at=2h"],
    ["ticket", "update", "INC-1", "--field", "affected_users=3"],
    ["ticket", "list", "--field", "location=room", "--format", "csv"],
    ["ticket", "comment", "INC-1", "--text", "on it"],
])
def test_a_warm_ticket_command_imports_only_the_hot_path(args, drun, desk, base_env):
    assert drun("ticket", "create", "--title", "first").code == 0  # warms the caches
    extra = imported_by(args, desk, base_env) - HOT_PATH_ALLOWED
    assert not extra, f"`deskctl {' '.join(args)}` imports {sorted(extra)}: import them inside the function that needs them"


def test_the_probe_sees_heavy_imports(drun, desk, base_env):
    """The check can fail: a command that renders templates does import jinja2."""
    assert drun("ticket", "create", "--title", "first").code == 0
    assert "jinja2" in imported_by(["announce", "list"], desk, base_env) | imported_by(
        ["config", "check"], desk, base_env)
