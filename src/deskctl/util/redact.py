"""The secret registry: every value registered here is replaced by ``***`` wherever deskctl
prints, stores or logs text that passed through :func:`redact` or :func:`redact_data`.

A secret is registered the moment it exists (a ``secret: true`` parameter is parsed, a
password is generated, a sudo password is read), before any command that could echo it runs,
so remote output, error messages, run records and ticket history are all cleaned the same way.
The registry is process-wide and thread-safe: parallel hosts share it.

Masking works on values, never on serialised text: structured data (JSON output, run records,
ticket history) is masked string value by string value with :func:`redact_data`, so keys and
syntax are never rewritten. A secret found inside a word is masked together with the letters
and digits joined to it (``xS3cretPass9y`` becomes ``***``, not ``x***y``), so what is left
around the mask never gives the secret away. Secrets too short or too plain to mask without
hiding ordinary words are refused where they are given (see :func:`weak_secret`).
"""

from __future__ import annotations

import _thread
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

MASK = "***"
# A secret given to deskctl must be at least this long, and one shorter than MIX_BELOW must
# mix two kinds of character: a shorter or plainer value (a digit, a word, `:`) occurs in
# ordinary output, and masking it would hide that output (or, inside a word, hint at it).
MIN_SECRET_LENGTH = 8
MIX_BELOW = 16
SECRET_RULE = (f"a secret must be at least {MIN_SECRET_LENGTH} characters, and one shorter than "
               f"{MIX_BELOW} must mix at least two of: lower-case letters, upper-case letters, digits, symbols")

_lock = _thread.allocate_lock()  # `threading` itself would cost an import on every start
_secrets: set[str] = set()
_ordered: tuple[str, ...] = ()  # longest first, so a secret containing another is masked whole
_pattern: Any = None  # one compiled alternation of every secret (longest first)
_bytes_pattern: Any = None  # the same over UTF-8 bytes, compiled when first needed


def add_secret(value: Any) -> None:
    """Register `value` (its text form) as a secret; empty values are ignored."""
    global _ordered, _pattern, _bytes_pattern
    text = "" if value is None else str(value)
    if not text:
        return
    import re  # only once a secret exists

    with _lock:
        if text in _secrets:
            return
        _secrets.add(text)
        _ordered = tuple(sorted(_secrets, key=len, reverse=True))
        _pattern = re.compile("|".join(map(re.escape, _ordered)))
        _bytes_pattern = None


def forget_all() -> None:
    """Drop every registered secret (tests, and long-lived library callers between runs)."""
    global _ordered, _pattern, _bytes_pattern
    with _lock:
        _secrets.clear()
        _ordered = ()
        _pattern = _bytes_pattern = None


def secrets_registered() -> bool:
    return _pattern is not None


def is_secret(value: Any) -> bool:
    return value is not None and str(value) in _secrets


def holds_secret(value: Any) -> bool:
    """Whether the text of `value` is or contains a registered secret."""
    pattern = _pattern
    return value is not None and pattern is not None and pattern.search(str(value)) is not None


def weak_secret(value: Any) -> bool:
    """Whether `value` is too short or too plain to be masked safely (see SECRET_RULE)."""
    text = "" if value is None else str(value)
    if len(text) < MIN_SECRET_LENGTH:
        return True
    if len(text) >= MIX_BELOW:
        return False
    kinds = {("lower" if c.islower() else "upper" if c.isupper() else "digit" if c.isdigit() else "other")
             for c in text}
    return len(kinds) < 2


_word_res: dict[type, tuple[Any, Any]] = {}


def _word_patterns(kind: type) -> tuple[Any, Any]:
    """(the run of word characters starting at a position, the run ending at one), for str
    or bytes. The lookbehind makes the backward search try word starts only: linear time."""
    found = _word_res.get(kind)
    if found is None:
        import re

        if kind is bytes:
            w = rb"[A-Za-z0-9_\x80-\xff]"  # the bytes of a UTF-8 letter count as letters
            found = (re.compile(w + b"*"), re.compile(b"(?<!" + w + b")" + w + rb"*\Z"))
        else:
            found = (re.compile(r"\w*"), re.compile(r"(?<!\w)\w*\Z"))
        _word_res[kind] = found
    return found


def _mask(data: Any, pattern: Any, mask: Any, longest: int) -> Any:
    """`data` (str or bytes) with every match of `pattern`, widened to the word it sits in,
    replaced by `mask`. Overlapping and touching matches make one mask; the work is linear in
    the length of `data`, so a megabyte-long word costs no more than prose."""
    after, before = _word_patterns(type(data))
    spans: list[list[int]] = []  # [start, end) of each mask, in order, not overlapping
    found = pattern.search(data)
    while found is not None:
        start, end = found.span()
        done = spans[-1][1] if spans else 0
        if end > done:  # a match inside the last mask adds nothing
            begin = spans[-1][0] if spans and start <= done else before.search(data, done, start).start()
            end = after.match(data, end).end()
            if spans and begin <= done:
                spans[-1][1] = end
            else:
                spans.append([begin, end])
        # on from the next start that could still reach past the last mask (matches may overlap)
        found = pattern.search(data, max(start + 1, spans[-1][1] - longest + 1) if spans else start + 1)
    parts = []
    done = 0
    for begin, end in spans:
        parts += (data[done:begin], mask)
        done = end
    parts.append(data[done:])
    return data[:0].join(parts)


def redact(text: Any) -> Any:
    """`text` with every registered secret (and the word it sits in) replaced by ``***``;
    non-strings are returned as is."""
    pattern = _pattern
    if not isinstance(text, str) or pattern is None or pattern.search(text) is None:
        return text
    return _mask(text, pattern, MASK, len(_ordered[0]))


def redact_bytes(data: bytes) -> bytes:
    """Like :func:`redact` for raw output (a secret is masked in its UTF-8 form)."""
    global _bytes_pattern
    if not _ordered:
        return data
    pattern = _bytes_pattern
    if pattern is None:
        import re

        ordered = _ordered
        pattern = re.compile(b"|".join(re.escape(s.encode("utf-8", "replace")) for s in ordered))
        with _lock:
            if _ordered is ordered:  # not if a secret was added meanwhile
                _bytes_pattern = pattern
    if pattern.search(data) is None:
        return data
    return _mask(data, pattern, MASK.encode(), len(_ordered[0].encode("utf-8", "replace")))


def redact_data(value: Any) -> Any:
    """A copy of JSON-like data (dicts, lists, strings) with every secret masked in its string
    values. Keys are never rewritten: they are the data's structure, not its content."""
    if _pattern is None:
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(v) for v in value]
    return value
