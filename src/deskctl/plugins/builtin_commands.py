"""The built-in command groups. Each is lazy: its module in `deskctl.commands` is imported
only when it runs, so `deskctl --help` stays fast. The summaries below are what --help shows."""

from __future__ import annotations

from deskctl.hookspecs import hookimpl

COMMANDS: dict[str, tuple[str, str]] = {
    "ticket": ("deskctl.commands.ticket:ticket", "Register, route, work and close tickets."),
    "store": ("deskctl.commands.store:store", "Back up, check and archive the ticket store."),
    "plugins": ("deskctl.commands.plugins:plugins", "List installed plugins and the hooks they implement."),
    "config": ("deskctl.commands.config:config", "Show the effective configuration; check the whole desk."),
    "init": ("deskctl.commands.init:init", "Create a new desk folder from the packaged defaults."),
}


@hookimpl(trylast=True)
def register_commands(cli):
    for name, (import_path, summary) in COMMANDS.items():
        cli.add_lazy_command(name, import_path, summary)
