"""The built-in command groups. Each is lazy: its module in `deskctl.commands` is imported
only when it runs, so `deskctl --help` stays fast. The summaries below are what --help shows."""

from __future__ import annotations

from deskctl.cli.command_table import COMMANDS
from deskctl.hookspecs import hookimpl


@hookimpl(trylast=True)
def register_commands(cli):
    for name, (import_path, summary) in COMMANDS.items():
        cli.add_lazy_command(name, import_path, summary)
