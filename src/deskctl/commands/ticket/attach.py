"""`deskctl ticket attach`: attach a file (copied into the desk with its sha256), e.g. logs for an escalation."""

from __future__ import annotations

import click

from deskctl.commands import _completers as completers
from deskctl.commands._common import json_option, pass_app, show_result


@click.command()
@click.argument("ticket_id", shell_complete=completers.ticket_id)
@click.argument("file", type=click.Path(dir_okay=False))
@json_option
@pass_app
def attach(app, ticket_id, file, as_json) -> None:
    """Attach a file (copied into the desk with its sha256), e.g. logs for an escalation."""
    from deskctl.tickets import operations

    result = operations.attach(app.desk, ticket_id, file, actor=app.actor)
    show_result(result, as_json, f"attached {file} to {result['id']}")
