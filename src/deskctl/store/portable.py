"""Backup and restore of all of a desk's data, written once against the storage seam, so
every backend gets them and a backup of one backend restores into another.

A backup is a .tar.gz (readable by its owner only) of JSON Lines, one record per line:

  deskctl-backup.json    format, deskctl version, source backend, time, counts
  tickets.jsonl          every ticket with its history and survey (hot, closed, archived),
                         in id order
  announcements.jsonl    every announcement (versions, approvals, timeline, deliveries)
  runs.jsonl             every SOP run record, newest first
  notifications.jsonl    the notification log
  attachments.jsonl      {ticket, name, sha256, size} per attached file, whose content is
  attachments/SHA256     stored once per content
  cmdb.jsonl             every configuration item with its history ({item, history}), by name
                         (absent from backups made before the CMDB: restored as none)

A restore reads and verifies the whole archive (member names, JSON, sha256 of every
attachment) before it writes anything, and only into a desk that holds no data yet.
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from deskctl.errors import BadInput
from deskctl.util import clock
from deskctl.util.fileio import DiskError, as_disk_error, create_new

FORMAT = 1
MANIFEST = "deskctl-backup.json"
LISTS = ("tickets", "announcements", "runs", "notifications", "attachments", "cmdb")
PART_WAY = "the restore stopped part-way: empty the desk's data folder and restore again"
CHUNK = 500  # tickets loaded at a time: a backup of 100k tickets never holds them all


def require_store_permission(backend, permission: str) -> None:
    """The account that opened `backend` may do `permission` (`deskctl.access`)."""
    from deskctl import access

    access.require(backend.desk, backend.actor or "", permission)
    from deskctl.audit import trail

    trail.touched("store", permission.removeprefix("store:"))  # a backup or a copy is audited too


def _jsonl(records) -> Iterator[bytes]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False, default=str).encode("utf-8") + b"\n"


def _id_order(ticket_id: str) -> tuple[str, int]:
    prefix, _, number = ticket_id.rpartition("-")
    return prefix, int(number) if number.isdigit() else 0


def _tickets(backend, bar=None) -> Iterator[dict]:
    """Every ticket in id order; `bar` (a `util.progress` report) is told how many there
    are and counts them as they are read."""
    store = backend.tickets
    ids = sorted({r["id"] for r in store.rows(active=True, closed=True, archived=True)}, key=_id_order)
    if bar is not None:
        bar.update(total=len(ids))
    for start in range(0, len(ids), CHUNK):
        chunk = store.load(ids[start:start + CHUNK])
        yield from chunk
        if bar is not None:
            bar.advance(len(chunk))


def cmdb_records(backend) -> Iterator[dict]:
    """Every configuration item with its history, by name."""
    for name in backend.cmdb.names():
        item = backend.cmdb.get(name)
        if item is not None:
            yield {"item": item, "history": backend.cmdb.history(name)}


def _add(tar: tarfile.TarFile, name: str, chunks) -> int:
    """Add a member from byte chunks (spooled to a temporary file, as tar needs the size)."""
    import tempfile

    count = 0
    with tempfile.TemporaryFile() as tmp:
        for chunk in chunks:
            tmp.write(chunk)
            count += 1
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = tmp.tell(), int(clock.now().timestamp()), 0o600
        tmp.seek(0)
        tar.addfile(info, tmp)
    return count


def backup(backend, out: Path, version: str) -> dict[str, Any]:
    """Write the backup to `out` (through a temporary file: no half backup is ever left)."""
    from deskctl.util.progress import progress

    require_store_permission(backend, "store:backup")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    counts: dict[str, int] = {}
    try:
        # the store-wide lock, and the ticket store's own: no change lands while it is read
        with backend.locks.store("backing up the desk"), backend.tickets.transaction(), \
                open(create_new(tmp, 0o600), "wb") as fh, tarfile.open(fileobj=fh, mode="w:gz") as tar:
            with progress("backing up tickets") as bar:
                counts["tickets"] = _add(tar, "tickets.jsonl", _jsonl(_tickets(backend, bar)))
            counts["announcements"] = _add(tar, "announcements.jsonl", _jsonl(backend.announcements.all()))
            counts["runs"] = _add(tar, "runs.jsonl", _jsonl(backend.runs.recent()))
            counts["notifications"] = _add(tar, "notifications.jsonl", _jsonl(backend.notifications.entries()))
            files: list[dict] = []
            stored: set[str] = set()
            for ticket_id, info in backend.attachments.list():
                data = backend.attachments.read(info)
                import hashlib

                sha = hashlib.sha256(data).hexdigest()
                files.append({"ticket": ticket_id, "name": info["name"], "sha256": sha, "size": len(data)})
                if sha not in stored:
                    _add(tar, f"attachments/{sha}", [data])
                    stored.add(sha)
            counts["attachments"] = _add(tar, "attachments.jsonl", _jsonl(files))
            counts["cmdb"] = _add(tar, "cmdb.jsonl", _jsonl(cmdb_records(backend)))
            manifest = {"format": FORMAT, "deskctl": version, "backend": backend.name,
                        "created_at": clock.now_iso(), "counts": counts}
            _add(tar, MANIFEST, [json.dumps(manifest, indent=1).encode() + b"\n"])
        tmp.replace(out)
    except OSError as exc:  # a full disk: no half backup left to hold the space
        tmp.unlink(missing_ok=True)
        problem = as_disk_error(exc, out, "no backup was made")
        if problem is None:
            raise
        raise problem from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return {"backup": str(out), "bytes": out.stat().st_size, "counts": counts}


class Archive:
    """A backup read into memory and verified, ready to restore."""

    def __init__(self, path: Path):
        self.path = path
        self.lists: dict[str, list[dict]] = {}
        self.blobs: dict[str, bytes] = {}
        self.manifest: dict[str, Any] = {}
        self._read()

    def _bad(self, what: str) -> BadInput:
        return BadInput(f"{self.path}: {what}", "give a file made by `deskctl store backup`")

    def _read(self) -> None:
        import hashlib

        try:
            tar = tarfile.open(self.path, mode="r:gz")  # noqa: SIM115 - its errors are told apart from the reading's
        except FileNotFoundError:
            raise BadInput(f"{self.path}: no such file", "give the path of a backup") from None
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise self._bad(f"not a deskctl backup ({exc})") from None
        members: dict[str, bytes] = {}
        with tar:
            try:
                for member in tar:
                    name = member.name
                    # only the names a backup holds, only regular files: nothing is ever written from here
                    expected = name in (MANIFEST, *(f"{n}.jsonl" for n in LISTS)) or (
                        name.startswith("attachments/") and len(name) == 12 + 64
                        and all(c in "0123456789abcdef" for c in name[12:]))
                    if not member.isfile() or not expected:
                        raise self._bad(f"unexpected member {name!r}")
                    members[name] = tar.extractfile(member).read()
            except (tarfile.TarError, OSError, EOFError) as exc:
                raise self._bad(f"damaged archive ({exc})") from None
        if MANIFEST not in members:
            raise self._bad(f"no {MANIFEST}: not a deskctl backup")
        try:
            self.manifest = json.loads(members[MANIFEST])
        except ValueError as exc:
            raise self._bad(f"{MANIFEST} is damaged ({exc})") from None
        if self.manifest.get("format") != FORMAT:
            raise self._bad(f"backup format {self.manifest.get('format')!r}; this deskctl reads format {FORMAT}")
        for name in LISTS:
            raw = members.get(f"{name}.jsonl", b"")
            records = []
            for number, line in enumerate(io.BytesIO(raw), start=1):
                try:
                    records.append(json.loads(line))
                except ValueError as exc:
                    raise self._bad(f"{name}.jsonl line {number} is damaged ({exc})") from None
            expected = (self.manifest.get("counts") or {}).get(name)
            if expected is not None and expected != len(records):
                raise self._bad(f"{name}.jsonl holds {len(records)} records, the manifest says {expected}")
            self.lists[name] = records
        for info in self.lists["attachments"]:
            sha = str(info.get("sha256"))
            data = members.get(f"attachments/{sha}")
            if data is None or hashlib.sha256(data).hexdigest() != sha:
                raise self._bad(f"attachment {info.get('name')!r} of {info.get('ticket')} is missing or damaged")
            self.blobs[sha] = data


def restore(backend, path: Path, summarise) -> dict[str, Any]:
    """Restore the backup at `path` into `backend`, which must hold no data yet; `summarise`
    makes each ticket's summary row (`tickets.model.summary_row`)."""
    from deskctl.util.progress import progress

    require_store_permission(backend, "store:restore")
    archive = Archive(path)  # read and verified before anything is written
    with backend.locks.store("restoring the desk"):
        if not backend.is_empty():
            raise BadInput("the desk already holds data; restore goes into an empty desk only",
                           "make one with `deskctl init DIR` and restore there (`--desk DIR`)")
        try:
            tickets = archive.lists["tickets"]
            ordered = sorted(tickets, key=lambda t: _id_order(t["id"]))
            with progress("restoring tickets", len(ordered)) as bar:
                backend.bulk_insert(lambda _next: bar.counted(ordered), summarise)
            for record in archive.lists["announcements"]:
                backend.announcements.put(record)
            for record in archive.lists["runs"]:
                backend.runs.put(record)
            for entry in archive.lists["notifications"]:
                backend.notifications.append(entry)
            for info in archive.lists["attachments"]:
                backend.attachments.put_bytes(info["ticket"], info["name"], archive.blobs[info["sha256"]])
            for record in archive.lists["cmdb"]:
                backend.cmdb.put(record["item"], record["history"])
        except (OSError, DiskError) as exc:
            problem = as_disk_error(exc, path, PART_WAY) if isinstance(exc, OSError) else exc.with_outcome(PART_WAY)
            if problem is None:
                raise
            raise problem from None
    counts = {name: len(records) for name, records in archive.lists.items()}
    return {"restored": str(path), "from_backend": archive.manifest.get("backend"),
            "created_at": archive.manifest.get("created_at"), "counts": counts}
