"""Host key verification: the desk's `config/known_hosts` and the user's
`~/.ssh/known_hosts`. An unknown or changed key fails the host; `deskctl inventory trust`
is the only way a key gets recorded, after a person (or `--yes`) confirmed its fingerprint.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from pathlib import Path

DESK_KNOWN_HOSTS = Path("config") / "known_hosts"


def known_hosts_files(desk) -> list[Path]:
    """Where keys are looked up, the desk's file first."""
    files = [desk.path / DESK_KNOWN_HOSTS]
    user = os.environ.get("DESKCTL_USER_KNOWN_HOSTS") or str(Path.home() / ".ssh" / "known_hosts")
    files.append(Path(user).expanduser())
    return files


def entry_name(address: str, port: int) -> str:
    """The known_hosts name OpenSSH uses: `addr` on port 22, else `[addr]:port`."""
    return address if port == 22 else f"[{address}]:{port}"


def fingerprint(key) -> str:
    """OpenSSH's `SHA256:...` fingerprint of a paramiko key."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


_cache_lock = threading.Lock()
_cache: dict[tuple, object] = {}


def load(files: list[Path]):
    """One paramiko HostKeys holding every readable file (parsed once per process)."""
    from deskctl.executor.ssh import paramiko_module

    paramiko = paramiko_module()
    stamp = tuple((str(f), _mtime(f)) for f in files)
    with _cache_lock:
        if stamp in _cache:
            return _cache[stamp]
        keys = paramiko.HostKeys()
        for f in files:
            if f.is_file():
                try:
                    keys.load(str(f))
                except (OSError, UnicodeDecodeError):
                    continue  # an unreadable file simply contributes no keys
        _cache[stamp] = keys
        return keys


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def record(desk, address: str, port: int, key) -> Path:
    """Append `key` for address:port to the desk's known_hosts (replacing an old line)."""
    return record_in(desk.path / DESK_KNOWN_HOSTS, address, port, key)


def record_in(path: Path, address: str, port: int, key) -> Path:
    """Append `key` for address:port to the known_hosts file `path` (replacing an old line)."""
    name = entry_name(address, port)
    line = f"{name} {key.get_name()} {key.get_base64()}\n"
    kept = []
    if path.is_file():
        for old in path.read_text(encoding="utf-8").splitlines(keepends=True):
            parts = old.split()
            if len(parts) >= 2 and name in parts[0].split(",") and parts[1] == key.get_name():
                continue
            kept.append(old if old.endswith("\n") else old + "\n")
    from deskctl.util.fileio import atomic_write

    atomic_write(path, "".join([*kept, line]))
    with _cache_lock:
        _cache.clear()
    return path
