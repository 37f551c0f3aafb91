"""Hash-chained audit records: each record holds the hash of the one before it, and the
head (the last record's number and hash) is kept apart, so an edited byte, a removed record
and a cut-off tail are all detected by `verify`.

A record's hash is the SHA-256 of its canonical JSON (sorted keys, no spaces, UTF-8) without
the `hash` field itself. Reading the chain back and verifying it: `deskctl.audit.verify`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64  # the `prev` of the first record


def digest(record: dict[str, Any]) -> str:
    body = {k: v for k, v in record.items() if k != "hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seal(fields: dict[str, Any], *, seq: int, prev: str) -> dict[str, Any]:
    """The record to append after the one whose hash is `prev`."""
    record = {"seq": seq, **{k: v for k, v in fields.items() if k not in ("seq", "prev", "hash")}, "prev": prev}
    record["hash"] = digest(record)
    return record
