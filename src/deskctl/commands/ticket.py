"""`deskctl ticket`: register, route, work and close tickets."""

from __future__ import annotations

import click

from deskctl import output
from deskctl.commands._common import json_option, parse_assignments, pass_app

multi = {"multiple": True}


@click.group()
def ticket() -> None:
    """Register, route, work and close tickets (the service-desk lifecycle)."""


def _show_result(ticket: dict, as_json: bool, message: str, **extra) -> None:
    if as_json:
        output.print_json({**ticket, **extra})
    else:
        output.echo(ticket["id"])
        output.info(message)


def _line(t: dict) -> str:
    who = t.get("assignee") or "-"
    return f"{t['id']} is {t['status']} (priority {t['priority']}, group {t.get('group') or '-'}, assignee {who})"


@ticket.command()
@click.option("--title", required=True, help="Short summary of the problem or request.")
@click.option("--description", default="", help="Details: what happened, error messages, what was tried.")
@click.option("--type", "type_", help="incident, service-request, info-request, doc-request, change.")
@click.option("--category", help="One of the desk's categories (see `deskctl config show`).")
@click.option("--priority", help="critical, high, medium, low, informational (else derived).")
@click.option("--impact", help="Impact level (with --urgency derives the priority).")
@click.option("--urgency", help="Urgency level.")
@click.option("--channel", help="walk-in, phone, email, chat, portal, social, desktop-app, api.")
@click.option("--service", help="Affected IT service from the desk's catalogue.")
@click.option("--requester-name", help="Who asked.")
@click.option("--requester-email", help="Requester's e-mail.")
@click.option("--requester-phone", help="Requester's phone.")
@click.option("--system", "system", metavar="KEY=VALUE", help="System detail (os, memory, hostname...); repeatable.", **multi)
@click.option("--group", help="Support group (default: the desk's first-line group).")
@click.option("--assignee", help="Engineer to assign at once.")
@click.option("--tag", "tags", help="Tag; repeatable.", **multi)
@click.option("--dedup-key", help="Automation: reuse the open ticket with this key instead of a new one.")
@click.option("--resolved", metavar="ANSWER", help="Register and resolve at once (first-contact resolution).")
@json_option
@pass_app
def create(app, title, description, type_, category, priority, impact, urgency, channel, service,
           requester_name, requester_email, requester_phone, system, group, assignee, tags, dedup_key,
           resolved, as_json) -> None:
    """Register a ticket (every contact, even a plain question). Prints its id."""
    from deskctl.tickets.service import create_from_cli

    requester = {k: v for k, v in (("name", requester_name), ("email", requester_email), ("phone", requester_phone)) if v}
    result = create_from_cli(
        app.desk, actor=app.actor, title=title, description=description, type=type_, category=category,
        priority=priority, impact=impact, urgency=urgency, channel=channel, service=service,
        requester=requester, system=parse_assignments(system, "--system"), group=group, assignee=assignee,
        tags=list(tags), dedup_key=dedup_key, resolved=resolved)
    ticket, created = result["ticket"], result["created"]
    for bulletin in result.get("bulletins", []):
        output.info(f"BULLETIN {bulletin['id']}: {bulletin['text']}")
    if created:
        message = f"created {_line(ticket)}"
    else:
        message = f"{ticket['id']} already open for this dedup key: seen {ticket['seen_count']} more time(s)"
    extra = {"created": created}
    if "bulletins" in result:
        extra["bulletin"] = result["bulletins"]
    _show_result(ticket, as_json, message, **extra)


@ticket.command()
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
    from deskctl.tickets.api import classify as run_rules

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


LIST_COLUMNS = [("id", "ID"), ("age_text", "AGE"), ("status", "STATUS"), ("priority", "PRIORITY"),
                ("group", "GROUP"), ("assignee", "ASSIGNEE"), ("category", "CATEGORY"), ("title", "TITLE")]
CSV_COLUMNS = [("id", "id"), ("type", "type"), ("status", "status"), ("priority", "priority"),
               ("category", "category"), ("service", "service"), ("channel", "channel"), ("group", "group"),
               ("assignee", "assignee"), ("requester", "requester"), ("title", "title"),
               ("created_at", "created_at"), ("updated_at", "updated_at"), ("age", "age_seconds"), ("tags", "tags")]


def _csv_list(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


@ticket.command("list")
@click.option("--status", default="open", show_default=True, help="open, all, or status names (comma-separated).")
@click.option("--all", "all_", is_flag=True, help="Every ticket, archived ones included (= --status all).")
@click.option("--type", "types", **multi, help="Filter by type; repeatable.")
@click.option("--priority", "priorities", **multi, help="Filter by priority; repeatable.")
@click.option("--category", "categories", **multi, help="Filter by category; repeatable.")
@click.option("--group", "groups", **multi, help="Filter by group; repeatable.")
@click.option("--assignee", help="Filter by assignee.")
@click.option("--requester", help="Requester name or e-mail contains this.")
@click.option("--tag", "tags", **multi, help="Has this tag; repeatable.")
@click.option("--service", help="Filter by affected service.")
@click.option("--search", help="Words that title, description or requester contain.")
@click.option("--older-than", help="Only tickets older than this (e.g. 2d, 4h).")
@click.option("--sort", type=click.Choice(["age", "priority", "updated"]), default="age", show_default=True,
              help="age = oldest first.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
@json_option
@pass_app
def list_(app, status, all_, types, priorities, categories, groups, assignee, requester, tags, service, search,
          older_than, sort, limit, fmt, as_json) -> None:
    """The queue: open tickets, oldest first (filters combine)."""
    from deskctl.tickets.queries import Query, run_query

    query = Query(status="all" if all_ else status, types=_csv_list(types), priorities=_csv_list(priorities),
                  categories=_csv_list(categories), groups=_csv_list(groups), assignee=assignee,
                  requester=requester, tags=_csv_list(tags), service=service, search=search,
                  older_than=older_than, sort=sort, limit=limit)
    rows = run_query(app.desk, query)
    if as_json:
        output.print_json(rows)
    elif fmt == "csv":
        output.print_csv(rows, CSV_COLUMNS)
    elif rows:
        output.print_table(rows, LIST_COLUMNS)
    else:
        output.info("no tickets match")


@ticket.command()
@click.argument("ticket_id")
@json_option
@pass_app
def show(app, ticket_id, as_json) -> None:
    """A ticket with its whole timeline."""
    from deskctl.tickets.api import get_ticket
    from deskctl.tickets.render import render_ticket

    ticket = get_ticket(app.desk, ticket_id)
    if as_json:
        output.print_json(ticket)
    else:
        for line in render_ticket(ticket):
            output.echo(line)


@ticket.command()
@click.argument("ticket_id")
@click.option("--title")
@click.option("--description")
@click.option("--category")
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
@click.option("--note", default="", help="Why (recorded in the history).")
@json_option
@pass_app
def update(app, ticket_id, title, description, category, priority, impact, urgency, service, channel,
           requester_name, requester_email, requester_phone, system, add_tags, remove_tags, note, as_json) -> None:
    """Change fields of a ticket (every change is recorded)."""
    from deskctl.errors import BadInput
    from deskctl.tickets import api

    fields = {k: v for k, v in dict(title=title, description=description, category=category, priority=priority,
                                    impact=impact, urgency=urgency, service=service, channel=channel).items()
              if v is not None}
    requester = {k: v for k, v in (("name", requester_name), ("email", requester_email), ("phone", requester_phone)) if v}
    if requester:
        fields["requester"] = requester
    if system:
        fields["system"] = parse_assignments(system, "--system")
    if add_tags or remove_tags:
        current = api.get_ticket(app.desk, ticket_id).get("tags") or []
        tags = [t for t in current if t not in remove_tags]
        fields["tags"] = tags + [t for t in add_tags if t not in tags]
    if not fields:
        raise BadInput("nothing to update", "give at least one option, e.g. --priority high")
    result = api.update(app.desk, ticket_id, actor=app.actor, fields=fields, note=note)
    _show_result(result, as_json, f"updated {_line(result)}")


def _simple(name: str, doc: str, call, *options):
    """A lifecycle command: ID plus options, calling `call(desk, id, actor=..., **options)`."""

    @click.argument("ticket_id")
    @json_option
    @pass_app
    def command(app, ticket_id, as_json, **kwargs):
        from deskctl.tickets import api

        result = getattr(api, call)(app.desk, ticket_id, actor=app.actor, **kwargs)
        _show_result(result, as_json, f"{name}: {_line(result)}")

    command.__doc__ = doc
    for option in reversed(options):
        command = option(command)
    return ticket.command(name)(command)


_simple("assign", "Assign to an engineer (--to) and/or a group (--group).", "assign",
        click.option("--to", help="Engineer."), click.option("--group", help="Support group."),
        click.option("--note", default="", help="Why."))
_simple("start", "Start work on a ticket (assigns it to you if unassigned).", "start",
        click.option("--note", default="", help="Note for the history."))
_simple("resume", "Resume a pending ticket (same as start).", "start",
        click.option("--note", default="", help="Note for the history."))
_simple("pend", "Wait for the requester or a third party (the SLA clock pauses).", "pend",
        click.option("--reason", required=True, help="What the ticket waits for."),
        click.option("--on", type=click.Choice(["requester", "third-party"]), default="requester", show_default=True))
_simple("escalate", "Hand over to a higher support group.", "escalate",
        click.option("--group", required=True, help="Group to escalate to (e.g. L2)."),
        click.option("--reason", required=True, help="Why, and what was already tried."))
_simple("comment", "Add a comment (public unless --internal).", "comment",
        click.option("--text", required=True, help="The comment."),
        click.option("--internal", is_flag=True, help="Only for staff; not a response to the requester."))
_simple("resolve", "Record the solution.", "resolve",
        click.option("--resolution", required=True, help="What fixed it."),
        click.option("--kb", help="Knowledge-base article that solved it."))
_simple("close", "Close a resolved ticket.", "close",
        click.option("--confirmed", is_flag=True, help="The requester confirmed the solution."),
        click.option("--note", default="", help="Note for the history."))
_simple("reopen", "Reopen a resolved or closed ticket.", "reopen",
        click.option("--reason", required=True, help="Why it is not solved."))


@ticket.command()
@click.argument("ticket_id")
@click.option("--to", "other_id", required=True, help="The other ticket.")
@click.option("--as", "kind", type=click.Choice(["duplicate", "related", "parent", "child"]), default="related",
              show_default=True, help="TICKET_ID is a duplicate/parent/child of --to, or related to it.")
@json_option
@pass_app
def link(app, ticket_id, other_id, kind, as_json) -> None:
    """Link two tickets (recorded on both)."""
    from deskctl.tickets import api

    result = api.link(app.desk, ticket_id, other_id, actor=app.actor, kind=kind)
    _show_result(result, as_json, f"linked {result['id']} as {kind} of {other_id.upper()}")


@ticket.command()
@click.argument("ticket_id")
@click.argument("file", type=click.Path(dir_okay=False))
@json_option
@pass_app
def attach(app, ticket_id, file, as_json) -> None:
    """Attach a file (copied into the desk with its sha256), e.g. logs for an escalation."""
    from deskctl.tickets import api

    result = api.attach(app.desk, ticket_id, file, actor=app.actor)
    _show_result(result, as_json, f"attached {file} to {result['id']}")
