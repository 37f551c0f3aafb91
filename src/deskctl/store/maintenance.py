"""Keeping the ticket store healthy: backup, consistency check and repair, archiving."""

from __future__ import annotations

import tarfile
from datetime import datetime
from pathlib import Path

import orjson

from deskctl.errors import BadInput
from deskctl.store.tinydb_store import (
    INDEXES,
    SCHEMA,
    StoreCorrupted,
    TinyTicketStore,
    _read_json,
    index_name,
)
from deskctl.tickets.model import summary_row
from deskctl.util import clock, jsoncodec
from deskctl.util.durations import parse_duration
from deskctl.util.fileio import as_disk_error

ARCHIVE_CHUNK = 256  # tickets archived per transaction


def backup(store: TinyTicketStore, out: Path | None = None) -> Path:
    """A .tar.gz of the whole store, taken under the lock so it is consistent."""
    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    out = out or store.desk.data_dir / "backups" / f"tickets-{stamp}.tar.gz"
    out.parent.mkdir(parents=True, exist_ok=True)
    from deskctl.util.fileio import create_new

    tmp = out.with_name(f".{out.name}.tmp")
    try:
        # 0600: a backup holds every ticket (requesters' names and addresses); never through a link
        with store.transaction(), open(create_new(tmp, 0o600), "wb") as fh, tarfile.open(fileobj=fh, mode="w:gz") as tar:
            for path in store.all_files():
                tar.add(path, arcname=str(Path("tickets") / path.relative_to(store.root)))
        tmp.replace(out)
    except OSError as exc:  # a full disk: no half backup left to hold the space
        tmp.unlink(missing_ok=True)
        problem = as_disk_error(exc, out, "no backup was made")
        if problem is None:
            raise
        raise problem from None
    return out


def _bucket_files(store: TinyTicketStore, archived: bool) -> list[Path]:
    base = store.root / ("archive" if archived else "hot")
    return sorted(base.glob("*/*.json")) if base.is_dir() else []


def check(store: TinyTicketStore, repair: bool = False) -> dict:
    """Parse every file and compare the indexes with the tickets. With `repair`, rebuild the
    indexes and counters from the ticket files (which are the source of truth)."""
    jsoncodec.use_orjson()  # every file of the store is parsed
    view = store.reader(pending_ok=False)  # after rolling any interrupted change forward (and converting schema 1)
    problems: list[str] = []
    tickets: dict[str, dict] = {}
    damaged: list[str] = []
    for archived in (False, True):
        for path in _bucket_files(store, archived):
            try:
                data = _read_json(path, store.root) or {}
            except StoreCorrupted as exc:
                problems.append(exc.message)
                damaged.append(str(path))
                continue
            for table in data.values():
                for doc in table.values():
                    tickets[doc["id"]] = doc
    expected: dict[str, dict[str, dict]] = {name: {} for name in INDEXES}
    for t in tickets.values():
        expected[index_name(t)][t["id"]] = summary_row(t)
    indexes_ok = True
    for name in INDEXES:
        found: dict[str, dict] = {}
        for shard in view.index_shards(name):
            try:
                data = _read_json(shard, store.root) or {}
            except StoreCorrupted as exc:
                problems.append(exc.message)
                indexes_ok = False
                continue
            found.update({row["id"]: row for table in data.values() for row in table.values()})
        missing, extra = set(expected[name]) - set(found), set(found) - set(expected[name])
        # rows written by an older deskctl lack fields added since (reports need them)
        stale = [tid for tid in set(found) & set(expected[name])
                 if orjson.loads(orjson.dumps(expected[name][tid])) != found[tid]]
        if missing or extra or stale:
            indexes_ok = False
            problems.append(f"{store.root / 'index' / name}: index out of date ({len(missing)} missing, "
                            f"{len(extra)} extra, {len(stale)} stale)")
    meta_ok = True
    try:
        meta = _read_json(store.root / "meta.json", store.root) or {"next": {}}
        for tid in tickets:
            prefix, number = tid.split("-")
            if int(meta.get("next", {}).get(prefix, 1)) <= int(number):
                meta_ok = False
        if not meta_ok:
            problems.append(f"{store.root / 'meta.json'}: id counters are behind the stored tickets")
    except StoreCorrupted as exc:
        problems.append(exc.message)
        meta_ok = False
    repaired = False
    if repair and (not indexes_ok or not meta_ok):
        if damaged:
            raise BadInput(f"{damaged[0]}: ticket file is damaged; repair rebuilds indexes only",
                           "restore the ticket files from a backup first (`deskctl store backup` makes them)")
        _rebuild(store, tickets, expected)
        repaired = True
    return {"tickets": len(tickets), "files": len(store.all_files()), "problems": problems, "repaired": repaired}


def _rebuild(store: TinyTicketStore, tickets: dict, expected: dict) -> None:
    """Write every index shard from the tickets, and delete the shards no ticket needs."""
    with store.transaction() as tx:
        view, files = tx.view, tx.view.files
        shards: dict[str, dict[str, dict]] = {}
        for name, rows in expected.items():
            for tid, row in rows.items():
                prefix, number = tid.split("-")
                path = view.index_path(name, prefix, int(number))
                shards.setdefault(path, {}).setdefault(prefix, {})[number] = row
        for name in INDEXES:
            for path in view.index_shards(name):
                if path not in shards:
                    files.write(path, None)
        for path, data in shards.items():
            files.write(path, data)
        counters: dict[str, int] = {}
        for tid in tickets:
            prefix, number = tid.split("-")
            counters[prefix] = max(counters.get(prefix, 1), int(number) + 1)
        files.write(tx.meta_path, {"schema": SCHEMA, "bucket": view.bucket, "next": counters})


def archive(store: TinyTicketStore, older_than: str, dry_run: bool = False) -> list[str]:
    """Move closed tickets closed more than `older_than` ago out of the hot store."""
    jsoncodec.use_orjson()  # the closed index and many buckets are read and rewritten
    limit = parse_duration(older_than, "--older-than")
    now = clock.now()
    rows = store.rows(active=False, closed=True)
    due = [r["id"] for r in rows
           if r.get("closed_at") and (now - datetime.fromisoformat(r["closed_at"])).total_seconds() >= limit]
    if dry_run or not due:
        return due
    # one transaction per chunk keeps each journal small and the lock short for other writers
    for start in range(0, len(due), ARCHIVE_CHUNK):
        with store.transaction() as tx:
            for tid in due[start:start + ARCHIVE_CHUNK]:
                ticket = tx.get(tid)
                if ticket and ticket["status"] == "closed" and not ticket.get("archived"):
                    tx.archive(ticket)
    return due


def dumps_size(store: TinyTicketStore) -> int:
    return sum(p.stat().st_size for p in store.all_files())



