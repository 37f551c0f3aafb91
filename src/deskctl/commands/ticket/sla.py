"""`deskctl ticket sla`: open tickets by SLA time left, most urgent first; `sla explain ID`: one ticket's clocks."""

from __future__ import annotations

import click

from deskctl import output
from deskctl.commands import _completers as completers
from deskctl.commands._common import csv_list, json_option, pass_app
from deskctl.commands.ticket._shared import multi

SLA_COLUMNS = [("id", "ID"), ("priority", "PRIORITY"), ("group", "GROUP"), ("status", "STATUS"),
               ("clock", "CLOCK"), ("due_local", "DUE"), ("left", "LEFT"), ("used_text", "USED"),
               ("state", "STATE"), ("title", "TITLE")]


@click.group(invoke_without_command=True)
@click.option("--at-risk", "at_risk", is_flag=True, help="Only tickets at risk of breaching.")
@click.option("--breached", is_flag=True, help="Only tickets past their SLA.")
@click.option("--group", "groups", shell_complete=completers.group, **multi, help="Only this group; repeatable.")
@json_option
@click.pass_context
def sla(ctx, at_risk, breached, groups, as_json) -> None:
    """Open tickets by SLA time left, most urgent first; `sla explain ID`: one ticket's clocks.

    Business time of each ticket's calendar; the clocks stop while a ticket is pending."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(sla_queue_command, at_risk=at_risk, breached=breached, groups=groups, as_json=as_json)


@pass_app
def sla_queue_command(app, at_risk, breached, groups, as_json) -> None:
    from deskctl.sla.display import sla_queue

    rows = sla_queue(app.desk, at_risk=at_risk, breached=breached, groups=csv_list(groups))
    if as_json:
        output.print_json(rows)
    elif rows:
        for row in rows:
            if row["paused"]:
                row["state"] += " (paused)"
        output.print_table(rows, SLA_COLUMNS)
    else:
        output.info("no open ticket with a running SLA clock matches")


@sla.command("explain")
@click.argument("ticket_id", shell_complete=completers.ticket_id)
@json_option
@pass_app
def sla_explain(app, ticket_id, as_json) -> None:
    """One ticket's SLA clocks period by period: from, to, priority, the target in force, the
    business time used, and why (created, changed by NAME, raised by the sweep, pending)."""
    from deskctl.sla.explain import explain, lines
    from deskctl.tickets.operations import get_ticket
    from deskctl.util import clock

    report = explain(app.desk, get_ticket(app.desk, ticket_id, reader=app.actor), clock.now().timestamp())
    if as_json:
        output.print_json(report)
    else:
        for line in lines(report, str(app.desk.setting("timezone", default="UTC"))):
            output.echo(line)
