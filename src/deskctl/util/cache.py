"""A small on-disk cache for derived data (plugin index, rendered help, parsed YAML).

Entries are keyed by a fingerprint of what they derive from, so a stale entry is never used:
it is simply recomputed. A cache that cannot be written (read-only home) is not an error.

Several entries decide what runs (the parsed SOPs, which plugin modules are imported), so the cache is never a way in: its folder must belong
to the user and be writable by nobody else (it is created 0700), every entry file likewise,
and each entry carries a digest of its own text, so a damaged or edited entry is ignored and
rebuilt. Anything that fails these checks is simply a miss.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import zlib

# Paths here are plain strings: the cached top-level help (`deskctl --help`) reads these
# files before anything else, and importing pathlib (with urllib.parse and ipaddress) would
# be a third of its imports.

_MAGIC = b"deskctl-cache 3 "  # first line of an entry: this, then the digest of the rest
_warned: set[str] = set()  # folders refused, said once per process


def short_hash(text: str) -> str:
    """A stable short name for cache files (a collision only costs a miss: `read` compares
    the whole key)."""
    return f"{zlib.crc32(text.encode('utf-8')):08x}"


def content_hash(data: bytes) -> str:
    """A fingerprint of `data` (CRC-32 and Adler-32 with the length): what keys an entry
    derived from a file's content, and what checks an entry's own text. It detects damage
    and change, not forgery: nobody but the user can write the cache folder (see above), and
    zlib is already loaded where hashlib would bring in OpenSSL on every command."""
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}-{len(data):x}"


def cache_dir() -> str:
    base = os.environ.get("DESKCTL_CACHE_DIR")
    if base:
        return base
    xdg = os.environ.get("XDG_CACHE_HOME")
    return os.path.join(xdg or os.path.join(os.path.expanduser("~"), ".cache"), "deskctl")


def _private(st: os.stat_result) -> bool:
    """Owned by this user and writable by nobody else."""
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def trusted_dir(create: bool = False) -> str | None:
    """The cache folder if only this user can write it (made 0700 when `create`), else None."""
    folder = cache_dir()
    try:
        if create:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        st = os.stat(folder)
    except OSError:
        return None
    ok = stat.S_ISDIR(st.st_mode) and _private(st)
    if not ok and create and folder not in _warned:
        _warned.add(folder)
        sys.stderr.write(f"deskctl: warning: not using the cache folder {folder}: it must belong to you "
                         "and be writable by you alone (chmod 700 it, or set DESKCTL_CACHE_DIR)\n")
    return folder if ok else None


def stat_key(path: str) -> list:
    try:
        st = os.stat(path)
    except OSError:
        return [path, None]
    return [path, st.st_mtime_ns, st.st_size]


def content_key(path: str) -> list:
    """`[path, digest of its bytes]`: a key that changes whenever the content does."""
    try:
        with open(path, "rb") as fh:
            return [path, content_hash(fh.read())]
    except OSError:
        return [path, None]


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
    """The desk's own plugin files, by content: they are code that runs."""
    if desk is None:
        return []
    folder = os.path.join(desk, "plugins")
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".py"))
    except OSError:
        return []
    return [content_key(os.path.join(folder, n)) for n in names]


def _read_entry(path: str) -> bytes | None:
    """The body of a private, intact entry file, else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or not _private(st):
            return None
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        raw = b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)
    head, _, body = raw.partition(b"\n")
    if not head.startswith(_MAGIC) or head[len(_MAGIC):].decode("ascii", "replace") != content_hash(body):
        return None
    return body


def read(name: str, key: object) -> object | None:
    """The cached value for `name` if it was stored with the same `key`, else None."""
    folder = trusted_dir()
    if folder is None:
        return None
    body = _read_entry(os.path.join(folder, f"{name}.json"))
    if body is None:
        return None
    try:
        entry = json.loads(body)
    except ValueError:
        return None
    if not isinstance(entry, dict) or entry.get("key") != json.loads(json.dumps(key)):
        return None
    return entry.get("value")


def write(name: str, key: object, value: object) -> None:
    folder = trusted_dir(create=True)
    if folder is None:
        return
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    try:
        body = json.dumps({"key": key, "value": value}, ensure_ascii=False).encode("utf-8")
        data = _MAGIC + content_hash(body).encode("ascii") + b"\n" + body
        # O_EXCL|O_NOFOLLOW: never write through a planted file or link; 0600: entries are private
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(tmp, os.path.join(folder, f"{name}.json"))
    except (OSError, TypeError, ValueError):
        try:  # noqa: SIM105 - not contextlib.suppress: its import costs on every start
            os.unlink(tmp)
        except OSError:
            pass
