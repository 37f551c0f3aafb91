"""The one place that prints: data to stdout (tables, JSON, CSV), messages to stderr.

Scripts read stdout; people read stderr too. Keeping them apart lets `deskctl ... --json | jq`
work while progress and warnings still reach the terminal.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from deskctl.util.redact import redact, redact_data, secrets_registered

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
    a few hundred tickets takes a few ms (indenting runs in pure Python, about 4x slower).
    No character a terminal obeys is left raw (see `json_escaped`)."""
    return json_escaped(json.dumps(data, ensure_ascii=False, indent=2 if indent else None, default=default))


# Terminal safety. A control character in a printed value (a ticket title, a requester's name,
# a remote command's output) is obeyed by the terminal, not shown: ESC sequences retitle the
# window, clear the screen or erase lines, a C1 CSI (U+009B) does the same on terminals that
# honour 8-bit controls, and bidi overrides reorder the line the operator reads. So every human
# output shows them instead, as `cat -v` and `less` do: C0 controls and DEL in caret notation
# (ESC `^[`, BEL `^G`, a lone CR `^M`), C1 controls and bidi controls as `<U+009B>`. Newline and
# tab keep their meaning in running text; in a table or CSV cell they become spaces, so a row
# stays a row. JSON keeps every character: `json` escapes C0; DEL, C1 and bidi are escaped too.

_BIDI = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))  # embeddings, overrides, isolates
_SHOWN = {c: "^" + chr(c + 64) for c in range(0x20) if c not in (0x09, 0x0A)}
_SHOWN[0x7F] = "^?"
_SHOWN.update({c: f"<U+{c:04X}>" for c in (*range(0x80, 0xA0), *_BIDI)})
_SHOWN_CELL = {**_SHOWN, 0x09: " ", 0x0A: " "}
_JSON_ESCAPES = {c: f"\\u{c:04x}" for c in (0x7F, *range(0x80, 0xA0), *_BIDI)}
_JSON_RAW = tuple(map(chr, _JSON_ESCAPES))


def visible(text: str) -> str:
    """`text` with every control character a terminal would obey shown instead (see above);
    newlines, tabs and line-ending CRs are kept. Plain text is returned as it is, at once."""
    if text.isprintable() or text.replace("\n", "").isprintable():  # one pass over a table
        return text
    lines = text.split("\n")
    last = len(lines) - 1
    for i, line in enumerate(lines):
        if not line.isprintable():  # rare: a line with a tab, a no-break space... or a control
            if i < last and line.endswith("\r"):  # CRLF is a line ending: harmless, kept
                lines[i] = line[:-1].translate(_SHOWN) + "\r"
            else:
                lines[i] = line.translate(_SHOWN)
    return "\n".join(lines)


def visible_cell(text: str) -> str:
    """`text` for one table or CSV cell: one line, control characters shown (see above)."""
    if text.isprintable():
        return text
    return text.replace("\r\n", " ").translate(_SHOWN_CELL)


def json_escaped(text: str) -> str:
    """JSON text with DEL, C1 and bidi controls written as `\\u` escapes: the same document
    for a parser, nothing raw for a terminal (the encoder escapes only C0 controls)."""
    if text.isascii():
        return text.replace("\x7f", "\\u007f") if "\x7f" in text else text
    if any(c in text for c in _JSON_RAW):  # each a fast substring search; translate is slow
        return text.translate(_JSON_ESCAPES)
    return text


def _styled(text: str) -> str:
    """`visible(text)`, keeping the SGR sequences (colour, bold: ESC [ digits m) that deskctl
    itself added around values it had already made visible."""
    head, *parts = text.split("\x1b")
    out = [visible(head)]
    for part in parts:
        params, m, rest = part.partition("m")
        if m and params[:1] == "[" and all(c in "0123456789;" for c in params[1:]):
            out.append("\x1b" + params + "m" + visible(rest))
        else:
            out.append(visible("\x1b" + part))
    return "".join(out)


# Everything printed passes through the secret registry (deskctl.util.redact): a secret that a
# feature forgot to mask is still never shown; and then through `visible` (terminal safety,
# above). Only the one-time display of a generated password writes to stderr directly, on
# purpose, through `visible` alone.

def print_json(data: Any) -> None:
    """One JSON document on stdout: indented for a person at a terminal, one compact line
    for a pipe or a file (what scripts read; `jq .` indents it), as `gh --json` does.
    Secrets are masked in the values before encoding: masking the encoded text could
    rewrite keys or JSON syntax, and would miss a secret that JSON escapes."""
    sys.stdout.write(to_json(redact_data(data), indent=sys.stdout.isatty(), default=_masked_default) + "\n")


def _masked_default(value: Any) -> Any:
    return redact_data(_default(value))


def echo(text: str = "", styled: bool = False) -> None:
    """A line of data on stdout. `styled`: the text holds colour or bold sequences that
    deskctl added itself (around values it made `visible` first): those are kept."""
    text = redact(text)
    sys.stdout.write((_styled(text) if styled else visible(text)) + "\n")


def info(message: str) -> None:
    if not QUIET:
        sys.stderr.write(visible(redact(message)) + "\n")


def stderr_line(line: str) -> None:
    """A line on stderr that -q does not drop (a problem listed before an error, a warning
    line already formatted by whoever found it)."""
    sys.stderr.write(visible(redact(line)) + "\n")


def warn(message: str) -> None:
    sys.stderr.write(f"deskctl: warning: {visible(redact(message))}\n")


def error(message: str) -> None:
    sys.stderr.write(f"deskctl: error: {visible(redact(message))}\n")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return visible_cell(",".join(str(v) for v in value))
    return visible_cell(str(value))


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
        # isprintable: no newline, tab or control character (see `visible`) to deal with
        if not all(type(v) is str and v.isprintable() for v in cells):
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


COMPACT = 24  # a column no wider than this (ids, times, names) is narrowed only as a last resort


def _fit(widths: list[int], titles: list[str], room: int) -> list[int]:
    """Narrow columns until the table fits in `room` characters: first the wide ones (free
    text), the widest down to the next widest so that widths even out, each keeping its title
    and MIN_COLUMN characters; only if that is not enough the compact ones too (a table that
    cannot fit stays at the floors)."""
    titled = [max(len(t), min(w, MIN_COLUMN)) for t, w in zip(titles, widths, strict=True)]
    compact_kept = [w if w <= COMPACT else f for w, f in zip(widths, titled, strict=True)]
    return _narrow(_narrow(list(widths), compact_kept, room), titled, room)


def _narrow(widths: list[int], floor: list[int], room: int) -> list[int]:
    for _ in range(sum(widths)):  # bounded: every pass takes at least one character off
        excess = sum(widths) - room
        candidates = [k for k in range(len(widths)) if widths[k] > floor[k]]
        if excess <= 0 or not candidates:
            break
        i = max(candidates, key=lambda k: widths[k])
        next_widest = max((widths[k] for k in candidates if k != i), default=0)
        target = max(next_widest, floor[i])
        widths[i] -= min(excess, widths[i] - target if widths[i] > target else 1)
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
    if lines:  # every cell is visible already (format_table): only the secret registry is left
        sys.stdout.write(redact("\n".join(lines)) + "\n")


def print_csv(rows: Iterable[dict], columns: Sequence[tuple[str, str]], excel: bool = False) -> None:
    """CSV with a header row: plain UTF-8 and `\\n` line ends for scripts (as gh and csvkit),
    or, with `excel`, a UTF-8 byte-order mark and CRLF so that spreadsheets read accents right.

    Cells are what a person reads in a spreadsheet or with `cat`, like a table's: one line each
    (already so), control characters shown visibly (`^[`), never raw: a CSV has no escape for
    them, a terminal would obey them and spreadsheets refuse or mangle them. Every byte of a
    value is in `--json`."""
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
