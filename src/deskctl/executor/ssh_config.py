"""OpenSSH client configuration (`ssh_config`) for deskctl's SSH connections.

Read, in this order: the desk's `config/ssh_config` (when present), then the user's
`~/.ssh/config` (or the file `$DESKCTL_SSH_CONFIG` names). As in OpenSSH, the first value
found for a keyword wins, `IdentityFile` lines add up, and an `Include` is read in place.

A host of the inventory is looked up by its name, as `ssh -o HostName=ADDRESS -o User=...
NAME` would be: the settings its own inventory entry gives are the `-o` options, so they win
over ssh_config, and `Match host`/`Match user` see them. The inventory's `defaults:` come after ssh_config (they fill in what it leaves unset), deskctl's
built-in defaults last. Jump hosts (`ProxyJump`) are looked up in ssh_config only, as ssh
does. Only the desk's file may loosen host key checking (`StrictHostKeyChecking`).

No paramiko here: `deskctl inventory show` and run preparation use it without SSH.
"""

from __future__ import annotations

import getpass
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deskctl.errors import BadInput
from deskctl.executor.ssh_config_files import (  # noqa: F401 - the file names too, for callers
    DESK_SSH_CONFIG,
    USER_CONFIG_ENV,
    Lookup,
    config_files,
    expand_percent_h,
    read_into,
)

MAX_JUMPS = 8
DEFAULT_TIMEOUT = 10.0
STRICT_VALUES = ("yes", "no", "ask", "accept-new", "off")
# inventory field -> ssh_config keyword it stands for
INVENTORY_KEYWORDS = {"address": "hostname", "user": "user", "port": "port", "key": "identityfile",
                      "connect_timeout": "connecttimeout"}  # fmt: skip


@dataclass
class SshSettings:
    """Where and how one SSH hop connects, and where each setting came from."""

    alias: str  # the name ssh_config's `Host` lines were matched against
    hostname: str
    port: int
    user: str
    identity_files: list[str]  # expanded paths; empty: ssh-agent and ~/.ssh/id_*
    identities_only: bool
    proxy_jump: list[str]  # hop specs as written ([user@]host[:port])
    connect_timeout: float
    server_alive_interval: int
    known_hosts: list[Path]  # the desk's file first
    strict: str  # yes (refuse unknown keys), accept-new, no: changed keys are always refused
    sources: dict[str, Any] = field(default_factory=dict)
    jumps: list[SshSettings] = field(default_factory=list)  # resolved hops, the first one first

    def to_dict(self) -> dict[str, Any]:
        return {
            "hostname": self.hostname, "port": self.port, "user": self.user,
            "identity_files": self.identity_files, "identities_only": self.identities_only,
            "proxy_jump": ",".join(self.proxy_jump) or None, "connect_timeout": self.connect_timeout,
            "server_alive_interval": self.server_alive_interval,
            "known_hosts_files": [str(p) for p in self.known_hosts],
            "strict_host_key_checking": self.strict, "sources": self.sources,
            "jumps": [{"alias": j.alias, "hostname": j.hostname, "port": j.port, "user": j.user} for j in self.jumps],
        }  # fmt: skip


def _expand_tokens(value: str, tokens: dict[str, str], label: str) -> str:
    def one(m: re.Match) -> str:
        if m[1] not in tokens:
            raise BadInput(f"{label}: token %{m[1]} is not supported in {value!r} (supported: %{' %'.join(tokens)})")
        return tokens[m[1]]

    return re.sub(r"%(.)", one, os.path.expanduser(value))


def _number(state: Lookup, keyword: str, low: int, high: int) -> tuple[Any, str | None]:
    found = state.values.get(keyword)
    if not found:
        return None, None
    value, label = found[0][0], found[1]
    if value.lower() == "none" and keyword == "connecttimeout":
        return None, None
    try:  # the inventory's connect_timeout may be a fraction
        number = float(value) if keyword == "connecttimeout" else int(value)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        shown = {"port": "Port", "connecttimeout": "ConnectTimeout", "serveraliveinterval": "ServerAliveInterval"}[keyword]
        raise BadInput(f"{label}: {shown} must be a whole number from {low} to {high}, not {value!r}")
    return number, label


def _local_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "root"


def _inventory_label(desk, host, name: str, kind: str, lines: dict | None) -> str:
    label = "config/inventory.yaml" if desk is None else desk.rel(desk.path / "config" / "inventory.yaml")
    source = str(getattr(host, "source", "") or "")
    if kind == "hosts" and source and source not in (label, "built-in"):
        return source  # another inventory source (an Ansible inventory): its own name, no line
    keypath = ("hosts", host.name, name) if kind == "hosts" else ("defaults", name)
    line = (lines or {}).get(keypath)
    return f"{label}:{line}" if line else label


def resolve(desk, host, *, with_lines: bool = False) -> SshSettings:
    """The effective settings for an inventory host (see the module docstring)."""
    origins = getattr(host, "origins", None)
    explicit = set(INVENTORY_KEYWORDS) if origins is None else {k for k, v in origins.items() if v == "hosts"}
    if getattr(host, "ad_hoc", False):
        explicit.discard("address")  # a name typed as a parameter: ssh_config may map it
    lines = None
    if with_lines and desk is not None and origins is not None:
        from deskctl.desk import yamlio

        lines = yamlio.line_index(desk.path / "config" / "inventory.yaml")
    seeds = {}
    for name in explicit:
        if name in INVENTORY_KEYWORDS and getattr(host, name) not in (None, ""):
            seeds[INVENTORY_KEYWORDS[name]] = (str(getattr(host, name)), _inventory_label(desk, host, name, "hosts", lines))
    fallback = {}
    for name, kind in (origins or {}).items():
        if kind == "defaults" and name in INVENTORY_KEYWORDS and name not in explicit:
            fallback[INVENTORY_KEYWORDS[name]] = (str(getattr(host, name)), _inventory_label(desk, host, name, "defaults", lines))
    settings = _lookup(desk, host.name, seeds, fallback)
    settings.jumps = _jumps(desk, settings, 0)
    return settings


def from_host(host, known_hosts: list[Path], timeout: float) -> SshSettings:
    """Settings from the inventory's fields alone (no ssh_config read)."""
    return SshSettings(
        alias=host.name, hostname=host.address, port=host.port, user=host.user,
        identity_files=[os.path.expanduser(host.key)] if host.key else [], identities_only=False,
        proxy_jump=[], connect_timeout=timeout, server_alive_interval=0, known_hosts=list(known_hosts),
        strict="yes",
    )  # fmt: skip


def _lookup(desk, alias: str, seeds: dict[str, tuple[str, str]], fallback: dict[str, tuple[str, str]]) -> SshSettings:
    """One hop: `seeds` act as `ssh -o` options, `fallback` fills what ssh_config leaves."""
    state = Lookup(alias, _local_user())
    for keyword, (value, label) in seeds.items():
        state.put(keyword, [value], label, True)
        if keyword == "identityfile":
            state.identity_fixed = True
    for file in config_files(desk):
        read_into(file, state, 0)
    for keyword, (value, label) in fallback.items():
        if keyword == "identityfile":
            if not state.identity:
                state.identity.append((value, label))
        elif keyword not in state.values:
            state.values[keyword] = ([value], label, True)
    return _settle(desk, state)


def _settle(desk, state: Lookup) -> SshSettings:
    sources: dict[str, Any] = {}

    def source(keyword: str) -> str:
        found = state.values.get(keyword)
        return found[1] if found else "default"

    hostname = state.current_hostname()
    sources["hostname"] = source("hostname")
    port, _ = _number(state, "port", 1, 65535)
    sources["port"] = source("port")
    user = state.get("user") or state.local_user
    sources["user"] = source("user")
    timeout, _ = _number(state, "connecttimeout", 1, 86400)
    sources["connect_timeout"] = source("connecttimeout") if timeout is not None else "default"
    alive, _ = _number(state, "serveraliveinterval", 0, 86400)
    sources["server_alive_interval"] = source("serveraliveinterval") if alive is not None else "default"
    tokens = {"h": hostname, "p": str(port or 22), "r": user, "u": state.local_user, "l": _short_hostname(),
              "d": str(Path.home()), "%": "%"}  # fmt: skip
    identity = [(_expand_tokens(v, tokens, label), label) for v, label in state.identity if v.lower() != "none"]
    sources["identity_files"] = [label for _, label in identity] or "default"
    only = (state.get("identitiesonly") or "no").lower()
    if only not in ("yes", "no"):
        raise BadInput(f"{source('identitiesonly')}: IdentitiesOnly must be yes or no, not {only!r}")
    sources["identities_only"] = source("identitiesonly")
    jump = _proxy(state)
    sources["proxy_jump"] = source("proxyjump") if jump else "default"
    known, sources["known_hosts_files"] = _known_hosts(desk, state, tokens)
    strict, sources["strict_host_key_checking"] = _strict(state)
    return SshSettings(
        alias=state.alias, hostname=hostname, port=port or 22, user=user,
        identity_files=[v for v, _ in identity], identities_only=only == "yes", proxy_jump=jump,
        connect_timeout=float(timeout) if timeout is not None else DEFAULT_TIMEOUT,
        server_alive_interval=alive or 0, known_hosts=known, strict=strict, sources=sources,
    )  # fmt: skip


def _short_hostname() -> str:
    import socket

    return socket.gethostname().split(".")[0]


def _proxy(state: Lookup) -> list[str]:
    """ProxyJump hops; ProxyCommand (whichever comes first wins, as in ssh) is refused."""
    order = list(state.values)
    jump = state.values.get("proxyjump")
    command = state.values.get("proxycommand")
    if jump and command and order.index("proxycommand") < order.index("proxyjump"):
        jump = None  # the first of the two found wins, as in ssh
    if command and not jump and command[0][0].lower() != "none":
        raise BadInput(f"{command[1]}: ProxyCommand is not supported by deskctl", "use ProxyJump")
    if not jump or jump[0][0].lower() == "none":
        return []
    return [hop.strip() for hop in ",".join(jump[0]).split(",") if hop.strip()]


def _known_hosts(desk, state: Lookup, tokens: dict[str, str]) -> tuple[list[Path], list[str]]:
    from deskctl.executor.hostkeys import DESK_KNOWN_HOSTS

    files: list[Path] = []
    labels: list[str] = []
    if desk is not None:
        files.append(desk.path / DESK_KNOWN_HOSTS)
        labels.append("default")
    found = state.values.get("userknownhostsfile")
    if found:
        for value in found[0]:
            if value.lower() != "none":
                files.append(Path(_expand_tokens(value, tokens, found[1])))
                labels.append(found[1])
    else:
        user = os.environ.get("DESKCTL_USER_KNOWN_HOSTS") or str(Path.home() / ".ssh" / "known_hosts")
        files.append(Path(user).expanduser())
        labels.append("default")
    return files, labels


def _strict(state: Lookup) -> tuple[str, str]:
    found = state.values.get("stricthostkeychecking")
    if not found:
        return "yes", "default"
    value, label, from_desk = found[0][0].lower(), found[1], found[2]
    if value not in STRICT_VALUES:
        raise BadInput(f"{label}: StrictHostKeyChecking must be one of {', '.join(STRICT_VALUES)}, not {value!r}")
    if not from_desk:
        # a personal file must not make the desk's runs trust keys nobody checked
        return "yes", f"default ({label} ignored: only config/ssh_config may loosen it)"
    return {"ask": "yes", "off": "no"}.get(value, value), label


def parse_jump(spec: str, label: str) -> tuple[str | None, str, int | None]:
    """`[user@]host[:port]` or `ssh://[user@]host[:port]` -> (user, host, port)."""
    text = spec[len("ssh://"):] if spec.startswith("ssh://") else spec
    user, _, rest = text.rpartition("@")
    port: int | None = None
    host = rest
    if rest.startswith("["):  # [v6addr]:port
        host, _, tail = rest[1:].partition("]")
        if tail.startswith(":"):
            port = _jump_port(tail[1:], spec, label)
    elif rest.count(":") == 1:
        host, _, tail = rest.partition(":")
        port = _jump_port(tail, spec, label)
    if not host:
        raise BadInput(f"{label}: ProxyJump hop {spec!r} names no host")
    return user or None, host, port


def _jump_port(text: str, spec: str, label: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise BadInput(f"{label}: ProxyJump hop {spec!r} has a bad port")
    return int(text)


def _jumps(desk, settings: SshSettings, depth: int) -> list[SshSettings]:
    """The hops before `settings`, first one first. Like ssh, `ProxyJump a,b` reaches b
    through a (b's own ProxyJump is then ignored), while a single hop uses its own."""
    if not settings.proxy_jump:
        return []
    if depth >= MAX_JUMPS:
        raise BadInput(f"{settings.sources.get('proxy_jump')}: ProxyJump goes through more than {MAX_JUMPS} hops (a loop?)")
    label = settings.sources.get("proxy_jump", "ProxyJump")
    *earlier, last = settings.proxy_jump
    user, alias, port = parse_jump(last, label)
    seeds = {}
    if user:
        seeds["user"] = (user, label)
    if port:
        seeds["port"] = (str(port), label)
    if earlier:
        seeds["proxyjump"] = (",".join(earlier), label)
    hop = _lookup(desk, alias, seeds, {})
    return [*_jumps(desk, hop, depth + 1), hop]
