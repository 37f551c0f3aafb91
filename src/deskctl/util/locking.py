"""Exclusive file locks (fcntl.flock) that say who holds them.

A lock file records the holder (pid, machine, actor, since, and what the caller adds; never
its command line, which can hold secrets) and only its owner can read it. Waiting is bounded:
after the timeout the caller gets `Busy` (exit 4) naming the holder, never an endless hang.
The kernel drops a flock when its process dies, so a crashed holder never leaves it stuck.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime

from deskctl.errors import BadInput, Busy


def open_lock_file(path: str) -> int:
    """Open (or create) a lock file for read and write, never through a link.

    The path is predictable, so a symlink or hard link planted there must not make deskctl
    truncate or overwrite what it points to: O_NOFOLLOW refuses a symlink, and anything that
    is not a plain file with one name is refused as well. Existing content is never truncated
    by the open itself (no O_TRUNC); the holder rewrites it once it holds the lock."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o660)  # holder details: for the desk's group (a shared desk) at most
    except OSError:
        if os.path.islink(path):
            raise BadInput(f"{path}: lock file is a symbolic link; refusing to follow it",
                           "remove the link (deskctl creates its lock files itself)") from None
        raise  # a full or read-only disk, say: the caller's own handling
    import stat

    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
        os.close(fd)
        raise BadInput(f"{path}: lock file is not a plain file with a single name; refusing to use it",
                       "remove it (deskctl creates its lock files itself)")
    return fd


def _holder(path: str) -> dict:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            info = json.loads(os.read(fd, 65536) or "{}")
        finally:
            os.close(fd)
        return info if isinstance(info, dict) else {}
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
    if info.get("sop"):
        parts.append(f"running SOP {info['sop']}" + (f" (run {info['run_id']})" if info.get("run_id") else ""))
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
        fd = open_lock_file(self.path)
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
            "actor": self.actor,  # what runs, never its command line: that holds parameter values
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
            **self.details,
        }
        try:  # noqa: SIM105 - a lock file left by an older version may be world-readable
            os.fchmod(fd, os.fstat(fd).st_mode & 0o660)  # the group keeps its access (a shared desk)
        except OSError:
            pass
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
