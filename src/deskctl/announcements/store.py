"""Announcement records on disk: one JSON file per announcement in `<data>/announcements/`.

Every change is read-modify-write under one `FileLock` with a fresh read inside the lock, and
each file is replaced atomically (temporary file, fsync, rename, fsync of the folder), so a
crash or a concurrent deskctl never leaves a half-written or lost announcement.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from deskctl.announcements import ID_PREFIX
from deskctl.errors import BadInput, NotFound
from deskctl.util.fileio import DiskError, as_disk_error, atomic_write
from deskctl.util.locking import FileLock

_ID = re.compile(r"^(?:ann-?)?0*(\d{1,9})$", re.IGNORECASE)


def normalise_id(text: str) -> str:
    """`ANN-0007`, `ann-7` and `7` all name ANN-0007."""
    match = _ID.match(str(text).strip())
    if not match:
        raise NotFound(f"{text!r} is not an announcement id", "ids look like ANN-0001; see `deskctl announce list`")
    return f"{ID_PREFIX}{int(match.group(1)):04d}"


def _atomic_write(path: Path, data: bytes) -> None:
    atomic_write(path, data)


class AnnouncementStore:
    def __init__(self, folder: Path, *, lock_timeout: float = 10.0, actor: str | None = None):
        self.folder = Path(folder)
        self.lock_timeout = lock_timeout
        self.actor = actor

    @classmethod
    def for_desk(cls, desk, actor: str | None = None) -> AnnouncementStore:
        timeout = desk.setting("lock_timeout", default=10)
        return cls(desk.data_dir / "announcements", lock_timeout=float(timeout), actor=actor)

    def lock(self, name: str = ".lock", what: str = "the announcement store") -> FileLock:
        return FileLock(self.folder / name, timeout=self.lock_timeout, what=what, actor=self.actor)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """The store's lock; a disk that refuses the folder or lock file (read-only) says
        so in one line before anything changed."""
        lock = self.lock()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            lock.acquire()
        except OSError as exc:
            problem = as_disk_error(exc, self.folder)
            if problem is None:
                raise
            raise problem from None
        try:
            yield
        finally:
            lock.release()

    def path_of(self, ann_id: str) -> Path:
        return self.folder / f"{ann_id}.json"

    def _read(self, path: Path) -> dict[str, Any]:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotFound(f"no announcement {path.stem}", "see `deskctl announce list`") from None
        except ValueError as exc:
            raise BadInput(f"{path}: damaged announcement record ({exc})", "restore it from a backup") from None

    def _write(self, record: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = json.dumps(record, ensure_ascii=False, indent=1, sort_keys=False).encode("utf-8")
        try:
            _atomic_write(self.path_of(record["id"]), data + b"\n")
        except DiskError as exc:  # the one file of the change: nothing else was written
            raise exc.with_outcome("nothing was changed") from None

    def ids(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(p.stem for p in self.folder.glob(f"{ID_PREFIX}*.json"))

    def get(self, ann_id: str) -> dict[str, Any]:
        return self._read(self.path_of(normalise_id(ann_id)))

    def all(self) -> list[dict[str, Any]]:
        return [self._read(self.path_of(i)) for i in self.ids()]

    def create(self, build: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
        """Allocate the next id under the lock and store `build(id)`."""
        with self._locked():
            numbers = [int(i[len(ID_PREFIX):]) for i in self.ids() if i[len(ID_PREFIX):].isdigit()]
            ann_id = f"{ID_PREFIX}{max(numbers, default=0) + 1:04d}"
            record = build(ann_id)
            self._write(record)
            return record

    def update(self, ann_id: str, change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
        """Read the record fresh under the lock, apply `change` (which may raise to abort,
        leaving the file untouched), write it back."""
        ann_id = normalise_id(ann_id)
        with self._locked():
            record = self._read(self.path_of(ann_id))
            change(record)
            self._write(record)
            return record
