"""Crash-safe whole-file writes, shared by every part of deskctl that stores data.

Write a temporary file beside the target, fsync it, rename it over the target, fsync the
folder: a reader (or a crash) sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes | str, sync_dir: bool = True) -> None:
    """Replace `path` with `data` (text is written as UTF-8) atomically and durably.

    `sync_dir=False` leaves the folder's fsync to the caller (who renames several files into
    it and syncs it once)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if sync_dir:
        fsync_dir(path.parent)
