"""`deskctl ticket assign`: assign to an engineer (--to) and/or a group (--group)."""

from __future__ import annotations

import click

from deskctl.commands import _completers as completers
from deskctl.commands._common import json_option, pass_app, show_result
from deskctl.commands.ticket._shared import notified_text, summary_line, warn_failed


@click.command()
@click.argument("ticket_id", shell_complete=completers.ticket_id)
@click.option("--to", help="Engineer.")
@click.option("--group", shell_complete=completers.group, help="Support group.")
@click.option("--note", default="", help="Why.")
@json_option
@pass_app
def assign(app, ticket_id, to, group, note, as_json) -> None:
    """Assign to an engineer (--to) and/or a group (--group)."""
    from deskctl.tickets import operations

    sent: list[dict] = []
    result = operations.assign(app.desk, ticket_id, actor=app.actor, to=to, group=group, note=note,
                               notifications=sent)
    show_result(result, as_json, f"assign: {summary_line(result)}{notified_text(sent)}", notified=sent)
    warn_failed(sent)
