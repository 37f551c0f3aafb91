"""Several inventory sources merged into one inventory (`inventory.sources` in config/deskctl.yaml):

    inventory:
      sources: [config/inventory.yaml, ansible:/etc/ansible/hosts, ansible:inventories/prod/]

A plain path is a deskctl inventory file (the format of config/inventory.yaml); `ansible:PATH`
is an Ansible inventory file or folder (deskctl.executor.ansible_inventory). Relative paths are
from the desk folder. Sources are read in order; a host named in two of them gets the settings
of the later one where both set one, its vars merged (the later source wins per variable) and
the groups of both. The `defaults` of deskctl files apply to every host, Ansible's included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from deskctl.errors import BadInput
from deskctl.executor.inventory import NAME, Inventory, _make_host, _read_deskctl_file

ANSIBLE_PREFIX = "ansible:"
# Ansible's connection variables -> deskctl host settings; the first one set wins
ADDRESS_VARS = ("ansible_host", "ansible_ssh_host")
PORT_VARS = ("ansible_port", "ansible_ssh_port")
USER_VARS = ("ansible_user", "ansible_ssh_user")
KEY_VARS = ("ansible_ssh_private_key_file", "ansible_private_key_file")
SSH_CONNECTIONS = ("ssh", "smart", "paramiko", "paramiko_ssh", "ansible.builtin.ssh", "ansible.builtin.paramiko_ssh")
LOCAL_CONNECTIONS = ("local", "ansible.builtin.local")


def _resolve(desk, entry: str) -> tuple[str, Path]:
    kind = "ansible" if entry.startswith(ANSIBLE_PREFIX) else "deskctl"
    raw = entry[len(ANSIBLE_PREFIX):] if kind == "ansible" else entry
    path = Path(raw.strip()).expanduser()
    return kind, path if path.is_absolute() else desk.path / path


def _first(variables: dict, names: tuple) -> Any:
    return next((variables[n] for n in names if variables.get(n) not in (None, "")), None)


def ansible_host_spec(name: str, variables: dict, groups: list[str], where: str) -> dict:
    """One Ansible host as deskctl host settings; every variable stays visible to the steps."""
    if not NAME.match(name):
        raise BadInput(f"{where}: host name {name!r} may hold only letters, digits and . _ - @ :",
                       "rename the host and set ansible_host to its address")
    spec: dict[str, Any] = {"groups": list(groups), "vars": dict(variables)}
    for var in (*ADDRESS_VARS, *PORT_VARS, *USER_VARS, *KEY_VARS, "ansible_connection"):
        if "{{" in str(variables.get(var, "")) or "{%" in str(variables.get(var, "")):
            raise BadInput(f"{where}: host {name!r}: {var} is a template ({variables[var]!r}); deskctl does not "
                           "evaluate templates in inventories", f"write the value itself, e.g. {var}=10.0.0.5")
    address, port, user, key = (_first(variables, names) for names in (ADDRESS_VARS, PORT_VARS, USER_VARS, KEY_VARS))
    if address is not None:
        spec["address"] = str(address)
    if port is not None:
        try:
            spec["port"] = int(port)
        except (TypeError, ValueError):
            raise BadInput(f"{where}: host {name!r}: ansible_port must be a whole number, not {port!r}") from None
    if user is not None:
        spec["user"] = str(user)
    if key is not None:
        spec["key"] = str(key)
    connection = variables.get("ansible_connection")
    if connection in LOCAL_CONNECTIONS:
        spec["connection"] = "local"
    elif connection is None or connection in SSH_CONNECTIONS:
        spec["connection"] = "ssh"
    else:
        raise BadInput(f"{where}: host {name!r}: ansible_connection {connection!r} is not supported "
                       "(deskctl connects over ssh, or runs locally with ansible_connection=local)",
                       "leave such hosts out of the inventory sources deskctl reads")
    return spec


def _merge_spec(old: dict, new: dict) -> dict:
    merged = {**old, **new}
    merged["vars"] = {**(old.get("vars") or {}), **(new.get("vars") or {})}
    merged["groups"] = list(dict.fromkeys([*(old.get("groups") or []), *(new.get("groups") or [])]))
    return merged


def _merge_group(groups: dict, name: str, spec: dict) -> None:
    group = groups.setdefault(name, {})
    for key, value in spec.items():
        if key == "vars":
            group["vars"] = {**(group.get("vars") or {}), **(value or {})}
        elif key == "hosts":
            group["hosts"] = list(dict.fromkeys([*(group.get("hosts") or []), *(value or [])]))
        else:
            group[key] = value


def load_sources(desk, sources: list[str]) -> Inventory:
    from deskctl.executor.ansible_inventory import read_ansible_inventory

    specs: dict[str, dict] = {}
    origins: dict[str, list[str]] = {}
    groups: dict[str, dict] = {}
    defaults: dict[str, Any] = {}
    first_file: Path | None = None
    for entry in sources:
        kind, path = _resolve(desk, entry)
        label = desk.rel(path)
        if not path.exists():
            raise BadInput(f"{desk.source_of(['inventory', 'sources'])}: inventory source {entry!r} does not exist "
                           f"({label})", "fix the path in inventory.sources, or remove it")
        if kind == "deskctl":
            if not path.is_file():
                raise BadInput(f"{label}: a deskctl inventory source must be a file",
                               f"write ansible:{entry} if it is an Ansible inventory folder")
            first_file = first_file or path
            data = _read_deskctl_file(path, label)
            defaults = {**defaults, **(data.get("defaults") or {}),
                        "vars": {**(defaults.get("vars") or {}), **((data.get("defaults") or {}).get("vars") or {})}}
            for name, spec in (data.get("groups") or {}).items():
                _merge_group(groups, str(name), dict(spec or {}))
            for name, spec in (data.get("hosts") or {}).items():
                specs[str(name)] = _merge_spec(specs.get(str(name), {}), dict(spec or {}))
                origins.setdefault(str(name), []).append(label)
            continue
        found = read_ansible_inventory(path, desk.rel)
        for name, own_vars in found.group_vars.items():
            if name != "all":
                _merge_group(groups, name, {"vars": own_vars})
        for name, host in found.hosts.items():
            where = host.declared_at
            spec = ansible_host_spec(name, found.host_vars[name], found.host_groups[name], where)
            specs[name] = _merge_spec(specs.get(name, {}), spec)
            origins.setdefault(name, []).append(ANSIBLE_PREFIX + where.rsplit(":", 1)[0])
    if not defaults.get("vars"):
        defaults.pop("vars", None)
    hosts = {}
    for name, spec in specs.items():
        host = _make_host(name, spec, defaults, groups)
        host.source = ", ".join(dict.fromkeys(origins[name]))
        hosts[name] = host
    return Inventory(hosts=hosts, groups=groups, defaults=defaults,
                     path=first_file or desk.path / "config" / "inventory.yaml")
