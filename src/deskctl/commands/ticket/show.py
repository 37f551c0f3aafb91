"""`deskctl ticket show`: a ticket with its whole timeline."""

from __future__ import annotations

import click

from deskctl import output
from deskctl.commands import _completers as completers
from deskctl.commands._common import examples, json_option, pass_app


@click.command(epilog=examples(
    'deskctl ticket show INC-7  # details, SLA clocks and history',
    'deskctl ticket show inc-7 --json  # ids: any case',
))
@click.argument("ticket_id", shell_complete=completers.ticket_id)
@json_option
@pass_app
def show(app, ticket_id, as_json) -> None:
    """A ticket with its whole timeline."""
    from deskctl.errors import BadInput
    from deskctl.sla.display import ticket_with_sla
    from deskctl.tickets.operations import get_ticket
    from deskctl.tickets.render import render_ticket
    from deskctl.util import clock

    ticket = get_ticket(app.desk, ticket_id, reader=app.actor)
    clock.now()  # a wrong DESKCTL_NOW is bad input (exit 2), not a display problem
    try:
        ticket = ticket_with_sla(app.desk, ticket)
    except BadInput as exc:
        output.warn(f"SLA state not shown: {exc}")
    ticket.setdefault("fields", {})  # tickets from before forms: the same shape
    if as_json:
        output.print_json(ticket)
    else:
        from deskctl.tickets.forms import definitions

        for line in render_ticket(ticket, str(app.desk.setting("timezone", default="UTC")), definitions(app.desk)):
            output.echo(line)
