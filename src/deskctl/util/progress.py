"""Progress on stderr for work that can take more than a second: the domain's one seam.

The domain says what it is doing (`with progress("seeding tickets", total) as bar:
bar.advance()`); whether anything is shown is decided here, once: only when stderr is a
terminal (not TERM=dumb), never with `-q` (`output.QUIET`) or when the command prints JSON (`suppress()`,
which the `--json` option calls), and only after the work has taken DELAY seconds, so a
quick command shows nothing. The bar is drawn by rich, imported when a bar is first shown:
never on `--help` or a quick command. Lines printed to stderr while a bar is shown (a
host's step results) go above it, as they are.

One bar at a time (rich draws one live display): work with a progress of its own inside
another's (`store copy` checking the copy) takes the screen until it ends, then the outer
bar comes back. Only the main thread reports: a host's thread in a SOP run never draws.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

DELAY = 0.5  # seconds of work before a bar appears
PUSH_EVERY = 0.1  # seconds between updates handed to rich (advance() is called per ticket)

_suppressed = False  # `--json`: set by the option, reset by every run (`reset`)
_stack: list[Progress] = []  # the reports under way, innermost last: only that one is drawn
_stack_lock = threading.RLock()
_pauses = 0  # questions on the terminal now (`paused`): no bar is drawn meanwhile

T = TypeVar("T")


def suppress() -> None:
    """No progress for the rest of this command (it prints JSON)."""
    global _suppressed
    _suppressed = True


def reset() -> None:
    """A new command starts: it shows progress unless told otherwise."""
    global _suppressed
    _suppressed = False


def wanted() -> bool:
    """A person is watching stderr and asked for no silence."""
    from deskctl import output

    if _suppressed or output.QUIET:
        return False
    import os

    if os.environ.get("TERM") == "dumb":  # no cursor movement: a bar would print line after line
        return False
    stream = sys.stderr
    try:
        return stream is not None and stream.isatty()
    except (ValueError, AttributeError):  # closed, or replaced by something that is not a file
        return False


class Progress:
    """What a piece of work reports: `advance(n)` as items get done, `note(text)` for a short
    status after the bar (`3 failed, 4 running`), `update(...)` for the whole state at once.
    Cheap to call per item: the screen is updated at most every PUSH_EVERY seconds."""

    def __init__(self, label: str, total: int | None, shown: bool):
        self.label = label
        self.total = total
        self.done = 0
        self._note = ""
        self._enabled = shown
        self._lock = threading.Lock()
        self._bar: Any = None  # (rich Progress, task id) while on the screen
        self._timer: threading.Timer | None = None
        self._closed = False
        self._due = False  # DELAY has passed: drawn whenever it is the innermost report
        self._next_push = 0.0

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None and time.monotonic() >= self._next_push:
            self._push()

    def note(self, text: str) -> None:
        self._note = text
        if self._bar is not None:
            self._push()

    def counted(self, items: Iterable[T]) -> Iterator[T]:
        """`items`, one by one, each taken counted (`advance`). The bar's `with` stays the
        caller's: it ends, and takes the bar off the screen, even when the work fails."""
        for item in items:
            yield item
            self.advance()

    def update(self, *, done: int | None = None, total: int | None = None, label: str | None = None,
               note: str | None = None) -> None:
        if done is not None:
            self.done = done
        if total is not None:
            self.total = total
        if label is not None:
            self.label = label
        if note is not None:
            self._note = note
        if self._bar is not None:
            self._push()

    # -- the screen ---------------------------------------------------------------------------

    def _start(self) -> None:
        if not self._enabled:
            return
        with _stack_lock:
            if _stack:
                _stack[-1]._hide()  # an inner piece of work takes the screen
            else:
                _at_exit()
            _stack.append(self)
        self._timer = threading.Timer(DELAY, self._delay_passed)
        self._timer.daemon = True
        self._timer.start()

    def _delay_passed(self) -> None:
        self._due = True
        with _stack_lock:
            if _stack and _stack[-1] is self and not _pauses:
                self._show()

    def _fields(self) -> dict[str, Any]:
        from deskctl import output

        count = f"{self.done}/{self.total}" if self.total else (str(self.done) if self.done else "")
        return {"description": output.visible(self.label), "completed": self.done, "total": self.total,
                "count": count, "note": output.visible(self._note)}

    def _show(self) -> None:
        with self._lock:
            if self._closed or self._bar is not None:
                return
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                SpinnerColumn,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import Progress as RichProgress

            console = Console(file=sys.stderr, highlight=False)
            bar = RichProgress(
                SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(),
                TaskProgressColumn(), TextColumn("{task.fields[count]}", markup=False),
                TimeElapsedColumn(), TextColumn("{task.fields[note]}", markup=False),
                console=console, transient=True, redirect_stderr=True,
                # stdout that is not the terminal (a pipe, a file) must not be drawn on it
                redirect_stdout=_isatty(sys.stdout),
            )
            fields = self._fields()
            task = bar.add_task(fields.pop("description"), **fields)
            bar.start()
            self._bar = (bar, task)

    def _push(self) -> None:
        with self._lock:
            if self._bar is None:
                return
            bar, task = self._bar
            bar.update(task, **self._fields())
            self._next_push = time.monotonic() + PUSH_EVERY

    def _hide(self) -> None:
        """Take the bar off the screen (it can come back: `_show`)."""
        with self._lock:
            if self._bar is None:
                return
            bar, _ = self._bar
            self._bar = None
        bar.stop()

    def _close(self) -> None:
        with self._lock:
            self._closed = True
        if self._timer is None:
            return
        self._timer.cancel()
        self._timer.join(5)  # a bar being drawn right now: wait, then take it off
        self._hide()
        with _stack_lock:
            if self in _stack:
                _stack.remove(self)
            outer = _stack[-1] if _stack else None
            if outer is not None and outer._due and not _pauses:
                outer._show()


_exit_hook: list[bool] = []


def _at_exit() -> None:
    """Once: at exit, take any bar still drawn off the screen (and show the cursor again),
    whatever left it there."""
    if not _exit_hook:
        import atexit

        atexit.register(lambda: [bar._hide() for bar in list(_stack)])
        _exit_hook.append(True)


def _isatty(stream: Any) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, AttributeError):
        return False


@contextmanager
def progress(label: str, total: int | None = None, *, enabled: bool = True) -> Iterator[Progress]:
    """A progress report for the work done inside the `with`; `total` None when the amount
    is not known (a spinner and a count). `enabled=False`: the caller knows a bar would be in
    the way (the work asks questions on the terminal)."""
    shown = enabled and threading.current_thread() is threading.main_thread() and wanted()
    bar = Progress(label, total, shown=shown)
    bar._start()
    try:
        yield bar
    finally:
        bar._close()


@contextmanager
def paused() -> Iterator[None]:
    """No bar on the screen inside the `with` (a question for the operator), back after."""
    global _pauses
    with _stack_lock:
        _pauses += 1
        if _stack:
            _stack[-1]._hide()
    try:
        yield
    finally:
        with _stack_lock:
            _pauses -= 1
            if _stack and not _pauses and _stack[-1]._due:
                _stack[-1]._show()
