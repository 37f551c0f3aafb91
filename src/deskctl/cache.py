"""A small on-disk cache for derived data (plugin index, rendered help, parsed YAML).

Entries are keyed by a fingerprint of what they derive from, so a stale entry is never used:
it is simply recomputed. A cache that cannot be written (read-only home) is not an error.
"""

from __future__ import annotations

import json
import os
import sys

# Paths here (and in the rest of the ticket commands' path: desk_finder, desk, yamlio,
# locking, fileio, the store) are plain strings: importing pathlib (and urllib.parse,
# ipaddress with it) costs about a fifth of a bare start-up. Desk.path and friends still
# offer Path objects to the rest of the code, created on first use.


def short_hash(text: str) -> str:
    """A stable short name for cache files: 64-bit FNV-1a, in Python. Loading zlib's or
    OpenSSL's shared library costs more than hashing the few short keys a command needs, and a
    collision only costs a cache miss (`read` compares the whole key)."""
    h = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def cache_dir() -> str:
    base = os.environ.get("DESKCTL_CACHE_DIR")
    if base:
        return base
    xdg = os.environ.get("XDG_CACHE_HOME")
    return os.path.join(xdg or os.path.join(os.path.expanduser("~"), ".cache"), "deskctl")


def stat_key(path: str) -> list:
    try:
        st = os.stat(path)
    except OSError:
        return [path, None]
    return [path, st.st_mtime_ns, st.st_size]


def installed_fingerprint() -> list:
    """What the installed distributions look like: the mtime of every import directory.

    Installing or removing a distribution adds or removes its `.dist-info` folder, which
    changes its directory's mtime: a few `stat` calls instead of a 50 ms entry-point scan.
    `sys.path[0]` is left out: it is the running script's folder (`.venv/bin`, whose mtime
    changes whenever any tool is installed) or, under `python -m`, the current directory, so
    keeping it made `deskctl` and `python -m deskctl` invalidate each other's caches.
    """
    paths = sys.path if sys.flags.safe_path else sys.path[1:]
    return [stat_key(p) for p in paths if p and not p.endswith(".zip")]


def desk_plugins_fingerprint(desk: str | os.PathLike | None) -> list:
    if desk is None:
        return []
    folder = os.path.join(desk, "plugins")
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".py"))
    except OSError:
        return []
    return [stat_key(os.path.join(folder, n)) for n in names]


def read(name: str, key: object) -> object | None:
    """The cached value for `name` if it was stored with the same `key`, else None."""
    try:
        with open(os.path.join(cache_dir(), f"{name}.json"), encoding="utf-8") as fh:
            entry = json.load(fh)
    except (OSError, ValueError):
        return None
    if entry.get("key") != json.loads(json.dumps(key)):
        return None
    return entry.get("value")


def write(name: str, key: object, value: object) -> None:
    folder = cache_dir()
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    try:
        os.makedirs(folder, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"key": key, "value": value}, fh, ensure_ascii=False)
        os.replace(tmp, os.path.join(folder, f"{name}.json"))
    except OSError:  # a cache is optional; a full disk must not keep a partial copy either
        try:  # noqa: SIM105 - not contextlib.suppress: its import costs on every start
            os.unlink(tmp)
        except OSError:  # never created
            pass
