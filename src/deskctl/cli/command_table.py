"""The built-in command groups: name -> ("module:attribute", one-line summary).

Plain data with no imports, read by the `builtin_commands` plugin (which registers them through
`register_commands` like any plugin) and by `cli.run`.
"""

from __future__ import annotations

COMMANDS: dict[str, tuple[str, str]] = {
    "ticket": ("deskctl.commands.ticket:ticket", "Register, route, work and close tickets."),
    "store": ("deskctl.commands.store:store", "Back up, check and archive the ticket store."),
    "kb": ("deskctl.commands.kb:kb", "Search the knowledge base, read articles, walk troubleshooting flows."),
    "plugins": ("deskctl.commands.plugins:plugins", "List installed plugins and the hooks they implement."),
    "config": ("deskctl.commands.config:config", "Show the effective configuration; check the whole desk."),
    "init": ("deskctl.commands.init:init", "Create a new desk folder from the packaged defaults."),
    "sop": ("deskctl.commands.sop:sop", "List, validate and run SOP runbooks locally and over SSH."),
    "inventory": ("deskctl.commands.inventory:inventory", "List the hosts SOPs run on; trust their SSH keys."),
    "change": ("deskctl.commands.change:change", "Change requests: assess, approve (CAB), implement in their window, verify."),
    "announce": ("deskctl.commands.announce:announce", "Outage and maintenance announcements: create, approve, publish, update, resolve."),
    "bulletin": ("deskctl.commands.announce:bulletin", "Active bulletins for front-line staff: what to tell callers today."),
    "report": ("deskctl.commands.report:report", "The desk's KPIs as text, JSON or CSV, and a self-contained HTML report."),
    "survey": ("deskctl.commands.survey:survey", "Satisfaction surveys: closed tickets awaiting an answer."),
    "demo": ("deskctl.commands.demo:demo", "Fill a desk with a reproducible synthetic ticket history."),
    "whoami": ("deskctl.commands.whoami:whoami", "The account you act as, its roles and permissions."),
    "roles": ("deskctl.commands.roles:roles", "Roles and their permissions; check what an account may do."),
    "mail": ("deskctl.commands.mail:mail", "Mail with requesters: e-mail becomes tickets, replies thread into them."),
    "cmdb": ("deskctl.commands.cmdb:cmdb", "Configuration items: relations, history of every update, impact, import and export."),
    "audit": ("deskctl.commands.audit:audit", "The audit trail: who changed what, when; verify it was not altered."),
    "completion": ("deskctl.commands.completion:completion", "Print the shell completion script for bash, zsh or fish."),
    "help": ("deskctl.commands.help:help_", "Any command's help; man pages for every command (--man DIR)."),
}
