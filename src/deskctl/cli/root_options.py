"""The root group's options (`--desk`, `--actor`, `--debug`, `-q`) read from a command line
before click parses it: the desk must be known first, because its plugins add commands.

The one reader of these options outside click; every path that needs them uses it.
"""

from __future__ import annotations

VALUE_OPTIONS = {"--desk": "desk", "--actor": "actor"}
FLAGS = {"--debug": "debug", "-q": "quiet", "--quiet": "quiet"}


class RootOptions:
    """(A plain class: generating a dataclass would cost every command half a millisecond.)"""

    __slots__ = ("desk", "actor", "debug", "quiet", "rest")

    def __init__(self) -> None:
        self.desk: str | None = None
        self.actor: str | None = None
        self.debug = False
        self.quiet = False
        self.rest: list[str] = []  # from the command's name on

    @property
    def command(self) -> str | None:
        """The command group named on the command line, if any."""
        return self.rest[0] if self.rest else None


def parse_root_options(args: list[str]) -> RootOptions:
    """The root options in any order and form (`--desk D`, `--desk=D`), up to the first word
    that is not one of them. Anything unexpected is left for click to report."""
    found = RootOptions()
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, inline = arg.partition("=")
        if name in VALUE_OPTIONS:
            if eq:
                value = inline
            elif i + 1 < len(args):
                i += 1
                value = args[i]
            else:
                break  # `--desk` with no value: click says so
            setattr(found, VALUE_OPTIONS[name], value)
        elif arg in FLAGS:
            setattr(found, FLAGS[arg], True)
        elif arg.startswith("-"):
            break  # --help, --version, a typo: click's business
        else:
            found.rest = args[i:]
            break
        i += 1
    return found
