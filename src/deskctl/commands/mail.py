"""`deskctl mail`: requesters' mail into the desk (new tickets, replies threaded into theirs)."""

from __future__ import annotations

import sys

import click

from deskctl import output
from deskctl.commands._common import json_option, pass_app


@click.group()
def mail() -> None:
    """Mail with requesters: e-mail becomes tickets, replies thread into them."""


@mail.command()
@json_option
@pass_app
def ingest(app, as_json: bool) -> None:
    """Take one RFC 5322 message from stdin (an MTA pipe, procmail, a saved .eml).

    A new message opens a ticket (channel email); a reply ([INC-42] in the subject, or an
    answer to the desk's mail) is threaded into its ticket. Automatic mail (auto-replies,
    bounces, lists) is recorded, never answered; unreadable mail is kept in
    data/mail/quarantine. Exit 0 once the message is safely taken (also when quarantined).

    \b
    Examples:
      deskctl mail ingest < message.eml
      | deskctl --desk /srv/desk mail ingest      # in /etc/aliases: desk: "|deskctl ..."
    """
    from deskctl.mail.intake import ingest as take

    if sys.stdin is None or sys.stdin.isatty():
        from deskctl.errors import BadInput

        raise BadInput("mail ingest reads one message from stdin", "pipe it in: deskctl mail ingest < message.eml")
    raw = sys.stdin.buffer.read()
    outcome = take(app.desk, raw, actor=app.actor)
    if as_json:
        output.print_json(outcome.to_dict())
        return
    if outcome.outcome == "quarantined":
        output.warn(f"quarantined: {outcome.reason}")
    else:
        output.info(f"{outcome.ticket or '-'}: {outcome.outcome} ({outcome.reason})")


@mail.command()
@click.option("--limit", type=click.IntRange(1), default=500, show_default=True, help="At most this many messages per run.")
@json_option
@pass_app
def fetch(app, limit: int, as_json: bool) -> None:
    """Import new messages from the desk's IMAP folder (config mail.imap): each is taken as
    `mail ingest` takes one, then marked ($DeskctlImported, or moved): fetching twice imports
    nothing twice. One fetch runs at a time. Exit 1 when a message could not be taken (it
    stays new for the next run).

    \b
    Examples:
      */2 * * * * deskctl --desk /srv/desk -q mail fetch
    """
    from deskctl.errors import BadInput, OperationFailed
    from deskctl.mail.imap import fetch_new
    from deskctl.mail.intake import ingest as take
    from deskctl.mail.intake import settings
    from deskctl.store import open_backend

    desk = app.desk
    imap = settings(desk).get("imap")
    if not isinstance(imap, dict) or not imap:
        raise BadInput("mail.imap is not set in config/deskctl.yaml",
                       "add mail: {imap: {host: ..., user: ..., password_env: ...}} (docs/mail.md)")
    actor = app.actor
    taken: list[dict] = []

    def handle(raw: bytes) -> str:
        outcome = take(desk, raw, actor=actor)
        taken.append(outcome.to_dict())
        return outcome.outcome

    # two cron runs at once would race for the same messages: one fetch at a time
    with open_backend(desk, actor).locks.host("mail-fetch", timeout=0.0, what="mail fetch", actor=actor,
                                              details={"command": "mail fetch"}):
        report = fetch_new(imap, handle, limit=limit)
    if as_json:
        output.print_json({**report.to_dict(), "messages": taken})
    else:
        for item in taken:
            line = f"{item['ticket'] or '-'}: {item['outcome']} ({item['reason']})"
            (output.warn if item["outcome"] == "quarantined" else output.info)(line)
        counts = ", ".join(f"{n} {k}" for k, n in sorted(report.counts.items())) or "nothing new"
        output.info(f"{report.server} {report.folder}: {counts}"
                    + (f"; {report.remaining} more next time" if report.remaining else ""))
    if report.errors:
        first = report.errors[0]
        raise OperationFailed(f"{len(report.errors)} message(s) not taken; first: {first.error}",
                              "they stay new in the folder: the next fetch tries them again")


@mail.command()
@json_option
@pass_app
def flush(app, as_json: bool) -> None:
    """Send the requester notices still waiting in the outbox (for cron: the mail server was
    away when they were queued). Each goes once; exit 1 when one could not be sent.

    \b
    Examples:
      */5 * * * * deskctl --desk /srv/desk -q mail flush
    """
    from deskctl.errors import OperationFailed
    from deskctl.mail.notices import send_pending

    report = send_pending(app.desk, actor=app.actor)
    if as_json:
        output.print_json(report.to_dict())
    else:
        for sent in report.sent:
            output.info(f"{sent['ticket']}: {sent['kind']} notice sent to {sent['to']}")
    if report.failed:
        first = report.failed[0]
        raise OperationFailed(f"{len(report.failed)} notice(s) not sent; {first['ticket']} to {first['to']}: "
                              f"{first['error']}", "they stay in the outbox: run `deskctl mail flush` again later")
    if not as_json and not report.sent:
        output.info("the outbox is empty")


@mail.command()
@json_option
@pass_app
def outbox(app, as_json: bool) -> None:
    """Requester notices not sent yet (pending, or failed after many attempts)."""
    from deskctl.mail.notices import pending_tickets
    from deskctl.tickets.operations import get_ticket

    rows = []
    for tid in pending_tickets(app.desk):
        for entry in get_ticket(app.desk, tid).get("outbox") or []:
            if entry.get("status") != "sent":
                rows.append({"ticket": tid, "kind": entry["kind"], "to": entry["to"], "status": entry["status"],
                             "attempts": entry.get("attempts", 0), "error": entry.get("error") or ""})
    if as_json:
        output.print_json(rows)
    elif rows:
        output.print_table(rows, [("ticket", "TICKET"), ("kind", "NOTICE"), ("to", "TO"), ("status", "STATUS"),
                                  ("attempts", "TRIES"), ("error", "LAST ERROR")])
    else:
        output.info("the outbox is empty")
