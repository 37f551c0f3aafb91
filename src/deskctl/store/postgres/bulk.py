"""Bulk loading into PostgreSQL with COPY (demo seed, restore, copy): one transaction, rows
streamed in batches, the sequences moved past the loaded numbers at the end."""

from __future__ import annotations

import io

from deskctl.errors import BadInput
from deskctl.store.postgres.maintenance import next_numbers, set_next
from deskctl.store.postgres.tickets import (
    COLUMNS,
    FACT_COLUMNS,
    column_values,
    fact_values,
    judged_facts,
)

BATCH = 5000


def bulk_insert(backend, make, summarise) -> dict:
    from deskctl.util import jsoncodec

    jsoncodec.use_orjson()  # thousands of tickets are serialised
    backend.ready(writing=True)
    store = backend.tickets
    start = next_numbers(backend.db)
    following = dict(start)
    count = 0
    with backend.write_transaction("the ticket store") as cur:
        buffer, notes, facts = io.StringIO(), io.StringIO(), io.StringIO()
        pending = 0

        def flush() -> None:
            for table, columns, data in (("tickets", COLUMNS, buffer), ("ticket_internal", ("ticket_id", "n", "note"), notes),
                                         ("ticket_facts", FACT_COLUMNS, facts)):
                if data.tell():
                    data.seek(0)
                    cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", data)
                    data.seek(0)
                    data.truncate()

        for ticket in make(dict(start)):
            row = summarise(ticket)
            values = column_values(ticket, row, store.prefixes)
            prefix, number = values["prefix"], values["number"]
            if number < following.get(prefix, 1):
                raise BadInput(f"bulk load: {ticket['id']} is not after the store's last {prefix} ticket")
            following[prefix] = number + 1
            buffer.write("\t".join(_field(values[c]) for c in COLUMNS) + "\n")
            kept = fact_values(ticket["id"], judged_facts(store, row))
            facts.write("\t".join(_field(kept[c]) for c in FACT_COLUMNS) + "\n")
            for n, note in values["_notes"]:  # internal comments' texts, apart (tickets.seal)
                notes.write(f"{_field(ticket['id'])}\t{n}\t{_field(note)}\n")
            count += 1
            pending += 1
            if pending >= BATCH:
                flush()
                pending = 0
        if pending:
            flush()
        for prefix, number in following.items():
            if number != start.get(prefix):
                set_next(cur, prefix, number)
    by_prefix = {p: following[p] - start.get(p, 1) for p in following if following[p] != start.get(p, 1)}
    return {"tickets": count, "by_prefix": by_prefix}


def _field(value) -> str:
    """One field of COPY's text format (a list: an array)."""
    if value is None:
        return "\\N"
    if isinstance(value, list):
        value = _array(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _array(values: list) -> str:
    """A PostgreSQL array literal of texts or numbers."""
    items = []
    for item in values:
        if item is None:
            items.append("NULL")
        elif isinstance(item, str):
            items.append('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"')
        else:
            items.append(repr(item))
    return "{" + ",".join(items) + "}"
