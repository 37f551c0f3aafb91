"""`deskctl ticket resume`: resume a pending ticket (same as start)."""

from __future__ import annotations

import click

from deskctl.commands import _completers as completers
from deskctl.commands._common import json_option, pass_app, show_result
from deskctl.commands.ticket._shared import summary_line


@click.command()
@click.argument("ticket_id", shell_complete=completers.ticket_id)
@click.option("--note", default="", help="Note for the history.")
@json_option
@pass_app
def resume(app, ticket_id, note, as_json) -> None:
    """Resume a pending ticket (same as start)."""
    from deskctl.tickets import operations

    result = operations.start(app.desk, ticket_id, actor=app.actor, note=note)
    show_result(result, as_json, f"resume: {summary_line(result)}")
