"""Exit codes and the exceptions that carry them to the one error boundary in `cli.main`.

The domain raises these; the CLI turns them into one line on stderr and an exit code.
No click here: the domain must stay usable as a library.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The exit codes users and scripts rely on."""

    OK = 0
    FAILED = 1  # the operation ran and failed (a step failed on a host, delivery failed)
    BAD_INPUT = 2  # usage, validation, unknown id
    NOT_PERMITTED = 3
    BUSY = 4  # a lock is held by someone else
    INTERRUPTED = 130  # SIGINT (Ctrl-C); SIGTERM gives 143: 128 + the signal's number
    TERMINATED = 143


class DeskError(Exception):
    """A user-facing error: a one-line message, an optional hint (what to do), an exit code."""

    exit_code: int = ExitCode.FAILED

    def __init__(self, message: str, hint: str | None = None, *, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class BadInput(DeskError):
    """Invalid arguments, configuration, or data given by the user (exit 2)."""

    exit_code = ExitCode.BAD_INPUT


class NotFound(BadInput):
    """An unknown id or name (exit 2)."""


class ValidationFailed(BadInput):
    """Several problems found at once; each is `file:line: message`."""

    def __init__(self, problems: list[str], message: str | None = None, hint: str | None = None):
        self.problems = problems
        super().__init__(message or f"{len(problems)} problem(s) found", hint)


class OperationFailed(DeskError):
    exit_code = ExitCode.FAILED


class NotPermitted(DeskError):
    exit_code = ExitCode.NOT_PERMITTED


class Busy(DeskError):
    exit_code = ExitCode.BUSY


class Interrupted(DeskError):
    """Stopped by a signal: exit 130 (SIGINT) or 143 (SIGTERM)."""

    exit_code = ExitCode.INTERRUPTED
