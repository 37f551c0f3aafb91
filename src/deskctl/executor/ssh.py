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

from deskctl.executor import CommandResult, ConnectionFailed
from deskctl.executor.local import GRACE, MAX_OUTPUT, POLL

_import_lock = threading.Lock()
_paramiko = None


def paramiko_module():
    """paramiko, imported once. paramiko imports `invoke` (if installed) only for `Match exec`
    in its own ssh_config parser, which deskctl never uses (ssh_config.py reads the files, with
    Include and file:line sources paramiko lacks): hiding it saves ~80-100 ms per run."""
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
        import logging

        # paramiko's transport thread logs the socket we close under it (a refused host key)
        # as "Socket exception: Bad file descriptor": with no handler, logging's last resort
        # prints that to the operator's terminal. deskctl reports each failure itself.
        logging.getLogger("paramiko").addHandler(logging.NullHandler())
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


class _Chain:
    """The transports of one connection, the jump hosts' first: closed last to first."""

    def __init__(self, transports):
        self.transports = transports

    def get_transport(self):
        return self.transports[-1]

    def close(self) -> None:
        for transport in reversed(self.transports):
            with contextlib.suppress(Exception):
                transport.close()


class SshConnection:
    """One authenticated SSH connection (through its jump hosts); `run()` opens a channel
    per command."""

    def __init__(self, host, client, user: str | None = None):
        self.host = host
        self.client = client
        self.is_root = (user or host.user) == "root"

    @classmethod
    def open(cls, host, *, known_hosts: list[Path], timeout: float | None = None, settings=None) -> SshConnection:
        """Connect to `host` with its effective `settings` (ssh_config.resolve); without
        them, with the inventory's fields alone."""
        from deskctl.executor import ssh_config
        from deskctl.executor.sshhops import open_hop

        if settings is None:
            settings = ssh_config.from_host(host, known_hosts, timeout or host.connect_timeout)
        elif timeout:
            settings.connect_timeout = timeout
        transports = []
        try:
            for hop in [*settings.jumps, settings]:
                via = transports[-1] if transports else None
                transports.append(open_hop(hop, via, name=host.name))
        except BaseException:
            _Chain(transports).close()
            raise
        return cls(host, _Chain(transports), settings.user)

    def run(self, command: str, *, stdin: bytes = b"", timeout: float | None = None, cancel=None) -> CommandResult:
        """Run `command` on the host. On timeout, or when `cancel` (a threading.Event) is
        set, the command's whole process group on the host is stopped (SIGTERM, SIGKILL
        after a grace period) before this returns, so nothing of it runs on (a retry never
        meets the previous attempt). The command reports its process group first: see
        `_wrap`."""
        paramiko = paramiko_module()
        started = time.monotonic()
        if cancel is not None and cancel.is_set():
            return CommandResult(None, error="interrupted before it started", extra={"interrupted": True})
        transport = self.client.get_transport()
        if transport is None or not transport.is_active():
            return CommandResult(None, error="connection lost")
        marker = f"deskctl-pgid-{os.urandom(4).hex()}:".encode()
        try:
            chan = transport.open_session(timeout=timeout or 30)
            chan.exec_command(_wrap(command, marker))
            if stdin:
                chan.sendall(stdin)
            chan.shutdown_write()
        except (paramiko.SSHException, OSError, EOFError) as exc:
            return CommandResult(None, error=f"cannot run the command: {exc or type(exc).__name__}")
        out, err = bytearray(), bytearray()
        pgid: int | None = None
        dropped = {"stdout": 0, "stderr": 0}  # bytes cut off the front (see local.cut)
        deadline = started + timeout if timeout else None
        why = None
        try:
            for _ in range(100_000_000):  # bounded; each pass waits on select
                remaining = None if deadline is None else deadline - time.monotonic()
                if cancel is not None and cancel.is_set():
                    why = "interrupted"
                elif remaining is not None and remaining <= 0:
                    why = f"timed out after {timeout:g} s"
                if why:
                    break
                wait = POLL if remaining is None else min(POLL, remaining)
                readable, _, _ = select.select([chan], [], [], wait)
                if not readable:
                    continue
                while chan.recv_ready():
                    out += chan.recv(65536)
                    dropped["stdout"] += max(0, len(out) - MAX_OUTPUT)
                    del out[:-MAX_OUTPUT]
                while chan.recv_stderr_ready():
                    err += chan.recv_stderr(65536)
                    if pgid is None:
                        pgid = _take_pgid(err, marker)
                    dropped["stderr"] += max(0, len(err) - MAX_OUTPUT)
                    del err[:-MAX_OUTPUT]
                if chan.eof_received and not chan.recv_ready() and not chan.recv_stderr_ready():
                    break
                if chan.closed and not chan.recv_ready() and not chan.recv_stderr_ready():
                    break  # (data, EOF and close can all arrive after the drain above: read it first)
            # output closed: the exit status follows, unless the command closed its output
            # and goes on running (then a stop or the timeout must still reach it)
            while not why and not chan.status_event.wait(POLL):
                if cancel is not None and cancel.is_set():
                    why = "interrupted"
                elif deadline is not None and time.monotonic() >= deadline:
                    why = f"timed out after {timeout:g} s"
            if why:
                pgid = self._stop_remote(chan, pgid, err, marker)
                return CommandResult(None, bytes(out), bytes(err), time.monotonic() - started,
                                     error=why, extra={"interrupted": why == "interrupted", "pgid": pgid,
                                                       **_extra(dropped)})
            rc = chan.recv_exit_status()
        finally:
            chan.close()
        if pgid is None:
            _take_pgid(err, marker)  # a command that printed nothing else
        duration = time.monotonic() - started
        if rc == -1:
            return CommandResult(None, bytes(out), bytes(err), duration, error="the command ended without an exit status (killed?)",
                                 extra=_extra(dropped))
        return CommandResult(rc, bytes(out), bytes(err), duration, extra=_extra(dropped))

    def _stop_remote(self, chan, pgid: int | None, err: bytearray, marker: bytes) -> int | None:
        """Stop a command still running on the host: `kill` of its process group from a
        second channel (SIGTERM, then SIGKILL for what is left after the grace period); the
        caller then closes the channel. Without the group's id (a shell that never reported
        it) the RFC 4254 signal request is the fallback (OpenSSH's sshd honours it only
        with privilege separation in the session, so not always). Bounded: a dead
        connection costs at most a few seconds."""
        if pgid is None:  # the command had not reported it yet: wait for it a moment
            for _ in range(int(GRACE / POLL)):
                if chan.recv_stderr_ready():
                    err += chan.recv_stderr(65536)
                    pgid = _take_pgid(err, marker)
                    if pgid is not None:
                        break
                if chan.closed or chan.exit_status_ready():
                    break
                time.sleep(POLL)
        if pgid is not None:
            self._kill_group(pgid)
        else:
            _send_signal(chan, "TERM")
            _send_signal(chan, "KILL")
        for _ in range(int(GRACE / POLL)):  # the channel closes once the command is gone
            if chan.closed or chan.exit_status_ready():
                break
            time.sleep(POLL)
        return pgid

    def _kill_group(self, pgid: int) -> None:
        """SIGTERM the process group `pgid` on the host, wait until it is gone (at most
        GRACE), SIGKILL what is left; returns when that command has ended."""
        paramiko = paramiko_module()
        steps = int(GRACE / POLL)
        script = (
            f"kill -s TERM -- -{pgid} 2>/dev/null; n=0; "
            f"while kill -0 -- -{pgid} 2>/dev/null && [ $n -lt {steps} ]; do sleep {POLL}; n=$((n+1)); done; "
            f"kill -s KILL -- -{pgid} 2>/dev/null; exit 0"
        )
        transport = self.client.get_transport()
        if transport is None or not transport.is_active():
            return
        try:
            killer = transport.open_session(timeout=GRACE * 2)
        except (paramiko.SSHException, OSError, EOFError):
            return
        try:
            killer.settimeout(GRACE * 3)
            killer.exec_command(script)
            killer.shutdown_write()
            for _ in range(int(GRACE * 3 / POLL)):
                if killer.exit_status_ready() or killer.closed:
                    break
                time.sleep(POLL)
        except (paramiko.SSHException, OSError, EOFError):
            pass
        finally:
            killer.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a dead connection must not fail the run
            self.client.close()


def _wrap(command: str, marker: bytes) -> str:
    """The command preceded by a line that reports its process group on stderr. sshd
    starts every session's command as a session leader, so the shell's `$$` is the id of
    the process group holding the command and everything it starts; `_take_pgid` removes
    the line from stderr again. The command still runs in the user's own shell."""
    return f"printf '%s%s\\n' {marker.decode()} \"$$\" >&2\n{command}"


def _take_pgid(err: bytearray, marker: bytes) -> int | None:
    """Cut the marker line out of stderr; the process group id it names, or None while
    the line has not fully arrived."""
    at = err.find(marker)
    if at < 0:
        return None
    end = err.find(b"\n", at)
    if end < 0:
        return None
    digits = bytes(err[at + len(marker):end])
    del err[at:end + 1]
    return int(digits) if digits.isdigit() else None


def _send_signal(chan, name: str) -> None:
    """RFC 4254 "signal" request: sshd sends it to the session's process group (when it
    supports it). paramiko has no method for it; a server that does not ignores it."""
    try:
        from paramiko.common import cMSG_CHANNEL_REQUEST
        from paramiko.message import Message

        msg = Message()
        msg.add_byte(cMSG_CHANNEL_REQUEST)
        msg.add_int(chan.remote_chanid)
        msg.add_string("signal")
        msg.add_boolean(False)
        msg.add_string(name)
        chan.transport._send_user_message(msg)
    except Exception:  # noqa: BLE001 - best effort; the kill over a second channel follows
        pass


def _extra(dropped: dict[str, int]) -> dict:
    kept = {name: n for name, n in dropped.items() if n}
    return {"dropped": kept} if kept else {}
