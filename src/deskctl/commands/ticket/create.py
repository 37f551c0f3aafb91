"""`deskctl ticket create`: register a ticket (every contact, even a plain question)."""

from __future__ import annotations

import click

from deskctl import output
from deskctl.commands import _completers as completers
from deskctl.commands._common import examples, json_option, parse_assignments, pass_app, show_result
from deskctl.commands.ticket._shared import field_option, multi, requester_of, summary_line


@click.command(epilog=examples(
    'deskctl ticket create --title "VPN drops" --channel phone --requester-email ana@example.com',
    'deskctl ticket create --title "Printer jammed" --field location="Room 3.12" --priority low',
    'deskctl ticket create --title "Disk full on fs1" --dedup-key fs1-disk  # cron: one ticket, not many',
    'deskctl ticket create --title "Forgot PIN" --resolved "Reset it" --category user-support',
))
@click.option("--title", required=True, help="Short summary of the problem or request.")
@click.option("--description", default="", help="Details: what happened, error messages, what was tried.")
@click.option("--type", "type_", help="incident, service-request, info-request, doc-request, change.")
@click.option("--category", shell_complete=completers.category, help="One of the desk's categories (see `deskctl config show`).")
@click.option("--priority", help="critical, high, medium, low, informational (else derived).")
@click.option("--impact", help="Impact level (with --urgency derives the priority).")
@click.option("--urgency", help="Urgency level.")
@click.option("--channel", help="walk-in, phone, email, chat, portal, social, desktop-app, api.")
@click.option("--service", help="Affected IT service from the desk's catalogue.")
@click.option("--requester-name", help="Who asked.")
@click.option("--requester-email", help="Requester's e-mail.")
@click.option("--requester-phone", help="Requester's phone.")
@click.option("--system", "system", metavar="KEY=VALUE", help="System detail (os, memory, hostname...); repeatable.", **multi)
@click.option("--group", shell_complete=completers.group, help="Support group (default: the desk's first-line group).")
@click.option("--assignee", help="Engineer to assign at once.")
@click.option("--tag", "tags", help="Tag; repeatable.", **multi)
@click.option("--dedup-key", help="Automation: reuse the open ticket with this key instead of a new one.")
@click.option("--dedup-scope", type=click.Choice(["open", "any"]), default="open", show_default=True,
              help="any: also a resolved or closed ticket with the key (once per CI pipeline, even retried).")
@click.option("--resolved", metavar="ANSWER", help="Register and resolve at once (first-contact resolution).")
@click.option("--kb", metavar="ID", help="With --resolved: the knowledge-base article (or flow:ID) that solved it.")
@click.option("--sop-run", metavar="RUN", help="With --resolved: the SOP run that solved it (`deskctl sop history`).")
@field_option
@json_option
@pass_app
def create(app, title, description, type_, category, priority, impact, urgency, channel, service,
           requester_name, requester_email, requester_phone, system, group, assignee, tags, dedup_key,
           dedup_scope, resolved, kb, sop_run, form_fields, as_json) -> None:
    """Register a ticket (every contact, even a plain question). Prints its id."""
    from deskctl.tickets.service import create_with_bulletins

    result = create_with_bulletins(
        app.desk, actor=app.actor, title=title, description=description, type=type_, category=category,
        priority=priority, impact=impact, urgency=urgency, channel=channel, service=service,
        requester=requester_of(requester_name, requester_email, requester_phone),
        system=parse_assignments(system, "--system"), group=group, assignee=assignee,
        tags=list(tags), dedup_key=dedup_key, dedup_scope=dedup_scope, resolved=resolved,
        fields=parse_assignments(form_fields, "--field"), check_form=True, kb=kb, sop_run=sop_run)
    ticket, created = result["ticket"], result["created"]
    for bulletin in result.get("bulletins", []):
        output.info(f"BULLETIN {bulletin['text']}")
    if created:
        message = f"created {summary_line(ticket)}"
    elif ticket["status"] not in ("new", "assigned", "in_progress", "pending", "escalated"):
        message = f"{ticket['id']} already exists for this dedup key ({ticket['status']}): nothing new opened"
    else:
        message = f"{ticket['id']} already open for this dedup key: seen {ticket['seen_count']} more time(s)"
    extra = {"created": created}
    if "bulletins" in result:
        extra["bulletin"] = result["bulletins"]
    show_result(ticket, as_json, message, **extra)
