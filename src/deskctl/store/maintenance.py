"""Keeping the `files` backend's ticket store healthy: consistency check and repair, archiving
(backup is backend-neutral: `deskctl.store.portable`)."""

from __future__ import annotations

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
from deskctl.util import clock, jsoncodec
from deskctl.util.durations import parse_duration
from deskctl.util.progress import progress

ARCHIVE_CHUNK = 256  # tickets archived per transaction


def _bucket_files(store: TinyTicketStore, archived: bool) -> list[Path]:
    base = store.root / ("archive" if archived else "hot")
    return sorted(base.glob("*/*.json")) if base.is_dir() else []


def check(store: TinyTicketStore, summarise, repair: bool = False) -> dict:
    """Parse every file and compare the indexes with the tickets. With `repair`, rebuild the
    indexes and counters from the ticket files (which are the source of truth)."""
    jsoncodec.use_orjson()  # every file of the store is parsed
    view = store.reader(pending_ok=False)  # after rolling any interrupted change forward (and converting schema 1)
    problems: list[str] = []
    tickets: dict[str, dict] = {}
    damaged: list[str] = []
    buckets = _bucket_files(store, False) + _bucket_files(store, True)
    with progress("checking ticket files", len(buckets)) as bar:
        for path in bar.counted(buckets):
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
        expected[index_name(t)][t["id"]] = summarise(t)
    indexes_ok = True
    with progress("checking indexes", len(INDEXES)) as bar:
        for name in bar.counted(INDEXES):
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
    due_rows = {r["id"]: r for r in rows
                if r.get("closed_at") and (now - datetime.fromisoformat(r["closed_at"])).total_seconds() >= limit}
    due = list(due_rows)
    if dry_run or not due:
        return due
    # one transaction per chunk keeps each journal small and the lock short for other writers
    with progress("archiving tickets", len(due)) as bar:
        for start in range(0, len(due), ARCHIVE_CHUNK):
            chunk = due[start:start + ARCHIVE_CHUNK]
            with store.transaction() as tx:
                for tid in chunk:
                    ticket = tx.get(tid)
                    if ticket and ticket["status"] == "closed" and not ticket.get("archived"):
                        tx.archive(ticket, due_rows[tid])  # its row moves as it is
            bar.advance(len(chunk))
    return due
