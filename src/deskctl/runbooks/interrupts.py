"""Stopping a run when told: SIGINT (Ctrl-C) and SIGTERM.

The first signal stops the command running on every host (the workers watch `Stop.steps`,
kill their command's process group and close its channel), then the rollback and `finally`
steps that apply run; a second signal sets `Stop.cleanup` too, which stops those as well.
The record is finalised as `interrupted` and the command exits 128 + the first signal's
number (130 for SIGINT, 143 for SIGTERM).

The handler only counts signals: it may run in the main thread between any two bytecodes,
even inside a lock's code, so it takes no lock (an `Event.set()` would). The main thread
turns the count into events in `sync()`, from its wait loop; workers only read the events.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stop:
    """One run's stop request, shared by the main thread and every host's worker."""

    def __init__(self) -> None:
        self.steps = threading.Event()  # first signal: stop the steps, run rollback/finally
        self.cleanup = threading.Event()  # second signal: stop rollback and finally too
        self.signum: int | None = None  # the first signal received
        self._count = 0  # written by the handler only
        self._told = 0  # how many signals `sync()` has turned into events
        self.armed = True  # false: a signal ends the command at once (see `handler`)

    def handler(self, signum: int, frame) -> None:
        """The signal handler: count, nothing else (see the module docstring). Before the
        run started (`armed` false: waiting for a host lock), nothing needs undoing: the
        command ends at once, as without a handler."""
        if not self.armed:
            from deskctl.errors import Interrupted

            raise Interrupted(f"interrupted by {signal.Signals(signum).name}; nothing was run", exit_code=128 + signum)
        if self.signum is None:
            self.signum = signum
        self._count += 1

    def request(self, signum: int) -> None:
        """Ask the run to stop as a signal would (for callers without signals)."""
        self.handler(signum, None)

    def sync(self, notify: Callable[[str], None] | None = None) -> None:
        """Turn signals received into events; tell the person once per stage."""
        count = self._count
        if count == self._told:
            return
        self._told = count
        if count >= 1 and not self.steps.is_set():
            self.steps.set()
            if notify:
                notify(f"{self.name} received: stopping the command on every host, then running "
                       f"the rollback and finally steps (send it again to skip them)")
        if count >= 2 and not self.cleanup.is_set():
            self.cleanup.set()
            if notify:
                notify(f"{self.name} received again: rollback and finally skipped, stopping now")

    @property
    def requested(self) -> bool:
        return self.steps.is_set()

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum else "stop request"

    @property
    def exit_code(self) -> int:
        """The shells' convention: 128 + signal number (130 SIGINT, 143 SIGTERM)."""
        return 128 + (self.signum or signal.SIGTERM)


@contextmanager
def trapped(stop: Stop) -> Iterator[Stop]:
    """SIGINT and SIGTERM call `stop.handler` inside the block (main thread only: Python
    allows signal handlers nowhere else; elsewhere the block runs without them). A signal
    the caller ignores (a background job's SIGINT) stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {}
    try:
        for sig in SIGNALS:
            if signal.getsignal(sig) is not signal.SIG_IGN:
                previous[sig] = signal.signal(sig, stop.handler)
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
