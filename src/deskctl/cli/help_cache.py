"""Serve `deskctl --help` from the last rendering when nothing it depends on has changed.

The help lists the commands of every plugin, so it depends on the installed distributions,
the desk's own plugins folder, deskctl's version and the terminal width. Plugin warnings from
that rendering are stored beside it and printed again, so a broken plugin is never hidden.
"""

from __future__ import annotations

import json
import os
import sys

from deskctl import __version__
from deskctl.desk.finder import find_desk_dir
from deskctl.util import cache


def terminal_width() -> int:
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns
    except (OSError, AttributeError, ValueError):
        return 80


def help_key(desk_option: str | None = None) -> list:
    desk = find_desk_dir(desk_option)
    here = os.path.dirname(__file__)
    return [
        __version__,
        str(desk) if desk else None,
        terminal_width(),
        cache.installed_fingerprint(),
        cache.desk_plugins_fingerprint(desk),
        # the sources the help is rendered from: an editable install changes them in place
        [cache.stat_key(os.path.join(here, name)) for name in ("root.py", "command_table.py")],
    ]


def _name(key: list) -> str:
    # One entry per desk and width, so switching between desks does not thrash one slot.
    paths = [entry[0] for entry in key[3]]
    return f"help-{cache.short_hash(json.dumps([key[:3], paths]))}"


def cached_help() -> str | None:
    key = help_key()
    value = cache.read(_name(key), key)
    if not isinstance(value, dict):
        return None
    if value.get("warnings"):
        from deskctl import output

        for line in value["warnings"]:
            output.stderr_line(line)
    return value.get("text")


def store_help(text: str, warnings: list[str]) -> None:
    key = help_key()
    cache.write(_name(key), key, {"text": text, "warnings": warnings})
