"""`deskctl ticket update`: change fields of a ticket (every change is recorded)."""

from __future__ import annotations

import click

from deskctl import output
from deskctl.commands import _completers as completers
from deskctl.commands._common import examples, json_option, parse_assignments, pass_app, show_result
from deskctl.commands.ticket._shared import multi, requester_of, summary_line


@click.command(epilog=examples(
    'deskctl ticket update INC-7 --priority critical --note "the CEO is affected"',
    'deskctl ticket update INC-7 --tag vpn --untag new --field location="Room 3.12"',
    'deskctl ticket update INC-7 --system os="Windows 11" --system hostname=pc-ana',
))
@click.argument("ticket_id", shell_complete=completers.ticket_id)
@click.option("--title")
@click.option("--description")
@click.option("--category", shell_complete=completers.category)
@click.option("--priority")
@click.option("--impact")
@click.option("--urgency")
@click.option("--service")
@click.option("--channel")
@click.option("--requester-name")
@click.option("--requester-email")
@click.option("--requester-phone")
@click.option("--system", "system", metavar="KEY=VALUE", **multi, help="Set a system detail; repeatable.")
@click.option("--tag", "add_tags", **multi, help="Add a tag; repeatable.")
@click.option("--untag", "remove_tags", **multi, help="Remove a tag; repeatable.")
@click.option("--field", "form_fields", metavar="NAME=VALUE", **multi,
              help="Set a fact of the desk's ticket form (NAME= removes it); repeatable.")
@click.option("--note", default="", help="Why (recorded in the history).")
@json_option
@pass_app
def update(app, ticket_id, title, description, category, priority, impact, urgency, service, channel,
           requester_name, requester_email, requester_phone, system, add_tags, remove_tags, form_fields, note,
           as_json) -> None:
    """Change fields of a ticket (every change is recorded)."""
    from deskctl.errors import BadInput
    from deskctl.tickets import operations

    fields = {k: v for k, v in dict(title=title, description=description, category=category, priority=priority,
                                    impact=impact, urgency=urgency, service=service, channel=channel).items()
              if v is not None}
    requester = requester_of(requester_name, requester_email, requester_phone)
    if requester:
        fields["requester"] = requester
    if system:
        fields["system"] = parse_assignments(system, "--system")
    if form_fields:
        fields["fields"] = parse_assignments(form_fields, "--field")
    if add_tags or remove_tags:
        current = operations.get_ticket(app.desk, ticket_id).get("tags") or []
        tags = [t for t in current if t not in remove_tags]
        fields["tags"] = tags + [t for t in add_tags if t not in tags]
    if not fields:
        raise BadInput("nothing to update", "give at least one option, e.g. --priority high")
    from deskctl.tickets.service import update_with_bulletins

    done = update_with_bulletins(app.desk, ticket_id, actor=app.actor, fields=fields, note=note)
    for bulletin in done.get("bulletins", []):
        output.info(f"BULLETIN {bulletin['text']}")
    extra = {"bulletin": done["bulletins"]} if "bulletins" in done else {}
    show_result(done["ticket"], as_json, f"updated {summary_line(done['ticket'])}", **extra)
