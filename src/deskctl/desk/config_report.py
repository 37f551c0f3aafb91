"""The effective configuration with the source of each value, and the desk-wide check."""

from __future__ import annotations

from typing import Any

from deskctl.desk import Desk, yamlio
from deskctl.errors import BadInput


def _flatten(value: Any, prefix: tuple = ()) -> list[tuple[tuple, Any]]:
    if isinstance(value, dict) and value:
        items = []
        for key, sub in value.items():
            items += _flatten(sub, prefix + (key,))
        return items
    return [(prefix, value)]


def effective_settings(desk: Desk) -> list[dict[str, Any]]:
    """One row per leaf setting: dotted key, value, and `default` or `file:line`."""
    lines = yamlio.line_index(desk.config_file)
    label = desk.rel(desk.config_file)
    rows = []
    for keypath, value in _flatten(desk.config):
        node: Any = desk.file_config
        from_file = True
        for key in keypath:
            if not isinstance(node, dict) or key not in node:
                from_file = False
                break
            node = node[key]
        source = f"{label}:{lines.get(tuple(keypath), 1)}" if from_file else "default"
        rows.append({"key": ".".join(str(k) for k in keypath), "value": value, "source": source})
    return rows


def plugin_schema(plugins):
    """The config schema with the sections plugins declare (`config_schema` hook)."""
    from deskctl.desk import config_schema

    parts = []
    for impl in plugins.pm.hook.config_schema.get_hookimpls():
        try:
            part = impl.function()
        except Exception:  # a plugin's bug must not stop the desk; config check shows it
            continue
        if isinstance(part, dict):
            parts.append(part)
    return config_schema.schema_with(parts)


def check_desk(desk: Desk, plugins) -> list[str]:
    """Every problem every plugin finds in the desk, each `file:line: message`, sorted.

    The schema's findings come first (through the built-in `check_desk`); every other check
    then sees the configuration without the wrong values (their defaults instead), so it
    never trips over a wrong type, and a value wrong in several ways is reported once."""
    desk.schema = plugin_schema(plugins)
    desk.lenient = True
    problems: list[str] = []
    for impl in plugins.pm.hook.check_desk.get_hookimpls():
        try:
            found = impl.function(desk=desk)
        except BadInput as exc:  # a desk file it could not read (an alias bomb, say): that problem
            problems.append(exc.message)
            continue
        except Exception as exc:  # a checker's bug must not hide the other checks' findings
            problems.append(f"(plugin {impl.plugin_name}): check failed: {type(exc).__name__}: {exc}")
            continue
        problems += list(found or [])
    return sorted(set(problems), key=_problem_sort_key)


def _problem_sort_key(problem: str) -> tuple:
    file, _, rest = problem.partition(":")
    line, _, _ = rest.partition(":")
    return (file, int(line) if line.isdigit() else 0, problem)
