"""Pytest fixtures around :mod:`tests.support.sshd`.

Enable them from conftest.py with either::

    pytest_plugins = ["tests.support.fixtures"]

or::

    from tests.support.fixtures import sshd, sshd_factory  # noqa: F401

Without sshd installed the fixtures skip, except in CI (``CI=true``) where a
silently skipped SSH suite would hide a broken setup, so they fail instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import overload

import pytest

from .missing import missing
from .sshd import SshServer, find_sshd, start_sshd, start_sshd_many, stop_all

SESSION_ADDRESSES = tuple(f"127.0.0.{i}" for i in range(1, 6))


def require_sshd() -> str:
    """Return the sshd path, or skip (locally) / fail (CI) if it is missing."""
    path = find_sshd()
    if path is None:
        missing("OpenSSH server (sshd) not found: apt-get install -y openssh-server")
    return path


class SshdFactory:
    """Starts sshd servers on demand and stops all of them on :meth:`close`."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._tmp = tmp_path_factory
        self.servers: list[SshServer] = []

    @overload
    def __call__(
        self, addresses: Sequence[str] = ..., n_hosts: None = None, **kwargs: object
    ) -> SshServer: ...

    @overload
    def __call__(
        self, addresses: Sequence[str] = ..., *, n_hosts: int, **kwargs: object
    ) -> list[SshServer]: ...

    def __call__(
        self,
        addresses: Sequence[str] = ("127.0.0.1",),
        n_hosts: int | None = None,
        **kwargs: object,
    ) -> SshServer | list[SshServer]:
        """One server for *addresses*, or a list covering 127.0.0.1..N if *n_hosts*.

        Extra keyword arguments go to start_sshd / start_sshd_many.
        """
        require_sshd()
        workdir: Path = self._tmp.mktemp("sshd")
        if n_hosts is not None:
            servers = start_sshd_many(workdir, n_hosts, **kwargs)  # type: ignore[arg-type]
            self.servers.extend(servers)
            return servers
        server = start_sshd(workdir, addresses, **kwargs)  # type: ignore[arg-type]
        self.servers.append(server)
        return server

    def close(self) -> None:
        """Stop every server this factory started."""
        stop_all(self.servers)
        self.servers.clear()


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    """One sshd for the whole session, listening on 127.0.0.1 .. 127.0.0.5."""
    require_sshd()
    server = start_sshd(tmp_path_factory.mktemp("sshd-session"), SESSION_ADDRESSES)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sshd_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshdFactory]:
    """Callable ``(addresses=("127.0.0.1",), n_hosts=None)`` starting servers.

    Returns an SshServer, or a list of them when *n_hosts* is given; all are
    stopped at teardown.
    """
    factory = SshdFactory(tmp_path_factory)
    try:
        yield factory
    finally:
        factory.close()
