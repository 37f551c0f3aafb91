"""Crash-safe file writes: write a temporary file, fsync, rename over the target, fsync the
folder. A multi-file change goes through a journal first, so a crash at any instant leaves
either the state before or the state after the whole change (the journal is rolled forward
by the next process that takes the lock)."""

from __future__ import annotations

import os
from pathlib import Path

import orjson

from deskctl.fileio import atomic_write, fsync_dir


def _fault(point: str) -> None:
    # Fault injection for the crash tests: DESKCTL_FAULT=after-journal kills the process
    # at that instant, exactly as `kill -9` would.
    if os.environ.get("DESKCTL_FAULT") == point:
        os._exit(137)


class Journal:
    """Stage whole-file contents, then commit them all or none."""

    def __init__(self, root: Path):
        self.root = root
        self.path = root / "journal.json"
        self.staged: dict[str, bytes] = {}

    def stage(self, path: Path, data: bytes) -> None:
        self.staged[str(path.relative_to(self.root))] = data

    def commit(self) -> None:
        if not self.staged:
            return
        entries = {name: data.decode("utf-8") for name, data in self.staged.items()}
        atomic_write(self.path, orjson.dumps(entries))
        _fault("after-journal")
        self._apply(entries)
        self.path.unlink()
        fsync_dir(self.root)
        self.staged.clear()

    def _apply(self, entries: dict[str, str]) -> None:
        for name, text in entries.items():
            atomic_write(self.root / name, text.encode("utf-8"))
            _fault("mid-apply")

    def recover(self) -> bool:
        """Roll a journal left by a crashed writer forward. Call with the lock held."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return False
        try:
            entries = orjson.loads(raw)
        except orjson.JSONDecodeError:
            # the journal is renamed into place only once complete, so this is damage from
            # outside; the files it named are untouched and still consistent
            self.path.rename(self.path.with_suffix(".damaged"))
            return False
        self._apply(entries)
        self.path.unlink()
        fsync_dir(self.root)
        return True
