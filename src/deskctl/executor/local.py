"""Run commands on this machine: the `connection: local` hosts and `local` steps."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from deskctl.executor import CommandResult

MAX_OUTPUT = 16 * 1024 * 1024  # per stream; more is cut (a runaway command must not eat memory)


def cut(out: bytes, err: bytes) -> tuple[bytes, bytes, dict]:
    """The last MAX_OUTPUT bytes of each stream, and `extra` saying how many were dropped
    (steps warn about it: a cut is never silent)."""
    dropped = {name: len(data) - MAX_OUTPUT for name, data in (("stdout", out), ("stderr", err)) if len(data) > MAX_OUTPUT}
    return out[-MAX_OUTPUT:], err[-MAX_OUTPUT:], {"dropped": dropped} if dropped else {}


class LocalConnection:
    """Commands run through /bin/sh in a new session, killed whole on timeout."""

    def __init__(self, host=None):
        self.host = host
        self.is_root = os.geteuid() == 0

    def run(self, command: str, *, stdin: bytes = b"", timeout: float | None = None) -> CommandResult:
        started = time.monotonic()
        try:
            proc = subprocess.Popen(
                ["/bin/sh", "-c", command],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # so a timeout kills its children too
            )
        except OSError as exc:
            return CommandResult(None, error=f"cannot start /bin/sh: {exc.strerror}")
        try:
            out, err = proc.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            out, err = proc.communicate()
            out, err, extra = cut(out, err)
            return CommandResult(
                None, out, err, time.monotonic() - started,
                error=f"timed out after {timeout:g} s", extra=extra,
            )  # fmt: skip
        out, err, extra = cut(out, err)
        return CommandResult(proc.returncode, out, err, time.monotonic() - started, extra=extra)

    def close(self) -> None:
        pass


def _kill_group(proc: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            proc.wait(timeout=2)
            return
        except subprocess.TimeoutExpired:
            continue
