"""Everything deskctl prints passes through the secret registry."""

from __future__ import annotations

import json

import pytest

from deskctl import output
from deskctl.util import redact


@pytest.fixture(autouse=True)
def clean_registry():
    redact.forget_all()
    yield
    redact.forget_all()


def test_registered_secret_is_masked_in_every_kind_of_output(capsys):
    redact.add_secret("Tr0ub4dor&3")
    output.echo("password is Tr0ub4dor&3")
    output.print_json({"note": "set to Tr0ub4dor&3"})
    output.print_table([{"v": "Tr0ub4dor&3"}], [("v", "V")])
    output.print_csv([{"v": "x Tr0ub4dor&3"}], [("v", "v")])
    output.info("info Tr0ub4dor&3")
    output.warn("warn Tr0ub4dor&3")
    output.error("error Tr0ub4dor&3")
    out, err = capsys.readouterr()
    assert "Tr0ub4dor&3" not in out + err
    assert out.count("***") == 4 and err.count("***") == 3


def test_output_without_secrets_is_unchanged(capsys):
    output.echo("plain text")
    assert capsys.readouterr().out == "plain text\n"


LONG = " ".join(f"word{i}" for i in range(60))


def test_a_table_wider_than_the_output_wraps_its_widest_column_and_keeps_every_word():
    rows = [{"id": "INC-1", "note": LONG}, {"id": "INC-22", "note": "short"}]
    lines = output.format_table(rows, [("id", "ID"), ("note", "NOTE")], width=40)
    assert lines[0].split() == ["ID", "NOTE"]
    assert all(len(line) <= 40 for line in lines)
    assert " ".join(lines).split() == ["ID", "NOTE", "INC-1", *LONG.split(), "INC-22", "short"]
    # continuation lines leave the other columns empty, so the rows stay readable
    assert lines[1].startswith("INC-1 ") and lines[2].startswith(" " * 8)


def test_a_table_without_a_width_is_never_cut():
    rows = [{"note": LONG}]
    assert output.format_table(rows, [("note", "NOTE")], width=None)[1] == LONG


def test_output_width_is_columns_then_the_terminal_then_unlimited(monkeypatch):
    monkeypatch.setenv("COLUMNS", "123")
    assert output.output_width() == 123
    monkeypatch.delenv("COLUMNS")
    assert output.output_width() is None  # pytest's stdout is not a terminal


def test_json_is_masked_in_its_values_never_in_keys_or_syntax(capsys):
    import json

    redact.add_secret('Pa55"word:x')  # JSON escapes the quote: masking the text would miss it
    redact.add_secret("started_at")  # a key's name: masking the text would rewrite the key
    output.print_json({"started_at": "t", "note": 'pw Pa55"word:x', "list": ["started_at"]})
    assert json.loads(capsys.readouterr().out) == {"started_at": "t", "note": "pw ***", "list": ["***"]}


def test_a_cut_table_cell_never_shows_part_of_a_secret(capsys):
    redact.add_secret("Tr0ub4dor&3-horse")
    output.print_table([{"v": "x" * 45 + " Tr0ub4dor&3-horse"}], [("v", "V")])
    assert "Tr0ub" not in capsys.readouterr().out


# Terminal safety: what a requester typed is shown, never obeyed by the operator's terminal.
EVIL = "a\x1b]0;pwned\x07b\x1b[2Jc\x1b[1A\x1b[2Kd\x9be\u202ef\u2066g\x7fh\ri\x00"
RAW = {chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def raw_controls(text: str, allowed: str = "\n") -> set[str]:
    return {c for c in text if c in RAW and c not in allowed}


def test_control_characters_are_shown_visibly_not_dropped():
    assert output.visible(EVIL) == "a^[]0;pwned^Gb^[[2Jc^[[1A^[[2Kd<U+009B>e<U+202E>f<U+2066>g^?h^Mi^@"
    assert output.visible("two\nlines\twith a tab\r\nand CRLF") == "two\nlines\twith a tab\r\nand CRLF"
    assert output.visible("plain, accents: ș ț Привет, no-break\u00a0space, emoji 👍") == (
        "plain, accents: ș ț Привет, no-break\u00a0space, emoji 👍")
    assert output.visible_cell("one\ncell\twith\r\nbreaks\rand\x1b") == "one cell with breaks^Mand^["


def test_every_human_output_neutralises_control_characters(capsys):
    output.echo(EVIL)
    output.print_table([{"v": EVIL, "w": "x"}, {"v": "two\nlines", "w": "y"}], [("v", "V"), ("w", "W")])
    output.print_keyvalues([("title", EVIL)])
    output.print_csv([{"v": EVIL}], [("v", "V")])
    output.info(EVIL)
    output.stderr_line(EVIL)
    output.warn(EVIL)
    output.error(EVIL)
    out, err = capsys.readouterr()
    assert raw_controls(out, "\n\r") == set() and raw_controls(err) == set()
    assert out.count("^[]0;pwned^G") == 4 and err.count("^[]0;pwned^G") == 4
    header, first, second = out.split("\n")[1:4]
    # the table stays a table: one line per row, columns aligned after the escaped cell
    column = header.index("W")
    assert first[column] == "x" and second.startswith("two lines ") and second[column] == "y"


def test_json_keeps_every_character_escaped(capsys):
    output.print_json({"title": EVIL, "ok": "ș Привет"})
    text = capsys.readouterr().out
    assert raw_controls(text) == set()
    assert "\\u009b" in text and "\\u202e" in text and "\\u007f" in text and "ș Привет" in text
    assert json.loads(text) == {"title": EVIL, "ok": "ș Привет"}
    for data in ("\x7f only", ["\x9b", "ascii"], {"k\u2069": 1}):
        assert json.loads(output.to_json(data, indent=True)) == data
        assert raw_controls(output.to_json(data)) == set()


def test_styled_lines_keep_deskctl_colour_and_nothing_else(capsys):
    output.echo("\x1b[1mtitle\x1b[0m " + output.visible("\x1b[2J\x1b[8m") + " \x1b]0;x\x07 \x1b[2J", styled=True)
    out = capsys.readouterr().out
    assert out == "\x1b[1mtitle\x1b[0m ^[[2J^[[8m ^[]0;x^G ^[[2J\n"
