"""Ansible inventories (INI and YAML files, or a folder of them) read as deskctl hosts.

Our own reader, no ansible import; it follows what `ansible-inventory --list` does (ansible-core
2.19, checked by tests/inventory/test_ansible_differential.py):

- groups, `[g:children]`, `[g:vars]`, host ranges (`web[01:20]`, `db-[a:c]`, `[0:10:2]`),
  `host:port`, the implicit `all` and `ungrouped` groups;
- `group_vars/` and `host_vars/` beside the file (or in the folder): `NAME`, `NAME.yml`,
  `NAME.yaml`, `NAME.json` (the first that exists) or a folder `NAME/` of such files;
- a folder is read as Ansible reads it: every entry in name order, recursively, except hidden
  names, `group_vars`, `host_vars`, `vars_plugins` and the ignored extensions;
- variable precedence: inline `all` vars < inline group vars (parents before children, then
  `ansible_group_priority`, then name) < `group_vars/all` < `group_vars/GROUP` (same order) <
  inline host vars < `host_vars/HOST`.

What we do not run or decrypt (executable inventory scripts, inventory plugins such as
`plugin: aws_ec2`, TOML inventories, `!vault` values, vault-encrypted files) is refused with
one line naming the file and line, never skipped.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deskctl.errors import BadInput
from deskctl.executor.ansible_patterns import expand_pattern, ini_value
from deskctl.executor.ansible_yaml import MAX_DEPTH, line_of, load_vars, load_yaml, yaml_lines

YAML_EXTS = (".yml", ".yaml", ".json")
# ansible-core's INVENTORY_IGNORE_EXTS default (REJECT_EXTS + .orig .cfg .retry)
IGNORED_EXTS = (".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".cfg", ".retry")
IGNORED_NAMES = ("group_vars", "host_vars", "vars_plugins")
SECTION = re.compile(r"^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$")
GROUP_NAME = re.compile(r"^([^:\]\s]+)\s*(?:#.*)?$")
MAX_FILES = 10_000  # files in one inventory folder tree
UNSUPPORTED_HINT = "list the hosts in an INI or YAML inventory, or in config/inventory.yaml"


@dataclass
class Group:
    name: str
    vars: dict[str, Any] = field(default_factory=dict)
    hosts: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    priority: int = 1
    declared_at: str = ""


@dataclass
class HostEntry:
    name: str
    vars: dict[str, Any] = field(default_factory=dict)
    declared_at: str = ""  # file:line of its first mention


@dataclass
class AnsibleInventory:
    """One Ansible source as Ansible sees it: groups, hosts, and each host's merged vars."""

    source: Path
    groups: dict[str, Group]
    hosts: dict[str, HostEntry]
    host_vars: dict[str, dict[str, Any]]  # merged, Ansible's precedence
    host_groups: dict[str, list[str]]  # every group of the host, parents included, not `all`
    group_vars: dict[str, dict[str, Any]]  # a group's own vars: inline, then group_vars/


class _Reader:
    """Builds the groups and hosts of one source, file by file, as Ansible's plugins do."""

    def __init__(self, show):
        self.show = show  # Path -> the path as messages show it
        self.groups: dict[str, Group] = {"all": Group("all"), "ungrouped": Group("ungrouped")}
        self.hosts: dict[str, HostEntry] = {}
        self.memberships: dict[str, list[str]] = {}  # host -> the groups that list it
        self.files = 0
        self._add_child("all", "ungrouped")

    # --- the shared model ---------------------------------------------------------------
    def add_group(self, name: str, where: str) -> Group:
        if name not in self.groups:
            self.groups[name] = Group(name, declared_at=where)
        return self.groups[name]

    def add_host(self, name: str, group: str, port: int | None, where: str) -> HostEntry:
        host = self.hosts.get(name)
        if host is None:
            host = self.hosts[name] = HostEntry(name, declared_at=where)
            if port:
                host.vars["ansible_port"] = port
        if group not in self.memberships.setdefault(name, []):
            self.memberships[name].append(group)
            self.groups[group].hosts.append(name)
        return host

    def _add_child(self, parent: str, child: str) -> None:
        if child not in self.groups[parent].children:
            self.groups[parent].children.append(child)
            self.groups[child].parents.append(parent)

    def add_child(self, parent: str, child: str, where: str) -> None:
        if child == "all" or parent == child or child in self.ancestors(parent):
            raise BadInput(f"{where}: group {child!r} as a child of {parent!r} makes a loop of groups",
                           "remove one of the two children: entries")
        self._add_child(parent, child)

    def ancestors(self, group: str) -> set[str]:
        order = list(dict.fromkeys(self.groups[group].parents))
        seen = set(order)
        for name in order:  # grows, each group at most once
            for parent in self.groups[name].parents:
                if parent not in seen:
                    seen.add(parent)
                    order.append(parent)
        return seen

    @staticmethod
    def set_group_var(group: Group, key: str, value: Any, where: str) -> None:
        if key == "ansible_group_priority":
            # Ansible keeps it as the group's sort priority, not as a variable
            try:
                group.priority = int(value)
            except (TypeError, ValueError):
                raise BadInput(f"{where}: ansible_group_priority must be a whole number, not {value!r}") from None
        else:
            group.vars[str(key)] = value

    # --- sources -------------------------------------------------------------------------
    def read_path(self, path: Path, depth: int = 0) -> None:
        if path.is_dir():
            if depth > MAX_DEPTH:  # a folder linked into itself
                raise BadInput(f"{self.show(path)}: inventory folders nested more than {MAX_DEPTH} deep")
            for name in sorted(os.listdir(path)):
                if name.startswith(".") or name in IGNORED_NAMES or name.endswith(IGNORED_EXTS):
                    continue
                self.read_path(path / name, depth + 1)
        elif path.is_file():
            self.files += 1
            if self.files > MAX_FILES:
                raise BadInput(f"{self.show(path.parent)}: more than {MAX_FILES} inventory files")
            self.read_file(path)

    def read_file(self, path: Path) -> None:
        label = self.show(path)
        raw = path.read_bytes()
        if raw.startswith(b"#!") and os.access(path, os.X_OK):
            raise BadInput(f"{label}:1: executable dynamic inventory scripts are not supported (deskctl does not run them)",
                           UNSUPPORTED_HINT)
        if raw.lstrip().startswith(b"$ANSIBLE_VAULT"):
            raise BadInput(f"{label}:1: vault-encrypted inventory files are not supported (deskctl does not decrypt them)",
                           "decrypt it (ansible-vault decrypt) or keep secrets out of the inventory")
        if path.suffix == ".toml":
            raise BadInput(f"{label}:1: TOML inventories are not supported", "write it as INI or YAML")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadInput(f"{label}: not UTF-8 text ({exc.reason})") from None
        ext = path.suffix.lower()
        if ext in YAML_EXTS:
            self.read_yaml(text, label, load_yaml(text, label))
            return
        if ext:
            self.read_ini(text, label)
            return
        # no extension: YAML first, then INI, as Ansible tries its plugins
        try:
            data = load_yaml(text, label)
        except BadInput as yaml_error:
            if "!vault" in yaml_error.message:
                raise
            try:
                self.read_ini(text, label)
            except BadInput:
                # neither: the YAML message when it looked like YAML (no [section] at all)
                if "[" not in text:
                    raise yaml_error from None
                raise
            return
        if isinstance(data, dict):
            self.read_yaml(text, label, data)
        else:
            self.read_ini(text, label)

    # --- INI -----------------------------------------------------------------------------
    def read_ini(self, text: str, label: str) -> None:
        pending: dict[str, dict] = {}  # groups named before they are declared
        group, state = "ungrouped", "hosts"
        for number, raw_line in enumerate(text.splitlines(), start=1):
            line = raw_line.strip()
            where = f"{label}:{number}"
            if not line or line[0] in ";#":
                continue
            section = SECTION.match(line)
            if section:
                group, state = section.group(1), section.group(2) or "hosts"
                if state not in ("hosts", "children", "vars"):
                    raise BadInput(f"{where}: section [{group}:{state}] has an unknown type {state!r}",
                                   "use [NAME], [NAME:vars] or [NAME:children]")
                if group not in self.groups:
                    # [g:vars] alone does not declare g: it must be declared somewhere in the file
                    if state == "vars" and group not in pending:
                        pending[group] = {"line": number, "state": "vars", "parents": []}
                    self.add_group(group, where)
                if group in pending and state != "vars":
                    if pending[group]["state"] == "children":
                        self._declare_pending(group, pending, where)
                    else:
                        del pending[group]
                continue
            if line.startswith("[") and line.endswith("]"):
                raise BadInput(f"{where}: invalid section {line!r}",
                               "write [NAME], [NAME:vars] or [NAME:children], without spaces")
            if state == "hosts":
                self._ini_hosts(line, group, where)
            elif state == "vars":
                if "=" not in line:
                    raise BadInput(f"{where}: expected NAME=VALUE in [{group}:vars], got {line!r}")
                key, value = (part.strip() for part in line.split("=", 1))
                self.set_group_var(self.groups[group], key, ini_value(value), where)
            else:
                match = GROUP_NAME.match(line)
                if not match:
                    raise BadInput(f"{where}: expected a group name in [{group}:children], got {line!r}")
                child = match.group(1)
                if child in self.groups:
                    self.add_child(group, child, where)
                elif child in pending:
                    pending[child]["parents"].append(group)
                else:
                    pending[child] = {"line": number, "state": "children", "parents": [group]}
        for name, decl in pending.items():
            if decl["state"] == "vars":
                raise BadInput(f"{label}:{decl['line']}: section [{name}:vars] is for group {name!r}, "
                               "which the file never declares", f"add a [{name}] section, or remove the vars")
            raise BadInput(f"{label}:{decl['line']}: section [{decl['parents'][-1]}:children] names group "
                           f"{name!r}, which the file never declares", f"add a [{name}] section")

    def _declare_pending(self, group: str, pending: dict, where: str) -> None:
        for parent in pending[group]["parents"]:
            self.add_child(parent, group, where)
            if parent in pending and pending[parent]["state"] == "children":
                self._declare_pending(parent, pending, where)
        pending.pop(group, None)

    def _ini_hosts(self, line: str, group: str, where: str) -> None:
        try:
            tokens = shlex.split(line, comments=True)
        except ValueError as exc:
            raise BadInput(f"{where}: cannot read the host line: {exc}") from None
        if not tokens:
            return
        pattern = tokens[0]
        names, port = expand_pattern(pattern, where)
        if pattern.strip().endswith(":") and port is None:
            raise BadInput(f"{where}: host {pattern!r} ends in ':' (reserved for a port)", "write HOST:PORT or remove the ':'")
        if "---" in (n.strip() for n in names):
            raise BadInput(f"{where}: '---' is not a host name (is this a YAML file? name it .yml)")
        variables = {}
        for token in tokens[1:]:
            if "=" not in token:
                raise BadInput(f"{where}: expected NAME=VALUE after the host name, got {token!r}")
            key, value = token.split("=", 1)
            variables[key] = ini_value(value)
        for name in names:
            host = self.add_host(name, group, port, where)
            host.vars.update(variables)

    # --- YAML ----------------------------------------------------------------------------
    def read_yaml(self, text: str, label: str, data: Any) -> None:
        if data is None:
            return  # an empty file: Ansible's INI reader accepts it, with no hosts
        if not isinstance(data, dict):
            raise BadInput(f"{label}:1: a YAML inventory must be a mapping of group names (like all:)")
        lines = yaml_lines(text)  # one more parse per file, for the file:line of each entry
        if data.get("plugin"):
            raise BadInput(f"{label}:{line_of(lines, ('plugin',))}: inventory plugins (plugin: {data['plugin']}) "
                           "are not supported (deskctl does not run them)", UNSUPPORTED_HINT)
        for name, spec in data.items():
            self._yaml_group(str(name), spec, lines, label, (name,))

    def _yaml_group(self, name: str, spec: Any, lines: dict, label: str, keypath: tuple) -> str:
        where = f"{label}:{line_of(lines, keypath)}"
        if not isinstance(spec, dict | None):
            raise BadInput(f"{where}: group {name!r} must be a mapping with hosts, vars and children")
        group = self.add_group(name, where)
        for key, value in (spec or {}).items():
            here = f"{label}:{line_of(lines, keypath + (key,))}"
            if key not in ("hosts", "vars", "children"):
                raise BadInput(f"{here}: unknown key {key!r} in group {name!r} (known: children, hosts, vars)")
            if isinstance(value, str):
                value = {value: None}
            if not isinstance(value, dict | None):
                raise BadInput(f"{here}: {key} of group {name!r} must be a mapping")
            for item, sub in (value or {}).items():
                if key == "vars":
                    self.set_group_var(group, str(item), sub, here)
                elif key == "children":
                    child = self._yaml_group(str(item), sub, lines, label, keypath + (key, item))
                    self.add_child(name, child, here)
                else:
                    at = f"{label}:{line_of(lines, keypath + (key, item))}"
                    if not isinstance(item, str):
                        raise BadInput(f"{at}: host name {item!r} must be text (quote it)")
                    if not isinstance(sub, dict | None):
                        raise BadInput(f"{at}: the vars of host {item!r} must be a mapping")
                    names, port = expand_pattern(item, at)
                    for host_name in names:
                        self.add_host(host_name, name, port, at).vars.update(sub or {})
        return name

    # --- after every file ----------------------------------------------------------------
    def reconcile(self) -> None:
        """Top-level groups become children of `all`; a host in no group is `ungrouped`, and
        only then (Ansible drops it from `ungrouped` once it is in another group)."""
        for name, group in self.groups.items():
            if name != "all" and not group.parents:
                self._add_child("all", name)
        ungrouped = self.groups["ungrouped"]
        for host in self.hosts:
            others = [g for g in self.direct_groups(host) if g not in ("all", "ungrouped")]
            if others and "ungrouped" in self.memberships[host]:
                ungrouped.hosts.remove(host)
                self.memberships[host].remove("ungrouped")
            elif not others and "ungrouped" not in self.memberships[host]:
                ungrouped.hosts.append(host)
                self.memberships[host].append("ungrouped")

    def direct_groups(self, host: str) -> list[str]:
        return list(self.memberships.get(host, []))

    def depths(self) -> dict[str, int]:
        """Each group's longest distance from `all` (Ansible sorts group vars by it)."""
        depth: dict[str, int] = {}

        def visit(name: str) -> int:
            if name not in depth:
                parents = self.groups[name].parents
                depth[name] = 0 if not parents else 1 + max(visit(p) for p in parents)
            return depth[name]

        for name in self.groups:
            visit(name)
        return depth


def read_ansible_inventory(path: Path, show=str) -> AnsibleInventory:
    """Read one Ansible source (a file or a folder) and merge each host's vars as Ansible does."""
    if not path.exists():
        raise BadInput(f"{show(path)}: no such Ansible inventory", "check inventory.sources in config/deskctl.yaml")
    try:
        return _read(path, show)
    except OSError as exc:
        where = exc.filename or path
        raise BadInput(f"{show(Path(where))}: cannot read the inventory: {exc.strerror or exc}") from None


def _read(path: Path, show) -> AnsibleInventory:
    reader = _Reader(show)
    reader.read_path(path)
    reader.reconcile()
    base = path if path.is_dir() else path.parent
    depth = reader.depths()
    cache: dict = {}
    group_file_vars = {name: load_vars(base / "group_vars", name, show, cache) for name in reader.groups}
    host_vars: dict[str, dict[str, Any]] = {}
    host_groups: dict[str, list[str]] = {}
    lineage = {name: {name} | reader.ancestors(name) for name in reader.groups}
    for name, host in reader.hosts.items():
        groups: set[str] = set()
        for direct in reader.direct_groups(name):
            groups |= lineage[direct]
        groups.discard("all")
        ordered = sorted(groups, key=lambda g: (depth[g], reader.groups[g].priority, g))
        merged = dict(reader.groups["all"].vars)
        for group in ordered:
            merged.update(reader.groups[group].vars)
        merged.update(group_file_vars["all"])
        for group in ordered:
            merged.update(group_file_vars[group])
        merged.update(host.vars)
        merged.update(load_vars(base / "host_vars", name, show, cache))
        host_vars[name] = merged
        host_groups[name] = ordered
    own_vars = {name: {**g.vars, **group_file_vars[name]} for name, g in reader.groups.items()}
    return AnsibleInventory(path, reader.groups, reader.hosts, host_vars, host_groups, own_vars)
