"""Lock files are opened by a predictable name: they must never be a way to write elsewhere."""

from __future__ import annotations

import os

import pytest

from deskctl.errors import BadInput
from deskctl.util.locking import FileLock


def test_a_symlinked_lock_file_is_refused_and_its_target_kept(tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n")
    lock = tmp_path / "locks" / "x.lock"
    lock.parent.mkdir()
    lock.symlink_to(target)
    with pytest.raises(BadInput) as err, FileLock(lock, timeout=0.1):
        pass
    assert "symbolic link" in err.value.message and str(lock) in err.value.message
    assert target.read_text() == "keep me\n"


def test_a_hard_linked_lock_file_is_refused_and_its_target_kept(tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n")
    lock = tmp_path / "x.lock"
    os.link(target, lock)
    with pytest.raises(BadInput, match="not a plain file with a single name"), FileLock(lock, timeout=0.1):
        pass
    assert target.read_text() == "keep me\n"


def test_an_ordinary_lock_file_still_works(tmp_path):
    lock = tmp_path / "sub" / "x.lock"
    with FileLock(lock, timeout=0.1):
        assert '"pid"' in lock.read_text()
    with FileLock(lock, timeout=0.1):
        pass


def test_a_symlinked_store_lock_does_not_truncate_its_target(drun, desk, tmp_path):
    assert drun("ticket", "create", "--title", "first").code == 0
    [lock] = desk.rglob(".lock")  # the ticket store's
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n")
    lock.unlink()
    lock.symlink_to(target)
    result = drun("ticket", "create", "--title", "second")
    assert result.code == 2 and "symbolic link" in result.stderr and len(result.stderr.splitlines()) == 1, result
    assert target.read_text() == "keep me\n"
