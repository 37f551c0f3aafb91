"""Bulk loading: append many tickets to the TinyDB store in one pass, writing bucket and index
shard files directly in the format `tinydb_store` reads (`{PREFIX: {"<number>": doc}}`).

Why: `api.create` per ticket reads and rewrites two files per insert; 100k tickets that way
take many minutes. Here each bucket, and each index shard beside it, is written once, under
the store lock.

Crash safety: id counters are reserved (written to meta.json) before the tickets that use them,
and each bucket file is replaced atomically before its index shards. A crash leaves at worst
tickets that no index lists: `deskctl store check --repair` adds them. Plugins are not told
about bulk-loaded tickets (no `ticket_created` events).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

import orjson

from deskctl.errors import BadInput
from deskctl.store.journal import Journal, atomic_write
from deskctl.store.tinydb_store import (
    SCHEMA,
    SHARD,
    TinyTicketStore,
    _read_json,
    bucket_size,
    index_name,
)
from deskctl.tickets.ids import parse_id
from deskctl.util import jsoncodec
from deskctl.util.fileio import DiskError

RESERVE = 4096  # ids reserved in meta.json at a time


def _merge_into(path: str, prefix: str, entries: dict[str, dict], root: str) -> None:
    """Add `entries` (number -> document or row) to the TinyDB file at `path`."""
    data = _read_json(path, root) or {}
    data.setdefault(prefix, {}).update(entries)
    atomic_write(path, orjson.dumps(data))


def bulk_load(store: TinyTicketStore, make: Callable[[dict[str, int]], Iterable[dict]],
              summarise: Callable[[dict], dict]) -> dict:
    """See `_bulk_load`; a disk that fills up stops it with one line saying what is left."""
    try:
        return _bulk_load(store, make, summarise)
    except DiskError as exc:
        raise exc.with_outcome("the load stopped part-way: once the disk has space, "
                               "`deskctl store check --repair` indexes the tickets it wrote") from None


def _bulk_load(store: TinyTicketStore, make: Callable[[dict[str, int]], Iterable[dict]],
               summarise: Callable[[dict], dict]) -> dict:
    """Call `make(next_numbers)` under the store lock and store every ticket it yields.

    `make` receives the next free number per id prefix and must yield complete tickets with
    ids from there on, in increasing number per prefix (a ticket with `archived: true` goes to
    the archive). Returns {"tickets": count, "by_prefix": {...}}.
    """
    jsoncodec.use_orjson()  # thousands of tickets are serialised
    root = os.fspath(store.root)
    os.makedirs(root, exist_ok=True)
    meta_path = os.path.join(root, "meta.json")
    with store._lock():
        Journal(root).recover()
        store._upgrade()
        meta = _read_json(meta_path, root)
        bucket = bucket_size(root, meta)
        meta = {"schema": SCHEMA, "next": {}, **(meta or {}), "bucket": bucket}
        start = {k: int(v) for k, v in (meta.get("next") or {}).items()}
        next_free = dict(start)
        reserved = dict(start)
        open_shard: dict[str, int] = {}
        # (prefix, index shard) -> {"hot"/"archive": {number: doc}, "index/<name>": {number: row}};
        # a shard's numbers fill whole ticket buckets (the bucket size divides SHARD)
        buffers: dict[tuple[str, int], dict[str, dict[str, dict]]] = {}
        count = 0

        def reserve(prefix: str, number: int) -> None:
            if number >= reserved.get(prefix, 1):
                reserved[prefix] = number + RESERVE
                atomic_write(meta_path, orjson.dumps({**meta, "next": {**next_free, **reserved}}))

        def flush(prefix: str, shard: int) -> None:
            parts = buffers.pop((prefix, shard), {})
            # tickets first, then the index rows that point at them
            for folder in sorted(parts, key=lambda f: f.startswith("index")):
                size = SHARD if folder.startswith("index") else bucket
                files: dict[int, dict[str, dict]] = {}
                for key, entry in parts[folder].items():
                    files.setdefault(int(key) // size, {})[key] = entry
                for number, entries in sorted(files.items()):
                    _merge_into(os.path.join(root, folder, prefix, f"{number:04d}.json"), prefix, entries, root)

        for ticket in make(dict(start)):
            prefix, number = parse_id(ticket["id"], store.prefixes)
            if number < next_free.get(prefix, 1):
                raise BadInput(f"bulk load: {ticket['id']} is not after the store's last {prefix} ticket")
            reserve(prefix, number)
            next_free[prefix] = number + 1
            shard = number // SHARD
            if open_shard.get(prefix, shard) != shard:
                flush(prefix, open_shard[prefix])
            open_shard[prefix] = shard
            parts = buffers.setdefault((prefix, shard), {})
            parts.setdefault("archive" if ticket.get("archived") else "hot", {})[str(number)] = ticket
            parts.setdefault(f"index/{index_name(ticket)}", {})[str(number)] = summarise(ticket)
            count += 1
        for prefix, shard in list(buffers):
            flush(prefix, shard)
        atomic_write(meta_path, orjson.dumps({**meta, "schema": SCHEMA, "next": next_free}))
    by_prefix = {p: next_free[p] - start.get(p, 1) for p in next_free if next_free[p] != start.get(p, 1)}
    return {"tickets": count, "by_prefix": by_prefix}
