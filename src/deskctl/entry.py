"""The console-script entry point: answers `--version` and the top-level `--help` from a cache
before anything heavy is imported, then tries the fast path (`fastpath`: a built-in command
run without click), then hands over to the click application in `cli`.

Start-up matters: engineers run deskctl dozens of times an hour and cron every few minutes.
Importing click alone costs about three bare interpreter start-ups here, so the two commands
people run most casually do not pay for it.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        from deskctl import __version__

        sys.stdout.write(f"deskctl {__version__}\n")
        return 0
    if args in ([], ["--help"], ["-h"]):
        from deskctl import help_cache

        text = help_cache.cached_help()
        if text is not None:
            sys.stdout.write(text)
            return 0
    if argv is None:
        import gc

        # A command lives for a fraction of a second and frees its memory by exiting: the
        # cyclic collector's passes over imported modules and parsed store files are pure
        # cost (about 1 ms of a ticket command). Only for the console script's own process.
        gc.disable()
    from deskctl import fastpath

    code = fastpath.run(args, exit_when_done=argv is None)
    if code is not None:
        return code
    if argv is None:
        gc.enable()  # click, plugins, SOP runs: long or unknown lives, the usual collector
    from deskctl.cli import run

    return run(args)


if __name__ == "__main__":  # pragma: no cover - `python -m deskctl.entry`
    sys.exit(main())
