"""`deskctl survey`: satisfaction surveys (record answers with `deskctl ticket survey`)."""

from __future__ import annotations

import click

from deskctl import output
from deskctl.commands._common import json_option, pass_app


@click.group()
def survey() -> None:
    """Satisfaction surveys: closed tickets awaiting an answer (config `surveys`)."""


@survey.command()
@click.option("--all", "include_expired", is_flag=True, help="Include tickets past the survey window.")
@json_option
@pass_app
def pending(app, include_expired, as_json) -> None:
    """Closed tickets chosen by the sampling that have no answer yet, oldest first."""
    from deskctl.reports.surveys import pending as find_pending
    from deskctl.sla.display import local_time
    from deskctl.util.durations import format_age

    rows = find_pending(app.desk, include_expired=include_expired)
    if as_json:
        output.print_json(rows)
        return
    if not rows:
        output.info("no closed ticket is waiting for a survey answer")
        return
    for row in rows:
        row["closed_local"] = local_time(app.desk, row["closed_at"])
        row["ago"] = format_age(row["closed_seconds_ago"])
    output.print_table(rows, [("id", "ID"), ("closed_local", "CLOSED"), ("ago", "AGO"), ("requester", "REQUESTER"),
                              ("group", "GROUP"), ("title", "TITLE")])
    output.info(f"{len(rows)} ticket(s) awaiting a survey; record answers with `deskctl ticket survey ID --score N`"
                " (and --answer QUESTION=VALUE, --method)")


@survey.command()
@click.option("--language", "--lang", "language", help="Show the questions in this language (default: the desk's).")
@json_option
@pass_app
def questions(app, language, as_json) -> None:
    """The desk's questionnaire: what `ticket survey --answer QUESTION=VALUE` takes."""
    from deskctl.reports.surveys import load_settings

    settings = load_settings(app.desk)
    lang = language or str(app.desk.setting("default_language", default="en"))
    rows = [{**q.to_dict(), "shown": q.text_in(lang),
             "takes": " | ".join(q.choices) if q.choices else f"1-{q.scale}"} for q in settings.questions]
    if as_json:
        output.print_json({"language": lang, "methods": settings.methods, "questions": rows})
        return
    output.print_table([{"id": "overall", "takes": "1-5", "shown": "Overall satisfaction (--score)"}, *rows],
                       [("id", "QUESTION"), ("takes", "TAKES"), ("shown", "TEXT")])
    output.info(f"methods (--method): {', '.join(settings.methods)}")
