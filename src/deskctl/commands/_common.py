"""Options and helpers shared by command modules."""

from __future__ import annotations

import sys

import click

from deskctl.cli.context import AppContext

__all__ = ["csv_list", "interactive", "json_option", "parse_assignments", "pass_app", "yes_option"]

pass_app = click.make_pass_decorator(AppContext, ensure=True)



def _json_asked(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:  # a script reads the output: no progress bars on its terminal either
        from deskctl.util import progress

        progress.suppress()
    return value


json_option = click.option("--json", "as_json", is_flag=True, callback=_json_asked,
                           help="Print one JSON document to stdout.")
yes_option = click.option("--yes", "-y", "assume_yes", is_flag=True, help="Answer yes to confirmations (for scripts and cron).")


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
