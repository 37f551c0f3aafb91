"""`deskctl init DIR`: create a working desk from the packaged defaults."""

from __future__ import annotations

import click

from deskctl import output
from deskctl.commands._common import pass_app


@click.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@click.option("--shared", "group", metavar="GROUP",
              help="For a team: the OS group GROUP may use the desk, nobody else may read it (also on an existing desk).")
@pass_app
def init(app, directory: str, force: bool, group: str | None) -> None:
    """Create a new desk in DIRECTORY (config, SOPs, templates, knowledge base).

    \b
    Examples:
      deskctl init ~/desk
      deskctl init --shared servicedesk /srv/desk   # team members in the group servicedesk
    """
    from pathlib import Path

    from deskctl.desk.create import create_desk, share_desk

    existing = group is not None and not force and (Path(directory).expanduser() / "config" / "deskctl.yaml").is_file()
    if not existing:
        written = create_desk(directory, force=force)
        output.info(f"created desk {directory} ({written} files); next: cd {directory} && deskctl config check")
    if group is not None:
        shared = share_desk(directory, group)
        output.info(f"shared {directory} with the group {group}: members use it, others cannot read it "
                    f"({shared['paths']} paths; see docs/access.md)")
