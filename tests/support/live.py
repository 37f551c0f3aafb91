"""Servers a test process started and has not stopped yet (sshd, PostgreSQL, Dovecot): they
are stopped when the process exits, so a crashed session or a forgetful benchmark leaves none
behind."""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable
from typing import Any


class LiveServers:
    def __init__(self, stop_all: Callable[[list[Any]], None] | None = None):
        self._servers: dict[int, Any] = {}
        self._lock = threading.Lock()
        self._owner = os.getpid()
        self._stop_all = stop_all
        atexit.register(self._stop_leftovers)

    def add(self, server: Any) -> None:
        with self._lock:
            self._servers[id(server)] = server

    def discard(self, server: Any) -> None:
        with self._lock:
            self._servers.pop(id(server), None)

    def _stop_leftovers(self) -> None:
        if os.getpid() != self._owner:  # a forked child (multiprocessing) leaves its parent's alone
            return
        with self._lock:
            leftovers = list(self._servers.values())
        if self._stop_all is not None:
            self._stop_all(leftovers)
        else:
            for server in leftovers:
                server.stop()
