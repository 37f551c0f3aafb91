"""`deskctl store`: back up, restore, check, archive, migrate and copy all of the desk's data."""

from __future__ import annotations

from pathlib import Path

import click

from deskctl import output
from deskctl.commands._common import examples, json_option, pass_app


@click.group()
def store() -> None:
    """Back up, restore, check, archive, migrate and copy the desk's data."""


def _backend(app):
    from deskctl.store import open_backend

    return open_backend(app.desk, app.actor)


@store.command(epilog=examples(
    'deskctl store backup  # data/backups/desk-TIME.tar.gz',
    'deskctl store backup --out /srv/backups/desk.tar.gz',
    'deskctl --desk /tmp/new store restore /srv/backups/desk.tar.gz  # into an empty desk',
))
@click.option("--out", type=click.Path(dir_okay=False), help="Archive file (default: data/backups/desk-TIME.tar.gz).")
@json_option
@pass_app
def backup(app, out, as_json) -> None:
    """Write a consistent .tar.gz of all the desk's data: tickets (with history and surveys),
    announcements (with deliveries), SOP run records, attachments and notifications."""
    from deskctl import __version__
    from deskctl.store.portable import backup as make_backup
    from deskctl.util import clock

    path = Path(out) if out else app.desk.data_dir / "backups" / f"desk-{clock.now():%Y%m%dT%H%M%SZ}.tar.gz"
    report = make_backup(_backend(app), path, __version__)
    if as_json:
        output.print_json(report)
    else:
        counts = ", ".join(f"{n} {kind}" for kind, n in report["counts"].items())
        output.info(f"backed up {counts}")
        output.echo(str(path))


@store.command()
@click.argument("archive", type=click.Path(dir_okay=False))
@json_option
@pass_app
def restore(app, archive, as_json) -> None:
    """Restore a backup made by `deskctl store backup` into this desk, which must hold no data
    yet (make one with `deskctl init DIR`). The archive is verified before anything is written."""
    from deskctl.store.portable import restore as run_restore
    from deskctl.tickets.model import summary_row

    backend = _backend(app)
    report = run_restore(backend, Path(archive), summary_row)
    report["check"] = backend.check(summary_row)
    if as_json:
        output.print_json(report)
    else:
        counts = ", ".join(f"{n} {kind}" for kind, n in report["counts"].items())
        output.info(f"restored {counts} from {archive} (made {report['created_at']} on the "
                    f"{report['from_backend']} backend)")
    if report["check"]["problems"]:
        from deskctl.errors import ValidationFailed

        raise ValidationFailed([] if as_json else report["check"]["problems"], "the restored store has problems",
                               "run `deskctl store check --repair`")


@store.command()
@click.option("--repair", is_flag=True, help="Rebuild indexes and id counters from the ticket files.")
@json_option
@pass_app
def check(app, repair, as_json) -> None:
    """Verify every store file parses and the indexes match the tickets."""
    from deskctl.errors import ValidationFailed
    from deskctl.tickets.model import summary_row

    backend = _backend(app)
    if repair:
        from deskctl.store.portable import require_store_permission

        require_store_permission(backend, "store:repair")
    report = backend.check(summary_row, repair=repair)
    if as_json:
        output.print_json(report)
    if report["problems"] and not report["repaired"]:
        raise ValidationFailed([] if as_json else report["problems"], "the ticket store has problems",
                               "run `deskctl store check --repair` to rebuild the indexes")
    state = "repaired" if report["repaired"] else "ok"
    where = report.get("where") or f"{report['files']} files"
    output.info(f"ticket store {state}: {report['tickets']} tickets in {where}")


@store.command()
@click.option("--older-than", help="Archive tickets closed longer ago than this (default: tickets.archive_after).")
@click.option("--dry-run", is_flag=True, help="Only list what would be archived.")
@json_option
@pass_app
def archive(app, older_than, dry_run, as_json) -> None:
    """Move old closed tickets out of the hot store (`ticket show` and `list --all` still find them)."""
    from deskctl.store.portable import require_store_permission

    backend = _backend(app)
    if not dry_run:
        require_store_permission(backend, "store:archive")
    age = older_than or str(app.desk.setting("tickets", "archive_after", default="90d"))
    ids = backend.archive(age, dry_run=dry_run)
    if as_json:
        output.print_json({"archived": [] if dry_run else ids, "would_archive": ids if dry_run else []})
    else:
        verb = "would archive" if dry_run else "archived"
        output.info(f"{verb} {len(ids)} ticket(s) closed more than {age} ago")


@store.command()
@click.option("--dry-run", is_flag=True, help="Print the SQL of the pending migrations; change nothing.")
@json_option
@pass_app
def migrate(app, dry_run, as_json) -> None:
    """Create or upgrade the database schema of a PostgreSQL desk (numbered migrations, each
    in its own transaction). The file store needs none."""
    from deskctl import __version__
    from deskctl.errors import BadInput
    from deskctl.store.portable import require_store_permission

    backend = _backend(app)
    if not dry_run:
        require_store_permission(backend, "store:migrate")
    if not hasattr(backend, "migrate"):
        raise BadInput(f"the {backend.name} store has no schema to migrate",
                       "`store migrate` is for store.backend: postgresql")
    report = backend.migrate(__version__, dry_run=dry_run)
    if as_json:
        output.print_json(report)
        return
    if dry_run:
        for migration in report["migrations"]:
            output.echo(f"-- migration {migration['version']}: {migration['description']}")
            output.echo(migration["sql"])
        output.info(f"{len(report['migrations'])} migration(s) pending; nothing was changed")
    elif report["migrations"]:
        output.info(f"schema migrated from version {report['from']} to {report['to']}")
        for step in report["next"]:
            output.info(f"next: {step}")
    else:
        output.info(f"schema is up to date (version {report['to']})")


@store.command(epilog=examples(
    'deskctl store copy --to postgresql://desk@db1:5432/desk  # files -> PostgreSQL',
    'deskctl store copy --to /srv/desk-files  # -> a file desk (made if missing)',
))
@click.option("--to", "target", required=True, metavar="DSN|DIR",
              help="A PostgreSQL DSN (postgresql://USER@HOST:PORT/DB) or a file desk folder (made if missing).")
@click.option("--force", is_flag=True, help="Copy into a target that already holds data (records merge by id).")
@json_option
@pass_app
def copy(app, target, force, as_json) -> None:
    """Copy all the desk's data to another backend and verify counts and a checksum per kind
    of record; run it again to resume an interrupted copy. The source is not changed."""
    from deskctl import __version__
    from deskctl.store.copy import CopyMismatch, copy_store, open_target
    from deskctl.tickets.model import summary_row

    source = _backend(app)
    destination = open_target(app.desk, target, app.actor)
    if hasattr(destination, "migrate"):
        migrated = destination.migrate(__version__)
        if migrated["migrations"]:
            output.info(f"schema of the target migrated to version {migrated['to']}")

    def progress(kind: str, count: int) -> None:
        output.info(f"copied {count} {kind}")

    try:
        report = copy_store(source, destination, state_key=target, force=force, summarise=summary_row,
                            progress=None if as_json else progress)
    except CopyMismatch as exc:
        if as_json:
            output.print_json(exc.report)
        raise
    if as_json:
        output.print_json(report)
        return
    counts = ", ".join(f"{k['source']['count']} {kind}" for kind, k in report["kinds"].items())
    output.info(f"copied {counts} from {report['from']} to {report['to']}; counts and checksums match")


@store.command()
@json_option
@pass_app
def grant(app, as_json) -> None:
    """Copy the desk's accounts and role permissions into a PostgreSQL desk and grant each
    account's database login (accounts.NAME.db_role) what deskctl needs and nothing more: the
    database then refuses, to `psql` too, what deskctl refuses (docs/access.md)."""
    from deskctl.errors import BadInput
    from deskctl.store.portable import require_store_permission

    backend = _backend(app)
    if not hasattr(backend, "grant"):
        raise BadInput(f"the {backend.name} store has no logins to grant to",
                       "on a file desk the OS file permissions are the boundary: `deskctl init --shared GROUP`")
    require_store_permission(backend, "store:grant")
    report = backend.grant()
    if as_json:
        output.print_json(report)
        return
    output.info(f"granted {report['member_role']} to {', '.join(report['granted']) or 'no login'}")
    if report["missing_logins"]:
        output.warn(f"no such database login: {', '.join(report['missing_logins'])} "
                    "(create them: CREATE ROLE NAME LOGIN; then run `deskctl store grant` again)")
