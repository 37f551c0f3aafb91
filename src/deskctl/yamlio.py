"""Read YAML files with errors that name `file:line`, and find the line of any key later.

Parsed files are cached as JSON (keyed by path, size and mtime), so the commands people run
all day do not import PyYAML at all once the desk's files have been read once.
"""

from __future__ import annotations

import os

from deskctl import cache
from deskctl.errors import BadInput

TYPE_CHECKING = False  # the typing module costs an import on every start
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any


def _loader():
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def display_path(path: str | os.PathLike, base: str | os.PathLike | None = None) -> str:
    """A path as users should see it in messages: relative to the desk when inside it."""
    if base is not None:
        full, root = os.path.realpath(path), os.path.realpath(base)
        if full == root or full.startswith(root.rstrip(os.sep) + os.sep):
            return os.path.relpath(full, root)
    return os.fspath(path)


def _read_text(path: str | os.PathLike) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def parse_text(text: str, label: str) -> Any:
    """Parse YAML text; a syntax error becomes `label:line: problem`."""
    import yaml

    try:
        return yaml.load(text, Loader=_loader())  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise BadInput(
            f"{label}:{line}: invalid YAML: {problem}", "fix the syntax at that line"
        ) from None
    except yaml.YAMLError as exc:
        raise BadInput(f"{label}: invalid YAML: {exc}") from None


def load(path: str | os.PathLike, label: str | None = None, *, use_cache: bool = True) -> Any:
    """Load one YAML file (cached); errors name `label` (default: the path)."""
    path = os.fspath(path)
    label = label or path
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise BadInput(f"{label}: file not found") from None
    key = [path, st.st_mtime_ns, st.st_size]
    name = f"yaml-{cache.short_hash(path)}"
    if use_cache:
        hit = cache.read(name, key)
        if isinstance(hit, dict) and "data" in hit:
            return _decode(hit["data"]) if hit.get("tagged") else hit["data"]
    try:
        text = _read_text(path)
    except UnicodeDecodeError as exc:
        raise BadInput(f"{label}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise BadInput(f"{label}: cannot read: {exc.strerror}") from None
    data = parse_text(text, label)
    if use_cache:
        if _json_safe(data):
            cache.write(name, key, {"data": data})
        else:
            encoded = _encode(data)
            if encoded is not None:
                cache.write(name, key, {"data": encoded, "tagged": True})
    return data


def _encode(value: Any) -> Any:
    """JSON for data holding unquoted YAML dates and times, tagged so `_decode` restores
    them exactly; None when something else (bool keys, say) cannot round-trip."""
    import datetime as dt

    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            return None
        out = {}
        for k, v in value.items():
            enc = _encode(v)
            if enc is None and v is not None:
                return None
            out[k] = enc
        return out
    if isinstance(value, list):
        out_list = []
        for v in value:
            enc = _encode(v)
            if enc is None and v is not None:
                return None
            out_list.append(enc)
        return out_list
    if isinstance(value, dt.datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, dt.date):
        return {"__date__": value.isoformat()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return None


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and "__date__" in value:
            import datetime as dt

            return dt.date.fromisoformat(value["__date__"])
        if len(value) == 1 and "__datetime__" in value:
            import datetime as dt

            return dt.datetime.fromisoformat(value["__datetime__"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _json_safe(value: Any) -> bool:
    """True when JSON round-trips the value unchanged (dates and bool keys do not)."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_safe(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_json_safe(v) for v in value)
    return value is None or isinstance(value, str | int | float | bool)


def line_of(path: str | os.PathLike, keypath: Sequence[str | int]) -> int:
    """The 1-based line where `keypath` (mapping keys and list indexes) sits in the file.

    Falls back to the deepest part of the path that exists, then to line 1, so a message
    always points somewhere useful.
    """
    import yaml

    try:
        node = yaml.compose(_read_text(path), Loader=_loader())
    except (OSError, yaml.YAMLError):
        return 1
    line = node.start_mark.line + 1 if node is not None else 1
    for part in keypath:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if _same_key(key_node.value, part):
                    line = key_node.start_mark.line + 1
                    node = value_node
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _same_key(raw: str, part: str | int) -> bool:
    if str(raw) == str(part):
        return True
    # unquoted yes/no keys are booleans to PyYAML; match either spelling
    booleans = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}
    return isinstance(part, bool) and booleans.get(str(raw).lower()) is part


def line_index(path: str | os.PathLike) -> dict[tuple, int]:
    """Every key path in the file (mapping keys and list indexes) -> its 1-based line."""
    import yaml

    try:
        root = yaml.compose(_read_text(path), Loader=_loader())
    except (OSError, yaml.YAMLError):
        return {}
    index: dict[tuple, int] = {}
    stack: list[tuple[tuple, Any]] = [((), root)] if root is not None else []
    for _ in range(1_000_000):  # bounded walk: config files are far smaller
        if not stack:
            break
        prefix, node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = _key_value(key_node.value)
                index[prefix + (key,)] = key_node.start_mark.line + 1
                stack.append((prefix + (key,), value_node))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                index[prefix + (i,)] = item.start_mark.line + 1
                stack.append((prefix + (i,), item))
    return index


def _key_value(raw: str) -> Any:
    booleans = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}
    return booleans.get(str(raw).lower(), raw) if str(raw).lower() in booleans else raw
