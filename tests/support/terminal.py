"""Running a program with its stderr on a real pseudo-terminal, as a person at a terminal
runs it, and its stdout on a pipe (as with `> out.txt`); everything it drew is kept."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import termios
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class TerminalRun:
    code: int
    stdout: str
    terminal: str  # everything it wrote on the terminal (stderr), escape sequences and all


def on_terminal(argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 120) -> TerminalRun:
    """Run `argv` with stderr on a pseudo-terminal (120 x 30) and stdout on a pipe; every
    read waits at most 0.5 s and the whole run at most `timeout`."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
    proc = subprocess.Popen(argv, cwd=cwd, env={**env, "TERM": "xterm-256color"},
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    out_fd = proc.stdout.fileno()
    terminal, stdout = bytearray(), bytearray()
    open_fds = {master, out_fd}
    deadline = time.monotonic() + timeout
    try:
        while open_fds and time.monotonic() < deadline:
            ready, _, _ = select.select(list(open_fds), [], [], 0.5)
            for fd in ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # EIO: the terminal's other side is closed (the program ended)
                    chunk = b""
                if not chunk:
                    open_fds.discard(fd)
                else:
                    (terminal if fd == master else stdout).extend(chunk)
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        proc.stdout.close()
        os.close(master)
    assert not open_fds, f"{' '.join(argv)} still writing after {timeout}s"
    return TerminalRun(code, stdout.decode(), terminal.decode("utf-8", "replace"))
