"""Configuration items and their history in PostgreSQL (`cmdb_items`, `cmdb_history`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deskctl.errors import BadInput, NotFound
from deskctl.store.postgres.tickets import to_json
from deskctl.util import jsoncodec


class PgCmdb:
    def __init__(self, backend):
        self.backend = backend
        self.db = backend.db

    @staticmethod
    def _row(item: dict[str, Any]) -> tuple:
        return item["name"], str(item.get("type") or ""), str(item.get("status") or ""), to_json(item)

    @staticmethod
    def _insert_entry(cur, name: str, entry: dict[str, Any]) -> None:
        cur.execute("INSERT INTO cmdb_history (name, seq, at, entry) VALUES (%s, %s, %s, %s::jsonb)",
                    (name, entry["seq"], entry["at"], to_json(entry)))

    def names(self) -> list[str]:
        from deskctl.store.postgres.connection import query_all

        self.backend.ready()
        return [r[0] for r in query_all(self.db, "SELECT name FROM cmdb_items ORDER BY name", waiting_for="the CMDB")]

    def get(self, name: str) -> dict[str, Any] | None:
        from deskctl.store.postgres.connection import query_one

        self.backend.ready()
        found = query_one(self.db, "SELECT doc::text FROM cmdb_items WHERE name = %s", (name,), waiting_for="the CMDB")
        return jsoncodec.loads(found[0]) if found else None

    def all(self) -> list[dict[str, Any]]:
        from deskctl.store.postgres.connection import query_all

        self.backend.ready()
        return [jsoncodec.loads(r[0]) for r in
                query_all(self.db, "SELECT doc::text FROM cmdb_items ORDER BY name", waiting_for="the CMDB")]

    def add(self, item: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
        self.backend.ready(writing=True)
        stored = {**entry, "seq": 1}
        with self.backend.write_transaction("the CMDB") as cur:
            cur.execute("INSERT INTO cmdb_items (name, type, status, doc) VALUES (%s, %s, %s, %s::jsonb) "
                        "ON CONFLICT (name) DO NOTHING", self._row(item))
            if cur.rowcount == 0:
                raise BadInput(f"configuration item {item['name']} exists already",
                               "change it with `deskctl cmdb update`, or choose another name")
            self._insert_entry(cur, item["name"], stored)
        return stored

    def update(self, name: str, change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> dict[str, Any] | None:
        self.backend.ready(writing=True)
        with self.backend.write_transaction(f"configuration item {name}") as cur:
            cur.execute("SELECT doc::text FROM cmdb_items WHERE name = %s FOR UPDATE", (name,))
            found = cur.fetchone()
            if found is None:
                raise NotFound(f"no configuration item {name}", "see `deskctl cmdb list`")
            item = jsoncodec.loads(found[0])
            entry = change(item)
            if entry is None:
                return None
            cur.execute("SELECT coalesce(max(seq), 0) + 1 FROM cmdb_history WHERE name = %s", (name,))
            stored = {**entry, "seq": cur.fetchone()[0]}
            self._insert_entry(cur, name, stored)
            cur.execute("UPDATE cmdb_items SET type = %s, status = %s, doc = %s::jsonb WHERE name = %s",
                        (*self._row(item)[1:], name))
        return stored

    def history(self, name: str) -> list[dict[str, Any]]:
        from deskctl.store.postgres.connection import query_all

        self.backend.ready()
        return [jsoncodec.loads(r[0]) for r in
                query_all(self.db, "SELECT entry::text FROM cmdb_history WHERE name = %s ORDER BY seq", (name,),
                          waiting_for="the CMDB")]

    def put(self, item: dict[str, Any], history: list[dict[str, Any]]) -> None:
        self.backend.ready(writing=True)
        with self.backend.write_transaction("the CMDB") as cur:
            cur.execute("INSERT INTO cmdb_items (name, type, status, doc) VALUES (%s, %s, %s, %s::jsonb) "
                        "ON CONFLICT (name) DO UPDATE SET type = EXCLUDED.type, status = EXCLUDED.status, "
                        "doc = EXCLUDED.doc", self._row(item))
            cur.execute("DELETE FROM cmdb_history WHERE name = %s", (item["name"],))
            for entry in history:
                self._insert_entry(cur, item["name"], entry)
