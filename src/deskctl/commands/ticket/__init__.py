"""`deskctl ticket`: register, route, work and close tickets.

One module per subcommand (`ticket create` is `create.py`), imported only when it runs: a
command builds its own options, not the other nineteen's."""

from __future__ import annotations

import click

from deskctl.cli.lazy_group import LazyGroup

# name -> ("module:attribute", the one-line summary `deskctl ticket --help` shows)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "assign": ("deskctl.commands.ticket.assign:assign", "Assign to an engineer (--to) and/or a group (--group)."),
    "attach": ("deskctl.commands.ticket.attach:attach", "Attach a file (copied into the desk with its sha256), e.g. logs for an escalation."),
    "classify": ("deskctl.commands.ticket.classify:classify", "Show what the desk's rules would set for a ticket, storing nothing."),
    "close": ("deskctl.commands.ticket.close:close", "Close a resolved ticket."),
    "comment": ("deskctl.commands.ticket.comment:comment", "Add a comment (public unless --internal)."),
    "create": ("deskctl.commands.ticket.create:create", "Register a ticket (every contact, even a plain question)."),
    "escalate": ("deskctl.commands.ticket.escalate:escalate", "Hand over to a higher support group."),
    "fields": ("deskctl.commands.ticket.fields:fields", "The desk's ticket form: the fields --field takes, what each holds, when it is required."),
    "link": ("deskctl.commands.ticket.link:link", "Link two tickets (recorded on both)."),
    "list": ("deskctl.commands.ticket.list:list_", "The queue: open tickets, oldest first (filters combine)."),
    "pend": ("deskctl.commands.ticket.pend:pend", "Wait for the requester or a third party (the SLA clock pauses)."),
    "reopen": ("deskctl.commands.ticket.reopen:reopen", "Reopen a resolved or closed ticket."),
    "resolve": ("deskctl.commands.ticket.resolve:resolve", "Record the solution (with a category, and the fields the desk's form requires at resolve)."),
    "resume": ("deskctl.commands.ticket.resume:resume", "Resume a pending ticket (same as start)."),
    "show": ("deskctl.commands.ticket.show:show", "A ticket with its whole timeline."),
    "sla": ("deskctl.commands.ticket.sla:sla", "Open tickets by SLA time left, most urgent first; `sla explain ID`: one ticket's clocks."),
    "start": ("deskctl.commands.ticket.start:start", "Start work on a ticket (assigns it to you if unassigned)."),
    "survey": ("deskctl.commands.ticket.survey:survey_", "Record a satisfaction answer on a resolved or closed ticket, or the requester's consent."),
    "sweep": ("deskctl.commands.ticket.sweep:sweep", "Apply the SLA escalation policy (for cron; safe to repeat)."),
    "update": ("deskctl.commands.ticket.update:update", "Change fields of a ticket (every change is recorded)."),
}


@click.group(cls=LazyGroup)
def ticket() -> None:
    """Register, route, work and close tickets (the service-desk lifecycle)."""


for _name, (_path, _summary) in SUBCOMMANDS.items():
    ticket.add_lazy_command(_name, _path, _summary)
