"""`deskctl ticket reopen`: reopen a resolved or closed ticket."""

from __future__ import annotations

import click

from deskctl.commands import _completers as completers
from deskctl.commands._common import json_option, pass_app, show_result
from deskctl.commands.ticket._shared import summary_line


@click.command()
@click.argument("ticket_id", shell_complete=completers.ticket_id)
@click.option("--reason", required=True, help="Why it is not solved.")
@json_option
@pass_app
def reopen(app, ticket_id, reason, as_json) -> None:
    """Reopen a resolved or closed ticket."""
    from deskctl.tickets import operations

    result = operations.reopen(app.desk, ticket_id, actor=app.actor, reason=reason)
    show_result(result, as_json, f"reopen: {summary_line(result)}")
