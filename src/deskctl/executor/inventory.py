"""The desk's inventory (`config/inventory.yaml`): hosts, groups, their connection settings
and variables, validated with `file:line` messages; and target patterns resolved to hosts.

    defaults: {user: ops, port: 22, key: ~/.ssh/id_ed25519}
    hosts:
      localhost: {connection: local}
      web1: {address: 10.0.0.11, groups: [web]}
    groups:
      web: {vars: {service: nginx}}
"""

from __future__ import annotations

import fnmatch
import getpass
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deskctl.desk import yamlio
from deskctl.errors import BadInput, NotFound, ValidationFailed

INVENTORY_FILE = Path("config") / "inventory.yaml"
HOST_FIELDS = {
    "address": str, "port": int, "user": str, "key": str, "connection": str, "groups": list,
    "vars": dict, "env": dict, "path_prepend": list, "connect_timeout": int | float,
    "sudo_password_env": str, "description": str,
}  # fmt: skip
GROUP_FIELDS = {"vars": dict, "hosts": list, "description": str}
CONNECTIONS = ("ssh", "local")
NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@:-]*$")
VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class Host:
    """One target: where and how to connect, and the variables its steps see."""

    name: str
    address: str
    port: int = 22
    user: str = ""
    key: str | None = None
    connection: str = "ssh"
    groups: list[str] = field(default_factory=list)
    vars: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    path_prepend: list[str] = field(default_factory=list)
    connect_timeout: float = 10.0
    sudo_password_env: str | None = None
    description: str = ""
    ad_hoc: bool = False  # named by a `host` parameter, not listed in the inventory
    source: str = ""  # the inventory source(s) it comes from, e.g. config/inventory.yaml
    # where each field set in inventory.yaml came from: "hosts" (the host's own entry) or
    # "defaults"; None: all given explicitly (ssh_config then fills in nothing they set)
    origins: dict[str, str] | None = None

    @property
    def is_local(self) -> bool:
        return self.connection == "local"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "address": self.address, "port": self.port, "user": self.user,
            "key": self.key, "connection": self.connection, "groups": self.groups,
            "vars": self.vars, "env": self.env, "path_prepend": self.path_prepend,
            "connect_timeout": self.connect_timeout, "description": self.description,
            "source": self.source,
        }  # fmt: skip


@dataclass
class Inventory:
    hosts: dict[str, Host]
    groups: dict[str, dict[str, Any]]
    defaults: dict[str, Any]
    path: Path | None = None

    def host(self, name: str) -> Host:
        if name not in self.hosts:
            known = ", ".join(sorted(self.hosts)) or "none"
            raise NotFound(f"unknown host {name!r} (inventory hosts: {known})", "add it to config/inventory.yaml")
        return self.hosts[name]

    def group_members(self, group: str) -> list[Host]:
        return [h for h in self.hosts.values() if group in h.groups]

    def resolve(self, pattern: str | list[str], *, what: str = "target") -> list[Host]:
        """Hosts named by `pattern`: host names, group names, `all`, globs (`web*`), comma
        separated or as a list; order kept, duplicates dropped. Unknown names are bad input."""
        names = pattern if isinstance(pattern, list) else str(pattern).split(",")
        chosen: dict[str, Host] = {}
        for raw in names:
            name = str(raw).strip()
            if not name:
                continue
            if name == "all":
                found = list(self.hosts.values())
            elif name in self.hosts:
                found = [self.hosts[name]]
            elif name in self.groups or self.group_members(name):
                found = self.group_members(name)
            elif any(ch in name for ch in "*?["):
                found = [h for n, h in self.hosts.items() if fnmatch.fnmatchcase(n, name)]
            else:
                found = []
            if not found and name not in self.groups:
                known = ", ".join(sorted(self.hosts) + sorted(f"@{g}" for g in self.groups))
                raise BadInput(
                    f"{what} {name!r} matches no host or group of the inventory (known: {known or 'none'})",
                    "check the name, or add the host to config/inventory.yaml",
                )
            for host in found:
                chosen.setdefault(host.name, host)
        return list(chosen.values())

    def ad_hoc(self, name: str) -> Host:
        """A host named by a parameter but not listed: the inventory defaults apply."""
        if name in self.hosts:
            return self.hosts[name]
        if not NAME.match(name):
            raise BadInput(f"{name!r} is not a valid host name or address")
        return _make_host(name, {"address": name}, self.defaults, self.groups, ad_hoc=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "hosts": [h.to_dict() for h in self.hosts.values()],
            "groups": {n: {"vars": g.get("vars", {}), "hosts": [h.name for h in self.group_members(n)]} for n, g in self.groups.items()},
        }


def _default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "root"


def _make_host(name: str, spec: dict, defaults: dict, groups: dict, *, ad_hoc: bool = False) -> Host:
    merged = {**{k: v for k, v in defaults.items() if k != "vars"}, **spec}
    host_groups = [str(g) for g in spec.get("groups", [])]
    # a group may also list its members; either way the host belongs to it
    for gname, group in groups.items():
        if name in (group.get("hosts") or []) and gname not in host_groups:
            host_groups.append(gname)
    variables: dict[str, Any] = dict(defaults.get("vars") or {})
    for gname in host_groups:
        variables.update((groups.get(gname) or {}).get("vars") or {})
    variables.update(spec.get("vars") or {})
    connection = str(merged.get("connection", "local" if name == "localhost" and "address" not in spec else "ssh"))
    return Host(
        name=name,
        address=str(merged.get("address", name)),
        port=int(merged.get("port", 22)),
        user=str(merged.get("user") or _default_user()),
        key=str(merged["key"]) if merged.get("key") else None,
        connection=connection,
        groups=host_groups,
        vars=variables,
        env={str(k): str(v) for k, v in (merged.get("env") or {}).items()},
        path_prepend=[str(p) for p in merged.get("path_prepend") or []],
        connect_timeout=float(merged.get("connect_timeout", 10)),
        sudo_password_env=merged.get("sudo_password_env"),
        description=str(merged.get("description", "")),
        ad_hoc=ad_hoc,
        origins={k: "hosts" if k in spec else "defaults" for k in merged},
    )


def _type_ok(value: Any, expected: Any) -> bool:
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == int | float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, expected)


def _type_word(expected: Any) -> str:
    return {str: "text", int: "a whole number", list: "a list", dict: "a mapping"}.get(expected, "a number")


def check(data: Any, label: str, lines: dict[tuple, int]) -> list[str]:
    """Every problem in parsed inventory data, as `label:line: message`."""
    problems: list[str] = []

    def report(keypath: tuple, message: str) -> None:
        line = lines.get(keypath) or lines.get(keypath[:-1]) or 1
        problems.append(f"{label}:{line}: {message}")

    if data is None:
        return []
    if not isinstance(data, dict):
        return [f"{label}:1: expected a mapping with hosts, groups and defaults"]
    for key in data:
        if key not in ("defaults", "hosts", "groups"):
            report((key,), f"unknown section {key!r} (known: defaults, groups, hosts)")
    sections = {k: data.get(k) or {} for k in ("defaults", "hosts", "groups")}
    for key, value in sections.items():
        if not isinstance(value, dict):
            report((key,), f"{key} must be a mapping")
            sections[key] = {}

    def check_fields(prefix: tuple, spec: Any, allowed: dict, what: str) -> None:
        if not isinstance(spec, dict):
            report(prefix, f"{what} must be a mapping of settings")
            return
        for fname, value in spec.items():
            if fname not in allowed:
                report(prefix + (fname,), f"unknown {what} setting {fname!r} (known: {', '.join(sorted(allowed))})")
            elif not _type_ok(value, allowed[fname]):
                report(prefix + (fname,), f"{'.'.join(map(str, prefix + (fname,)))} must be {_type_word(allowed[fname])}")
            elif fname == "connection" and value not in CONNECTIONS:
                report(prefix + (fname,), f"connection must be one of {', '.join(CONNECTIONS)}, not {value!r}")
            elif fname == "vars":
                for var in value:
                    if not VAR_NAME.match(str(var)):
                        report(prefix + (fname, var), f"variable name {var!r} must be letters, digits and _")

    check_fields(("defaults",), sections["defaults"], HOST_FIELDS, "defaults")
    for gname, spec in sections["groups"].items():
        check_fields(("groups", gname), spec or {}, GROUP_FIELDS, "group")
    for hname, spec in sections["hosts"].items():
        if not NAME.match(str(hname)):
            report(("hosts", hname), f"host name {hname!r} may hold only letters, digits and . _ - @ :")
        check_fields(("hosts", hname), spec or {}, HOST_FIELDS, "host")
        if isinstance(spec, dict) and str(hname) in sections["groups"]:
            report(("hosts", hname), f"{hname!r} is both a host and a group name")
    return problems


def _read_deskctl_file(path: Path, label: str) -> dict:
    """A deskctl-format inventory file, validated (every problem with its line)."""
    data = yamlio.load(path, label)
    # line numbers cost a second parse (and PyYAML's import): only when there is a problem
    if check(data, label, {}):
        problems = check(data, label, yamlio.line_index(path))
        raise ValidationFailed(problems, f"{label} is not valid", "fix each line above")
    return data or {}


def load_inventory(desk) -> Inventory:
    """The desk's inventory: `config/inventory.yaml`, or the sources listed in
    `inventory.sources` of config/deskctl.yaml, merged. Without either, just `localhost`."""
    sources = desk.setting("inventory", "sources")
    if sources:
        from deskctl.executor.inventory_sources import load_sources

        return load_sources(desk, list(sources))
    path = desk.path / INVENTORY_FILE
    if not path.is_file():
        data: Any = {"hosts": {"localhost": {"connection": "local"}}}
        source = "built-in"
    else:
        data = _read_deskctl_file(path, desk.rel(path))
        source = desk.rel(path)
    defaults = dict(data.get("defaults") or {})
    groups = {str(k): dict(v or {}) for k, v in (data.get("groups") or {}).items()}
    hosts = {
        str(name): _make_host(str(name), dict(spec or {}), defaults, groups)
        for name, spec in (data.get("hosts") or {}).items()
    }
    for host in hosts.values():
        host.source = source
    return Inventory(hosts=hosts, groups=groups, defaults=defaults, path=path)
