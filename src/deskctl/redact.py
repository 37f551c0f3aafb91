"""The secret registry: every value registered here is replaced by ``***`` wherever deskctl
prints, stores or logs text that passed through :func:`redact` or :func:`redact_data`.

A secret is registered the moment it exists (a ``secret: true`` parameter is parsed, a
password is generated, a sudo password is read), before any command that could echo it runs,
so remote output, error messages, run records and ticket history are all cleaned the same way.
The registry is process-wide and thread-safe: parallel hosts share it.
"""

from __future__ import annotations

import _thread

TYPE_CHECKING = False  # the typing module costs an import on every start
if TYPE_CHECKING:
    from typing import Any

MASK = "***"

_lock = _thread.allocate_lock()  # `threading` itself would cost an import on every start
_secrets: set[str] = set()
_ordered: tuple[str, ...] = ()  # longest first, so a secret containing another is masked whole


def add_secret(value: Any) -> None:
    """Register `value` (its text form) as a secret; empty values are ignored."""
    global _ordered
    text = "" if value is None else str(value)
    if not text:
        return
    with _lock:
        if text in _secrets:
            return
        _secrets.add(text)
        _ordered = tuple(sorted(_secrets, key=len, reverse=True))


def forget_all() -> None:
    """Drop every registered secret (tests, and long-lived library callers between runs)."""
    global _ordered
    with _lock:
        _secrets.clear()
        _ordered = ()


def is_secret(value: Any) -> bool:
    return value is not None and str(value) in _secrets


def redact(text: Any) -> Any:
    """`text` with every registered secret replaced by ``***``; non-strings are returned as is."""
    if not isinstance(text, str) or not _ordered:
        return text
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def redact_bytes(data: bytes) -> bytes:
    """Like :func:`redact` for raw output (a secret is masked in its UTF-8 form)."""
    for secret in _ordered:
        encoded = secret.encode("utf-8", "replace")
        if encoded in data:
            data = data.replace(encoded, MASK.encode())
    return data


def redact_data(value: Any) -> Any:
    """A deep copy of JSON-like data (dicts, lists, strings) with every secret masked,
    in keys as well as values."""
    if not _ordered:
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(k): redact_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(v) for v in value]
    return value
