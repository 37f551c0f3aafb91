"""Options and helpers shared by command modules."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import update_wrapper

import click

from deskctl.cli.context import AppContext
from deskctl.commands._args import csv_list, interactive, parse_assignments

__all__ = ["csv_list", "interactive", "json_option", "parse_assignments", "pass_app", "runs", "yes_option"]

pass_app = click.make_pass_decorator(AppContext, ensure=True)

json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document to stdout.")
yes_option = click.option("--yes", "-y", "assume_yes", is_flag=True, help="Answer yes to confirmations (for scripts and cron).")


def load_action(target: str) -> Callable:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def runs(target: str) -> Callable[[Callable], Callable]:
    """Declare that a click command's work is done by `target` ("module:function"), a plain
    function called as `function(app, **parameters)`.

    The decorated function only carries the name and the help text. Keeping the work out of
    click-importing modules lets the fast path (`fastpath.py`) run the same function from a
    cached description of the parameters, without importing click at all.
    """

    def decorate(declaration: Callable) -> Callable:
        def callback(**params):
            app = click.get_current_context().ensure_object(AppContext)
            return load_action(target)(app, **params)

        update_wrapper(callback, declaration)
        callback.deskctl_action = target  # read by fastpath_export
        return callback

    return decorate
