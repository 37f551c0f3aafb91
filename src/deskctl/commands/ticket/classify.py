"""`deskctl ticket classify`: show what the desk's rules would set for a ticket, storing nothing."""

from __future__ import annotations

import click

from deskctl import output
from deskctl.commands._common import json_option, parse_assignments, pass_app
from deskctl.commands.ticket._shared import multi


@click.command()
@click.option("--title", default="", help="Title to classify.")
@click.option("--description", default="", help="Description to classify.")
@click.option("--channel", help="Channel of the contact.")
@click.option("--service", help="Affected service.")
@click.option("--requester-email", default="", help="Requester's e-mail.")
@click.option("--system", "system", metavar="KEY=VALUE", **multi, help="System detail; repeatable.")
@json_option
@pass_app
def classify(app, title, description, channel, service, requester_email, system, as_json) -> None:
    """Show what the desk's rules would set for a ticket, storing nothing."""
    from deskctl.tickets.operations import classify as run_rules

    fields = {"title": title, "description": description, "channel": channel, "service": service,
              "requester": {"email": requester_email}, "system": parse_assignments(system, "--system")}
    sets, fired = run_rules(app.desk, fields)
    if as_json:
        output.print_json({"rules": fired, "set": sets})
        return
    if not fired:
        output.info("no rule matches")
        return
    output.info(f"rules: {', '.join(fired)}")
    output.print_keyvalues(sorted(sets.items()))
