"""Desks wired to the real loopback sshd: an inventory of 127.0.0.x hosts with the server's
client key, and the server's host keys in the desk's config/known_hosts."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import yaml


def write_inventory(desk: Path, hosts: dict, *, groups: dict | None = None, defaults: dict | None = None) -> None:
    data = {"defaults": defaults or {}, "hosts": hosts, "groups": groups or {}}
    (desk / "config" / "inventory.yaml").write_text(yaml.safe_dump(data, sort_keys=False))


def ssh_hosts(server, names_addresses: list[tuple[str, str]], **extra) -> dict:
    return {
        name: {"address": addr, "port": server.port, "user": server.user, "key": str(server.client_key), **extra}
        for name, addr in names_addresses
    }


def fake_bin(folder: Path, scripts: dict[str, str]) -> Path:
    """Test doubles for tools a container lacks (systemctl, journalctl, CUPS): each an
    executable shell script, put first on the remote PATH through `path_prepend`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in scripts.items():
        path = folder / name
        path.write_text("#!/bin/sh\n" + body + "\n")
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return folder


@pytest.fixture
def isolated_env(base_env, tmp_path) -> dict:
    """The user's own ~/.ssh/known_hosts must not influence the tests."""
    env = dict(base_env, DESKCTL_USER_KNOWN_HOSTS=str(tmp_path / "user_known_hosts"))
    env.pop("SSH_AUTH_SOCK", None)
    return env


@pytest.fixture
def sshrun(drun, isolated_env):
    def _run(*args, **kwargs):
        env = dict(isolated_env, **(kwargs.pop("env", None) or {}))
        return drun(*args, env=env, **kwargs)

    return _run


@pytest.fixture
def ssh_desk(desk, sshd) -> Path:
    """The desk with web1..web4 = 127.0.0.1..4 on the session sshd, keys trusted."""
    write_inventory(
        desk,
        {"localhost": {"connection": "local"}, **ssh_hosts(sshd, [(f"web{i}", f"127.0.0.{i}") for i in range(1, 5)])},
        groups={"web": {"hosts": [f"web{i}" for i in range(1, 5)]}},
    )
    (desk / "config" / "known_hosts").write_text(sshd.known_hosts.read_text())
    return desk


def no_pwned(path: str) -> bool:
    return not os.path.exists(path)
