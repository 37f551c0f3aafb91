"""Crash-safe file writes: write a temporary file, fsync, rename over the target, fsync the
folder. A multi-file change goes through a journal first, so a crash at any instant leaves
either the state before or the state after the whole change (the journal is rolled forward
by the next process that takes the lock)."""

from __future__ import annotations

import os

from deskctl import jsoncodec
from deskctl.fileio import atomic_write, fsync_dir


def _fault(point: str) -> None:
    # Fault injection for the crash tests: DESKCTL_FAULT=after-journal kills the process
    # at that instant, exactly as `kill -9` would.
    if os.environ.get("DESKCTL_FAULT") == point:
        os._exit(137)


MAGIC = b"deskctl-journal 2\n"


def _encode(staged: dict[str, bytes | None]) -> bytes:
    """The journal: a magic line, a JSON line of [name, size] pairs (size -1: delete the
    file), then the contents one after the other.

    Plain concatenation, not JSON: escaping a 400 KB index inside a JSON string (and decoding
    it back) was once the largest single cost of a ticket update."""
    header = jsoncodec.dumps([[name, -1 if data is None else len(data)] for name, data in staged.items()])
    return MAGIC + header + b"\n" + b"".join(data for data in staged.values() if data is not None)


def _decode(raw: bytes) -> dict[str, bytes | None]:
    """The entries of a journal; ValueError when it is not one (damage from outside)."""
    if not raw.startswith(MAGIC):
        if raw.startswith(b"{"):  # written by deskctl before journal format 2
            return {name: text.encode("utf-8") for name, text in jsoncodec.loads(raw).items()}
        raise ValueError("not a deskctl journal")
    header, _, body = raw[len(MAGIC):].partition(b"\n")
    entries, offset = {}, 0
    for name, size in jsoncodec.loads(header):
        if size < 0:
            entries[name] = None
            continue
        entries[name] = body[offset:offset + size]
        offset += size
    if offset != len(body):
        raise ValueError("journal contents do not match its header")
    return entries


class Journal:
    """Stage whole-file contents, then commit them all or none."""

    def __init__(self, root: str | os.PathLike):
        self.root = os.fspath(root)
        self.path = os.path.join(self.root, "journal.json")
        self.staged: dict[str, bytes | None] = {}

    def stage(self, path: str | os.PathLike, data: bytes | None) -> None:
        """Write `data` to `path` at commit; None deletes the file."""
        self.staged[os.path.relpath(path, self.root)] = data

    def commit(self) -> None:
        if not self.staged:
            return
        atomic_write(self.path, _encode(self.staged))
        _fault("after-journal")
        self._apply(self.staged)
        # No fsync of the folder after this unlink: should a crash undo it, the next writer
        # replays a journal whose contents are already on disk (a no-op), and the next
        # commit's own journal write syncs the folder anyway.
        os.unlink(self.path)
        self.staged.clear()

    def _apply(self, entries: dict[str, bytes | None]) -> None:
        folders = set()
        for name, data in entries.items():
            target = os.path.join(self.root, name)
            if data is None:
                try:  # noqa: SIM105 - not contextlib.suppress: its import costs on every start
                    os.unlink(target)
                except FileNotFoundError:  # replaying: already gone
                    pass
            else:
                atomic_write(target, data, sync_dir=False)
            folders.add(os.path.dirname(target))
            _fault("mid-apply")
        for folder in sorted(folders):  # once per folder, not once per file
            fsync_dir(folder)

    def recover(self) -> bool:
        """Roll a journal left by a crashed writer forward. Call with the lock held."""
        try:
            with open(self.path, "rb") as fh:
                raw = fh.read()
        except FileNotFoundError:
            return False
        try:
            entries = _decode(raw)
        except (jsoncodec.DecodeError, TypeError, AttributeError):
            # the journal is renamed into place only once complete, so this is damage from
            # outside; the files it named are untouched and still consistent
            os.replace(self.path, os.path.join(self.root, "journal.damaged"))
            return False
        self._apply(entries)
        os.unlink(self.path)
        fsync_dir(self.root)
        return True
