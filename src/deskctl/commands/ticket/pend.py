"""`deskctl ticket pend`: wait for the requester or a third party (the SLA clock pauses)."""

from __future__ import annotations

import click

from deskctl.commands import _completers as completers
from deskctl.commands._common import json_option, pass_app, show_result
from deskctl.commands.ticket._shared import summary_line


@click.command()
@click.argument("ticket_id", shell_complete=completers.ticket_id)
@click.option("--reason", required=True, help="What the ticket waits for.")
@click.option("--on", type=click.Choice(["requester", "third-party"]), default="requester", show_default=True)
@json_option
@pass_app
def pend(app, ticket_id, reason, on, as_json) -> None:
    """Wait for the requester or a third party (the SLA clock pauses)."""
    from deskctl.tickets import operations

    result = operations.pend(app.desk, ticket_id, actor=app.actor, reason=reason, on=on)
    show_result(result, as_json, f"pend: {summary_line(result)}")
