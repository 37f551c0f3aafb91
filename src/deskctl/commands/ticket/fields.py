"""`deskctl ticket fields`: the desk's ticket form: the fields --field takes, what each holds, when it is required."""

from __future__ import annotations

import click

from deskctl import output
from deskctl.commands._common import json_option, pass_app


@click.command()
@json_option
@pass_app
def fields(app, as_json) -> None:
    """The desk's ticket form: the fields --field takes, what each holds, when it is required."""
    from deskctl.tickets.forms import describe

    rows = describe(app.desk)
    if as_json:
        output.print_json(rows)
    elif rows:
        output.print_table(rows, [("name", "FIELD"), ("takes", "TAKES"), ("required_text", "REQUIRED"),
                                  ("help", "HELP")])
    else:
        output.info("this desk's form has no fields (tickets.fields in config/deskctl.yaml)")
