"""What the `deskctl ticket` commands share: the one-line summary of a changed ticket, the
requester options, the --field option."""

from __future__ import annotations

import click

from deskctl import output

multi = {"multiple": True}


def summary_line(t: dict) -> str:
    who = t.get("assignee") or "-"
    return f"{t['id']} is {t['status']} (priority {t['priority']}, group {t.get('group') or '-'}, assignee {who})"


def requester_of(name: str | None, email: str | None, phone: str | None) -> dict:
    return {k: v for k, v in (("name", name), ("email", email), ("phone", phone)) if v}


field_option = click.option(
    "--field", "form_fields", metavar="NAME=VALUE", **multi,
    help="A fact of the desk's ticket form (location, started_at, error_code, ...; `deskctl ticket fields` lists them); repeatable.")


def notified_text(sent: list[dict]) -> str:
    """`; notified L2 (smtp, webhook)`: who was told of a hand-over, and how."""
    receivers: dict[str, list[str]] = {}
    for d in sent:
        receivers.setdefault(d.get("receiver", "?"), []).append(str(d.get("channel")))
    return "".join(f"; notified {who} ({', '.join(how)})" for who, how in receivers.items())


def warn_failed(sent: list[dict]) -> None:
    """The hand-over is stored whatever happens to the message: a failed delivery is a warning
    (the notification log holds it), not a failed command that a script would retry."""
    for d in sent:
        if not d.get("ok", True):
            output.warn(f"could not notify {d.get('receiver')} via {d.get('channel')} to {d.get('to')}: "
                        f"{d.get('error')} (recorded in the notification log)")
