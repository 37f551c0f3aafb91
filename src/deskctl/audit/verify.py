"""Verifying an audit trail read back (`deskctl audit verify`): every record parses, follows
the one before it and matches its hash, and the head names the last one (`deskctl.audit.chain`).

Apart from the chain's writing side, which every changing command runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from deskctl.audit.chain import GENESIS, digest


@dataclass(frozen=True)
class Problem:
    seq: int | None  # the record named (None: the head itself)
    where: str  # e.g. "data/audit/log.jsonl:12" or "audit_log seq 12"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class Entry:
    """One stored record as read back: parsed (or None when it does not parse) and where."""

    record: dict[str, Any] | None
    where: str


def verify(entries: Iterable[Entry], head: dict[str, Any] | None, head_where: str) -> tuple[int, Problem | None]:
    """(records checked, the first problem or None)."""
    prev, expected_seq, count = GENESIS, 1, 0
    last: dict[str, Any] | None = None
    for entry in entries:
        record = entry.record
        if not isinstance(record, dict):
            return count, Problem(expected_seq, entry.where, f"record {expected_seq} is not a valid record "
                                                            "(edited or damaged)")
        seq = record.get("seq")
        if seq != expected_seq:
            what = (f"record {expected_seq} is missing (the next one is {seq})" if isinstance(seq, int)
                    and seq > expected_seq else f"record {expected_seq} has the number {seq!r}")
            return count, Problem(expected_seq, entry.where, what)
        if record.get("hash") != digest(record):
            return count, Problem(seq, entry.where, f"record {seq} does not match its hash (edited)")
        if record.get("prev") != prev:
            return count, Problem(seq, entry.where, f"record {seq} does not follow record {seq - 1} "
                                                    "(the chain is broken: a record before it was removed or altered)")
        prev, expected_seq, last = record["hash"], expected_seq + 1, record
        count += 1
    if head is None:
        if last is not None:
            return count, Problem(None, head_where, f"the head is missing (the log holds {count} records)")
        return count, None
    head_seq, head_hash = head.get("seq"), head.get("hash")
    if not isinstance(head_seq, int):
        return count, Problem(None, head_where, "the head is not valid (edited or damaged)")
    if head_seq > count:
        return count, Problem(count + 1, head_where,
                              f"record {count + 1} is missing: the head says the last record is {head_seq} "
                              f"(the log was cut after record {count})")
    if head_seq < count or head_hash != (last or {}).get("hash"):
        return count, Problem(head_seq, head_where,
                              f"the head names record {head_seq} with another hash than the log's last record "
                              f"{count} (the head or the log's tail was altered)")
    return count, None
