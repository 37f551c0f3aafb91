"""`deskctl ticket`: register, route, work and close tickets.

This module declares the options; each command's work is the function of the same name in
`ticket_actions.py` (see `runs`).
"""

from __future__ import annotations

import click

from deskctl.commands._common import json_option, runs

multi = {"multiple": True}
ACTIONS = "deskctl.commands.ticket_actions"


@click.group()
def ticket() -> None:
    """Register, route, work and close tickets (the service-desk lifecycle)."""


@ticket.command()
@click.option("--title", required=True, help="Short summary of the problem or request.")
@click.option("--description", default="", help="Details: what happened, error messages, what was tried.")
@click.option("--type", "type_", help="incident, service-request, info-request, doc-request, change.")
@click.option("--category", help="One of the desk's categories (see `deskctl config show`).")
@click.option("--priority", help="critical, high, medium, low, informational (else derived).")
@click.option("--impact", help="Impact level (with --urgency derives the priority).")
@click.option("--urgency", help="Urgency level.")
@click.option("--channel", help="walk-in, phone, email, chat, portal, social, desktop-app, api.")
@click.option("--service", help="Affected IT service from the desk's catalogue.")
@click.option("--requester-name", help="Who asked.")
@click.option("--requester-email", help="Requester's e-mail.")
@click.option("--requester-phone", help="Requester's phone.")
@click.option("--system", "system", metavar="KEY=VALUE", help="System detail (os, memory, hostname...); repeatable.", **multi)
@click.option("--group", help="Support group (default: the desk's first-line group).")
@click.option("--assignee", help="Engineer to assign at once.")
@click.option("--tag", "tags", help="Tag; repeatable.", **multi)
@click.option("--dedup-key", help="Automation: reuse the open ticket with this key instead of a new one.")
@click.option("--dedup-scope", type=click.Choice(["open", "any"]), default="open", show_default=True,
              help="any: also a resolved or closed ticket with the key (once per CI pipeline, even retried).")
@click.option("--resolved", metavar="ANSWER", help="Register and resolve at once (first-contact resolution).")
@json_option
@runs(f"{ACTIONS}:create")
def create() -> None:
    """Register a ticket (every contact, even a plain question). Prints its id."""


@ticket.command()
@click.option("--title", default="", help="Title to classify.")
@click.option("--description", default="", help="Description to classify.")
@click.option("--channel", help="Channel of the contact.")
@click.option("--service", help="Affected service.")
@click.option("--requester-email", default="", help="Requester's e-mail.")
@click.option("--system", "system", metavar="KEY=VALUE", **multi, help="System detail; repeatable.")
@json_option
@runs(f"{ACTIONS}:classify")
def classify() -> None:
    """Show what the desk's rules would set for a ticket, storing nothing."""


@ticket.command("list")
@click.option("--status", default="open", show_default=True, help="open, all, or status names (comma-separated).")
@click.option("--all", "all_", is_flag=True, help="Every ticket, archived ones included (= --status all).")
@click.option("--type", "types", **multi, help="Filter by type; repeatable.")
@click.option("--priority", "priorities", **multi, help="Filter by priority; repeatable.")
@click.option("--category", "categories", **multi, help="Filter by category; repeatable.")
@click.option("--group", "groups", **multi, help="Filter by group; repeatable.")
@click.option("--assignee", help="Filter by assignee.")
@click.option("--requester", help="Requester name or e-mail contains this.")
@click.option("--tag", "tags", **multi, help="Has this tag; repeatable.")
@click.option("--service", help="Filter by affected service.")
@click.option("--search", help="Words that title, description or requester contain.")
@click.option("--older-than", help="Only tickets older than this (e.g. 2d, 4h).")
@click.option("--sort", type=click.Choice(["age", "priority", "updated"]), default="age", show_default=True,
              help="age = oldest first.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
@click.option("--excel", is_flag=True, help="CSV for spreadsheets: a byte-order mark and CRLF (implies --format csv).")
@json_option
@runs(f"{ACTIONS}:list_")
def list_() -> None:
    """The queue: open tickets, oldest first (filters combine)."""


@ticket.command()
@click.argument("ticket_id")
@json_option
@runs(f"{ACTIONS}:show")
def show() -> None:
    """A ticket with its whole timeline."""


@ticket.command()
@click.argument("ticket_id")
@click.option("--title")
@click.option("--description")
@click.option("--category")
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
@click.option("--note", default="", help="Why (recorded in the history).")
@json_option
@runs(f"{ACTIONS}:update")
def update() -> None:
    """Change fields of a ticket (every change is recorded)."""


def _lifecycle(name: str, doc: str, *options) -> None:
    """A lifecycle command: ID plus options (the action is `ticket_actions.<name>`)."""

    def declaration() -> None: ...

    declaration.__name__, declaration.__doc__ = name, doc
    command = json_option(runs(f"{ACTIONS}:{name}")(declaration))
    for option in (click.argument("ticket_id"), *options)[::-1]:
        command = option(command)
    ticket.command(name)(command)


_lifecycle("assign", "Assign to an engineer (--to) and/or a group (--group).",
           click.option("--to", help="Engineer."), click.option("--group", help="Support group."),
           click.option("--note", default="", help="Why."))
_lifecycle("start", "Start work on a ticket (assigns it to you if unassigned).",
           click.option("--note", default="", help="Note for the history."))
_lifecycle("resume", "Resume a pending ticket (same as start).",
           click.option("--note", default="", help="Note for the history."))
_lifecycle("pend", "Wait for the requester or a third party (the SLA clock pauses).",
           click.option("--reason", required=True, help="What the ticket waits for."),
           click.option("--on", type=click.Choice(["requester", "third-party"]), default="requester", show_default=True))
_lifecycle("escalate", "Hand over to a higher support group.",
           click.option("--group", required=True, help="Group to escalate to (e.g. L2)."),
           click.option("--reason", required=True, help="Why, and what was already tried."))
_lifecycle("comment", "Add a comment (public unless --internal).",
           click.option("--text", required=True, help="The comment."),
           click.option("--internal", is_flag=True, help="Only for staff; not a response to the requester."))
_lifecycle("resolve", "Record the solution.",
           click.option("--resolution", required=True, help="What fixed it."),
           click.option("--kb", help="Knowledge-base article that solved it."))
_lifecycle("close", "Close a resolved ticket.",
           click.option("--confirmed", is_flag=True, help="The requester confirmed the solution."),
           click.option("--note", default="", help="Note for the history."))
_lifecycle("reopen", "Reopen a resolved or closed ticket.",
           click.option("--reason", required=True, help="Why it is not solved."))


@ticket.command()
@click.argument("ticket_id")
@click.option("--to", "other_id", required=True, help="The other ticket.")
@click.option("--as", "kind", type=click.Choice(["duplicate", "related", "parent", "child"]), default="related",
              show_default=True, help="TICKET_ID is a duplicate/parent/child of --to, or related to it.")
@json_option
@runs(f"{ACTIONS}:link")
def link() -> None:
    """Link two tickets (recorded on both)."""


@ticket.command()
@click.argument("ticket_id")
@click.argument("file", type=click.Path(dir_okay=False))
@json_option
@runs(f"{ACTIONS}:attach")
def attach() -> None:
    """Attach a file (copied into the desk with its sha256), e.g. logs for an escalation."""


# -- SLA, sweep and surveys (see docs/sla.md) ----------------------------------------------------


@ticket.command()
@click.option("--at-risk", "at_risk", is_flag=True, help="Only tickets at risk of breaching.")
@click.option("--breached", is_flag=True, help="Only tickets past their SLA.")
@click.option("--group", "groups", **multi, help="Only this group; repeatable.")
@json_option
@runs(f"{ACTIONS}:sla")
def sla() -> None:
    """Open tickets by SLA time left, most urgent first.

    Business time of each ticket's calendar; the clocks stop while a ticket is pending."""


@ticket.command()
@click.option("--dry-run", is_flag=True, help="Only list what would be done; change and send nothing.")
@json_option
@runs(f"{ACTIONS}:sweep")
def sweep() -> None:
    """Apply the SLA escalation policy (for cron; safe to repeat).

    Notify at-risk tickets, escalate breached ones, remind and auto-close (config `sweep`)."""


@ticket.command("survey")
@click.argument("ticket_id")
@click.option("--score", required=True, type=click.IntRange(1, 5), help="Satisfaction from 1 (very unhappy) to 5 (very happy).")
@click.option("--comment", default="", help="What the requester said.")
@json_option
@runs(f"{ACTIONS}:survey")
def survey_() -> None:
    """Record a satisfaction answer (1-5) on a resolved or closed ticket."""
