"""Bulk loading: append many tickets to the TinyDB store in one pass, writing bucket and index
files directly in the format `tinydb_store` reads (`{PREFIX: {"<number>": doc}}`).

Why: `api.create` per ticket rereads and rewrites the index on every insert; 100k tickets that
way take hours. Here each bucket file is written once and each index once, under the store lock.

Crash safety: id counters are reserved (written to meta.json) before the tickets that use them,
bucket files are replaced atomically one by one, and the indexes are written last. A crash
leaves at worst tickets that no index lists: `deskctl store check --repair` adds them. Plugins
are not told about bulk-loaded tickets (no `ticket_created` events).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

import orjson

from deskctl import jsoncodec
from deskctl.errors import BadInput
from deskctl.store.atomic import Journal, atomic_write, fsync_dir
from deskctl.store.tinydb_store import BUCKET, TinyTicketStore, _read_json
from deskctl.tickets.ids import parse_id
from deskctl.tickets.model import CLOSED, summary_row

RESERVE = 4096  # ids reserved in meta.json at a time


class _IndexRows:
    """Summary rows kept serialised in one buffer per index and prefix until the index is
    written: 100k rows as dicts would cost hundreds of MB (and each `orjson.dumps` result
    keeps a 16 KB allocation, so the bytes are copied into the buffer at once)."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, bytearray]] = {"active": {}, "closed": {}, "archive": {}}

    def add(self, index: str, prefix: str, number: int, row: bytes) -> None:
        buffer = self.rows[index].setdefault(prefix, bytearray())
        buffer += b'"%d":' % number
        buffer += row
        buffer += b","

    def write(self, path: Path, index: str, root: Path) -> None:
        """Merge with the index on disk and stream it out."""
        existing = _read_json(path, root) or {}
        tables: dict[str, bytearray] = {}
        for prefix, table in existing.items():
            buffer = tables.setdefault(prefix, bytearray())
            for key, row in table.items():
                buffer += b'"%d":' % int(key) + orjson.dumps(row) + b","
        for prefix, rows in self.rows[index].items():
            tables.setdefault(prefix, bytearray()).extend(rows)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            fh.write(b"{")
            for t, (prefix, buffer) in enumerate(tables.items()):
                fh.write((b"," if t else b"") + orjson.dumps(prefix) + b":{")
                fh.write(memoryview(buffer)[:-1] if buffer else b"")  # drop the last comma
                fh.write(b"}")
            fh.write(b"}")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)


def _index_of(ticket: dict) -> str:
    if ticket.get("archived"):
        return "archive"
    return "closed" if ticket["status"] in CLOSED else "active"


def bulk_load(store: TinyTicketStore, make: Callable[[dict[str, int]], Iterable[dict]]) -> dict:
    """Call `make(next_numbers)` under the store lock and store every ticket it yields.

    `make` receives the next free number per id prefix and must yield complete tickets with
    ids from there on, in increasing number per prefix (a ticket with `archived: true` goes to
    the archive). Returns {"tickets": count, "by_prefix": {...}}.
    """
    jsoncodec.use_orjson()  # thousands of tickets are serialised
    root = store.root
    root.mkdir(parents=True, exist_ok=True)
    meta_path = root / "meta.json"
    with store._lock():
        Journal(root).recover()
        meta = _read_json(meta_path, root) or {"schema": 1, "next": {}}
        start = {k: int(v) for k, v in (meta.get("next") or {}).items()}
        next_free = dict(start)
        reserved = dict(start)
        index = _IndexRows()
        open_bucket: dict[str, int] = {}
        buffers: dict[tuple[str, int], dict[bool, dict[str, dict]]] = {}
        count = 0

        def reserve(prefix: str, number: int) -> None:
            if number >= reserved.get(prefix, 1):
                reserved[prefix] = number + RESERVE
                atomic_write(meta_path, orjson.dumps({**meta, "next": {**next_free, **reserved}}))

        def flush(prefix: str, bucket: int) -> None:
            for archived, docs in buffers.pop((prefix, bucket), {}).items():
                if not docs:
                    continue
                path = root / ("archive" if archived else "hot") / prefix / f"{bucket:04d}.json"
                data = _read_json(path, root) or {}
                data.setdefault(prefix, {}).update(docs)
                atomic_write(path, orjson.dumps(data))

        for ticket in make(dict(start)):
            prefix, number = parse_id(ticket["id"], store.prefixes)
            if number < next_free.get(prefix, 1):
                raise BadInput(f"bulk load: {ticket['id']} is not after the store's last {prefix} ticket")
            reserve(prefix, number)
            next_free[prefix] = number + 1
            bucket = number // BUCKET
            if open_bucket.get(prefix, bucket) != bucket:
                flush(prefix, open_bucket[prefix])
            open_bucket[prefix] = bucket
            archived = bool(ticket.get("archived"))
            slot = buffers.setdefault((prefix, bucket), {False: {}, True: {}})
            slot[archived][str(number)] = ticket
            index.add(_index_of(ticket), prefix, number, orjson.dumps(summary_row(ticket)))
            count += 1
        for prefix, bucket in list(buffers):
            flush(prefix, bucket)
        index.write(root / "active.json", "active", root)
        index.write(root / "closed.json", "closed", root)
        index.write(root / "archive" / "closed.json", "archive", root)
        atomic_write(meta_path, orjson.dumps({**meta, "schema": meta.get("schema", 1), "next": next_free}))
    by_prefix = {p: next_free[p] - start.get(p, 1) for p in next_free if next_free[p] != start.get(p, 1)}
    return {"tickets": count, "by_prefix": by_prefix}
