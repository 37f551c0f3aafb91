"""`deskctl report`: the desk's KPIs (text, JSON, CSV) and the self-contained HTML report."""

from __future__ import annotations

import click

from deskctl import output
from deskctl.commands import _completers as completers
from deskctl.commands._common import examples, json_option, pass_app

period_options = [
    click.option("--since", metavar="WHEN", help="Tickets created from then: 2026-11-01 (desk time zone), 30d (ago), an ISO time."),
    click.option("--until", metavar="WHEN", help="...up to and including this day or time (default: now)."),
    click.option("--group", shell_complete=completers.group, help="Only tickets this support group handled (held at some time), with what it did in the period."),
]


def _with_period(command):
    for option in reversed(period_options):
        command = option(command)
    return command


@click.group()
def report() -> None:
    """The desk's KPIs as text, JSON or CSV, and a self-contained HTML report (docs/kpis.md)."""


@report.command(epilog=examples(
    'deskctl report kpi --since 30d',
    'deskctl report kpi --since 2026-11-01 --until 2026-11-30 --group L2',
    'deskctl report kpi --by assignee --excel > people.csv',
    'deskctl report kpi --json | jq .volume',
))
@_with_period
@click.option("--format", "fmt", type=click.Choice(["text", "csv"]), default="text", show_default=True)
@click.option("--excel", is_flag=True, help="CSV for spreadsheets: a byte-order mark and CRLF (implies --format csv).")
@click.option("--by", type=click.Choice(["assignee", "group", "channel", "category", "type"]),
              help="One row per person, group (every one that handled a ticket), channel, category or type.")
@json_option
@pass_app
def kpi(app, since, until, group, fmt, excel, by, as_json) -> None:
    """The KPIs as text, JSON or CSV (definitions: docs/kpis.md).

    Volume, first-contact resolution, SLA compliance, response/resolve/handling times, reopen
    and escalation rates, CSAT and the questionnaire, backlog by age, arrivals by weekday x
    hour, time per call type; with --by, the main figures per person, group, channel, ..."""
    from deskctl.reports.data import kpi_report
    from deskctl.reports.formats import CSV_COLUMNS, by_columns, by_rows, csv_rows, text_lines

    result = kpi_report(app.desk, since=since, until=until, group=group, by=by)
    if by:
        if as_json:
            output.print_json(result)
        elif fmt == "csv" or excel:
            output.print_csv(by_rows(result, csv=True), by_columns(by, csv=True), excel=excel)
        elif result["rows"]:
            output.print_table(by_rows(result), by_columns(by))
        else:
            output.info("no tickets in the period")
        return
    if as_json:
        output.print_json(result)
    elif fmt == "csv" or excel:
        output.print_csv(csv_rows(result), CSV_COLUMNS, excel=excel)
    else:
        for line in text_lines(result):
            output.echo(line)


@report.command()
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True), help="HTML file to write.")
@_with_period
@json_option
@pass_app
def html(app, out, since, until, group, as_json) -> None:
    """Write the report as one self-contained HTML file.

    Inline SVG charts, no scripts, printable: KPIs, weekly trends, the weekday x hour heatmap,
    the oldest open tickets and the SLA breaches."""
    from pathlib import Path

    from deskctl.reports.data import kpi_report
    from deskctl.reports.html import write_report

    result = kpi_report(app.desk, since=since, until=until, group=group)
    path = write_report(Path(out), result, desk_name=str(app.desk.setting("desk", "name", default="Service Desk")))
    if as_json:
        output.print_json({"out": str(path), "bytes": path.stat().st_size, "tickets": result["volume"]["total"]})
    else:
        output.echo(str(path))
        output.info(f"report of {result['volume']['total']} ticket(s) written to {path}")
