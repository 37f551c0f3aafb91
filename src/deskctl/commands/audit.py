"""`deskctl audit`: the hash-chained record of every command that changed the desk."""

from __future__ import annotations

import click

from deskctl import output
from deskctl.commands._common import json_option, pass_app


@click.group()
def audit() -> None:
    """The audit trail: who changed what, when, from where; verify it was not altered."""


@audit.command("list")
@click.option("--since", metavar="WHEN", help="Records from then: 2026-11-01 (desk time zone), 7d (ago), an ISO time.")
@click.option("--account", metavar="NAME", help="Only what this account did (or had done on its behalf).")
@click.option("--target", metavar="ID", help="Only records touching this ticket, announcement or run id.")
@click.option("--limit", type=click.IntRange(1), help="Only the newest N matching records.")
@json_option
@pass_app
def list_(app, since, account, target, limit, as_json: bool) -> None:
    """Audit records, oldest first.

    \b
    Examples:
      deskctl audit list --since 7d --account lena
      deskctl audit list --target INC-42 --json
    """
    from deskctl.audit import query
    from deskctl.util.moments import desk_local, desk_moment

    desk = app.desk
    query.require_reader(desk, app.actor)
    moment = desk_moment(desk, since, "--since") if since else None
    records = query.select(desk, since=moment, account=account, target=target, limit=limit)
    if as_json:
        output.print_json(records)
        return
    rows = [{"seq": r.get("seq"), "at": desk_local(desk, r.get("at")),
             "who": str(r.get("account")) + (f" for {r['on_behalf_of']}" if r.get("on_behalf_of") else ""),
             "host": r.get("host"), "command": r.get("command"),
             "targets": ", ".join(map(str, r.get("targets") or []))
             + (f" (+{r['targets_total'] - len(r.get('targets') or [])})" if r.get("targets_total") else ""),
             "outcome": f"{r.get('outcome')} ({r.get('exit_code')})"} for r in records]
    if not rows:
        output.info("no audit records match")
        return
    output.print_table(rows, [("seq", "#"), ("at", "WHEN"), ("who", "WHO"), ("host", "HOST"),
                              ("command", "COMMAND"), ("targets", "TARGETS"), ("outcome", "OUTCOME")])


@audit.command()
@json_option
@pass_app
def verify(app, as_json: bool) -> None:
    """Check the hash chain and the head: names the first altered, removed or missing
    record and exits 1; exit 0 when intact."""
    from deskctl.audit import query
    from deskctl.errors import OperationFailed

    desk = app.desk
    query.require_reader(desk, app.actor)
    result = query.verify(desk)
    if as_json:
        output.print_json(result)
    elif result["intact"]:
        head = result["head"]
        output.echo(f"audit trail intact: {result['records']} record(s)"
                    + (f", head {head['seq']} {head['hash'][:16]}" if head else ""))
    if not result["intact"]:
        problem = result["problem"]
        raise OperationFailed(f"audit trail altered: {problem['where']}: {problem['message']}",
                              "restore the log from a backup and find out who changed it")
