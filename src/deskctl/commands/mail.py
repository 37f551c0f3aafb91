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
