"""The per-user cache: an entry is used only with the key it was written with, and a damaged
or foreign entry is a miss, never an error."""

from __future__ import annotations

import os

import pytest

from deskctl.util import cache


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("DESKCTL_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_value_comes_back_only_with_its_key(cache_home):
    cache.write("help", ["v1", 80], {"text": "Usage: deskctl"})
    assert cache.read("help", ["v1", 80]) == {"text": "Usage: deskctl"}
    assert cache.read("help", ["v1", 100]) is None
    assert cache.read("other", ["v1", 80]) is None
    entry = next(cache_home.glob("help.json"))
    assert entry.stat().st_mode & 0o777 == 0o600


def test_a_damaged_entry_is_a_miss(cache_home):
    cache.write("help", ["k"], {"text": "x" * 100})
    path = cache_home / "help.json"
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x20  # one flipped bit in the body: the digest no longer matches
    path.write_bytes(bytes(data))
    assert cache.read("help", ["k"]) is None
    path.write_bytes(b"")
    assert cache.read("help", ["k"]) is None


def test_a_cache_folder_others_can_write_is_not_used(cache_home):
    cache.write("help", ["k"], 1)
    os.chmod(cache_home, 0o777)
    try:
        assert cache.read("help", ["k"]) is None
    finally:
        os.chmod(cache_home, 0o700)
    assert cache.read("help", ["k"]) == 1


def test_short_hash_is_stable_and_short():
    assert cache.short_hash("abc") == cache.short_hash("abc") != cache.short_hash("abd")
    assert len(cache.short_hash("abc")) <= 20
