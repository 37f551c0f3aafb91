"""YAML loading: file:line errors and a parse cache that returns exactly what PyYAML gives."""

from __future__ import annotations

import datetime as dt

import pytest

from deskctl.desk import yamlio
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


def bomb(levels: int = 9, width: int = 9) -> str:
    """A "billion laughs" document: `width ** levels` strings once every alias is expanded."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels):
        lines.append(f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_at_its_line_before_anything_is_built(tmp_path):
    import time

    path = tmp_path / "b.yaml"
    path.write_text("name: x\n" + bomb())
    started = time.monotonic()
    for use_cache in (False, True):
        with pytest.raises(BadInput) as err:
            yamlio.load(path, "b.yaml", use_cache=use_cache)
        assert err.value.message.startswith("b.yaml:8: too many nodes once aliases are expanded"), err.value.message
    assert time.monotonic() - started < 5
    assert yamlio.line_index(path) == {}  # the line finders never walk a bomb either
    with pytest.raises(BadInput, match=r"^t:8: too many nodes"):
        yamlio.parse_text("a: 1\n" + bomb(), "t")
    shared = "base: &b {x: 1, y: [1, 2]}\n" + "".join(f"h{i}: {{<<: *b, n: {i}}}\n" for i in range(2000))
    assert yamlio.parse_text(shared, "ok")["h1999"] == {"x": 1, "y": [1, 2], "n": 1999}  # ordinary aliases pass


def test_a_document_that_contains_itself_is_refused(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("a: 1\nloop: &me\n  - 1\n  - *me\n")
    with pytest.raises(BadInput) as err:
        yamlio.load(path, "r.yaml")
    assert err.value.message.startswith("r.yaml:2: this anchor is used inside itself")


def test_an_oversize_file_is_refused_before_it_is_parsed(tmp_path):
    path = tmp_path / "big.yaml"
    line = "# " + "x" * 1022 + "\n"
    path.write_text("a: 1\n" + line * (yamlio.MAX_BYTES // len(line) + 1))
    with pytest.raises(BadInput) as err:
        yamlio.load(path, "big.yaml")
    assert err.value.message.startswith("big.yaml:1: file too large")
    with pytest.raises(BadInput, match="file too large"):
        yamlio.parse_text(path.read_text(), "big.yaml")


def _entries(tmp_path):
    return list((tmp_path / "cache").glob("yaml-*.json"))


def test_an_edited_cache_entry_is_ignored_and_rebuilt(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("steps:\n  - local: echo from-the-file\n")
    yamlio.load(path)
    [entry] = _entries(tmp_path)
    entry.write_bytes(entry.read_bytes().replace(b"echo from-the-file", b"echo from-the-cache"))
    assert yamlio.load(path) == {"steps": [{"local": "echo from-the-file"}]}
    assert b"from-the-cache" not in entry.read_bytes()  # rebuilt
    entry.write_bytes(entry.read_bytes()[:-5])  # damaged
    assert yamlio.load(path) == {"steps": [{"local": "echo from-the-file"}]}


def test_the_cache_is_keyed_by_content_not_by_mtime_and_size(tmp_path):
    import os

    path = tmp_path / "s.yaml"
    path.write_text("cmd: echo aaa\n")
    yamlio.load(path)
    st = path.stat()
    path.write_text("cmd: echo bbb\n")  # same size
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same mtime
    assert yamlio.load(path) == {"cmd": "echo bbb"}


def test_a_cache_folder_or_entry_others_can_write_is_not_trusted(tmp_path):
    from deskctl.util import cache as cache_module

    folder = tmp_path / "cache"
    cache_module.write("probe", ["k"], "v")
    assert cache_module.read("probe", ["k"]) == "v"
    assert folder.stat().st_mode & 0o777 == 0o700
    assert (folder / "probe.json").stat().st_mode & 0o777 == 0o600
    (folder / "probe.json").chmod(0o666)
    assert cache_module.read("probe", ["k"]) is None
    (folder / "probe.json").chmod(0o600)
    folder.chmod(0o777)
    assert cache_module.read("probe", ["k"]) is None
    cache_module.write("other", ["k"], "v")  # nothing is written there either
    assert not (folder / "other.json").exists()
    folder.chmod(0o700)
    (tmp_path / "elsewhere.json").write_bytes((folder / "probe.json").read_bytes())
    (folder / "probe.json").unlink()
    (folder / "probe.json").symlink_to(tmp_path / "elsewhere.json")
    assert cache_module.read("probe", ["k"]) is None  # links are not followed
