"""A real small file system for disk-full and read-only tests: a tmpfs mounted for one test.

`mount` needs root (or CAP_SYS_ADMIN): without it the test skips on a developer's machine and
fails under CI=true (see `missing`). Whatever a test does, the file system is unmounted in
the fixture's teardown.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .missing import missing

CHUNK = 64 * 1024


class SmallDisk:
    """A mounted tmpfs at `path`; fill it, free it, make it read-only and writable again."""

    def __init__(self, path: Path):
        self.path = path
        self.filler = path / "filler"

    def free_bytes(self) -> int:
        st = os.statvfs(self.path)
        return st.f_bavail * st.f_frsize

    def fill(self, leave: int = 0) -> None:
        """Write a filler file until only about `leave` bytes (whole pages) are free."""
        with open(self.filler, "ab") as fh:
            for _ in range(100_000):  # bounded: a few MiB in 64 KiB chunks
                room = self.free_bytes() - leave
                if room <= 0:
                    break
                try:
                    fh.write(b"\0" * min(CHUNK, room))
                    fh.flush()
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
        assert self.free_bytes() <= leave + 4096, self.free_bytes()

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)

    def read_only(self) -> None:
        _mount("-o", "remount,ro", str(self.path))

    def writable(self) -> None:
        _mount("-o", "remount,rw", str(self.path))


def _mount(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30, check=True)


@pytest.fixture
def small_disk(tmp_path) -> Iterator[SmallDisk]:
    """A 4 MiB tmpfs under tmp_path, unmounted at teardown whatever happened."""
    path = tmp_path / "small-disk"
    path.mkdir()
    try:
        _mount("-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", str(path))
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        missing(f"cannot mount a tmpfs for the disk-full tests (needs root): {detail.strip()}")
    try:
        yield SmallDisk(path)
    finally:
        subprocess.run(["umount", str(path)], capture_output=True, timeout=30)
        if os.path.ismount(path):  # still busy (a process left in it): detach it all the same
            subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30)
