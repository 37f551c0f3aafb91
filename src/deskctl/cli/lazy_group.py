"""A click group whose subcommands are named now (with their one-line summaries) and imported
when one runs: the root group's built-in commands, and `deskctl ticket`'s."""

from __future__ import annotations

import importlib
from typing import Any

import click


class _LoadingCommands(dict):
    """A group's `commands` that imports a lazy command when it is looked up by name, so that
    `ticket.commands["show"]` (how a plugin takes a built-in command to wrap it) keeps working."""

    def __init__(self, group: LazyGroup, commands: dict[str, click.Command]):
        super().__init__(commands)
        self.group = group

    def __missing__(self, name: str) -> click.Command:
        if name not in self.group.lazy:
            raise KeyError(name)
        module_name, _, attr = self.group.lazy[name][0].partition(":")
        command = self[name] = getattr(importlib.import_module(module_name), attr)
        return command


class LazyGroup(click.Group):
    """A click group whose subcommands can be named now and imported when used."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, tuple[str, str]] = {}
        self.commands = _LoadingCommands(self, self.commands)

    def add_lazy_command(self, name: str, import_path: str, summary: str) -> None:
        """Register `name` -> "package.module:attribute" with its one-line summary."""
        self.lazy[name] = (import_path, summary)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(self.lazy))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.commands or name in self.lazy:
            return self.commands[name]
        return None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Summaries of lazy commands come from the table: --help imports none of them.
        rows = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                cmd = self.commands[name]
                if cmd.hidden:
                    continue
                rows.append((name, cmd.get_short_help_str(limit=formatter.width - 20)))
            else:
                rows.append((name, self.lazy[name][1]))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
