"""`deskctl ticket list`: the queue: open tickets, oldest first (filters combine)."""

from __future__ import annotations

import click

from deskctl import output
from deskctl.commands import _completers as completers
from deskctl.commands._common import csv_list, examples, json_option, parse_assignments, pass_app
from deskctl.commands.ticket._shared import multi

TABLE_PAGE = 50  # rows `ticket list` shows as a table unless --limit says otherwise
LIST_COLUMNS = [("id", "ID"), ("age_text", "AGE"), ("status", "STATUS"), ("priority", "PRIORITY"),
                ("sla_text", "SLA"), ("group", "GROUP"), ("assignee", "ASSIGNEE"), ("category", "CATEGORY"), ("title", "TITLE")]
CSV_COLUMNS = [("id", "id"), ("type", "type"), ("status", "status"), ("priority", "priority"),
               ("category", "category"), ("service", "service"), ("channel", "channel"), ("group", "group"),
               ("assignee", "assignee"), ("requester", "requester"), ("title", "title"),
               ("created_at", "created_at"), ("updated_at", "updated_at"), ("age", "age_seconds"), ("tags", "tags"),
               ("sla_text", "sla")]


def _csv_columns(desk) -> list[tuple[str, str]]:
    """The CSV columns, then one per form field (named `field.NAME` if a column has its name)."""
    from deskctl.tickets.forms import definitions

    taken = {title for _, title in CSV_COLUMNS}
    return CSV_COLUMNS + [(f"fields.{name}", f"field.{name}" if name in taken else name) for name in definitions(desk)]


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


@click.command("list", epilog=examples(
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
