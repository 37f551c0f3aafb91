"""The embedded ticket store: TinyDB databases sharded so that no command parses them all.

Layout under `<data>/tickets/` (schema 2):
  meta.json                       schema, ticket bucket size, and the next number per id prefix
  hot/INC/0000.json               tickets INC-0..15 (a TinyDB database: table = prefix, doc_id = number)
  archive/INC/0000.json           archived closed tickets, same bucketing
  index/open/INC/0000.json        summary rows of INC-0..63 still being worked on (the queues)
  index/resolved/INC/0000.json    summary rows of INC-0..63 resolved, awaiting closure
  index/closed/INC/0000.json      summary rows of INC-0..63 closed but still in the hot store
  index/archive/INC/0000.json     summary rows of INC-0..63 archived
  journal.json                    present only while (or if a crash or a full disk interrupted) a change is applied

Why: TinyDB parses and rewrites a whole file per operation (235 ms per `get` at 10k tickets
measured here). Bucketing by id bounds `show` and `update` to one 16-ticket file (about 50 KB:
parsing and rewriting it is most of an update's own work); summary rows are sharded by 64
ids, so a change rewrites two small files whatever the desk's size, and the open queue reads
few files, only those holding open tickets (an index shard is deleted when its last row
leaves). Stores made before 16-ticket buckets keep their 64-ticket ones: meta.json says which
(no `bucket` key: 64), and a missing or damaged meta.json is read from the files themselves.
Every change runs under one lock, reads fresh data, and commits through a journal. Schema 1
kept each index in one file (active.json, closed.json, archive/closed.json): closing a ticket
rewrote the whole closed index, 0.4 s at 10k tickets; such a store is converted on first use.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from deskctl.desk import Desk
from deskctl.errors import BadInput, NotFound
from deskctl.tickets.ids import parse_id
from deskctl.util import jsoncodec

if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from deskctl.store.journal import Journal
    from deskctl.util.locking import FileLock

# Inside the store, file names are built with os.path (strings): they are dictionary keys of
# the journal and the read cache, and a change touches only a few of them.

BUCKET = 16  # tickets per bucket file in a new store (see `bucket_size`)
LEGACY_BUCKET = 64  # in stores whose meta.json has no `bucket`
SHARD = 64  # summary rows per index shard file
SCHEMA = 2
INDEXES = ("open", "resolved", "closed", "archive")
OLD_INDEX_FILES = ("active.json", "closed.json", os.path.join("archive", "closed.json"))  # schema 1
RECOVER_HINT = (
    "restore it from a backup (`deskctl store backup` makes one), or move it aside "
    "and run `deskctl store check --repair` to rebuild the indexes"
)


class StoreCorrupted(BadInput):
    pass


def _read_json(path: str | os.PathLike, root: str | os.PathLike) -> Any:
    path = os.fspath(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreCorrupted(f"{path}: cannot read the ticket store: {exc.strerror}", RECOVER_HINT) from None
    return _parse(raw, path)


def _parse(raw: bytes, path: str) -> Any:
    if not raw or raw.isspace():  # (not `strip()`: that copies the whole file)
        raise StoreCorrupted(f"{path}: ticket store file is empty (damaged)", RECOVER_HINT)
    try:
        data = jsoncodec.loads(raw)
    except jsoncodec.DecodeError as exc:
        raise StoreCorrupted(f"{path}: ticket store file is corrupted ({exc})", RECOVER_HINT) from None
    if not isinstance(data, dict):
        raise StoreCorrupted(f"{path}: ticket store file is corrupted (not a JSON object)", RECOVER_HINT)
    return data


def bucket_size(root: str, meta: dict | None) -> int:
    """Tickets per bucket file: what meta.json records, else (meta.json missing or damaged)
    what the bucket files show, else, for a store with no ticket yet, `BUCKET`."""
    if meta is not None:
        return int(meta.get("bucket", LEGACY_BUCKET))
    for folder in ("hot", "archive"):
        base = os.path.join(root, folder)
        for prefix in sorted(os.listdir(base)) if os.path.isdir(base) else ():
            for name in sorted(os.listdir(os.path.join(base, prefix))):
                stem = name[:-5]
                if not (name.endswith(".json") and stem.isdigit()):
                    continue
                try:
                    data = _read_json(os.path.join(base, prefix, name), root) or {}
                except StoreCorrupted:
                    continue
                # the size whose file name every number in it fits (both do for 0..15 in 0000)
                numbers = [int(key) for table in data.values() for key in table if key.isdigit()]
                fits = [size for size in (BUCKET, LEGACY_BUCKET) if all(n // size == int(stem) for n in numbers)]
                if numbers and len(fits) == 1:
                    return fits[0]
    return BUCKET


class _Files:
    """Whole-file JSON contents, read once per transaction; changed files are serialised
    once, at commit, into the journal (not on every change: an archive run touches one
    index thousands of times).

    `overlay` (readers only): the files of a committed change that the disk did not let us
    apply yet (absolute normalised path -> contents, None: deleted); they are read from it."""

    def __init__(self, root: str, journal: Journal | None, overlay: dict[str, bytes | None] | None = None):
        self.root = root
        self.journal = journal
        self.overlay = overlay
        self.cache: dict[str, Any] = {}  # by file name as a string, however it was given
        self.dirty: set[str] = set()

    def read(self, path: str | os.PathLike) -> Any:
        path = os.fspath(path)
        if path not in self.cache:
            key = os.path.normpath(path) if self.overlay else None
            if key is not None and key in self.overlay:
                raw = self.overlay[key]
                self.cache[path] = None if raw is None else _parse(raw, path)
            else:
                self.cache[path] = _read_json(path, self.root)
        return self.cache[path]

    def write(self, path: str | os.PathLike, data: Any) -> None:
        """Replace the file's contents at commit; None deletes the file."""
        if self.journal is None:
            raise RuntimeError("write outside a transaction")
        path = os.fspath(path)
        self.cache[path] = data
        self.dirty.add(path)

    def stage_all(self) -> None:
        for path in sorted(self.dirty):
            data = self.cache[path]
            self.journal.stage(path, None if data is None else jsoncodec.dumps(data))
        self.dirty.clear()


def _tinydb(path: str, files: _Files):
    """A TinyDB database on `path` whose storage is the transaction's file set.

    Imported here, not at module level: reads parse the files directly and never need it.
    """
    from tinydb import TinyDB
    from tinydb.storages import Storage

    class TxStorage(Storage):
        def __init__(self, _path: str):
            pass

        def read(self):
            return files.read(path)

        def write(self, data) -> None:
            files.write(path, data)

    return TinyDB(path, storage=TxStorage)


class _View:
    """Reads (and, inside a transaction, writes) of the sharded TinyDB files."""

    def __init__(self, root: str, files: _Files, prefixes: dict[str, str]):
        self.root = root
        self.files = files
        self.prefixes = prefixes
        self._bucket: int | None = None

    @property
    def bucket(self) -> int:
        """Tickets per bucket file in this store (read on first use: the queue never needs it)."""
        if self._bucket is None:
            try:
                meta = self.files.read(os.path.join(self.root, "meta.json"))
            except StoreCorrupted:
                meta = None  # the files still say where the tickets are; repair rewrites it
            self._bucket = bucket_size(self.root, meta)
        return self._bucket

    def _db(self, path: str):
        return _tinydb(path, self.files)

    def bucket_path(self, prefix: str, number: int, archived: bool = False) -> str:
        return os.path.join(self.root, "archive" if archived else "hot", prefix, f"{number // self.bucket:04d}.json")

    def index_path(self, name: str, prefix: str, number: int) -> str:
        """The index shard holding the summary row of ticket PREFIX-number."""
        return os.path.join(self.root, "index", name, prefix, f"{number // SHARD:04d}.json")

    def index_shards(self, name: str) -> list[str]:
        """Every shard file of an index, in prefix and bucket order."""
        base = os.path.join(self.root, "index", name)
        try:
            prefixes = sorted(e.name for e in os.scandir(base) if e.is_dir())
        except FileNotFoundError:
            prefixes = []
        shards = []
        for prefix in prefixes:
            folder = os.path.join(base, prefix)
            shards += [os.path.join(folder, n) for n in sorted(os.listdir(folder))
                       if n.endswith(".json") and not n.startswith(".")]
        overlay = self.files.overlay
        if overlay:  # shards a committed change adds or deletes, not applied yet
            inside = os.path.normpath(base) + os.sep
            gone = {p for p, data in overlay.items() if data is None}
            shards = [s for s in shards if os.path.normpath(s) not in gone]
            shards += [p for p, data in overlay.items()
                       if data is not None and p.startswith(inside) and p.endswith(".json") and p not in shards]
            shards.sort()
        return shards

    def get(self, ticket_id: str) -> dict | None:
        prefix, number = parse_id(ticket_id, self.prefixes)
        for archived in (False, True):
            table = self.files.read(self.bucket_path(prefix, number, archived))
            doc = (table or {}).get(prefix, {}).get(str(number))
            if doc is not None:
                return doc
        return None

    def rows(self, name: str) -> list[dict]:
        rows: list[dict] = []
        for shard in self.index_shards(name):
            for table in (self.files.read(shard) or {}).values():
                rows += table.values()
        return rows

    # -- writes (transaction only) -------------------------------------------------------
    def put_doc(self, path: str, prefix: str, number: int, doc: dict) -> None:
        """Insert or replace a ticket in its bucket, a TinyDB database (table =
        prefix, document id = number), exactly as TinyDB's `table.upsert` would store it.

        Set in place rather than through TinyDB's table API: importing TinyDB (and typing,
        which it needs) cost about as much as the rest of a ticket update, for one dict
        assignment. The tests open every bucket with TinyDB itself to keep the format honest."""
        data = self.files.read(path) or {}
        data.setdefault(prefix, {})[str(number)] = doc
        self.files.write(path, data)

    def remove_doc(self, path: str, prefix: str, number: int) -> None:
        table = self._db(path).table(prefix)
        if table.contains(doc_id=number):
            table.remove(doc_ids=[number])

    def put_row(self, name: str, prefix: str, number: int, row: dict) -> None:
        """Set a summary row in an index shard (TinyDB's file format, changed in place)."""
        path = self.index_path(name, prefix, number)
        data = self.files.read(path) or {}
        data.setdefault(prefix, {})[str(number)] = row
        self.files.write(path, data)

    def remove_row(self, name: str, prefix: str, number: int) -> None:
        path = self.index_path(name, prefix, number)
        data = self.files.read(path) or {}
        if data.get(prefix, {}).pop(str(number), None) is None:
            return
        if not data[prefix]:
            del data[prefix]
        self.files.write(path, data or None)  # an empty shard is deleted: the queue never reads it


def index_name(ticket: dict) -> str:
    """The index a ticket's summary row belongs in: open, resolved, closed or archive."""
    if ticket.get("archived"):
        return "archive"
    status = ticket["status"]
    return "closed" if status == "closed" else "resolved" if status == "resolved" else "open"


class Tx:
    """One atomic change; see `TinyTicketStore.transaction`."""

    def __init__(self, view: _View, meta_path: str):
        self.view = view
        self.meta_path = meta_path

    def next_number(self, prefix: str) -> int:
        files = self.view.files
        meta = dict(files.read(self.meta_path) or {"schema": SCHEMA, "bucket": self.view.bucket, "next": {}})
        counters = dict(meta.get("next", {}))
        number = int(counters.get(prefix, 1))
        counters[prefix] = number + 1
        meta["next"] = counters
        files.write(self.meta_path, meta)
        return number

    def get(self, ticket_id: str) -> dict | None:
        # a private copy: `put` compares it with the stored version to move index rows
        ticket = self.view.get(ticket_id)
        return jsoncodec.loads(jsoncodec.dumps(ticket)) if ticket is not None else None

    def active_rows(self) -> list[dict]:
        return self.view.rows("open") + self.view.rows("resolved")

    def find_by_dedup_key(self, key: str, *, any_status: bool = False) -> dict | None:
        """The summary row of the open ticket with this key; with `any_status`, else the
        newest one resolved, closed or archived."""
        finished = None
        for row in self.active_rows():
            if row.get("dedup_key") == key:
                if row["status"] != "resolved":
                    return row
                finished = row
        if not any_status:
            return None
        if finished is not None:
            return finished
        for row in self.rows("closed") + self.rows("archive"):
            if row.get("dedup_key") == key and (finished is None or row["created_at"] > finished["created_at"]):
                finished = row
        return finished

    def put(self, ticket: dict, row: dict) -> None:
        """Store the ticket and its summary `row` (the domain's `tickets.model.summary_row`)
        in the index its status belongs to."""
        view = self.view
        prefix, number = parse_id(ticket["id"], view.prefixes)
        old = view.get(ticket["id"])
        # decide from the stored version before writing: TinyDB updates documents in place
        old_index = index_name(old) if old is not None else None
        archived = bool(ticket.get("archived"))
        if old is not None and bool(old.get("archived")) != archived:
            view.remove_doc(view.bucket_path(prefix, number, not archived), prefix, number)
        view.put_doc(view.bucket_path(prefix, number, archived), prefix, number, ticket)
        new_index = index_name(ticket)
        if old_index is not None and old_index != new_index:
            view.remove_row(old_index, prefix, number)
        view.put_row(new_index, prefix, number, row)

    def archive(self, ticket: dict, row: dict) -> None:
        """Move a closed ticket out of the hot store (still found by `get` and `rows`)."""
        self.put({**ticket, "archived": True}, row)

    def rows(self, name: str) -> list[dict]:
        return self.view.rows(name)


class TinyTicketStore:
    """The TinyDB backend of `deskctl.store.interface.TicketStore`."""

    def __init__(self, desk: Desk, actor: str | None = None):
        self.desk = desk
        self.actor = actor
        self.root = desk.data_dir / "tickets"
        self.prefixes: dict[str, str] = dict(desk.setting("tickets", "types", default={}))
        env_timeout = os.environ.get("DESKCTL_LOCK_TIMEOUT")
        self.lock_timeout = float(env_timeout or desk.setting("lock_timeout", default=10))

    def _lock(self) -> FileLock:
        # locking and the journal are imported when first needed: reading the store (the
        # queue, a ticket) needs neither unless an interrupted change must be rolled forward
        from deskctl.util.locking import FileLock

        return FileLock(os.path.join(self.root, ".lock"), timeout=self.lock_timeout, what="the ticket store",
                        actor=self.actor)

    def _journal(self) -> Journal:
        from deskctl.store.journal import Journal

        return Journal(self.root)

    def _old_layout(self) -> bool:
        return any(os.path.exists(os.path.join(self.root, f)) for f in OLD_INDEX_FILES)

    def _recover_if_needed(self, pending_ok: bool = True) -> dict[str, bytes | None] | None:
        """Roll an interrupted change forward. When the disk refuses (full, read-only), the
        committed change is returned instead, for readers to see through (`pending_ok`)."""
        if not (os.path.exists(os.path.join(self.root, "journal.json")) or self._old_layout()):
            return None
        from deskctl.util.fileio import DiskError, disk_problem

        try:
            with self._lock():
                self._journal().recover()
                self._upgrade()
        except (OSError, DiskError) as exc:
            if not pending_ok or disk_problem(exc) is None or self._old_layout():
                raise
            return self._journal().committed()
        return None

    def _upgrade(self) -> None:
        """Convert a schema-1 store (one file per index) to sharded indexes, through the
        journal: a crash during the conversion is rolled forward like any change. Call with
        the lock held."""
        if not self._old_layout():
            return
        journal = self._journal()
        files = _Files(self.root, journal)
        view = _View(self.root, files, self.prefixes)
        for file in OLD_INDEX_FILES:
            old = os.path.join(self.root, file)
            for prefix, table in (files.read(old) or {}).items():
                for key, row in table.items():
                    name = "archive" if file.startswith("archive") else index_name(row)
                    view.put_row(name, prefix, int(key), row)
            files.write(old, None)
        meta_path = os.path.join(self.root, "meta.json")
        files.write(meta_path, {**(files.read(meta_path) or {"next": {}}), "schema": SCHEMA})
        files.stage_all()
        journal.commit()

    def transaction(self):
        """Lock, roll forward any interrupted change, read fresh, commit all or nothing."""
        from contextlib import contextmanager  # here: the commands that only read never need it

        return contextmanager(self._transaction)()

    def _transaction(self):
        lock = self._lock()
        try:
            os.makedirs(self.root, exist_ok=True)
            lock.acquire()
        except OSError as exc:  # a read-only or full disk: refused before anything changed
            from deskctl.util.fileio import as_disk_error

            problem = as_disk_error(exc, self.root)
            if problem is None:
                raise
            raise problem from None
        try:
            journal = self._journal()
            journal.recover()
            self._upgrade()
            files = _Files(self.root, journal)
            yield Tx(_View(self.root, files, self.prefixes), os.path.join(self.root, "meta.json"))
            files.stage_all()
            journal.commit()
        finally:
            lock.release()

    def reader(self, pending_ok: bool = True) -> _View:
        """A read-only view of the store as it is now (after any interrupted change; one
        the disk does not let us complete yet is read from its journal, unless not
        `pending_ok`: then DiskError)."""
        overlay = self._recover_if_needed(pending_ok)
        return _View(self.root, _Files(self.root, None, overlay), self.prefixes)

    def get(self, ticket_id: str) -> dict | None:
        return self.reader().get(ticket_id)

    def require(self, ticket_id: str) -> dict:
        ticket = self.get(ticket_id)
        if ticket is None:
            raise NotFound(f"no ticket {ticket_id.upper()}", "list tickets with `deskctl ticket list --all`")
        return ticket

    def rows(self, *, active: bool = True, closed: bool = False, archived: bool = False,
             resolved: bool | None = None) -> list[dict]:
        """Summary rows: `active` = not closed (open and resolved; `resolved=False` leaves
        the resolved ones out), `closed` = closed in the hot store, `archived`."""
        view = self.reader()
        rows: list[dict] = []
        wanted = {"open": active, "resolved": active if resolved is None else resolved,
                  "closed": closed, "archive": archived}
        for name in INDEXES:
            if wanted[name]:
                rows += view.rows(name)
        return rows

    def load(self, ids: list[str]) -> list[dict]:
        view = self.reader()
        return [t for t in (view.get(i) for i in ids) if t is not None]

    def brief_rows(self, statuses: frozenset[str]) -> list[dict]:
        """id, status, title and created_at of the hot tickets in `statuses`: what shell
        completion offers. Each index shard's projection is cached by the shard's mtime and
        size, so a Tab at 100k tickets parses only the shards changed since the last one."""
        from deskctl.util import cache

        view = self.reader()
        indexes = (["open"] if statuses - {"resolved"} else []) + (["resolved"] if "resolved" in statuses else [])
        if view.files.overlay:  # an interrupted change being read from its journal: no cache
            return [{k: r.get(k) for k in ("id", "status", "title", "created_at")}
                    for name in indexes for r in view.rows(name) if r.get("status") in statuses]
        name = "ticket-ids-" + cache.short_hash(os.path.abspath(self.root))
        cached = cache.read(name, 1)
        cached = cached if isinstance(cached, dict) else {}
        fresh: dict[str, list] = {}
        for index in indexes:
            for shard in view.index_shards(index):
                try:
                    st = os.stat(shard)
                except OSError:
                    continue
                entry = cached.get(shard)
                if not (isinstance(entry, list) and entry[:2] == [st.st_mtime_ns, st.st_size]):
                    rows = [[r.get("id"), r.get("status"), r.get("title"), r.get("created_at")]
                            for table in (view.files.read(shard) or {}).values() for r in table.values()]
                    entry = [st.st_mtime_ns, st.st_size, rows]
                fresh[shard] = entry
        if fresh != cached:
            cache.write(name, 1, fresh)
        return [{"id": i, "status": s, "title": t, "created_at": c}
                for entry in fresh.values() for i, s, t, c in entry[2] if s in statuses]

    def select(self, query) -> list[dict]:
        from deskctl.store.rowfilter import select_rows

        return select_rows(self, query)

    def all_files(self) -> list[Path]:
        root = self.root
        if not root.is_dir():
            return []
        return sorted(p for p in root.rglob("*.json") if p.name != "journal.json")
