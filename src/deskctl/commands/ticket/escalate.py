"""`deskctl ticket escalate`: hand over to a higher support group."""

from __future__ import annotations

import click

from deskctl.commands import _completers as completers
from deskctl.commands._common import json_option, pass_app, show_result
from deskctl.commands.ticket._shared import notified_text, summary_line, warn_failed


@click.command()
@click.argument("ticket_id", shell_complete=completers.ticket_id)
@click.option("--group", shell_complete=completers.group, required=True, help="Group to escalate to (e.g. L2).")
@click.option("--reason", required=True, help="Why, and what was already tried.")
@json_option
@pass_app
def escalate(app, ticket_id, group, reason, as_json) -> None:
    """Hand over to a higher support group."""
    from deskctl.tickets import operations

    sent: list[dict] = []
    result = operations.escalate(app.desk, ticket_id, actor=app.actor, group=group, reason=reason,
                                 notifications=sent)
    show_result(result, as_json, f"escalate: {summary_line(result)}{notified_text(sent)}", notified=sent)
    warn_failed(sent)
