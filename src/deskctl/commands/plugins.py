"""`deskctl plugins`: what is loaded, from where, implementing which hooks."""

from __future__ import annotations

import click

from deskctl import output
from deskctl.commands._common import json_option, pass_app


@click.group()
def plugins() -> None:
    """List installed plugins and the hooks they implement."""


@plugins.command("list")
@json_option
@pass_app
def list_(app, as_json: bool) -> None:
    """Each plugin with its version, source (builtin, entry point, desk) and hooks."""
    infos = [i.to_dict() for i in app.plugins.infos]
    if as_json:
        output.print_json(infos)
        return
    rows = [
        {**i, "hooks": ", ".join(i["hooks"]) if not i["error"] else f"ERROR: {i['error']}"}
        for i in infos
    ]
    output.print_table(
        rows,
        [("name", "NAME"), ("version", "VERSION"), ("source", "SOURCE"), ("hooks", "HOOKS")],
    )
