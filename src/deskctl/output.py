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


def output_width() -> int | None:
    """How wide human output may be: `COLUMNS` when set, else the terminal's width, else
    None (a pipe or a file gets whole lines: nothing is ever cut)."""
    import os

    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        import shutil

        return shutil.get_terminal_size().columns
    return None


MIN_COLUMN = 8  # a column squeezed to fit the width keeps at least this many characters


def format_table(rows: Iterable[dict], columns: Sequence[tuple[str, str]], width: int | None = -1,
                 indent: int = 0) -> list[str]:
    """Aligned columns, header first. When the table is wider than `width` (default: the
    output's width, see `output_width`), the widest columns are narrowed and their cells wrap
    onto more lines: text is never cut. `indent` is the room the caller puts before each line."""
    rows = list(rows)
    # built column by column: a few hundred rows of plain short strings is the usual table,
    # and each column is then one pass of builtins over a list
    table = []
    for key, _title in columns:
        cells = [row.get(key) for row in rows]
        if not all(type(v) is str and "\n" not in v for v in cells):
            cells = [_cell(v) for v in cells]
        if secrets_registered():  # mask before wrapping: a split secret would no longer match
            cells = [redact(c) for c in cells]
        table.append(cells)
    titles = [title for _, title in columns]
    widths = [max(len(title), max(map(len, cells), default=0)) for title, cells in zip(titles, table, strict=True)]
    if width == -1:
        width = output_width()
    if width is not None:
        widths = _fit(widths, titles, width - indent - 2 * (len(widths) - 1))
    if all(max(map(len, cells), default=0) <= w for cells, w in zip(table, widths, strict=True)):
        texts = [[title.ljust(w), *[c.ljust(w) for c in cells]] for title, cells, w in zip(titles, table, widths, strict=True)]
        return ["  ".join(line).rstrip() for line in zip(*texts, strict=True)]
    return _wrapped_lines(titles, table, widths)


def _fit(widths: list[int], titles: list[str], room: int) -> list[int]:
    """Narrow the widest columns until the table fits in `room` characters, each keeping its
    title and at least MIN_COLUMN characters (a table that cannot fit stays at those)."""
    widths = list(widths)
    floor = [max(len(t), min(w, MIN_COLUMN)) for t, w in zip(titles, widths, strict=True)]
    while sum(widths) > room:
        i = max(range(len(widths)), key=lambda k: widths[k] - floor[k])
        if widths[i] <= floor[i]:
            break
        widths[i] -= max(1, min(widths[i] - floor[i], sum(widths) - room))
    return widths


def _wrapped_lines(titles: list[str], table: list[list[str]], widths: list[int]) -> list[str]:
    import textwrap

    lines = ["  ".join(t.ljust(w) for t, w in zip(titles, widths, strict=True)).rstrip()]
    for r in range(len(table[0]) if table else 0):
        parts = [textwrap.wrap(cells[r], w, break_on_hyphens=False) or [""] if len(cells[r]) > w else [cells[r]]
                 for cells, w in zip(table, widths, strict=True)]
        for i in range(max(map(len, parts))):
            lines.append("  ".join((p[i] if i < len(p) else "").ljust(w)
                                   for p, w in zip(parts, widths, strict=True)).rstrip())
    return lines


def print_table(rows: Iterable[dict], columns: Sequence[tuple[str, str]]) -> None:
    lines = format_table(rows, columns)
    if lines:
        echo("\n".join(lines))


def print_csv(rows: Iterable[dict], columns: Sequence[tuple[str, str]], excel: bool = False) -> None:
    """CSV with a header row: plain UTF-8 and `\\n` line ends for scripts (as gh and csvkit),
    or, with `excel`, a UTF-8 byte-order mark and CRLF so that spreadsheets read accents right."""
    import csv

    if excel:
        sys.stdout.write("\ufeff")
    writer = csv.writer(sys.stdout, lineterminator="\r\n" if excel else "\n")
    writer.writerow([title for _, title in columns])
    for row in rows:
        writer.writerow([redact(_cell(row.get(key))) for key, _ in columns])


def print_keyvalues(pairs: Sequence[tuple[str, Any]]) -> None:
    width = max((len(k) for k, _ in pairs), default=0)
    for key, value in pairs:
        echo(f"{key.ljust(width)}  {_cell(value)}")
