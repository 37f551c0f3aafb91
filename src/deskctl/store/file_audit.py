"""The audit trail of a file desk: `data/audit/log.jsonl` (one sealed record per line,
appended under a lock) and `data/audit/head.json` (the last record's number and hash, kept
apart so that a cut-off tail shows)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from deskctl.audit.chain import GENESIS, seal
from deskctl.util.fileio import atomic_write
from deskctl.util.locking import FileLock

TAIL_BYTES = 65536  # enough for the last record (records are a few hundred bytes)


def _drop_partial_line(fd: int) -> None:
    """Cut a line an append left unfinished (the disk filled up): it was never a record (the
    head does not name it), and the next record must start on a line of its own."""
    size = os.lseek(fd, 0, os.SEEK_END)
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return
    start = max(0, size - TAIL_BYTES)
    tail = os.pread(fd, size - start, start)
    os.ftruncate(fd, start + tail.rfind(b"\n") + 1)


class FileAuditLog:
    def __init__(self, data_dir: Path, *, lock_timeout: float, rel=str):
        self.dir = Path(data_dir) / "audit"
        self.log = self.dir / "log.jsonl"
        self.head_file = self.dir / "head.json"
        self.lock_path = Path(data_dir) / "locks" / "audit.lock"
        self.lock_timeout = lock_timeout
        self.rel = rel  # path -> how to show it (relative to the desk)

    def append(self, fields: dict[str, Any]) -> dict[str, Any]:
        with FileLock(self.lock_path, timeout=self.lock_timeout, what="the audit trail"):
            seq, prev = self._tip()
            record = seal(fields, seq=seq + 1, prev=prev)
            self.dir.mkdir(parents=True, exist_ok=True)
            line = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
            fd = os.open(self.log, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o666)
            try:
                _drop_partial_line(fd)
                written = os.write(fd, line)  # one write of one line: never interleaved with another
                if written != len(line):  # the disk filled up mid-line: not a record
                    _drop_partial_line(fd)
                    raise OSError(28, "No space left on device")
                os.fsync(fd)
            finally:
                os.close(fd)
            atomic_write(self.head_file, json.dumps({"seq": record["seq"], "hash": record["hash"]}) + "\n")
        return record

    def _tip(self) -> tuple[int, str]:
        """(number, hash) of the record to chain after: the head's, or the log's last record
        when an append was cut between writing the record and the head (its `prev` is the
        head's hash). A log cut short stays cut: the next record leaves the gap visible."""
        head = self.head()
        last = self._last_record()
        if head is None or not isinstance(head.get("seq"), int):
            if last is not None:  # the head was lost: carry on from the log (verify names it)
                return int(last["seq"]), str(last["hash"])
            return 0, GENESIS
        seq, prev = head["seq"], str(head.get("hash"))
        if last is not None and last.get("seq") == seq + 1 and last.get("prev") == prev:
            return seq + 1, str(last["hash"])
        return seq, prev

    def _last_record(self) -> dict[str, Any] | None:
        try:
            with open(self.log, "rb") as fh:
                fh.seek(0, os.SEEK_END)
                size = fh.tell()
                fh.seek(max(0, size - TAIL_BYTES))
                lines = fh.read().splitlines()
        except FileNotFoundError:
            return None
        for raw in reversed(lines):
            if raw.strip():
                try:
                    found = json.loads(raw)
                except ValueError:
                    return None
                return found if isinstance(found, dict) and isinstance(found.get("seq"), int) else None
        return None

    def head(self) -> dict[str, Any] | None:
        try:
            found = json.loads(self.head_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except ValueError:
            return {"seq": None}
        return found if isinstance(found, dict) else {"seq": None}

    @property
    def head_where(self) -> str:
        return self.rel(self.head_file)

    def entries(self) -> Iterator[Any]:
        from deskctl.audit.verify import Entry  # reading back is rare: not on the writing path

        where = self.rel(self.log)
        try:
            fh = open(self.log, "rb")  # noqa: SIM115 - closed below, also when the reader stops early
        except FileNotFoundError:
            return
        with fh:
            for number, raw in enumerate(fh, start=1):
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw)
                except ValueError:
                    record = None
                yield Entry(record if isinstance(record, dict) else None, f"{where}:{number}")
