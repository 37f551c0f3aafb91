"""`deskctl ticket survey`: record a satisfaction answer on a resolved or closed ticket, or the requester's consent."""

from __future__ import annotations

import click

from deskctl.commands import _completers as completers
from deskctl.commands._common import json_option, parse_assignments, pass_app, show_result
from deskctl.commands.ticket._shared import multi


@click.command("survey")
@click.argument("ticket_id", shell_complete=completers.ticket_id)
@click.option("--score", type=click.IntRange(1, 5), help="Overall satisfaction from 1 (very unhappy) to 5 (very happy).")
@click.option("--answer", "answers", metavar="QUESTION=VALUE", **multi,
              help="An answer to a question of the desk's questionnaire (`deskctl survey questions`); repeatable.")
@click.option("--method", help="How the requester was asked: phone, email, online, in-person (config surveys.methods).")
@click.option("--comment", default="", help="What the requester said.")
@click.option("--declined", is_flag=True, help="Record that the requester declines surveys (never asked again).")
@click.option("--consent", is_flag=True, help="Record that the requester agrees to surveys (again).")
@json_option
@pass_app
def survey_(app, ticket_id, score, answers, method, comment, declined, consent, as_json) -> None:
    """Record a satisfaction answer on a resolved or closed ticket, or the requester's consent.

    The overall --score and/or --answer per question; a requester who declined is refused (exit 2)."""
    from deskctl.errors import BadInput
    from deskctl.reports import surveys

    if declined or consent:
        if declined and consent:
            raise BadInput("--declined and --consent contradict each other", "give one of them")
        if score is not None or answers or method or comment:
            raise BadInput("--declined/--consent record consent only", "record answers in a separate call")
        result = surveys.record_consent(app.desk, ticket_id, actor=app.actor, given=consent)
        said = "agrees to" if consent else "declines"
        show_result(result, as_json, f"recorded that the requester of {result['id']} {said} satisfaction surveys")
        return
    result = surveys.record(app.desk, ticket_id, actor=app.actor, score=score, comment=comment,
                            answers=parse_assignments(answers, "--answer"), method=method)
    shown = result["survey"]
    parts = ([f"satisfaction {score}/5"] if score is not None else []) + [
        f"{k} {v}" for k, v in (shown.get("answers") or {}).items()]
    show_result(result, as_json, f"recorded {', '.join(parts)} for {result['id']}")
