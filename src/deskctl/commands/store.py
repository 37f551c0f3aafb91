"""`deskctl store`: back up, check and archive the ticket store."""

from __future__ import annotations

from pathlib import Path

import click

from deskctl import output
from deskctl.commands._common import json_option, pass_app


@click.group()
def store() -> None:
    """Back up, check and archive the ticket store."""


def _store(app):
    from deskctl.store.tinydb_store import TinyTicketStore

    return TinyTicketStore(app.desk, actor=app.actor)


@store.command()
@click.option("--out", type=click.Path(dir_okay=False), help="Archive file (default: data/backups/tickets-TIME.tar.gz).")
@json_option
@pass_app
def backup(app, out, as_json) -> None:
    """Write a consistent .tar.gz copy of the ticket store."""
    from deskctl.store.maintenance import backup as make_backup

    path = make_backup(_store(app), Path(out) if out else None)
    if as_json:
        output.print_json({"backup": str(path), "bytes": path.stat().st_size})
    else:
        output.echo(str(path))


@store.command()
@click.option("--repair", is_flag=True, help="Rebuild indexes and id counters from the ticket files.")
@json_option
@pass_app
def check(app, repair, as_json) -> None:
    """Verify every store file parses and the indexes match the tickets."""
    from deskctl.errors import ValidationFailed
    from deskctl.store.maintenance import check as run_check

    report = run_check(_store(app), repair=repair)
    if as_json:
        output.print_json(report)
    if report["problems"] and not report["repaired"]:
        raise ValidationFailed([] if as_json else report["problems"], "the ticket store has problems",
                               "run `deskctl store check --repair` to rebuild the indexes")
    state = "repaired" if report["repaired"] else "ok"
    output.info(f"ticket store {state}: {report['tickets']} tickets in {report['files']} files")


@store.command()
@click.option("--older-than", help="Archive tickets closed longer ago than this (default: tickets.archive_after).")
@click.option("--dry-run", is_flag=True, help="Only list what would be archived.")
@json_option
@pass_app
def archive(app, older_than, dry_run, as_json) -> None:
    """Move old closed tickets out of the hot store (`ticket show` and `list --all` still find them)."""
    from deskctl.store.maintenance import archive as run_archive

    age = older_than or str(app.desk.setting("tickets", "archive_after", default="90d"))
    ids = run_archive(_store(app), age, dry_run=dry_run)
    if as_json:
        output.print_json({"archived": [] if dry_run else ids, "would_archive": ids if dry_run else []})
    else:
        verb = "would archive" if dry_run else "archived"
        output.info(f"{verb} {len(ids)} ticket(s) closed more than {age} ago")
