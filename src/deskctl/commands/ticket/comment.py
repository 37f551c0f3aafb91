"""`deskctl ticket comment`: add a comment (public unless --internal)."""

from __future__ import annotations

import click

from deskctl.commands import _completers as completers
from deskctl.commands._common import json_option, pass_app, show_result
from deskctl.commands.ticket._shared import summary_line


@click.command()
@click.argument("ticket_id", shell_complete=completers.ticket_id)
@click.option("--text", required=True, help="The comment.")
@click.option("--internal", is_flag=True, help="Only for staff; not a response to the requester.")
@json_option
@pass_app
def comment(app, ticket_id, text, internal, as_json) -> None:
    """Add a comment (public unless --internal)."""
    from deskctl.tickets import operations

    result = operations.comment(app.desk, ticket_id, actor=app.actor, text=text, internal=internal)
    show_result(result, as_json, f"comment: {summary_line(result)}")
