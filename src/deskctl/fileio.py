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
        with open(tmp, "wb") as fh:
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
