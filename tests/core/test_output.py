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
