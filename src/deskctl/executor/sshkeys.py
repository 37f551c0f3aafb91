"""Keys deskctl offers when it authenticates: ssh-agent's (when `SSH_AUTH_SOCK` is set), then
the key files (`key:` in the inventory, `IdentityFile` in ssh_config, else ~/.ssh/id_*).

An encrypted key file is unlocked once per process, before a run starts: its passphrase is
asked on the terminal; without one the run stops at once, naming the file (exit 1), since
waiting for an answer nobody can give would hang a cron job.
"""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Callable
from pathlib import Path

from deskctl.errors import OperationFailed

DEFAULT_FILES = ("id_rsa", "id_ecdsa", "id_ed25519", "id_dsa")  # what paramiko can read, ssh's order
PASSPHRASE_TRIES = 3

_lock = threading.Lock()
_loaded: dict[str, object] = {}  # path -> paramiko PKey, unlocked or not encrypted
_encrypted: set[str] = set()  # encrypted and not unlocked: skipped when authenticating


def files_for(settings) -> list[str]:
    """The key files one hop offers: the configured ones, else ssh's default files."""
    if settings.identity_files:
        return list(settings.identity_files)
    return [str(Path.home() / ".ssh" / name) for name in DEFAULT_FILES]


def agent_running() -> bool:
    return bool(os.environ.get("SSH_AUTH_SOCK"))


def public_blob(path: str) -> bytes | None:
    """The public key beside a key file (`PATH.pub`), as the agent lists keys; None if absent."""
    try:
        fields = Path(path + ".pub").read_text(encoding="ascii").split()
        return base64.b64decode(fields[1])
    except (OSError, UnicodeDecodeError, IndexError, ValueError):
        return None


def agent_blobs() -> set[bytes]:
    if not agent_running():
        return set()
    from deskctl.executor.ssh import paramiko_module

    agent = paramiko_module().Agent()
    try:
        return {key.asbytes() for key in agent.get_keys()}
    finally:
        agent.close()


def load(path: str):
    """The key in `path` (unlocked earlier if encrypted), or None when it is missing,
    encrypted and locked, or unreadable (authentication then tries the others)."""
    with _lock:
        if path in _loaded:
            return _loaded[path]
        if path in _encrypted:
            return None
    from deskctl.executor.ssh import paramiko_module

    paramiko = paramiko_module()
    if not os.path.isfile(path):
        return None
    try:
        key = paramiko.PKey.from_path(path)
    except (paramiko.PasswordRequiredException, TypeError):  # TypeError: cryptography's "password-protected"
        with _lock:
            _encrypted.add(path)
        return None
    except (paramiko.SSHException, OSError, ValueError):
        return None
    with _lock:
        _loaded[path] = key
    return key


def is_locked(path: str) -> bool:
    """The file is encrypted and was not unlocked (authentication skips it)."""
    with _lock:
        return path in _encrypted


def unlock(all_settings, ask: Callable[[str], str] | None) -> None:
    """Before connecting: unlock every encrypted key file a hop is configured to offer and
    that ssh-agent does not hold. `ask(prompt)` reads a passphrase; None: no terminal, so
    an encrypted file stops here with one line naming it."""
    from deskctl.executor.ssh import paramiko_module

    held: set[bytes] | None = None
    for settings in all_settings:
        for hop in [*settings.jumps, settings]:
            for path in hop.identity_files:  # ssh's default files are never asked for
                if load(path) is not None or path not in _encrypted:
                    continue
                if held is None:
                    held = agent_blobs()
                blob = public_blob(path)
                if blob is not None and blob in held:
                    continue  # the agent signs with it: no passphrase needed
                if ask is None:
                    raise OperationFailed(
                        f"key file {path} is encrypted and there is no terminal to ask its passphrase",
                        f"load it into ssh-agent (ssh-add {path}) or run deskctl on a terminal",
                    )
                _ask_passphrase(paramiko_module(), path, ask)


def _ask_passphrase(paramiko, path: str, ask: Callable[[str], str]) -> None:
    for _ in range(PASSPHRASE_TRIES):
        passphrase = ask(f"Passphrase for key {path}: ")
        try:
            key = paramiko.PKey.from_path(path, password=passphrase.encode())
        except (paramiko.SSHException, ValueError, TypeError):
            continue
        with _lock:
            _loaded[path] = key
            _encrypted.discard(path)
        return
    raise OperationFailed(f"wrong passphrase for key file {path} ({PASSPHRASE_TRIES} tries)")
