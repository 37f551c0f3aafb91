"""Run commands on this machine: the `connection: local` hosts and `local` steps."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from deskctl.executor import CommandResult

MAX_OUTPUT = 16 * 1024 * 1024  # per stream; more is cut (a runaway command must not eat memory)


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
            return CommandResult(
                None, out[-MAX_OUTPUT:], err[-MAX_OUTPUT:], time.monotonic() - started,
                error=f"timed out after {timeout:g} s",
            )  # fmt: skip
        return CommandResult(proc.returncode, out[-MAX_OUTPUT:], err[-MAX_OUTPUT:], time.monotonic() - started)

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
