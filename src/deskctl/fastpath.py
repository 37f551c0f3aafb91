"""Run a built-in command without importing click, from a cached description of its options.

Importing click costs about as much here as all the rest of `deskctl ticket show`, and
engineers and cron run ticket commands all day. So when the last click run of a command group
left a description of its commands (written by `fastpath_export`, keyed by the source that
declares them), a command line in the common shapes is parsed here and the command's action
function (`runs` in `commands/_common.py`) is called directly, with the same parameters click
would pass. Anything else: `--help`, an unknown or malformed option, a missing value, a value
that click would reject, a stale or missing description, a plugin that changes the group:
returns None, and click handles the command line, with its own messages.
"""

from __future__ import annotations

import os
import sys

import deskctl
from deskctl import __version__, cache
from deskctl.command_table import COMMANDS

GLOBAL_VALUE_OPTIONS = ("--desk", "--actor")
GLOBAL_FLAGS = {"--debug": "debug", "-q": "quiet", "--quiet": "quiet"}


def module_file(group: str) -> str:
    """The source file declaring a built-in group, found without importing it."""
    module = COMMANDS[group][0].partition(":")[0]
    return os.path.join(os.path.dirname(deskctl.__file__), *module.split(".")[1:]) + ".py"


def spec_key(group: str) -> list:
    """What a description depends on: the declaring module, the shared options (_common.py),
    and the installed distributions (click among them)."""
    common = os.path.join(os.path.dirname(deskctl.__file__), "commands", "_common.py")
    return [__version__, cache.stat_key(module_file(group)), cache.stat_key(common), cache.installed_fingerprint()]


def spec_name(group: str) -> str:
    return f"commands-{group}-{cache.short_hash(module_file(group))}"


def read_spec(group: str) -> dict | None:
    value = cache.read(spec_name(group), spec_key(group))
    return value if isinstance(value, dict) else None


def _value(tokens: list[str], i: int, eq: str, inline: str) -> tuple[str, int] | None:
    """The value of the option at `tokens[i]` (`--opt=value` or `--opt value`) and the index of
    its last token; None for a missing or dash-led value (click decides what that means)."""
    if eq:
        return inline, i
    if i + 1 < len(tokens) and not tokens[i + 1].startswith("-"):
        return tokens[i + 1], i + 1
    return None


def split_globals(args: list[str]) -> tuple[dict, list[str]] | None:
    """The root group's options, and the rest of the command line (from the group's name)."""
    found: dict = {"desk_option": None, "actor": None, "debug": False, "quiet": False}
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, inline = arg.partition("=")
        if name in GLOBAL_VALUE_OPTIONS:
            taken = _value(args, i, eq, inline)
            if taken is None:
                return None
            found["desk_option" if name == "--desk" else "actor"], i = taken
        elif arg in GLOBAL_FLAGS:
            found[GLOBAL_FLAGS[arg]] = True
        elif arg.startswith("-"):
            return None
        else:
            return found, args[i:]
        i += 1
    return None


_FAIL = object()


def _convert(kind: list, value: str) -> object:
    """`value` as click's type would convert it, or _FAIL where click would object."""
    if kind[0] == "str":
        return value
    if kind[0] == "choice":
        return value if value in kind[1] else _FAIL
    if kind[0] == "int":
        try:
            number = int(value)
        except ValueError:
            return _FAIL
        low, high = kind[1], kind[2]
        if (low is not None and number < low) or (high is not None and number > high):
            return _FAIL
        return number
    return _FAIL


def parse(command: dict, tokens: list[str]) -> dict | None:
    """The parameters click would pass for `tokens`, or None when click must decide."""
    options = {opt: p for p in command["params"] if not p["argument"] for opt in p["opts"]}
    arguments = [p for p in command["params"] if p["argument"]]
    given: dict[str, object] = {}
    positional: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not token.startswith("-") or token == "-":
            positional.append(token)
            i += 1
            continue
        name, eq, inline = token.partition("=") if token.startswith("--") else (token, "", "")
        param = options.get(name)
        if param is None:  # --help, --, short clusters, typos: click's business
            return None
        if param["flag"]:
            if eq:
                return None
            given[param["dest"]] = param["flag_value"]
            i += 1
            continue
        taken = _value(tokens, i, eq, inline)
        if taken is None:
            return None
        raw, i = taken
        value = _convert(param["type"], raw)
        if value is _FAIL:
            return None
        if param["multiple"]:
            given.setdefault(param["dest"], []).append(value)
        else:
            given[param["dest"]] = value
        i += 1
    if len(positional) > len(arguments):
        return None
    for param, raw in zip(arguments, positional, strict=False):
        value = _convert(param["type"], raw)
        if value is _FAIL:
            return None
        given[param["dest"]] = value
    params: dict[str, object] = {}
    for param in command["params"]:
        dest = param["dest"]
        if dest in given:
            params[dest] = tuple(given[dest]) if param["multiple"] else given[dest]
        elif param["required"]:
            return None
        else:
            params[dest] = param["default"] if not param["multiple"] else tuple(param["default"] or ())
    return params


def plan(args: list[str]) -> tuple[dict, str, dict] | None:
    """(global options, action, parameters) for `args`, or None when click must run."""
    split = split_globals(args)
    if split is None:
        return None
    found, rest = split
    if len(rest) < 2 or rest[0] not in COMMANDS:
        return None
    from deskctl import plugin_index
    from deskctl.desk_finder import find_desk_dir

    index = plugin_index.read(find_desk_dir(found["desk_option"]))
    if index is None or rest[0] in index["commands"]:
        return None
    spec = read_spec(rest[0])
    command = spec and spec["commands"].get(rest[1])
    # only ever a built-in action function, whatever a cache entry says
    if not command or not str(command.get("action", "")).startswith("deskctl.commands."):
        return None
    params = parse(command, rest[2:])
    if params is None:
        return None
    found["index"] = index
    return found, command["action"], params


def run(args: list[str], exit_when_done: bool = False) -> int | None:
    """Run `args` here and return the exit code, or None to let click run them.

    `exit_when_done` (the console script): leave the process at once when the command is done
    and nothing depends on the interpreter's teardown (see `_exit_now`)."""
    planned = plan(args)
    if planned is None:
        return None
    found, action, params = planned
    from deskctl import events, output
    from deskctl.app import AppContext
    from deskctl.boundary import guarded

    index = found["index"]
    app = AppContext(desk_option=found["desk_option"], actor=found["actor"],
                     debug=found["debug"], quiet=found["quiet"], warnings=index["warnings"])
    output.QUIET = app.quiet
    # hooks no plugin implements are never worth loading the plugins for
    events.use_plugins(loader=lambda: app.plugins, hooks=set(index["hooks"]))
    for line in index["warnings"]:
        output.stderr_line(line)

    def call() -> None:
        module, _, name = action.partition(":")
        __import__(module)
        getattr(sys.modules[module], name)(app, **params)

    code = guarded(call, app.debug)
    if exit_when_done and app.loaded_plugins is None:
        _exit_now(code)
    return code


def _exit_now(code: int) -> None:
    """Flush the output and end the process without the interpreter's teardown (freeing every
    object and module one by one: about 8 ms here, a quarter of a bare start-up), when nothing
    can rely on it: no atexit callback registered, no other thread running. Plugins are never
    loaded when this is called: they might rely on either."""
    import atexit

    callbacks = getattr(atexit, "_ncallbacks", None)
    threading = sys.modules.get("threading")
    if callbacks is None or callbacks() or (threading is not None and threading.active_count() > 1):
        return
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader left (`| head`): not an error, as in boundary.guarded
        code = code or 0
    try:  # noqa: SIM105 - not contextlib.suppress: its import costs on every start
        sys.stderr.flush()
    except OSError:
        pass
    os._exit(code)
