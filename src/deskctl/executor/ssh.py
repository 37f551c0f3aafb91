"""SSH execution with paramiko: verified host keys, key or agent authentication, one
connection per host reused for every step, commands with stdin, timeouts and exit codes.

paramiko is imported only when a host really needs SSH (it is the heaviest import deskctl
has), and the socket is connected by us with TCP_NODELAY set: paramiko leaves Nagle's
algorithm on, which makes authentication wait ~40 ms on a delayed ACK (docs: measured.md).
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import sys
import threading
import time
from pathlib import Path

from deskctl.executor import CommandResult, ConnectionFailed, HostKeyProblem
from deskctl.executor.hostkeys import entry_name, fingerprint
from deskctl.executor.local import MAX_OUTPUT

_import_lock = threading.Lock()
_paramiko = None


def paramiko_module():
    """paramiko, imported once. paramiko imports `invoke` (if installed) only for `Match exec`
    in ssh_config files, which deskctl never reads: hiding it saves ~80-100 ms per run."""
    global _paramiko
    if _paramiko is not None:
        return _paramiko
    with _import_lock:  # other hosts' threads must not see a half-imported module
        if _paramiko is not None:
            return _paramiko
        hide = "invoke" not in sys.modules
        if hide:
            sys.modules["invoke"] = None  # type: ignore[assignment] - makes `import invoke` fail fast
        try:
            import paramiko
        finally:
            if hide and sys.modules.get("invoke", 0) is None:
                del sys.modules["invoke"]  # later imports of invoke (by anyone) work normally
        _paramiko = paramiko
    return paramiko


def open_socket(address: str, port: int, timeout: float) -> socket.socket:
    try:
        sock = socket.create_connection((address, port), timeout=timeout)
    except TimeoutError:
        raise ConnectionFailed(f"connection to {address}:{port} timed out after {timeout:g} s") from None
    except socket.gaierror as exc:
        raise ConnectionFailed(f"cannot resolve {address!r}: {exc.strerror}") from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConnectionFailed(f"cannot connect to {address}:{port}: {reason}") from None
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def fetch_host_key(address: str, port: int, timeout: float = 10.0):
    """The key a server presents, without authenticating (for `inventory trust`)."""
    paramiko = paramiko_module()
    sock = open_socket(address, port, timeout)
    transport = paramiko.Transport(sock)
    try:
        transport.start_client(timeout=timeout)
        return transport.get_remote_server_key()
    except (paramiko.SSHException, OSError, EOFError) as exc:
        raise ConnectionFailed(f"SSH handshake with {address}:{port} failed: {exc}") from None
    finally:
        transport.close()


def _client_class(paramiko):
    class _Policy(paramiko.MissingHostKeyPolicy):
        def missing_host_key(self, client, hostname, key):
            raise HostKeyProblem(
                f"host key of {hostname} is not known ({key.get_name()} {fingerprint(key)}); "
                f"check the fingerprint and run `deskctl inventory trust HOST`",
                key_type=key.get_name(), fingerprint=fingerprint(key),
            )  # fmt: skip

    class _Client(paramiko.SSHClient):
        def __init__(self, host_keys):
            super().__init__()
            self._system_host_keys = host_keys  # shared, parsed once for all hosts
            self.set_missing_host_key_policy(_Policy())

    return _Client


class SshConnection:
    """One authenticated SSH connection; `run()` opens a channel per command."""

    def __init__(self, host, client):
        self.host = host
        self.client = client
        self.is_root = host.user == "root"

    @classmethod
    def open(cls, host, *, known_hosts: list[Path], timeout: float = 10.0) -> SshConnection:
        paramiko = paramiko_module()
        from deskctl.executor import hostkeys

        keys = hostkeys.load(known_hosts)
        client = _client_class(paramiko)(keys)
        where = f"{host.user}@{host.address}:{host.port}"
        key_file = os.path.expanduser(host.key) if host.key else None
        agent = bool(os.environ.get("SSH_AUTH_SOCK"))
        if key_file and not os.path.isfile(key_file) and not agent:
            raise ConnectionFailed(
                f"key file {host.key} not found and no ssh-agent is running "
                f"(set `key:` for {host.name} in config/inventory.yaml, or start ssh-agent)"
            )
        sock = open_socket(host.address, host.port, timeout)
        try:
            client.connect(
                host.address, port=host.port, username=host.user, sock=sock,
                key_filename=key_file if key_file and os.path.isfile(key_file) else None,
                allow_agent=agent, look_for_keys=not key_file and not agent,
                timeout=timeout, banner_timeout=timeout, auth_timeout=timeout,
            )  # fmt: skip
        except HostKeyProblem:
            sock.close()
            raise
        except paramiko.BadHostKeyException as exc:
            sock.close()
            name = entry_name(host.address, host.port)
            raise HostKeyProblem(
                f"host key of {name} has CHANGED: it presents {exc.key.get_name()} "
                f"{fingerprint(exc.key)}, known_hosts has {fingerprint(exc.expected_key)}; "
                f"this may be an attack; if the host was reinstalled, verify and run "
                f"`deskctl inventory trust {host.name}`",
                key_type=exc.key.get_name(), fingerprint=fingerprint(exc.key), changed=True,
            ) from None
        except paramiko.AuthenticationException as exc:
            sock.close()
            raise ConnectionFailed(f"authentication failed for {where}: {exc}") from None
        except (paramiko.SSHException, OSError, EOFError) as exc:
            sock.close()
            raise ConnectionFailed(f"SSH connection to {where} failed: {exc or type(exc).__name__}") from None
        return cls(host, client)

    def run(self, command: str, *, stdin: bytes = b"", timeout: float | None = None) -> CommandResult:
        paramiko = paramiko_module()
        started = time.monotonic()
        transport = self.client.get_transport()
        if transport is None or not transport.is_active():
            return CommandResult(None, error="connection lost")
        try:
            chan = transport.open_session(timeout=timeout or 30)
            chan.exec_command(command)
            if stdin:
                chan.sendall(stdin)
            chan.shutdown_write()
        except (paramiko.SSHException, OSError, EOFError) as exc:
            return CommandResult(None, error=f"cannot run the command: {exc or type(exc).__name__}")
        out, err = bytearray(), bytearray()
        dropped = {"stdout": 0, "stderr": 0}  # bytes cut off the front (see local.cut)
        deadline = started + timeout if timeout else None
        try:
            for _ in range(100_000_000):  # bounded; each pass waits on select
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return CommandResult(None, bytes(out), bytes(err), time.monotonic() - started,
                                         error=f"timed out after {timeout:g} s", extra=_extra(dropped))
                readable, _, _ = select.select([chan], [], [], remaining)
                if not readable:
                    continue
                while chan.recv_ready():
                    out += chan.recv(65536)
                    dropped["stdout"] += max(0, len(out) - MAX_OUTPUT)
                    del out[:-MAX_OUTPUT]
                while chan.recv_stderr_ready():
                    err += chan.recv_stderr(65536)
                    dropped["stderr"] += max(0, len(err) - MAX_OUTPUT)
                    del err[:-MAX_OUTPUT]
                if chan.eof_received and not chan.recv_ready() and not chan.recv_stderr_ready():
                    break
                if chan.closed:
                    break
            rc = chan.recv_exit_status()
        finally:
            chan.close()
        duration = time.monotonic() - started
        if rc == -1:
            return CommandResult(None, bytes(out), bytes(err), duration, error="the command ended without an exit status (killed?)",
                                 extra=_extra(dropped))
        return CommandResult(rc, bytes(out), bytes(err), duration, extra=_extra(dropped))

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a dead connection must not fail the run
            self.client.close()


def _extra(dropped: dict[str, int]) -> dict:
    kept = {name: n for name, n in dropped.items() if n}
    return {"dropped": kept} if kept else {}
