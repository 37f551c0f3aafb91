"""The one place that prints: data to stdout (tables, JSON, CSV), messages to stderr.

Scripts read stdout; people read stderr too. Keeping them apart lets `deskctl ... --json | jq`
work while progress and warnings still reach the terminal.
"""

from __future__ import annotations

import json
import sys

from deskctl.redact import redact, redact_data, secrets_registered

TYPE_CHECKING = False  # the typing module costs an import on every start
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any

QUIET = False  # set by `-q/--quiet`: informational messages are dropped, warnings are not


def _default(value: Any) -> Any:
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def to_json(data: Any, indent: bool = False, default: Any = _default) -> str:
    """UTF-8 JSON, compact or indented. The standard library's C encoder: the compact form of
    a few hundred tickets takes a few ms (indenting runs in pure Python, about 4x slower)."""
    return json.dumps(data, ensure_ascii=False, indent=2 if indent else None, default=default)


# Everything printed passes through the secret registry (deskctl.redact): a secret that a
# feature forgot to mask is still never shown. Only the one-time display of a generated
# password writes to stderr directly, on purpose.

def print_json(data: Any) -> None:
    """One JSON document on stdout: indented for a person at a terminal, one compact line
    for a pipe or a file (what scripts read; `jq .` indents it), as `gh --json` does.
    Secrets are masked in the values before encoding: masking the encoded text could
    rewrite keys or JSON syntax, and would miss a secret that JSON escapes."""
    sys.stdout.write(to_json(redact_data(data), indent=sys.stdout.isatty(), default=_masked_default) + "\n")


def _masked_default(value: Any) -> Any:
    return redact_data(_default(value))


def echo(text: str = "") -> None:
    """A line of data on stdout."""
    sys.stdout.write(redact(text) + "\n")


def info(message: str) -> None:
    if not QUIET:
        sys.stderr.write(redact(message) + "\n")


def warn(message: str) -> None:
    sys.stderr.write(f"deskctl: warning: {redact(message)}\n")


def error(message: str) -> None:
    sys.stderr.write(f"deskctl: error: {redact(message)}\n")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value).replace("\n", " ")


def format_table(
    rows: Iterable[dict], columns: Sequence[tuple[str, str]], max_width: int = 60
) -> list[str]:
    """Aligned columns, header first; long cells are cut with an ellipsis."""
    rows = list(rows)
    # built column by column: a few hundred rows of plain short strings is the usual table,
    # and each column is then one pass of builtins over a list
    texts = []
    for key, title in columns:
        cells = [row.get(key) for row in rows]
        if not all(type(v) is str and "\n" not in v for v in cells):
            cells = [_cell(v) for v in cells]
        if secrets_registered():  # mask before cutting: a cut secret would no longer match
            cells = [redact(c) for c in cells]
        longest = max(map(len, cells), default=0)
        if longest > max_width:
            cells = [c if len(c) <= max_width else c[: max_width - 1] + "…" for c in cells]
            longest = max_width
        width = max(len(title), longest)
        texts.append([title.ljust(width), *[c.ljust(width) for c in cells]])
    return ["  ".join(line).rstrip() for line in zip(*texts, strict=True)]


def print_table(rows: Iterable[dict], columns: Sequence[tuple[str, str]]) -> None:
    lines = format_table(rows, columns)
    if lines:
        echo("\n".join(lines))


def print_csv(rows: Iterable[dict], columns: Sequence[tuple[str, str]]) -> None:
    """RFC 4180 CSV with a header row and a UTF-8 BOM, so spreadsheets read accents right."""
    import csv

    sys.stdout.write("\ufeff")
    writer = csv.writer(sys.stdout, lineterminator="\r\n")
    writer.writerow([title for _, title in columns])
    for row in rows:
        writer.writerow([redact(_cell(row.get(key))) for key, _ in columns])


def print_keyvalues(pairs: Sequence[tuple[str, Any]]) -> None:
    width = max((len(k) for k, _ in pairs), default=0)
    for key, value in pairs:
        echo(f"{key.ljust(width)}  {_cell(value)}")
