"""Hash-chained audit records: each record holds the hash of the one before it, and the
head (the last record's number and hash) is kept apart, so an edited byte, a removed record
and a cut-off tail are all detected by `verify`.

A record's hash is the SHA-256 of its canonical JSON (sorted keys, no spaces, UTF-8) without
the `hash` field itself. Reading the chain back and verifying it: `deskctl.audit.verify`.
"""

from __future__ import annotations

import json
from typing import Any

GENESIS = "0" * 64  # the `prev` of the first record


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _sha256():
    """CPython's own SHA-256, the one `hashlib` falls back on without OpenSSL: importing
    `hashlib` loads OpenSSL, 2.5 ms of every change on a file desk (bench/README.md), for
    records of a few hundred bytes. The digests are the same (a test checks)."""
    try:
        from _sha2 import sha256  # Python 3.12 and later
    except ImportError:
        try:
            from _sha256 import sha256  # Python 3.11
        except ImportError:  # another interpreter
            from hashlib import sha256
    return sha256


def digest(record: dict[str, Any]) -> str:
    # (a PostgreSQL desk's records are hashed by the server: canonical_parts)
    body = {k: v for k, v in record.items() if k != "hash"}
    return _sha256()(canonical(body).encode("utf-8")).hexdigest()


def canonical_parts(fields: dict[str, Any]) -> tuple[str, str, str]:
    """The canonical JSON of the record `fields` are sealed as, cut where the values of `prev`
    and `seq` go: for whoever knows the head (the database) to complete and hash, as
    `before + json(prev) + between + str(seq) + after`."""
    body = {k: v for k, v in fields.items() if k not in ("seq", "prev", "hash")}
    cuts, text = [], "{"
    for i, key in enumerate(sorted([*body, "prev", "seq"])):
        text += ("," if i else "") + canonical(key) + ":"
        if key in ("prev", "seq"):
            cuts.append(text)
            text = ""
        else:
            text += canonical(body[key])
    before, between = cuts
    return before, between, text + "}"


def seal(fields: dict[str, Any], *, seq: int, prev: str) -> dict[str, Any]:
    """The record to append after the one whose hash is `prev`."""
    record = {"seq": seq, **{k: v for k, v in fields.items() if k not in ("seq", "prev", "hash")}, "prev": prev}
    record["hash"] = digest(record)
    return record
