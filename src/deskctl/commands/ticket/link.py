"""`deskctl ticket link`: link two tickets (recorded on both)."""

from __future__ import annotations

import click

from deskctl.commands import _completers as completers
from deskctl.commands._common import json_option, pass_app, show_result


@click.command()
@click.argument("ticket_id", shell_complete=completers.ticket_id)
@click.option("--to", "other_id", required=True, help="The other ticket.")
@click.option("--as", "kind", type=click.Choice(["duplicate", "related", "parent", "child"]), default="related",
              show_default=True, help="TICKET_ID is a duplicate/parent/child of --to, or related to it.")
@json_option
@pass_app
def link(app, ticket_id, other_id, kind, as_json) -> None:
    """Link two tickets (recorded on both)."""
    from deskctl.tickets import operations

    result = operations.link(app.desk, ticket_id, other_id, actor=app.actor, kind=kind)
    show_result(result, as_json, f"linked {result['id']} as {kind} of {other_id.upper()}")
