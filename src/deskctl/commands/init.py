"""`deskctl init DIR`: create a working desk from the packaged defaults."""

from __future__ import annotations

import click

from deskctl import output
from deskctl.commands._common import pass_app


@click.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@pass_app
def init(app, directory: str, force: bool) -> None:
    """Create a new desk in DIRECTORY (config, SOPs, templates, knowledge base)."""
    from deskctl.desk.create import create_desk

    written = create_desk(directory, force=force)
    output.info(f"created desk {directory} ({written} files); next: cd {directory} && deskctl config check")
