"""`deskctl ticket resolve`: record the solution (with a category, and the fields the desk's form requires at resolve)."""

from __future__ import annotations

import click

from deskctl.commands import _completers as completers
from deskctl.commands._common import examples, json_option, parse_assignments, pass_app, show_result
from deskctl.commands.ticket._shared import field_option, summary_line


@click.command(epilog=examples(
    'deskctl ticket resolve INC-7 --resolution "Restarted postfix" --category software-fault',
    'deskctl ticket resolve INC-8 --resolution "Unlocked" --kb KB-account-locked  # has a category',
))
@click.argument("ticket_id", shell_complete=completers.ticket_id)
@click.option("--resolution", required=True, help="What fixed it.")
@click.option("--kb", help="Knowledge-base article that solved it.")
@click.option("--category", shell_complete=completers.category, help="Set the category (the desk requires one at resolve unless configured otherwise).")
@click.option("--resolve-linked", is_flag=True,
              help="Also resolve the open tickets linked to it as duplicates or children (an outage's callers).")
@field_option
@json_option
@pass_app
def resolve(app, ticket_id, resolution, kb, category, resolve_linked, form_fields, as_json) -> None:
    """Record the solution (with a category, and the fields the desk's form requires at resolve).

    On a terminal, resolving a master incident with open linked tickets asks whether to resolve
    them too; --resolve-linked does it without asking (each requester is told once)."""
    from deskctl.commands._common import interactive
    from deskctl.tickets import operations, service

    options = dict(kb=kb, category=category, fields=parse_assignments(form_fields, "--field"), check_form=True)
    if not resolve_linked and interactive():
        waiting = service.linked_open(app.desk, operations.get_ticket(app.desk, ticket_id))
        if waiting:
            resolve_linked = click.confirm(f"{len(waiting)} linked ticket(s) still open ({', '.join(waiting)}): "
                                           "resolve them too with the same resolution?", default=False, err=True)
    if resolve_linked:
        done = service.resolve_with_linked(app.desk, ticket_id, actor=app.actor, resolution=resolution, **options)
        result = done["ticket"]
        linked = done["resolved_linked"]
        show_result(result, as_json, f"resolve: {summary_line(result)}"
                     + (f"; also resolved {', '.join(linked)}" if linked else "; no open linked ticket"),
                     resolved_linked=linked)
        return
    result = operations.resolve(app.desk, ticket_id, actor=app.actor, resolution=resolution, **options)
    show_result(result, as_json, f"resolve: {summary_line(result)}")
