"""Running commands on hosts: on this machine (`local`) or over SSH (paramiko), with one
connection per host reused for every step, and results collected per host.

`connect(host, known_hosts=...)` returns a `Connection` whose `run()` executes one shell
command; the runbook engine drives many of them in parallel (see `fanout`).
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ConnectionFailed(Exception):
    """The host could not be reached or refused us (only that host fails)."""


class HostKeyProblem(ConnectionFailed):
    """The host's key is unknown or does not match known_hosts (never silently accepted)."""

    def __init__(self, message: str, *, key_type: str = "", fingerprint: str = "", changed: bool = False):
        super().__init__(message)
        self.key_type = key_type
        self.fingerprint = fingerprint
        self.changed = changed


@dataclass
class CommandResult:
    """What one command did: exit code (None when it never finished), output, duration."""

    rc: int | None
    stdout: bytes = b""
    stderr: bytes = b""
    duration: float = 0.0
    error: str | None = None  # why there is no exit code (timeout, connection lost)
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.rc == 0 and self.error is None


def connect(host, *, known_hosts: list, connect_timeout: float | None = None, settings=None):
    """An open connection to `host` (an `inventory.Host`): local, or SSH with verified key;
    `settings` (`ssh_config.resolve`) add what ssh_config says (jump hosts, ...)."""
    if host.is_local:
        from deskctl.executor.local import LocalConnection

        return LocalConnection(host)
    from deskctl.executor.ssh import SshConnection

    return SshConnection.open(host, known_hosts=known_hosts, timeout=connect_timeout, settings=settings)
