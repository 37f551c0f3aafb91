"""Describe a built-in command group's click commands for the fast path (`fastpath.py`).

Only what the fast path reproduces exactly is described: options and arguments taking one
value of type text, integer (range) or case-sensitive choice, and on/off flags; no prompts,
environment variables, callbacks or eager options. A command using anything else is left
out, and always runs through click.
"""

from __future__ import annotations

import click

from deskctl import cache, fastpath


def _type(param: click.Parameter) -> list | None:
    kind = param.type
    if isinstance(kind, click.Choice):
        if not kind.case_sensitive or not all(isinstance(c, str) for c in kind.choices):
            return None
        return ["choice", list(kind.choices)]
    if isinstance(kind, click.IntRange):
        if kind.clamp or kind.min_open or kind.max_open:
            return None
        return ["int", kind.min, kind.max]
    if type(kind) is click.types.IntParamType:
        return ["int", None, None]
    if type(kind) is click.types.StringParamType:
        return ["str"]
    return None


def _param(param: click.Parameter) -> dict | None:
    """The parameter's description without its defaults (see `describe`), or None."""
    if (not param.expose_value or param.callback is not None or param.envvar or param.is_eager
            or param.nargs != 1 or callable(param.default)):
        return None
    entry = {"dest": param.name, "required": param.required, "multiple": param.multiple,
             "argument": isinstance(param, click.Argument), "flag": False}
    if isinstance(param, click.Option):
        if param.prompt or param.count or param.secondary_opts or param.hidden:
            return None
        entry["opts"] = list(param.opts)
        if param.is_flag:
            if not param.is_bool_flag:
                return None
            entry.update(flag=True, type=["flag"])
            return entry
    elif not isinstance(param, click.Argument):
        return None
    kind = _type(param)
    if kind is None:
        return None
    entry["type"] = kind
    return entry


def _sample(entry: dict) -> str:
    """A value click accepts for a parameter, to fill required ones while asking for defaults."""
    kind = entry["type"]
    if kind[0] == "choice":
        return kind[1][0]
    if kind[0] == "int":
        return str(kind[1] if kind[1] is not None else 0)
    return "x"


def _click_params(command: click.Command, argv: list[str]) -> dict:
    with command.make_context("deskctl", list(argv)) as ctx:
        return dict(ctx.params)


def _plain(value: object) -> object:
    """A value that survives JSON unchanged, or a ValueError."""
    if isinstance(value, tuple):
        if value:
            raise ValueError(value)
        return []
    if value is None or isinstance(value, str | int | bool):
        return value
    raise ValueError(value)


def describe(command: click.Command) -> dict | None:
    """The fast path's description of one command, or None when click must always run it.

    The values click gives to parameters that are absent, and to flags that are present, are
    taken from click itself (by parsing sample command lines), never re-derived here.
    """
    action = getattr(command.callback, "deskctl_action", None)
    if (action is None or isinstance(command, click.Group) or command.ignore_unknown_options
            or command.allow_extra_args or not command.allow_interspersed_args or command.context_settings):
        return None
    params = [_param(p) for p in command.params]
    if any(p is None for p in params):
        return None
    required = [p for p in params if p["required"]]
    argv = [_sample(p) for p in required if p["argument"]]
    for p in required:
        if not p["argument"]:
            argv += [p["opts"][0], _sample(p)]
    try:
        absent = _click_params(command, argv)
        for p in params:
            p["default"] = None if p["required"] else _plain(absent[p["dest"]])
            if p["flag"]:
                p["flag_value"] = _plain(_click_params(command, [*argv, p["opts"][0]])[p["dest"]])
    except (click.ClickException, ValueError, KeyError):
        return None
    return {"action": action, "params": params}


def export(group_name: str, group: click.Group) -> None:
    """Write the description of `group`'s commands, unless the current one is up to date."""
    if fastpath.read_spec(group_name) is not None:
        return
    commands = {}
    for name, command in group.commands.items():
        described = describe(command)
        if described is not None:
            commands[name] = described
    cache.write(fastpath.spec_name(group_name), fastpath.spec_key(group_name), {"commands": commands})
