"""Everything deskctl prints passes through the secret registry."""

from __future__ import annotations

import pytest

from deskctl import output, redact


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
