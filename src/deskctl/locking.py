"""Exclusive file locks (fcntl.flock) that say who holds them.

A lock file records the holder (pid, command, actor, since). Waiting is bounded: after the
timeout the caller gets `Busy` (exit 4) naming the holder, never an endless hang in cron.
The kernel drops a flock when its process dies, so a crashed holder never leaves it stuck.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime

from deskctl.errors import Busy


def _holder(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.loads(fh.read() or "{}")
    except (OSError, ValueError):
        return {}


def describe_holder(info: dict) -> str:
    if not info:
        return "another process"
    parts = [f"pid {info.get('pid', '?')}"]
    if info.get("host") and info.get("host") != os.uname().nodename:
        parts.append(f"on {info['host']}")
    if info.get("actor"):
        parts.append(f"by {info['actor']}")
    if info.get("command"):
        parts.append(f"running `{info['command']}`")
    if info.get("since"):
        parts.append(f"since {info['since']}")
    return " ".join(parts)


class FileLock:
    """`with FileLock(path, timeout=10, what="the ticket store"):` ... exclusive section."""

    def __init__(self, path: str | os.PathLike, *, timeout: float = 10.0, what: str = "this resource",
                 actor: str | None = None, details: dict | None = None):
        self.path = os.fspath(path)
        self.timeout = timeout
        self.what = what
        self.actor = actor
        self.details = details or {}
        self._fd: int | None = None

    def acquire(self) -> None:
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        import fcntl  # here, not at the top: readers of the store never lock

        deadline = time.monotonic() + max(self.timeout, 0)
        delay = 0.002
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    holder = describe_holder(_holder(self.path))
                    raise Busy(
                        f"{self.what} is locked by {holder}",
                        "wait for it to finish, or stop that process if it hung",
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.05)
        info = {
            "pid": os.getpid(),
            "host": os.uname().nodename,
            "actor": self.actor,
            "command": " ".join(["deskctl", *sys.argv[1:]])[:200],
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
            **self.details,
        }
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(info).encode(), 0)
        except OSError:  # a full disk: the lock holds all the same, only its holder goes unnamed
            pass
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            import fcntl

            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
