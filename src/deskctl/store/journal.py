"""Crash-safe file writes: write a temporary file, fsync, rename over the target, fsync the
folder. A multi-file change goes through a journal first, so a crash at any instant leaves
either the state before or the state after the whole change.

The commit point is the journal itself: it counts only once it is complete (it ends with a
commit line holding its length and CRC-32), fsynced, renamed into place, and its folder
fsynced. Any failure before that point removes it and reports that nothing was changed; a
journal found incomplete or damaged is set aside, never applied. Once committed, the change
is applied file by file; should that fail (the disk filled up meanwhile), the caller is told
that the change is committed and will be completed by the next process that takes the lock
(and readers see it already, from the journal)."""

from __future__ import annotations

import os
import zlib

from deskctl.util import jsoncodec
from deskctl.util.fileio import DiskError, as_disk_error, atomic_write, fsync_dir


def _fault(point: str) -> None:
    # Fault injection for the crash tests: DESKCTL_FAULT=after-journal kills the process
    # at that instant, exactly as `kill -9` would.
    if os.environ.get("DESKCTL_FAULT") == point:
        os._exit(137)


MAGIC = b"deskctl-journal 3\n"
MAGIC_2 = b"deskctl-journal 2\n"  # before the commit line; renamed into place only once complete
TRAILER = b"commit %016d %08x\n"  # length and CRC-32 of everything before it
TRAILER_SIZE = len(TRAILER % (0, 0))
COMMITTED = ("the change is committed (journal.json) and is completed by the next deskctl command "
             "once the disk can be written: do not repeat it")


def _encode(staged: dict[str, bytes | None]) -> bytes:
    """The journal: a magic line, a JSON line of [name, size] pairs (size -1: delete the
    file), the contents one after the other, and the commit line.

    Plain concatenation, not JSON: escaping a 400 KB index inside a JSON string (and decoding
    it back) was once the largest single cost of a ticket update."""
    header = jsoncodec.dumps([[name, -1 if data is None else len(data)] for name, data in staged.items()])
    parts = [MAGIC, header, b"\n", *(data for data in staged.values() if data is not None)]
    crc = 0
    for part in parts:
        crc = zlib.crc32(part, crc)
    return b"".join([*parts, TRAILER % (sum(map(len, parts)), crc)])


def _decode(raw: bytes) -> dict[str, bytes | None]:
    """The entries of a journal; ValueError when it is not a complete one."""
    if raw.startswith(MAGIC):
        body, trailer = raw[:-TRAILER_SIZE], raw[-TRAILER_SIZE:]
        if len(raw) < len(MAGIC) + TRAILER_SIZE or trailer != TRAILER % (len(body), zlib.crc32(body)):
            raise ValueError("journal incomplete (no valid commit line)")
        raw = MAGIC_2 + body[len(MAGIC):]
    if not raw.startswith(MAGIC_2):
        if raw.startswith(b"{"):  # written by deskctl before journal format 2
            return {name: text.encode("utf-8") for name, text in jsoncodec.loads(raw).items()}
        raise ValueError("not a deskctl journal")
    header, _, body = raw[len(MAGIC_2):].partition(b"\n")
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


def _free_bytes(folder: str) -> tuple[int, int] | None:
    """(bytes this process may still write, block size) on `folder`'s file system."""
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):  # no statvfs here: the writes themselves will tell
        return None
    if st.f_blocks == 0 or st.f_frsize == 0:  # a file system that does not say (some FUSE ones)
        return None
    blocks = st.f_bfree if os.geteuid() == 0 else st.f_bavail  # root may use the reserve
    return blocks * st.f_frsize, st.f_frsize


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
        """Write the journal (the commit point), then apply it. DiskError when the disk
        refuses: before the commit point nothing was changed; after it, the message says the
        change is committed and will be completed."""
        if not self.staged:
            return
        raw = _encode(self.staged)
        self._check_room(raw)
        self._write_journal(raw)
        _fault("after-journal")
        self._apply_or_explain(self.staged, COMMITTED)
        self.staged.clear()
        self._remove()

    def _check_room(self, raw: bytes) -> None:
        """Refuse before the commit point when the disk cannot hold the journal, what the
        files grow by, and the largest file's temporary copy: applying a committed change
        must not run out of space (it would be left for the next command to complete)."""
        free = _free_bytes(self.root if os.path.isdir(self.root) else os.path.dirname(self.root))
        if free is None:
            return
        room, block = free
        largest, growth = 0, 0
        for name, data in self.staged.items():
            if data is None:
                continue
            largest = max(largest, len(data))
            try:
                old = os.stat(os.path.join(self.root, name)).st_size
            except OSError:
                old = 0
            growth += max(0, len(data) - old)  # files are applied one after the other
        need = len(raw) + growth + largest + block * (len(self.staged) + 2)  # each file rounds up to a block
        if room < need:
            import errno

            raise DiskError(self.root, errno.ENOSPC,
                            f"nothing was changed: {room // 1024} KiB free, about {need // 1024 + 1} KiB needed")

    def _write_journal(self, raw: bytes) -> None:
        """Make the journal complete and durable, or leave none and raise."""
        try:
            atomic_write(self.path, raw, sync_dir=False)
        except DiskError as exc:  # no journal: nothing changed
            raise exc.with_outcome("nothing was changed") from None
        try:
            fsync_dir(self.root)
        except OSError as exc:
            # in place but perhaps not durable: withdraw it, so the failure we report is true
            try:
                os.unlink(self.path)
            except OSError:
                problem = as_disk_error(exc, self.path, COMMITTED)
                if problem is None:
                    raise
                raise problem from None
            problem = as_disk_error(exc, self.path)
            if problem is None:
                raise
            raise problem from None

    def _remove(self) -> None:
        # No fsync of the folder after this unlink: should a crash undo it, the next writer
        # replays a journal whose contents are already on disk (a no-op), and the next
        # commit's own journal write syncs the folder anyway. Should the unlink fail (the
        # disk went read-only), the same holds.
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            if as_disk_error(exc, self.path) is None:
                raise

    def _apply_or_explain(self, entries, outcome: str) -> None:
        """`_apply`, a refused disk becoming a DiskError that says `outcome` (what became of
        the change: committed, to be completed by the next command)."""
        try:
            self._apply(entries)
        except DiskError as exc:
            raise exc.with_outcome(outcome) from None
        except OSError as exc:
            problem = as_disk_error(exc, self.root, outcome)
            if problem is None:
                raise
            raise problem from None

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

    def _read(self) -> bytes | None:
        try:
            with open(self.path, "rb") as fh:
                return fh.read()
        except FileNotFoundError:
            return None

    def committed(self) -> dict[str, bytes | None]:
        """The committed change waiting to be applied, by absolute path ({} when none, or
        when the journal is incomplete: such a change never happened)."""
        raw = self._read()
        if raw is None:
            return {}
        try:
            entries = _decode(raw)
        except (ValueError, TypeError, AttributeError):
            return {}
        return {os.path.normpath(os.path.join(self.root, name)): data for name, data in entries.items()}

    def recover(self) -> bool:
        """Roll a committed journal forward; set an incomplete or damaged one aside (it was
        never committed, and the files it names are untouched). Call with the lock held.
        DiskError when the disk refuses: the journal stays, readers see it."""
        raw = self._read()
        if raw is None:
            return False
        try:
            entries = _decode(raw)
        except (ValueError, TypeError, AttributeError):
            try:
                os.replace(self.path, os.path.join(self.root, "journal.damaged"))
            except OSError as exc:
                problem = as_disk_error(exc, self.path, "an incomplete journal cannot be set aside; nothing was changed")
                if problem is None:
                    raise
                raise problem from None
            return False
        pending = "a change committed earlier (journal.json) cannot be completed yet, and nothing else was changed"
        self._apply_or_explain(entries, pending)
        self._remove()
        try:
            fsync_dir(self.root)
        except OSError as exc:  # the removal not durable: a replay would be a no-op
            if as_disk_error(exc, self.root) is None:
                raise
        return True
