"""`deskctl config`: the effective configuration and a check of the whole desk."""

from __future__ import annotations

import click

from deskctl import output
from deskctl.commands._common import json_option, pass_app


@click.group()
def config() -> None:
    """Show the effective configuration; check the whole desk."""


@config.command()
@json_option
@pass_app
def show(app, as_json: bool) -> None:
    """Every setting with its value and where it comes from (default or file:line)."""
    from deskctl.desk.config_report import effective_settings

    desk = app.desk
    settings = effective_settings(desk)
    if as_json:
        output.print_json(
            {"desk": str(desk.path), "config_file": str(desk.config_file), "settings": settings}
        )
        return
    output.info(f"desk: {desk.path}")
    # the value last: a long one (a list of categories) then makes its own line long, not every line
    output.print_table(settings, [("key", "KEY"), ("source", "SOURCE"), ("value", "VALUE")])


@config.command()
@json_option
@pass_app
def check(app, as_json: bool) -> None:
    """Validate every config file, runbook, template and KB file; list all problems."""
    from deskctl.desk.config_report import check_desk
    from deskctl.errors import ValidationFailed

    app.lenient_config = True  # every problem is listed below, not only the first
    desk = app.desk
    problems = check_desk(desk, app.plugins)
    if as_json:
        output.print_json({"desk": str(desk.path), "ok": not problems, "problems": problems})
    if problems:
        if as_json:
            raise ValidationFailed([], f"{len(problems)} problem(s) in {desk.path}")
        raise ValidationFailed(problems, f"{len(problems)} problem(s) in {desk.path}", "fix each line above, then run `deskctl config check` again")
    output.info(f"{desk.path}: configuration, runbooks, templates and knowledge base are valid")
