"""Options and helpers shared by command modules."""

from __future__ import annotations

import sys
from functools import update_wrapper

import click

from deskctl.cli.context import AppContext

__all__ = ["csv_list", "examples", "interactive", "json_option", "parse_assignments", "pass_app", "show_result",
           "yes_option"]


def pass_app(f):
    """Hand the command the `AppContext`, and name the command and the options given for its
    audit record (names only: values may be secrets)."""

    def command(*args, **kwargs):
        ctx = click.get_current_context()
        from click.core import ParameterSource

        from deskctl.audit import trail

        given = [p.opts[0] for p in ctx.command.params
                 if isinstance(p, click.Option) and p.name and p.opts
                 and ctx.get_parameter_source(p.name) in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)]
        trail.invoked(ctx.command_path.partition(" ")[2], given)
        return ctx.invoke(f, ctx.ensure_object(AppContext), *args, **kwargs)

    return update_wrapper(command, f)



def _json_asked(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:  # a script reads the output: no progress bars on its terminal either
        from deskctl.util import progress

        progress.suppress()
    return value


json_option = click.option("--json", "as_json", is_flag=True, callback=_json_asked,
                           help="Print one JSON document to stdout.")
yes_option = click.option("--yes", "-y", "assume_yes", is_flag=True, help="Answer yes to confirmations (for scripts and cron).")


def examples(*lines: str) -> str:
    """A command's epilog: "Examples:" and the command lines, kept as written (click's `\b`),
    their `# comments` lined up when they all fit in 98 columns of --help, else each after
    its command, or above it when that is too long. `deskctl help --man` makes the EXAMPLES
    section of them."""
    room = 90  # the command and its comment, besides --help's indent and the "  # "
    parts = [(line.partition("  # ")[0].rstrip(), line.partition("  # ")[2]) for line in lines]
    noted = [(c, note) for c, note in parts if note]
    width = max((len(c) for c, _ in noted), default=0)
    if any(width + len(note) > room for _, note in noted):
        width = 0
    shown: list[str] = []
    for command, note in parts:
        if note and len(command.ljust(width)) + len(note) <= room:
            shown.append(f"  {command.ljust(width)}  # {note}")
        else:
            shown += [f"  # {note}"] if note else []
            shown.append(f"  {command}")
    return "Examples:\n\n\b\n" + "\n".join(shown)


def interactive(assume_yes: bool = False) -> bool:
    """True when we may ask a person: stdin is a terminal and --yes was not given."""
    return not assume_yes and sys.stdin is not None and sys.stdin.isatty()


def parse_assignments(values: tuple[str, ...], option: str) -> dict[str, object]:
    """`key=value` pairs from repeated options; a malformed one is a usage error."""
    from deskctl.errors import BadInput

    result: dict[str, object] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise BadInput(f"{option} {item!r}: expected key=value")
        result[key.strip()] = value
    return result


def csv_list(values: tuple[str, ...]) -> list[str]:
    """Repeated options that may also hold comma-separated values, flattened."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def show_result(record: dict, as_json: bool, message: str, **extra) -> None:
    """A changed record (ticket, change): its id on stdout and `message` on stderr, or with
    `--json` the record (and `extra`) as one document."""
    from deskctl import output

    if as_json:
        output.print_json({**record, **extra})
    else:
        output.echo(record["id"])
        output.info(message)
