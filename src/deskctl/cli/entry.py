"""The console-script entry point: answers `--version` and the top-level `--help` from a cache
before click is imported, then hands over to the click application in `cli.root`.

Start-up matters: engineers run deskctl dozens of times an hour and cron every few minutes,
and the two commands people run most casually need nothing but a string.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    instruction = os.environ.get("_DESKCTL_COMPLETE")
    if instruction:  # the shell asks for completions (see `deskctl completion`)
        from deskctl.cli.root import complete

        return complete(instruction)
    if args == ["--version"]:
        from deskctl import __version__

        sys.stdout.write(f"deskctl {__version__}\n")
        return 0
    if args in ([], ["--help"], ["-h"]):
        from deskctl.cli import help_cache

        text = help_cache.cached_help()
        if text is not None:
            sys.stdout.write(text)
            return 0
    from deskctl.cli.root import run

    return run(args)


if __name__ == "__main__":  # pragma: no cover - `python -m deskctl.cli.entry`
    sys.exit(main())
