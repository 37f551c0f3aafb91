"""`deskctl ticket close`: close a resolved ticket."""

from __future__ import annotations

import click

from deskctl.commands import _completers as completers
from deskctl.commands._common import json_option, pass_app, show_result
from deskctl.commands.ticket._shared import summary_line


@click.command()
@click.argument("ticket_id", shell_complete=completers.ticket_id)
@click.option("--confirmed", is_flag=True, help="The requester confirmed the solution.")
@click.option("--note", default="", help="Note for the history.")
@json_option
@pass_app
def close(app, ticket_id, confirmed, note, as_json) -> None:
    """Close a resolved ticket."""
    from deskctl.tickets import operations

    result = operations.close(app.desk, ticket_id, actor=app.actor, confirmed=confirmed, note=note)
    show_result(result, as_json, f"close: {summary_line(result)}")
