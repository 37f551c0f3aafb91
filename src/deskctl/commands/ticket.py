"""`deskctl ticket`: register, route, work and close tickets."""

from __future__ import annotations

import click

from deskctl import output
from deskctl.commands import _completers as completers
from deskctl.commands._common import csv_list, examples, json_option, parse_assignments, pass_app

multi = {"multiple": True}

TABLE_PAGE = 50  # rows `ticket list` shows as a table unless --limit says otherwise
LIST_COLUMNS = [("id", "ID"), ("age_text", "AGE"), ("status", "STATUS"), ("priority", "PRIORITY"),
                ("sla_text", "SLA"), ("group", "GROUP"), ("assignee", "ASSIGNEE"), ("category", "CATEGORY"), ("title", "TITLE")]
CSV_COLUMNS = [("id", "id"), ("type", "type"), ("status", "status"), ("priority", "priority"),
               ("category", "category"), ("service", "service"), ("channel", "channel"), ("group", "group"),
               ("assignee", "assignee"), ("requester", "requester"), ("title", "title"),
               ("created_at", "created_at"), ("updated_at", "updated_at"), ("age", "age_seconds"), ("tags", "tags"),
               ("sla_text", "sla")]
SLA_COLUMNS = [("id", "ID"), ("priority", "PRIORITY"), ("group", "GROUP"), ("status", "STATUS"),
               ("clock", "CLOCK"), ("due_local", "DUE"), ("left", "LEFT"), ("used_text", "USED"),
               ("state", "STATE"), ("title", "TITLE")]


def _show_result(ticket: dict, as_json: bool, message: str, **extra) -> None:
    if as_json:
        output.print_json({**ticket, **extra})
    else:
        output.echo(ticket["id"])
        output.info(message)


def _line(t: dict) -> str:
    who = t.get("assignee") or "-"
    return f"{t['id']} is {t['status']} (priority {t['priority']}, group {t.get('group') or '-'}, assignee {who})"


def _requester(name: str | None, email: str | None, phone: str | None) -> dict:
    return {k: v for k, v in (("name", name), ("email", email), ("phone", phone)) if v}


field_option = click.option(
    "--field", "form_fields", metavar="NAME=VALUE", **multi,
    help="A fact of the desk's ticket form (location, started_at, error_code, ...; `deskctl ticket fields` lists them); repeatable.")


def _csv_columns(desk) -> list[tuple[str, str]]:
    """The CSV columns, then one per form field (named `field.NAME` if a column has its name)."""
    from deskctl.tickets.forms import definitions

    taken = {title for _, title in CSV_COLUMNS}
    return CSV_COLUMNS + [(f"fields.{name}", f"field.{name}" if name in taken else name) for name in definitions(desk)]



@click.group()
def ticket() -> None:
    """Register, route, work and close tickets (the service-desk lifecycle)."""


@ticket.command(epilog=examples(
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
        requester=_requester(requester_name, requester_email, requester_phone),
        system=parse_assignments(system, "--system"), group=group, assignee=assignee,
        tags=list(tags), dedup_key=dedup_key, dedup_scope=dedup_scope, resolved=resolved,
        fields=parse_assignments(form_fields, "--field"), check_form=True, kb=kb, sop_run=sop_run)
    ticket, created = result["ticket"], result["created"]
    for bulletin in result.get("bulletins", []):
        output.info(f"BULLETIN {bulletin['text']}")
    if created:
        message = f"created {_line(ticket)}"
    elif ticket["status"] not in ("new", "assigned", "in_progress", "pending", "escalated"):
        message = f"{ticket['id']} already exists for this dedup key ({ticket['status']}): nothing new opened"
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


def _add_sla(desk, rows: list[dict], detail: bool) -> None:
    """SLA state on display only; a broken SLA config must not hide the queue."""
    from deskctl.errors import BadInput
    from deskctl.sla.display import with_sla
    from deskctl.util import clock

    clock.now()  # a wrong DESKCTL_NOW is bad input (exit 2), not a display problem
    try:
        with_sla(desk, rows, detail=detail)
    except BadInput as exc:
        output.warn(f"SLA state not shown: {exc}")



@ticket.command("list", epilog=examples(
    'deskctl ticket list  # the open queue, oldest first',
    'deskctl ticket list --priority high --group L1 --sort priority',
    'deskctl ticket list --older-than 2d --assignee ivan',
    'deskctl ticket list --status all --search vpn --format csv > vpn.csv',
    "deskctl ticket list --json | jq -r '.[].id'",
))
@click.option("--status", default="open", show_default=True, help="open, all, or status names (comma-separated).")
@click.option("--all", "all_", is_flag=True, help="Every ticket, archived ones included (= --status all).")
@click.option("--type", "types", **multi, help="Filter by type; repeatable.")
@click.option("--priority", "priorities", **multi, help="Filter by priority; repeatable.")
@click.option("--category", "categories", shell_complete=completers.category, **multi, help="Filter by category; repeatable.")
@click.option("--group", "groups", shell_complete=completers.group, **multi, help="Filter by group; repeatable.")
@click.option("--assignee", help="Filter by assignee.")
@click.option("--handled-by", metavar="NAME", help="Tickets NAME worked on: any history event by them, or assigned to them.")
@click.option("--requester", help="Requester name or e-mail contains this.")
@click.option("--tag", "tags", **multi, help="Has this tag; repeatable.")
@click.option("--service", help="Filter by affected service.")
@click.option("--search", help="Words that title, description or requester contain.")
@click.option("--field", "form_fields", metavar="NAME=VALUE", **multi,
              help="A form field has this value (text fields: contains it, any case); repeatable.")
@click.option("--older-than", help="Only tickets older than this (e.g. 2d, 4h).")
@click.option("--sort", type=click.Choice(["age", "priority", "updated"]), default="age", show_default=True,
              help="age = oldest first.")
@click.option("--limit", type=click.IntRange(min=0),
              help=f"At most this many; 0: every one (the table shows {TABLE_PAGE} by default, --json and csv all).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
@click.option("--excel", is_flag=True, help="CSV for spreadsheets: a byte-order mark and CRLF (implies --format csv).")
@json_option
@pass_app
def list_(app, status, all_, types, priorities, categories, groups, assignee, handled_by, requester, tags, service,
          search, form_fields, older_than, sort, limit, fmt, excel, as_json) -> None:
    """The queue: open tickets, oldest first (filters combine)."""
    from deskctl.tickets.queries import Query, run_query

    paged = limit is None and not as_json and fmt == "table" and not excel
    if paged:  # a page, not thousands of lines; one more row tells whether more match
        limit = TABLE_PAGE + 1
    query = Query(status="all" if all_ else status, types=csv_list(types), priorities=csv_list(priorities),
                  categories=csv_list(categories), groups=csv_list(groups), assignee=assignee,
                  requester=requester, tags=csv_list(tags), service=service, search=search,
                  older_than=older_than, sort=sort, limit=limit or None,
                  fields=parse_assignments(form_fields, "--field"), handled_by=handled_by)
    rows = run_query(app.desk, query, reader=app.actor)
    more = paged and len(rows) > TABLE_PAGE
    if more:
        rows = rows[:TABLE_PAGE]
    _add_sla(app.desk, rows, detail=as_json)
    if as_json:
        for row in rows:
            row.setdefault("fields", {})  # every row the same shape, with form values or without
        output.print_json(rows)
    elif fmt == "csv" or excel:
        for row in rows:
            row.update({f"fields.{name}": value for name, value in (row.get("fields") or {}).items()})
        output.print_csv(rows, _csv_columns(app.desk), excel=excel)
    elif rows:
        output.print_table(rows, LIST_COLUMNS)
        if more:
            order = {"age": "oldest", "priority": "most urgent", "updated": "latest updated"}[sort]
            output.info(f"the {order} {TABLE_PAGE} shown; more match (--limit 0 lists every one)")
    else:
        output.info("no tickets match")


@ticket.command()
@json_option
@pass_app
def fields(app, as_json) -> None:
    """The desk's ticket form: the fields --field takes, what each holds, when it is required."""
    from deskctl.tickets.forms import describe

    rows = describe(app.desk)
    if as_json:
        output.print_json(rows)
    elif rows:
        output.print_table(rows, [("name", "FIELD"), ("takes", "TAKES"), ("required_text", "REQUIRED"),
                                  ("help", "HELP")])
    else:
        output.info("this desk's form has no fields (tickets.fields in config/deskctl.yaml)")


@ticket.command(epilog=examples(
    'deskctl ticket show INC-7  # details, SLA clocks and history',
    'deskctl ticket show inc-7 --json  # ids: any case',
))
@click.argument("ticket_id", shell_complete=completers.ticket_id)
@json_option
@pass_app
def show(app, ticket_id, as_json) -> None:
    """A ticket with its whole timeline."""
    from deskctl.errors import BadInput
    from deskctl.sla.display import ticket_with_sla
    from deskctl.tickets.operations import get_ticket
    from deskctl.tickets.render import render_ticket
    from deskctl.util import clock

    ticket = get_ticket(app.desk, ticket_id, reader=app.actor)
    clock.now()  # a wrong DESKCTL_NOW is bad input (exit 2), not a display problem
    try:
        ticket = ticket_with_sla(app.desk, ticket)
    except BadInput as exc:
        output.warn(f"SLA state not shown: {exc}")
    ticket.setdefault("fields", {})  # tickets from before forms: the same shape
    if as_json:
        output.print_json(ticket)
    else:
        from deskctl.tickets.forms import definitions

        for line in render_ticket(ticket, str(app.desk.setting("timezone", default="UTC")), definitions(app.desk)):
            output.echo(line)


@ticket.command(epilog=examples(
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
    requester = _requester(requester_name, requester_email, requester_phone)
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
    _show_result(done["ticket"], as_json, f"updated {_line(done['ticket'])}", **extra)


# -- lifecycle: each step is one call of `tickets.operations`, printed as `STEP: ...` ----------


def _notified_text(sent: list[dict]) -> str:
    """`; notified L2 (smtp, webhook)`: who was told of a hand-over, and how."""
    receivers: dict[str, list[str]] = {}
    for d in sent:
        receivers.setdefault(d.get("receiver", "?"), []).append(str(d.get("channel")))
    return "".join(f"; notified {who} ({', '.join(how)})" for who, how in receivers.items())


def _warn_failed(sent: list[dict]) -> None:
    """The hand-over is stored whatever happens to the message: a failed delivery is a warning
    (the notification log holds it), not a failed command that a script would retry."""
    for d in sent:
        if not d.get("ok", True):
            output.warn(f"could not notify {d.get('receiver')} via {d.get('channel')} to {d.get('to')}: "
                        f"{d.get('error')} (recorded in the notification log)")


@ticket.command()
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
    _show_result(result, as_json, f"assign: {_line(result)}{_notified_text(sent)}", notified=sent)
    _warn_failed(sent)


@ticket.command()
@click.argument("ticket_id", shell_complete=completers.ticket_id)
@click.option("--note", default="", help="Note for the history.")
@json_option
@pass_app
def start(app, ticket_id, note, as_json) -> None:
    """Start work on a ticket (assigns it to you if unassigned)."""
    from deskctl.tickets import operations

    result = operations.start(app.desk, ticket_id, actor=app.actor, note=note)
    _show_result(result, as_json, f"start: {_line(result)}")


@ticket.command()
@click.argument("ticket_id", shell_complete=completers.ticket_id)
@click.option("--note", default="", help="Note for the history.")
@json_option
@pass_app
def resume(app, ticket_id, note, as_json) -> None:
    """Resume a pending ticket (same as start)."""
    from deskctl.tickets import operations

    result = operations.start(app.desk, ticket_id, actor=app.actor, note=note)
    _show_result(result, as_json, f"resume: {_line(result)}")


@ticket.command()
@click.argument("ticket_id", shell_complete=completers.ticket_id)
@click.option("--reason", required=True, help="What the ticket waits for.")
@click.option("--on", type=click.Choice(["requester", "third-party"]), default="requester", show_default=True)
@json_option
@pass_app
def pend(app, ticket_id, reason, on, as_json) -> None:
    """Wait for the requester or a third party (the SLA clock pauses)."""
    from deskctl.tickets import operations

    result = operations.pend(app.desk, ticket_id, actor=app.actor, reason=reason, on=on)
    _show_result(result, as_json, f"pend: {_line(result)}")


@ticket.command()
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
    _show_result(result, as_json, f"escalate: {_line(result)}{_notified_text(sent)}", notified=sent)
    _warn_failed(sent)


@ticket.command()
@click.argument("ticket_id", shell_complete=completers.ticket_id)
@click.option("--text", required=True, help="The comment.")
@click.option("--internal", is_flag=True, help="Only for staff; not a response to the requester.")
@json_option
@pass_app
def comment(app, ticket_id, text, internal, as_json) -> None:
    """Add a comment (public unless --internal)."""
    from deskctl.tickets import operations

    result = operations.comment(app.desk, ticket_id, actor=app.actor, text=text, internal=internal)
    _show_result(result, as_json, f"comment: {_line(result)}")


@ticket.command(epilog=examples(
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
        _show_result(result, as_json, f"resolve: {_line(result)}"
                     + (f"; also resolved {', '.join(linked)}" if linked else "; no open linked ticket"),
                     resolved_linked=linked)
        return
    result = operations.resolve(app.desk, ticket_id, actor=app.actor, resolution=resolution, **options)
    _show_result(result, as_json, f"resolve: {_line(result)}")


@ticket.command()
@click.argument("ticket_id", shell_complete=completers.ticket_id)
@click.option("--confirmed", is_flag=True, help="The requester confirmed the solution.")
@click.option("--note", default="", help="Note for the history.")
@json_option
@pass_app
def close(app, ticket_id, confirmed, note, as_json) -> None:
    """Close a resolved ticket."""
    from deskctl.tickets import operations

    result = operations.close(app.desk, ticket_id, actor=app.actor, confirmed=confirmed, note=note)
    _show_result(result, as_json, f"close: {_line(result)}")


@ticket.command()
@click.argument("ticket_id", shell_complete=completers.ticket_id)
@click.option("--reason", required=True, help="Why it is not solved.")
@json_option
@pass_app
def reopen(app, ticket_id, reason, as_json) -> None:
    """Reopen a resolved or closed ticket."""
    from deskctl.tickets import operations

    result = operations.reopen(app.desk, ticket_id, actor=app.actor, reason=reason)
    _show_result(result, as_json, f"reopen: {_line(result)}")


@ticket.command()
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
    _show_result(result, as_json, f"linked {result['id']} as {kind} of {other_id.upper()}")


@ticket.command()
@click.argument("ticket_id", shell_complete=completers.ticket_id)
@click.argument("file", type=click.Path(dir_okay=False))
@json_option
@pass_app
def attach(app, ticket_id, file, as_json) -> None:
    """Attach a file (copied into the desk with its sha256), e.g. logs for an escalation."""
    from deskctl.tickets import operations

    result = operations.attach(app.desk, ticket_id, file, actor=app.actor)
    _show_result(result, as_json, f"attached {file} to {result['id']}")


# -- SLA, sweep and surveys (see docs/sla.md) ----------------------------------------------------


@ticket.group(invoke_without_command=True)
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


@ticket.command()
@click.option("--dry-run", is_flag=True, help="Only list what would be done; change and send nothing.")
@json_option
@pass_app
def sweep(app, dry_run, as_json) -> None:
    """Apply the SLA escalation policy (for cron; safe to repeat).

    Notify at-risk tickets, escalate breached ones, remind and auto-close (config `sweep`)."""
    from deskctl.errors import OperationFailed
    from deskctl.sla.sweep import run_sweep

    def notify(topic, message, recipients):
        results = app.plugins.pm.hook.notify(desk=app.desk, topic=topic, message=message, recipients=recipients)
        return [d for found in results if found for d in found]

    report = run_sweep(app.desk, dry_run=dry_run, notify=notify, actor=app.actor)
    failed = list(report["failures"]) + [
        f"{a['ticket']}: {d.get('channel')} to {d.get('to')}: {d.get('error')}"
        for a in report["actions"] for d in a["deliveries"] if not d.get("ok", True)]
    if as_json:
        output.print_json(report)
    else:
        if report["actions"]:
            for a in report["actions"]:
                a["via"] = ", ".join(sorted({d.get("channel", "?") for d in a["deliveries"]}))
            output.print_table(report["actions"], [("ticket", "TICKET"), ("action", "ACTION"),
                                                    ("detail", "DETAIL"), ("via", "NOTIFIED VIA")])
        verb = "would take" if dry_run else "took"
        output.info(f"sweep checked {report['checked']} ticket(s), {verb} {len(report['actions'])} action(s)"
                    + (" (dry run: nothing changed)" if dry_run else ""))
    if failed:
        for line in failed:
            output.warn(line)
        raise OperationFailed(f"{len(failed)} sweep step(s) or notification(s) failed", "see the warnings above")


@ticket.command("survey")
@click.argument("ticket_id", shell_complete=completers.ticket_id)
@click.option("--score", type=click.IntRange(1, 5), help="Overall satisfaction from 1 (very unhappy) to 5 (very happy).")
@click.option("--answer", "answers", metavar="QUESTION=VALUE", **multi,
              help="An answer to a question of the desk's questionnaire (`deskctl survey questions`); repeatable.")
@click.option("--method", help="How the requester was asked: phone, email, online, in-person (config surveys.methods).")
@click.option("--comment", default="", help="What the requester said.")
@click.option("--declined", is_flag=True, help="Record that the requester declines surveys (never asked again).")
@click.option("--consent", is_flag=True, help="Record that the requester agrees to surveys (again).")
@json_option
@pass_app
def survey_(app, ticket_id, score, answers, method, comment, declined, consent, as_json) -> None:
    """Record a satisfaction answer on a resolved or closed ticket, or the requester's consent.

    The overall --score and/or --answer per question; a requester who declined is refused (exit 2)."""
    from deskctl.errors import BadInput
    from deskctl.reports import surveys

    if declined or consent:
        if declined and consent:
            raise BadInput("--declined and --consent contradict each other", "give one of them")
        if score is not None or answers or method or comment:
            raise BadInput("--declined/--consent record consent only", "record answers in a separate call")
        result = surveys.record_consent(app.desk, ticket_id, actor=app.actor, given=consent)
        said = "agrees to" if consent else "declines"
        _show_result(result, as_json, f"recorded that the requester of {result['id']} {said} satisfaction surveys")
        return
    result = surveys.record(app.desk, ticket_id, actor=app.actor, score=score, comment=comment,
                            answers=parse_assignments(answers, "--answer"), method=method)
    shown = result["survey"]
    parts = ([f"satisfaction {score}/5"] if score is not None else []) + [
        f"{k} {v}" for k, v in (shown.get("answers") or {}).items()]
    _show_result(result, as_json, f"recorded {', '.join(parts)} for {result['id']}")
