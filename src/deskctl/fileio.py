"""Crash-safe whole-file writes, shared by every part of deskctl that stores data.

Write a temporary file beside the target, fsync it, rename it over the target, fsync the
folder: a reader (or a crash) sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import os


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
    it and syncs it once)."""
    path = os.fspath(path)
    folder, name = os.path.split(path)
    os.makedirs(folder or ".", exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    try:
        with open(create_new(tmp), "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:  # noqa: SIM105 - not contextlib.suppress: its import costs on every start
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    if sync_dir:
        fsync_dir(folder or ".")
