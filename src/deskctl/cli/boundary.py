"""The one error boundary: every outcome of a command becomes an exit code (see
`errors.ExitCode`) and, for errors, one line on stderr. Used by the click application
(`cli.run`); click's own exceptions are mapped in `cli`.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from deskctl import output
from deskctl.errors import DeskError, ExitCode, ValidationFailed

if TYPE_CHECKING:
    from collections.abc import Callable


def print_error(exc: DeskError) -> None:
    if isinstance(exc, ValidationFailed):
        for problem in exc.problems:
            output.stderr_line(problem)
    output.error(str(exc))


def guarded(run: Callable[[], int | None], debug: bool, extra: Callable[[BaseException], int | None] | None = None) -> int:
    """Call `run()`; return its exit code (0 for None) or the code of what it raised.

    `extra` maps exceptions of the caller's own (click's) to a code, or returns None."""
    try:
        return run() or 0
    except DeskError as exc:
        if debug:  # the traceback, then the same line and exit code as without --debug
            import traceback

            traceback.print_exc()
        print_error(exc)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        output.error("interrupted")
        return 130
    except BrokenPipeError:
        # `deskctl ... | head`: the reader left; that is not an error of ours
        try:  # noqa: SIM105 - not contextlib.suppress: its import costs on every start
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the final flush
        except OSError:
            pass
        return 0
    except Exception as exc:
        refused = _disk_refusal(exc)
        if refused is not None and not debug:
            print_error(refused)
            return int(refused.exit_code)
        code = extra(exc) if extra is not None else None
        if code is not None:
            return code
        if debug:
            raise
        output.error(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback and report it)")
        return int(ExitCode.FAILED)


def _disk_refusal(exc: BaseException) -> DeskError | None:
    """A write the disk refused (full, read-only) anywhere not handled closer to it: one
    line naming the file, exit 1, never "internal error"."""
    if not isinstance(exc, OSError):
        return None
    from deskctl.util.fileio import as_disk_error

    return as_disk_error(exc, "a file of the desk", "the command stopped")
