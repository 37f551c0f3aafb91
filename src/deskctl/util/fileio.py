"""Crash-safe whole-file writes, shared by every part of deskctl that stores data.

Write a temporary file beside the target, fsync it, rename it over the target, fsync the
folder: a reader (or a crash) sees the old file or the new one, never half of one.

A write the disk refuses (full, over quota, read-only) raises `DiskError`: one line naming
the file and the reason, exit 1, and the temporary file is gone (it would hold space).
"""

from __future__ import annotations

import errno
import os

from deskctl.errors import OperationFailed

# errno -> (what the disk says, what to do about it)
DISK_PROBLEMS = {
    errno.ENOSPC: ("the disk is full", "free some space on that disk and try again"),
    errno.EDQUOT: ("the disk quota is exceeded", "free some space within the quota and try again"),
    errno.EROFS: ("the file system is read-only", "remount it read-write, or work on a desk on a writable disk"),
}


def disk_problem(exc: BaseException) -> str | None:
    """'the disk is full' (or read-only, over quota) when `exc` is such a refusal, else None."""
    if isinstance(exc, DiskError):
        return exc.reason
    if isinstance(exc, OSError) and exc.errno in DISK_PROBLEMS:
        return DISK_PROBLEMS[exc.errno][0]
    return None


class DiskError(OperationFailed):
    """The disk refused a write: full, over quota, or read-only (exit 1, one line)."""

    def __init__(self, path: str | os.PathLike, code: int, outcome: str = "nothing was changed"):
        self.path = os.fspath(path)
        self.code = code
        self.reason, hint = DISK_PROBLEMS[code]
        self.outcome = outcome
        super().__init__(f"{self.path}: cannot write: {self.reason}; {outcome}", hint)

    def with_outcome(self, outcome: str) -> DiskError:
        """The same refusal, saying what it means for the caller's operation."""
        return DiskError(self.path, self.code, outcome)


def as_disk_error(exc: OSError, path: str | os.PathLike, outcome: str = "nothing was changed") -> DiskError | None:
    """`exc` as a DiskError about `path` when the disk refused the write, else None."""
    if isinstance(exc, DiskError):
        return exc.with_outcome(outcome)
    if exc.errno in DISK_PROBLEMS:
        return DiskError(exc.filename or path, exc.errno, outcome)
    return None


def fsync_dir(folder: str | os.PathLike) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_new(path: str | os.PathLike, mode: int = 0o666) -> int:
    """A file descriptor of a new file at `path` (a temporary name beside a target).

    Such names are predictable: a stale one is removed first (unlinking a link removes the
    link, not its target) and the file is created with O_EXCL|O_NOFOLLOW, so nothing planted
    there is ever followed or truncated. `mode` is filtered by the umask as usual."""
    try:  # noqa: SIM105 - not contextlib.suppress: its import costs on every start
        os.unlink(path)
    except FileNotFoundError:
        pass
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)


def atomic_write(path: str | os.PathLike, data: bytes | str, sync_dir: bool = True) -> None:
    """Replace `path` with `data` (text is written as UTF-8) atomically and durably.

    `sync_dir=False` leaves the folder's fsync to the caller (who renames several files into
    it and syncs it once). Raises DiskError when the disk refuses; the old file is intact."""
    path = os.fspath(path)
    folder, name = os.path.split(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    try:
        os.makedirs(folder or ".", exist_ok=True)
        try:
            with open(create_new(tmp), "wb") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:  # noqa: SIM105 - not contextlib.suppress: its import costs on every start
                os.unlink(tmp)
            except OSError:  # never created (read-only), or already gone
                pass
            raise
    except OSError as exc:
        problem = as_disk_error(exc, path, "the file is unchanged")
        if problem is None:
            raise
        raise problem from None
    if sync_dir:
        try:
            fsync_dir(folder or ".")
        except OSError as exc:
            problem = as_disk_error(exc, folder or ".", "the new file is in place but may not survive a crash")
            if problem is None:
                raise
            raise problem from None
