"""An example deskctl plugin (see docs/plugins.md).

- `deskctl hello NAME` greets someone (a command);
- a `hello` runbook step type that prints a greeting on the target;
- every new ticket is appended to `hello-tickets.log` in the desk's data folder.
"""

import json

import click

import deskctl

__version__ = "1.2.0"


@deskctl.hookimpl
def register_commands(cli):
    @cli.command()
    @click.argument("name")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    def hello(name, as_json):
        """Greet NAME (an example plugin command)."""
        if as_json:
            click.echo(json.dumps({"greeting": f"Hello, {name}!"}))
        else:
            click.echo(f"Hello, {name}!")


@deskctl.hookimpl
def ticket_created(ticket, desk):
    log = desk.data_dir / "hello-tickets.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(f"{ticket['id']} {ticket['title']}\n")
