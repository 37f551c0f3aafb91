"""YAML loading: file:line errors and a parse cache that returns exactly what PyYAML gives."""

from __future__ import annotations

import datetime as dt

import pytest

from deskctl import yamlio
from deskctl.errors import BadInput


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DESKCTL_CACHE_DIR", str(tmp_path / "cache"))


def test_cached_load_returns_the_same_data_as_a_fresh_parse(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("holidays: [2026-12-25]\nstart: 2026-12-05T22:00:00+01:00\nname: x\nn: 3\nnone: null\n")
    fresh = yamlio.load(path, use_cache=False)
    first = yamlio.load(path)   # parses and fills the cache
    second = yamlio.load(path)  # from the cache
    assert fresh == first == second
    assert second["holidays"] == [dt.date(2026, 12, 25)]
    assert second["start"].utcoffset() == dt.timedelta(hours=1)
    assert any((tmp_path / "cache").glob("yaml-*.json"))


def test_syntax_error_names_file_and_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("a: 1\nb: [1, 2\nc: 3\n")
    with pytest.raises(BadInput) as err:
        yamlio.load(path, "bad.yaml")
    assert err.value.message.startswith("bad.yaml:3: invalid YAML")


def test_line_of_finds_nested_keys_and_boolean_keys(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("nodes:\n  cable:\n    answers: {no: a, yes: b}\n  other:\n    ask: x\n")
    assert yamlio.line_of(path, ["nodes", "other", "ask"]) == 5
    index = yamlio.line_index(path)
    assert index[("nodes", "cable", "answers", True)] == 3
