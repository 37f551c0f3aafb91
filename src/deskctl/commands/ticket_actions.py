"""What each `deskctl ticket` subcommand does, as plain functions `action(app, **options)`.

The options are declared with click in `ticket.py`; these bodies import no click, so the fast
path (`fastpath.py`) can call them straight from a cached description of those options.
"""

from __future__ import annotations

from deskctl import output
from deskctl.commands._args import csv_list, parse_assignments

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


def create(app, title, description, type_, category, priority, impact, urgency, channel, service,
           requester_name, requester_email, requester_phone, system, group, assignee, tags, dedup_key,
           dedup_scope, resolved, as_json) -> None:
    from deskctl.tickets.service import create_from_cli

    result = create_from_cli(
        app.desk, actor=app.actor, title=title, description=description, type=type_, category=category,
        priority=priority, impact=impact, urgency=urgency, channel=channel, service=service,
        requester=_requester(requester_name, requester_email, requester_phone),
        system=parse_assignments(system, "--system"), group=group, assignee=assignee,
        tags=list(tags), dedup_key=dedup_key, dedup_scope=dedup_scope, resolved=resolved)
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


def classify(app, title, description, channel, service, requester_email, system, as_json) -> None:
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


def list_(app, status, all_, types, priorities, categories, groups, assignee, requester, tags, service, search,
          older_than, sort, limit, fmt, excel, as_json) -> None:
    from deskctl.tickets.queries import Query, run_query

    query = Query(status="all" if all_ else status, types=csv_list(types), priorities=csv_list(priorities),
                  categories=csv_list(categories), groups=csv_list(groups), assignee=assignee,
                  requester=requester, tags=csv_list(tags), service=service, search=search,
                  older_than=older_than, sort=sort, limit=limit)
    rows = run_query(app.desk, query)
    _add_sla(app.desk, rows, detail=as_json)
    if as_json:
        output.print_json(rows)
    elif fmt == "csv" or excel:
        output.print_csv(rows, CSV_COLUMNS, excel=excel)
    elif rows:
        output.print_table(rows, LIST_COLUMNS)
    else:
        output.info("no tickets match")


def show(app, ticket_id, as_json) -> None:
    from deskctl.errors import BadInput
    from deskctl.sla.display import ticket_with_sla
    from deskctl.tickets.operations import get_ticket
    from deskctl.tickets.render import render_ticket
    from deskctl.util import clock

    ticket = get_ticket(app.desk, ticket_id)
    clock.now()  # a wrong DESKCTL_NOW is bad input (exit 2), not a display problem
    try:
        ticket = ticket_with_sla(app.desk, ticket)
    except BadInput as exc:
        output.warn(f"SLA state not shown: {exc}")
    if as_json:
        output.print_json(ticket)
    else:
        for line in render_ticket(ticket, str(app.desk.setting("timezone", default="UTC"))):
            output.echo(line)


def update(app, ticket_id, title, description, category, priority, impact, urgency, service, channel,
           requester_name, requester_email, requester_phone, system, add_tags, remove_tags, note, as_json) -> None:
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
    if add_tags or remove_tags:
        current = operations.get_ticket(app.desk, ticket_id).get("tags") or []
        tags = [t for t in current if t not in remove_tags]
        fields["tags"] = tags + [t for t in add_tags if t not in tags]
    if not fields:
        raise BadInput("nothing to update", "give at least one option, e.g. --priority high")
    result = operations.update(app.desk, ticket_id, actor=app.actor, fields=fields, note=note)
    _show_result(result, as_json, f"updated {_line(result)}")


def _lifecycle(name: str, call: str):
    """A lifecycle step: `operations.<call>(desk, id, actor=..., **options)`, printed as `name: ...`."""

    def action(app, ticket_id, as_json, **options) -> None:
        from deskctl.tickets import operations

        result = getattr(operations, call)(app.desk, ticket_id, actor=app.actor, **options)
        _show_result(result, as_json, f"{name}: {_line(result)}")

    action.__name__ = action.__qualname__ = name
    return action


assign = _lifecycle("assign", "assign")
start = _lifecycle("start", "start")
resume = _lifecycle("resume", "start")
pend = _lifecycle("pend", "pend")
escalate = _lifecycle("escalate", "escalate")
comment = _lifecycle("comment", "comment")
resolve = _lifecycle("resolve", "resolve")
close = _lifecycle("close", "close")
reopen = _lifecycle("reopen", "reopen")


def link(app, ticket_id, other_id, kind, as_json) -> None:
    from deskctl.tickets import operations

    result = operations.link(app.desk, ticket_id, other_id, actor=app.actor, kind=kind)
    _show_result(result, as_json, f"linked {result['id']} as {kind} of {other_id.upper()}")


def attach(app, ticket_id, file, as_json) -> None:
    from deskctl.tickets import operations

    result = operations.attach(app.desk, ticket_id, file, actor=app.actor)
    _show_result(result, as_json, f"attached {file} to {result['id']}")


def sla(app, at_risk, breached, groups, as_json) -> None:
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


def sweep(app, dry_run, as_json) -> None:
    from deskctl.errors import OperationFailed
    from deskctl.sla.sweep import run_sweep

    def notify(topic, message, recipients):
        results = app.plugins.pm.hook.notify(desk=app.desk, topic=topic, message=message, recipients=recipients)
        return [d for found in results if found for d in found]

    report = run_sweep(app.desk, dry_run=dry_run, notify=notify)
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


def survey(app, ticket_id, score, comment, as_json) -> None:
    from deskctl.reports.surveys import record

    result = record(app.desk, ticket_id, actor=app.actor, score=score, comment=comment)
    _show_result(result, as_json, f"recorded satisfaction {score}/5 for {result['id']}")
