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

import ast
import functools
import os
import re
import shlex
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deskctl.errors import BadInput

YAML_EXTS = (".yml", ".yaml", ".json")
VARS_EXTS = (".yml", ".yaml", ".json")
# ansible-core's INVENTORY_IGNORE_EXTS default (REJECT_EXTS + .orig .cfg .retry)
IGNORED_EXTS = (".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".cfg", ".retry")
IGNORED_NAMES = ("group_vars", "host_vars", "vars_plugins")
SECTION = re.compile(r"^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$")
GROUP_NAME = re.compile(r"^([^:\]\s]+)\s*(?:#.*)?$")
MAX_HOSTS = 100_000  # hosts one range may expand to: a typo like [1:10000000] stops here
MAX_FILES = 10_000  # files in one inventory folder tree
UNSUPPORTED_HINT = "list the hosts in an INI or YAML inventory, or in config/inventory.yaml"


class _Located(Exception):
    """A problem at a line of a YAML file, raised from inside the YAML loader."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


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
        if parent == child or child in self.ancestors(parent):
            raise BadInput(f"{where}: group {child!r} as a child of {parent!r} makes a loop of groups",
                           "remove one of the two children: entries")
        self._add_child(parent, child)

    def ancestors(self, group: str) -> set[str]:
        seen: set[str] = set()
        todo = list(self.groups[group].parents)
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(self.groups[name].parents)
        return seen

    @staticmethod
    def set_group_var(group: Group, key: str, value: Any) -> None:
        if key == "ansible_group_priority":
            # Ansible keeps it as the group's sort priority, not as a variable
            group.priority = int(value)
        else:
            group.vars[str(key)] = value

    # --- sources -------------------------------------------------------------------------
    def read_path(self, path: Path) -> None:
        if path.is_dir():
            for name in sorted(os.listdir(path)):
                if name.startswith(".") or name in IGNORED_NAMES or name.endswith(IGNORED_EXTS):
                    continue
                self.read_path(path / name)
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
                self.set_group_var(self.groups[group], key, _ini_value(value))
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
            variables[key] = _ini_value(value)
        for name in names:
            host = self.add_host(name, group, port, where)
            host.vars.update(variables)

    # --- YAML ----------------------------------------------------------------------------
    def read_yaml(self, text: str, label: str, data: Any) -> None:
        if data is None:
            return  # an empty file: Ansible's INI reader accepts it, with no hosts
        if not isinstance(data, dict):
            raise BadInput(f"{label}:1: a YAML inventory must be a mapping of group names (like all:)")
        lines = _yaml_lines(text)  # one more parse per file, for the file:line of each entry
        if data.get("plugin"):
            raise BadInput(f"{label}:{_line(lines, ('plugin',))}: inventory plugins (plugin: {data['plugin']}) "
                           "are not supported (deskctl does not run them)", UNSUPPORTED_HINT)
        for name, spec in data.items():
            self._yaml_group(str(name), spec, lines, label, (name,))

    def _yaml_group(self, name: str, spec: Any, lines: dict, label: str, keypath: tuple) -> str:
        where = f"{label}:{_line(lines, keypath)}"
        if not isinstance(spec, dict | None):
            raise BadInput(f"{where}: group {name!r} must be a mapping with hosts, vars and children")
        group = self.add_group(name, where)
        for key, value in (spec or {}).items():
            here = f"{label}:{_line(lines, keypath + (key,))}"
            if key not in ("hosts", "vars", "children"):
                raise BadInput(f"{here}: unknown key {key!r} in group {name!r} (known: children, hosts, vars)")
            if isinstance(value, str):
                value = {value: None}
            if not isinstance(value, dict | None):
                raise BadInput(f"{here}: {key} of group {name!r} must be a mapping")
            for item, sub in (value or {}).items():
                if key == "vars":
                    self.set_group_var(group, str(item), sub)
                elif key == "children":
                    child = self._yaml_group(str(item), sub, lines, label, keypath + (key, item))
                    self.add_child(name, child, here)
                else:
                    at = f"{label}:{_line(lines, keypath + (key, item))}"
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


def _ini_value(value: str) -> Any:
    """An INI value as Ansible reads it: a Python literal when it is one (22, True, [1, 2],
    'quoted'), else the text itself."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            parsed = ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return value
    return _plain(parsed)


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if value is ... or isinstance(value, complex):
        return "..." if value is ... else str(value)
    return value


def split_port(pattern: str) -> tuple[str, int | None]:
    """`host:22` -> (host, 22); `[::1]:22` and `web[01:09]:2222` too; a bare IPv6 address has
    no port."""
    bracketed = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\](?::(\d+))?", pattern)
    if bracketed and ":" in bracketed.group(1):
        return bracketed.group(1), int(bracketed.group(2)) if bracketed.group(2) else None
    outside = re.sub(r"\[[^\]]*\]", "", pattern)
    if outside.count(":") == 1:
        head, _, tail = pattern.rpartition(":")
        if tail.isdigit() and head:
            return head, int(tail)
    return pattern, None


def expand_pattern(pattern: str, where: str = "") -> tuple[list[str], int | None]:
    """A host pattern -> its host names and the port it gives them (or None)."""
    name, port = split_port(pattern.strip())
    hosts: list[str] = []
    if "[" in name:
        _expand_range(name, hosts, where)
    else:
        hosts.append(name)
    return hosts, port


def _expand_range(name: str, out: list[str], where: str) -> None:
    head, _, rest = name.partition("[")
    body, closed, tail = rest.partition("]")
    if not closed:
        raise BadInput(f"{where}: host range in {name!r} has no closing ]")
    bounds = body.split(":")
    if len(bounds) not in (2, 3):
        raise BadInput(f"{where}: host range [{body}] must be [BEGIN:END] or [BEGIN:END:STEP]")
    begin, end = bounds[0] or "0", bounds[1]
    step_text = bounds[2] if len(bounds) == 3 else "1"
    if not end:
        raise BadInput(f"{where}: host range [{body}] has no end")
    try:
        step = int(step_text)
    except ValueError:
        raise BadInput(f"{where}: host range step {step_text!r} must be a whole number") from None
    if step < 1:
        raise BadInput(f"{where}: host range step must be 1 or more")
    width = len(begin) if begin[0] == "0" and len(begin) > 1 else 0
    if width and width != len(end):
        raise BadInput(f"{where}: host range [{body}]: BEGIN and END must have the same width ({begin}, {end})")
    letters = string.ascii_letters
    if len(begin) == 1 and len(end) == 1 and begin in letters and end in letters:
        if letters.index(begin) > letters.index(end):
            raise BadInput(f"{where}: host range [{body}] must have BEGIN <= END")
        values = [letters[i] for i in range(letters.index(begin), letters.index(end) + 1, step)]
    else:
        try:
            low, high = int(begin), int(end)
        except ValueError:
            raise BadInput(f"{where}: host range [{body}] must be numbers or single letters") from None
        if (high - low) // step + 1 > MAX_HOSTS:
            raise BadInput(f"{where}: host range [{body}] makes more than {MAX_HOSTS} hosts")
        values = [str(n).zfill(width) if width else str(n) for n in range(low, high + 1, step)]
    for value in values:
        expanded = f"{head}{value}{tail}"
        if "[" in expanded:
            _expand_range(expanded, out, where)
        else:
            out.append(expanded)
        if len(out) > MAX_HOSTS:
            raise BadInput(f"{where}: host pattern {name!r} makes more than {MAX_HOSTS} hosts")


@functools.cache
def _yaml_loader():
    import yaml

    class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when there is one
        pass

    def vault(loader, node):
        raise _Located(node.start_mark.line + 1, "encrypted !vault values are not supported (deskctl does not decrypt them)")

    def unsafe(loader, node):
        # `!unsafe` only tells Ansible not to template the value: the value itself
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True)
        return loader.construct_mapping(node, deep=True)

    Loader.add_constructor("!vault", vault)
    Loader.add_constructor("!unsafe", unsafe)
    return Loader


def load_yaml(text: str, label: str) -> Any:
    """YAML text as Ansible loads it (`!unsafe` is plain text); errors name `label:line`."""
    import yaml

    from deskctl.desk import yamlio

    if len(text) > yamlio.MAX_BYTES:
        raise BadInput(f"{label}:1: file too large ({len(text):,} characters; the limit for a YAML file is "
                       f"{yamlio.MAX_BYTES:,})", "split it into several files of an inventory folder")
    loader = _yaml_loader()(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        yamlio.check_expansion(node, label)  # an alias bomb is refused before it is built
        return loader.construct_document(node)
    except _Located as exc:
        raise BadInput(f"{label}:{exc.line}: {exc.message}",
                       "keep the value out of the inventory, or decrypt it (ansible-vault decrypt)") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise BadInput(f"{label}:{mark.line + 1 if mark else 1}: invalid YAML: {exc.problem or exc.context}",
                       "fix the syntax at that line") from None
    except yaml.YAMLError as exc:
        raise BadInput(f"{label}: invalid YAML: {exc}") from None
    finally:
        loader.dispose()


def _yaml_lines(text: str) -> dict[tuple, int]:
    """Every mapping key path of YAML text -> its 1-based line (keys as text)."""
    import yaml

    from deskctl.desk import yamlio

    try:
        root = yaml.compose(text, Loader=_yaml_loader())
    except (yaml.YAMLError, _Located):
        return {}
    index: dict[tuple, int] = {(): root.start_mark.line + 1} if root is not None else {}
    stack = [((), root)] if root is not None else []
    for _ in range(2 * yamlio.MAX_NODES):  # the document passed check_expansion: fewer nodes
        if not stack:
            break
        prefix, node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                path = prefix + (str(key_node.value),)
                index.setdefault(path, key_node.start_mark.line + 1)
                stack.append((path, value_node))
    return index


def _line(lines: dict[tuple, int], keypath: tuple) -> int:
    """The line of `keypath`, else of its nearest parent that has one, else 1."""
    path = tuple(str(part) for part in keypath)
    for n in range(len(path), -1, -1):
        if path[:n] in lines:
            return lines[path[:n]]
    return 1


def _vars_files(folder: Path, name: str, listings: dict) -> list[Path]:
    """group_vars/NAME or host_vars/NAME: the first of NAME, NAME.yml, NAME.yaml, NAME.json
    that exists; a folder gives its files (name order, recursively)."""
    # the folder is listed once for all the hosts and groups that look there
    if folder not in listings:
        try:
            listings[folder] = frozenset(os.listdir(folder))
        except OSError:  # no group_vars/ (or host_vars/) here
            listings[folder] = frozenset()
    present = listings[folder]
    for ext in ("", *VARS_EXTS):
        if name + ext not in present:
            continue
        candidate = folder / (name + ext)
        if candidate.is_dir():
            return _folder_vars_files(candidate)
        if candidate.is_file():
            return [candidate]
    return []


def _folder_vars_files(folder: Path) -> list[Path]:
    found: list[Path] = []
    for name in sorted(os.listdir(folder)):
        if name.startswith(".") or name.endswith("~"):
            continue
        path, ext = folder / name, os.path.splitext(name)[1]
        if path.is_dir() and not ext:
            found.extend(_folder_vars_files(path))
        elif path.is_file() and (not ext or ext in VARS_EXTS):
            found.append(path)
    return found


def _load_vars(folder: Path, name: str, show, cache: dict) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path in _vars_files(folder, name, cache.setdefault("listings", {})):
        if path not in cache:
            label = show(path)
            text = path.read_text(encoding="utf-8", errors="surrogateescape")
            if text.lstrip().startswith("$ANSIBLE_VAULT"):
                raise BadInput(f"{label}:1: vault-encrypted vars files are not supported (deskctl does not decrypt them)",
                               "decrypt it (ansible-vault decrypt) or keep secrets out of the inventory")
            data = load_yaml(text, label)
            if data is not None and not isinstance(data, dict):
                raise BadInput(f"{label}:1: a vars file must be a mapping of NAME: VALUE")
            cache[path] = data or {}
        merged.update(cache[path])
    return merged


def read_ansible_inventory(path: Path, show=str) -> AnsibleInventory:
    """Read one Ansible source (a file or a folder) and merge each host's vars as Ansible does."""
    reader = _Reader(show)
    if not path.exists():
        raise BadInput(f"{show(path)}: no such Ansible inventory", "check inventory.sources in config/deskctl.yaml")
    try:
        reader.read_path(path)
    except OSError as exc:
        raise BadInput(f"{show(path)}: cannot read the inventory: {exc.strerror or exc}") from None
    reader.reconcile()
    base = path if path.is_dir() else path.parent
    depth = reader.depths()
    cache: dict = {}
    group_file_vars = {name: _load_vars(base / "group_vars", name, show, cache) for name in reader.groups}
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
        merged.update(_load_vars(base / "host_vars", name, show, cache))
        host_vars[name] = merged
        host_groups[name] = ordered
    own_vars = {name: {**g.vars, **group_file_vars[name]} for name, g in reader.groups.items()}
    return AnsibleInventory(path, reader.groups, reader.hosts, host_vars, host_groups, own_vars)
