"""The `files` backend's stores for everything but tickets: plain files under the desk's
data folder, each replaced atomically (temporary file, fsync, rename, fsync of the folder).

  announcements/ANN-0001.json     one announcement (versions, approvals, timeline, deliveries)
  runs/RUN_ID.json                one SOP run record
  attachments/INC-42/SHA12-NAME   one attached file (0600)
  cmdb/NAME.json                  one configuration item and its history
  notifications.log               one JSON line per operational notification
  locks/sop-host-*.lock           a SOP run's hold on a host
  .store.lock                     the whole store (backup, restore)
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from deskctl.errors import BadInput, NotFound
from deskctl.util.fileio import DiskError, as_disk_error, atomic_write, create_new
from deskctl.util.locking import FileLock

ANN_PREFIX = "ANN-"
RUN_ID_RE = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$")
ITEM_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")  # also a safe file name


def _disk_problem(exc: OSError, path: Path, outcome: str = "nothing was changed") -> DiskError:
    problem = as_disk_error(exc, path, outcome)
    if problem is None:
        raise exc
    return problem


@contextmanager
def _locked_folder(folder: Path, lock: FileLock) -> Iterator[None]:
    """`folder` made and `lock` held; a disk that refuses the folder or lock file (read-only)
    says so in one line before anything changed."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except OSError as exc:
        raise _disk_problem(exc, folder) from None
    try:
        yield
    finally:
        lock.release()


class FileAnnouncements:
    """Every change is read-modify-write under one lock with a fresh read inside it, so a
    crash or a concurrent deskctl never leaves a half-written or lost announcement."""

    def __init__(self, folder: Path, *, lock_timeout: float = 10.0, actor: str | None = None):
        self.folder = Path(folder)
        self.lock_timeout = lock_timeout
        self.actor = actor

    def lock(self, name: str = ".lock", what: str = "the announcement store") -> FileLock:
        return FileLock(self.folder / name, timeout=self.lock_timeout, what=what, actor=self.actor)

    def _locked(self):
        return _locked_folder(self.folder, self.lock())

    def _path(self, ann_id: str) -> Path:
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
            atomic_write(self._path(record["id"]), data + b"\n")
        except DiskError as exc:  # the one file of the change: nothing else was written
            raise exc.with_outcome("nothing was changed") from None

    def ids(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(p.stem for p in self.folder.glob(f"{ANN_PREFIX}*.json"))

    def get(self, ann_id: str) -> dict[str, Any]:
        return self._read(self._path(ann_id))

    def all(self) -> list[dict[str, Any]]:
        return [self._read(self._path(i)) for i in self.ids()]

    def create(self, build: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
        with self._locked():
            numbers = [int(i[len(ANN_PREFIX):]) for i in self.ids() if i[len(ANN_PREFIX):].isdigit()]
            record = build(f"{ANN_PREFIX}{max(numbers, default=0) + 1:04d}")
            self._write(record)
            return record

    def update(self, ann_id: str, change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
        with self._locked():
            record = self._read(self._path(ann_id))
            change(record)
            self._write(record)
            return record

    def put(self, record: dict[str, Any]) -> None:
        with self._locked():
            self._write(record)

    def problems(self) -> list[str]:
        """One line per record that cannot be read (for `store check`)."""
        found = []
        for ann_id in self.ids():
            try:
                self.get(ann_id)
            except BadInput as exc:
                found.append(exc.message)
        return found

    def published(self) -> list[dict[str, Any]]:
        found = []
        for ann_id in self.ids():
            try:
                record = json.loads(self._path(ann_id).read_bytes())
            except (OSError, ValueError):
                continue
            if isinstance(record, dict) and record.get("status") == "published" and record.get("versions"):
                found.append(record)
        return found


class FileCmdb:
    """One file per configuration item holding the item and its history: an update rewrites
    it atomically under the store's lock after a fresh read, so an item and its history
    entry are never written one without the other."""

    def __init__(self, folder: Path, *, lock_timeout: float = 10.0, actor: str | None = None):
        self.folder = Path(folder)
        self.lock_timeout = lock_timeout
        self.actor = actor

    def _locked(self):
        return _locked_folder(self.folder, FileLock(self.folder / ".lock", timeout=self.lock_timeout,
                                                    what="the CMDB", actor=self.actor))

    def _path(self, name: str) -> Path:
        if not ITEM_NAME_RE.match(str(name)):
            raise BadInput(f"configuration item name {name!r} is not valid",
                           "use letters, digits, '.', '_' and '-' (up to 100), starting with a letter or digit")
        return self.folder / f"{name}.json"

    def _read(self, name: str) -> dict[str, Any] | None:
        path = self._path(name)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except ValueError as exc:
            raise BadInput(f"{path}: damaged configuration item ({exc})", "restore it from a backup") from None
        if not isinstance(record, dict) or not isinstance(record.get("item"), dict):
            raise BadInput(f"{path}: damaged configuration item (no item)", "restore it from a backup")
        return record

    def _write(self, record: dict[str, Any]) -> None:
        data = json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8")
        try:
            atomic_write(self._path(record["item"]["name"]), data + b"\n")
        except DiskError as exc:
            raise exc.with_outcome("nothing was changed") from None

    def names(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(p.stem for p in self.folder.glob("*.json") if ITEM_NAME_RE.match(p.stem))

    def get(self, name: str) -> dict[str, Any] | None:
        record = self._read(name)
        return record["item"] if record else None

    def all(self) -> list[dict[str, Any]]:
        return [item for item in (self.get(n) for n in self.names()) if item is not None]

    def add(self, item: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
        with self._locked():
            if self._read(item["name"]) is not None:
                raise BadInput(f"configuration item {item['name']} exists already",
                               "change it with `deskctl cmdb update`, or choose another name")
            stored = {**entry, "seq": 1}
            self._write({"item": item, "history": [stored]})
            return stored

    def update(self, name: str, change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> dict[str, Any] | None:
        with self._locked():
            record = self._read(name)
            if record is None:
                raise NotFound(f"no configuration item {name}", "see `deskctl cmdb list`")
            entry = change(record["item"])
            if entry is None:
                return None
            history = record.get("history") or []
            stored = {**entry, "seq": len(history) + 1}
            record["history"] = [*history, stored]
            self._write(record)
            return stored

    def history(self, name: str) -> list[dict[str, Any]]:
        record = self._read(name)
        return list(record.get("history") or []) if record else []

    def put(self, item: dict[str, Any], history: list[dict[str, Any]]) -> None:
        with self._locked():
            self._write({"item": item, "history": list(history)})

    def problems(self) -> list[str]:
        """One line per item file that cannot be read (for `store check`)."""
        found = []
        for name in self.names():
            try:
                self._read(name)
            except BadInput as exc:
                found.append(exc.message)
        return found


class FileRunRecords:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def put(self, record: dict[str, Any]) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _disk_problem(exc, self.folder, "the run record is not written") from None
        data = json.dumps(record, ensure_ascii=False, indent=1, default=str)
        atomic_write(self.folder / f"{record['id']}.json", data + "\n")

    def get(self, run_id: str) -> dict[str, Any] | None:
        path = self.folder / f"{run_id}.json"
        if not RUN_ID_RE.match(run_id) or not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise BadInput(f"{path}: damaged run record ({exc})", "restore it from a backup") from None

    def problems(self) -> list[str]:
        found = []
        for path in sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []:
            try:
                json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                found.append(f"{path}: damaged run record ({exc}); restore it from a backup")
        return found

    def recent(self) -> Iterator[dict[str, Any]]:
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("*.json"), reverse=True):  # ids start with the time
            if not RUN_ID_RE.match(path.stem):
                continue
            try:
                yield json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # a damaged record does not hide the others (`store check` names it)


class FileAttachments:
    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.folder = self.data_dir / "attachments"

    def put(self, ticket_id: str, name: str, source: Any) -> dict[str, Any]:
        import hashlib

        digest = hashlib.sha256()
        with open(source, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        sha = digest.hexdigest()
        dest = self.folder / ticket_id / f"{sha[:12]}-{name}"
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            if not dest.exists():
                self._copy_private(lambda out: _copy_from(source, out), dest)
        except OSError as exc:
            raise _disk_problem(exc, dest, "nothing was attached") from None
        return {"name": name, "sha256": sha, "size": dest.stat().st_size,
                "path": str(dest.relative_to(self.data_dir))}

    def put_bytes(self, ticket_id: str, name: str, data: bytes) -> dict[str, Any]:
        import hashlib

        sha = hashlib.sha256(data).hexdigest()
        dest = self.folder / ticket_id / f"{sha[:12]}-{name}"
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            if not dest.exists():
                self._copy_private(lambda out: out.write(data), dest)
        except OSError as exc:
            raise _disk_problem(exc, dest, "nothing was stored") from None
        return {"name": name, "sha256": sha, "size": len(data), "path": str(dest.relative_to(self.data_dir))}

    @staticmethod
    def _copy_private(write: Callable[[Any], Any], dest: Path) -> None:
        """Write `dest` as a file only its owner and the desk's group can read (0660 under
        the umask; a shared desk's members read each other's): an attachment may hold
        anything (logs, screenshots, exports), whatever mode it had where it came from."""
        tmp = dest.with_name(f".{dest.name}.tmp")
        try:
            with open(create_new(tmp, 0o660), "wb") as out:
                write(out)
            tmp.replace(dest)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def _file(self, info: dict[str, Any]) -> Path:
        path = (self.data_dir / str(info.get("path", ""))).resolve()
        if self.folder.resolve() not in path.parents:
            raise BadInput(f"attachment path {info.get('path')!r} is outside {self.folder}")
        return path

    def read(self, info: dict[str, Any]) -> bytes:
        try:
            return self._file(info).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"attachment {info.get('path')} is missing", "restore it from a backup") from None

    def list(self) -> Iterator[tuple[str, dict[str, Any]]]:
        if not self.folder.is_dir():
            return
        for ticket_dir in sorted(p for p in self.folder.iterdir() if p.is_dir()):
            for path in sorted(ticket_dir.iterdir()):
                if path.is_file() and not path.name.startswith("."):
                    name = path.name.split("-", 1)[1] if "-" in path.name else path.name
                    yield ticket_dir.name, {"name": name, "size": path.stat().st_size,
                                            "path": str(path.relative_to(self.data_dir))}


def _copy_from(source: Any, out: Any) -> None:
    import shutil

    with open(source, "rb") as src:
        shutil.copyfileobj(src, out, 1 << 20)


class FileNotificationLog:
    def __init__(self, path: Path):
        self.path = Path(path)

    def append(self, entry: dict[str, Any]) -> str:
        entry = {"logged_at": datetime.now(UTC).isoformat(timespec="seconds"), **entry}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # one write() of one line in append mode: concurrent writers never interleave lines
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return str(self.path)

    def entries(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    try:
                        yield json.loads(line)
                    except ValueError:
                        continue  # a line cut short by a full disk


class FileLocks:
    def __init__(self, data_dir: Path, *, lock_timeout: float, actor: str | None):
        self.data_dir = Path(data_dir)
        self.lock_timeout = lock_timeout
        self.actor = actor

    def host(self, key: str, *, timeout: float, what: str, actor: str | None,
             details: dict[str, Any]) -> FileLock:
        name = "sop-host-" + "".join(c if c.isalnum() or c in ".-" else "_" for c in key) + ".lock"
        return FileLock(self.data_dir / "locks" / name, timeout=timeout, what=what, actor=actor, details=details)

    def store(self, what: str) -> FileLock:
        return FileLock(self.data_dir / ".store.lock", timeout=self.lock_timeout, what=what, actor=self.actor)


def is_empty(data_dir: Path) -> bool:
    """Nothing but caches, locks and backups in the data folder."""
    if not os.path.isdir(data_dir):
        return True
    ignored = {"backups", "locks", "kb-index", ".store.lock", "audit"}  # the trail of a refused restore
    for entry in Path(data_dir).iterdir():
        if entry.name in ignored:
            continue
        if entry.is_dir() and not any(p.is_file() and p.name != ".lock" for p in entry.rglob("*")):
            continue
        return False
    return True
