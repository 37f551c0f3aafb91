"""The real `ansible-inventory`, from its own venv (.cache/ansible-venv, made by scripts/test),
to compare our reading of Ansible inventories with Ansible's."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from .missing import missing

REPO = Path(__file__).resolve().parents[2]
ANSIBLE_INVENTORY = REPO / ".cache" / "ansible-venv" / "bin" / "ansible-inventory"


class AnsibleInventoryCli:
    def __init__(self, exe: Path, home: Path):
        self.exe, self.home = exe, home

    def list(self, *sources: Path) -> dict:
        """`ansible-inventory --list` for the sources, as {hosts, groups: host -> set, vars: host -> dict}."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
        env.update(ANSIBLE_CONFIG=str(self.home / "none.cfg"), ANSIBLE_HOME=str(self.home),
                   ANSIBLE_LOCAL_TEMP=str(self.home / "tmp"), ANSIBLE_INVENTORY_UNPARSED_FAILED="true",
                   ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true", ANSIBLE_NOCOLOR="1")
        args = [str(self.exe), "--list"]
        for source in sources:
            args += ["-i", str(source)]
        proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return view(json.loads(proc.stdout))


def view(listing: dict) -> dict:
    """Hosts, each host's groups (parents included, not `all`) and merged vars."""
    groups = {k: v for k, v in listing.items() if k != "_meta"}

    def members(name: str, seen: frozenset = frozenset()) -> set[str]:
        entry = groups.get(name) or {}
        found = set(entry.get("hosts", []))
        for child in entry.get("children", []):
            if child not in seen:
                found |= members(child, seen | {name})
        return found

    hosts = members("all")
    host_groups = {h: {g for g in groups if g != "all" and h in members(g)} for h in hosts}
    hostvars = listing.get("_meta", {}).get("hostvars", {})
    return {"hosts": hosts, "groups": host_groups, "vars": {h: hostvars.get(h, {}) for h in hosts}}


@pytest.fixture(scope="session")
def ansible_inventory(tmp_path_factory) -> AnsibleInventoryCli:
    if not ANSIBLE_INVENTORY.exists():
        missing(f"ansible-inventory not found at {ANSIBLE_INVENTORY}: scripts/test installs it "
                "(python3 -m venv .cache/ansible-venv && .cache/ansible-venv/bin/pip install ansible-core)")
    home = tmp_path_factory.mktemp("ansible-home")
    (home / "tmp").mkdir()
    return AnsibleInventoryCli(ANSIBLE_INVENTORY, home)
