"""JSON for the ticket store's files: compact UTF-8 bytes in and out, from one of two engines.

orjson parses two to three times faster than the standard library, but importing it costs
about 10 ms here (it imports uuid, platform, dataclasses...): more than a command working on
one ticket spends on JSON at all. So the standard library's C codec is the default, and
commands that read or write thousands of files (reports, store maintenance, demo data) call
`use_orjson()` first. Both engines write the same bytes for the store's data.
"""

from __future__ import annotations

import json

DecodeError = ValueError  # json.JSONDecodeError and orjson.JSONDecodeError both derive from it

_orjson = None


def use_orjson() -> None:
    """Switch this process to orjson (worth its import when many files will be parsed)."""
    global _orjson
    import orjson

    _orjson = orjson


def loads(raw: bytes | str):
    return _orjson.loads(raw) if _orjson is not None else json.loads(raw)


def dumps(data) -> bytes:
    if _orjson is not None:
        return _orjson.dumps(data)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
