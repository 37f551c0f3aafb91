"""Run commands on this machine: the `connection: local` hosts and `local` steps."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time

from deskctl.executor import CommandResult

MAX_OUTPUT = 16 * 1024 * 1024  # per stream; more is cut (a runaway command must not eat memory)
POLL = 0.1  # seconds between looks at the cancel event while a command runs
GRACE = 2.0  # seconds a stopped command gets between SIGTERM and SIGKILL


def cut(out: bytes, err: bytes) -> tuple[bytes, bytes, dict]:
    """The last MAX_OUTPUT bytes of each stream, and `extra` saying how many were dropped
    (steps warn about it: a cut is never silent)."""
    dropped = {name: len(data) - MAX_OUTPUT for name, data in (("stdout", out), ("stderr", err)) if len(data) > MAX_OUTPUT}
    return out[-MAX_OUTPUT:], err[-MAX_OUTPUT:], {"dropped": dropped} if dropped else {}


class LocalConnection:
    """Commands run through /bin/sh in a new session, killed whole on timeout or cancel."""

    def __init__(self, host=None):
        self.host = host
        self.is_root = os.geteuid() == 0

    def run(self, command: str, *, stdin: bytes = b"", timeout: float | None = None, cancel=None) -> CommandResult:
        """Run `command`; `cancel` (a threading.Event) set while it runs stops it: its whole
        process group gets SIGTERM, then SIGKILL after a grace period."""
        started = time.monotonic()
        if cancel is not None and cancel.is_set():
            return CommandResult(None, error="interrupted before it started", extra={"interrupted": True})
        try:
            proc = subprocess.Popen(
                ["/bin/sh", "-c", command],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # its own process group: a stop kills its children too
            )
        except OSError as exc:
            return CommandResult(None, error=f"cannot start /bin/sh: {exc.strerror}")
        deadline = started + timeout if timeout else None
        feed: bytes | None = stdin
        why = None
        for _ in range(100_000_000):  # bounded; each pass waits up to POLL
            wait = POLL if cancel is not None else None
            if deadline is not None:
                left = max(0.0, deadline - time.monotonic())
                wait = left if wait is None else min(wait, left)
            try:
                # communicate() may be called again after a timeout without losing output
                out, err = proc.communicate(feed, timeout=wait)
                break
            except subprocess.TimeoutExpired:
                feed = None
            if cancel is not None and cancel.is_set():
                why = "interrupted"
            elif deadline is not None and time.monotonic() >= deadline:
                why = f"timed out after {timeout:g} s"
            if why:
                kill_group(proc)
                out, err, extra = cut(*_collect(proc))
                return CommandResult(
                    None, out, err, time.monotonic() - started,
                    error=why, extra={"interrupted": why == "interrupted", **extra},
                )  # fmt: skip
        out, err, extra = cut(out, err)
        return CommandResult(proc.returncode, out, err, time.monotonic() - started, extra=extra)

    def close(self) -> None:
        pass


def kill_group(proc: subprocess.Popen) -> None:
    """SIGTERM to the command's process group, SIGKILL to what is left after GRACE."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=GRACE)
    # children that ignore SIGTERM outlive the shell: the group is swept either way
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=GRACE)


def _collect(proc: subprocess.Popen) -> tuple[bytes, bytes]:
    """What a stopped command printed; bounded, as a process that left the group (setsid)
    may hold the pipes open for ever."""
    try:
        out, err = proc.communicate(timeout=GRACE)
    except (subprocess.TimeoutExpired, ValueError):
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
        return b"", b""
    return out or b"", err or b""
