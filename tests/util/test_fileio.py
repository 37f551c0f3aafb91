"""Whole-file writes go through a temporary file with a predictable name: never followed."""

from __future__ import annotations

import os

from deskctl.util.fileio import atomic_write


def test_a_link_planted_at_the_temporary_name_is_not_followed(tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n")
    path = tmp_path / "data.json"
    (tmp_path / f".data.json.{os.getpid()}.tmp").symlink_to(target)
    atomic_write(path, "new\n")
    assert target.read_text() == "keep me\n"
    assert path.read_text() == "new\n" and not path.is_symlink()
