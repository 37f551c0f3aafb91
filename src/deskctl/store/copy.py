"""`deskctl store copy`: move a desk's data to another backend (a file desk to PostgreSQL and
back), written against the storage seam like backup and restore.

The source is held still for the whole copy (its store lock), so the copy is one consistent
state. Each kind of record is copied, then counted and checksummed on both sides: a copy
that does not match exits 1 naming the kind. An interrupted copy is resumed by running it
again: a state file in the source desk remembers the target, and what the target already
holds is kept, not copied twice. A target that holds data and is not one being resumed is
refused unless `--force`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from deskctl.errors import BadInput, OperationFailed
from deskctl.store.portable import _id_order, _tickets, cmdb_records
from deskctl.util import clock

KINDS = ("tickets", "announcements", "runs", "notifications", "attachments", "cmdb")
CHUNK = 500


def is_database_target(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://")) or "dbname=" in target or "host=" in target


def open_target(desk, target: str, actor: str | None):
    """The target backend: a PostgreSQL database (DSN) or a file desk folder (made if missing)."""
    if is_database_target(target):
        from deskctl.store.postgres import PostgresBackend
        from deskctl.store.postgres.connection import _has_password

        if _has_password(target):
            raise BadInput("--to holds a password, which other users can read on this machine (ps)",
                           "remove it and use ~/.pgpass, PGPASSWORD, a service file or peer authentication")
        backend = PostgresBackend(desk, {"backend": "postgresql", "dsn": target}, actor, dsn=target)
        if getattr(_source_backend(desk), "dsn", None) == target:
            raise BadInput(f"--to {target} is this desk's own database", "copy to another database or desk")
        return backend
    from deskctl.desk import Desk
    from deskctl.store.files import FilesBackend

    path = Path(target).expanduser()
    if not path.exists():
        from deskctl.desk.create import create_desk

        create_desk(path)
    elif not (path / "config" / "deskctl.yaml").is_file():
        raise BadInput(f"--to {target}: not a desk folder (no config/deskctl.yaml)",
                       "give a PostgreSQL DSN, an empty desk made by `deskctl init DIR`, or a new folder")
    other = Desk(str(path))
    if other.data_dir.resolve() == desk.data_dir.resolve():
        raise BadInput(f"--to {target} is this desk's own data folder", "copy to another desk or database")
    return FilesBackend(other, {"backend": "files"}, actor)


def _source_backend(desk):
    from deskctl.store import open_backend

    return open_backend(desk)


def describe(backend) -> str:
    if backend.name == "postgresql":
        return f"PostgreSQL at {backend.db.where}"
    return f"the file desk {backend.desk.path}"


# -- checksums: the same records give the same digest on every backend


def _canonical(record: Any) -> bytes:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def _digest(records: Iterable[Any]) -> tuple[int, str]:
    digest, count = hashlib.sha256(), 0
    for record in records:
        digest.update(_canonical(record) + b"\n")
        count += 1
    return count, digest.hexdigest()


def _attachment_entries(backend) -> list[dict]:
    entries = []
    for ticket_id, info in backend.attachments.list():
        sha = info.get("sha256") or hashlib.sha256(backend.attachments.read(info)).hexdigest()
        entries.append({"ticket": ticket_id, "name": info["name"], "sha256": sha, "size": info["size"]})
    return sorted(entries, key=lambda e: (e["ticket"], e["name"], e["sha256"]))


def _records(backend, kind: str) -> Iterator[Any]:
    if kind == "tickets":
        return _tickets(backend)
    if kind == "announcements":
        return iter(sorted(backend.announcements.all(), key=lambda r: r["id"]))
    if kind == "runs":
        return iter(sorted(backend.runs.recent(), key=lambda r: r["id"]))
    if kind == "notifications":
        return backend.notifications.entries()
    if kind == "cmdb":
        return cmdb_records(backend)
    return iter(_attachment_entries(backend))


def summary(backend) -> dict[str, dict[str, Any]]:
    """{kind: {"count": N, "sha256": ...}} of everything the backend holds."""
    return {kind: dict(zip(("count", "sha256"), _digest(_records(backend, kind)), strict=True)) for kind in KINDS}


# -- the copy


class _State:
    """Which target a copy goes to and how far it got, in the source desk's data folder."""

    def __init__(self, desk, target: str):
        key = hashlib.sha256(target.encode()).hexdigest()[:16]
        self.path = desk.data_dir / "copies" / f"{key}.json"

    def exists(self) -> bool:
        return self.path.is_file()

    def done(self) -> list[str]:
        try:
            return list(json.loads(self.path.read_text()).get("done", []))
        except (OSError, ValueError):
            return []

    def save(self, target: str, done: list[str]) -> None:
        from deskctl.util.fileio import atomic_write

        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, json.dumps({"target": target, "updated_at": clock.now_iso(), "done": done}))

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def copy_store(source, target, *, state_key: str, force: bool, summarise: Callable[[dict], dict],
               progress: Callable[[str, int], None] | None = None) -> dict[str, Any]:
    """Copy everything `source` holds into `target`; see the module docstring."""
    from deskctl.store.portable import require_store_permission
    from deskctl.util.progress import progress as progress_bar

    require_store_permission(source, "store:copy")
    state = _State(source.desk, state_key)
    resuming = state.exists()
    with source.locks.store("copying the desk"), source.tickets.transaction():
        if not resuming and not force and not target.is_empty():
            raise BadInput(f"{describe(target)} already holds data",
                           "copy into an empty one, or add --force to merge into it")
        done = state.done() if resuming else []
        state.save(state_key, done)
        with target.locks.store("receiving a copy"):
            for kind in KINDS:
                if kind in done:
                    continue
                copied = _copy_kind(source, target, kind, summarise)
                if progress:
                    progress(kind, copied)
                done.append(kind)
                state.save(state_key, done)
        with progress_bar("checking the copy") as bar:
            target.check(summarise, repair=True)  # indexes and counters of tickets put one by one
            bar.update(label="verifying counts and checksums")
            before, after = summary(source), summary(target)
    mismatched = [kind for kind in KINDS if before[kind] != after[kind]]
    report = {"from": describe(source), "to": describe(target), "resumed": resuming,
              "kinds": {kind: {"source": before[kind], "target": after[kind]} for kind in KINDS},
              "verified": not mismatched}
    if mismatched:
        report["mismatched"] = mismatched
        raise CopyMismatch(report)
    state.clear()
    return report


class CopyMismatch(OperationFailed):
    def __init__(self, report: dict[str, Any]):
        kinds = ", ".join(report["mismatched"])
        super().__init__(f"the copy in {report['to']} differs from the source in: {kinds}",
                         "run the copy again with --force, then `deskctl store check` on both")
        self.report = report


def _copy_kind(source, target, kind: str, summarise) -> int:
    if kind == "tickets":
        return _copy_tickets(source, target, summarise)
    if kind == "announcements":
        have = {r["id"]: r for r in target.announcements.all()}
        records = [r for r in source.announcements.all() if have.get(r["id"]) != r]
        for record in records:
            target.announcements.put(record)
        return len(records)
    if kind == "runs":
        count = 0
        for record in source.runs.recent():
            if target.runs.get(record["id"]) != record:
                target.runs.put(record)
                count += 1
        return count
    if kind == "notifications":
        # an append-only log: what the target already holds is the start of the source's
        already = sum(1 for _ in target.notifications.entries())
        count = 0
        for number, entry in enumerate(source.notifications.entries()):
            if number >= already:
                target.notifications.append(entry)
                count += 1
        return count
    if kind == "cmdb":
        have_items = {r["item"]["name"]: r for r in cmdb_records(target)}
        changed_items = [r for r in cmdb_records(source) if have_items.get(r["item"]["name"]) != r]
        for record in changed_items:
            target.cmdb.put(record["item"], record["history"])
        return len(changed_items)
    have = {(e["ticket"], e["name"], e["sha256"]) for e in _attachment_entries(target)}
    count = 0
    for ticket_id, info in source.attachments.list():
        data = source.attachments.read(info)
        if (ticket_id, info["name"], hashlib.sha256(data).hexdigest()) not in have:
            target.attachments.put_bytes(ticket_id, info["name"], data)
            count += 1
    return count


def _copy_tickets(source, target, summarise) -> int:
    have = {r["id"] for r in target.tickets.rows(active=True, closed=True, archived=True)}
    from deskctl.util.progress import progress

    if not have:  # the first run: one bulk load
        with progress("copying tickets") as bar:
            result = target.bulk_insert(lambda _next: _tickets(source, bar), summarise)
        return int(result["tickets"])
    # a resumed (or forced) copy: the missing ones, and the changed ones, one transaction per chunk
    ids = sorted({r["id"] for r in source.tickets.rows(active=True, closed=True, archived=True)}, key=_id_order)
    with progress("copying tickets", len(ids)) as bar:
        return _copy_changed(source, target, ids, have, summarise, bar)


def _copy_changed(source, target, ids: list[str], have: set[str], summarise, bar) -> int:
    count = 0
    for start in range(0, len(ids), CHUNK):
        tickets = source.tickets.load(ids[start:start + CHUNK])
        stored = {t["id"]: t for t in target.tickets.load([t["id"] for t in tickets if t["id"] in have])}
        changed = [t for t in tickets if stored.get(t["id"]) != t]
        if changed:
            with target.tickets.transaction() as tx:
                for ticket in changed:
                    tx.put(ticket, summarise(ticket))
            count += len(changed)
        bar.advance(len(tickets))
    return count
