"""Read YAML files with errors that name `file:line`, and find the line of any key later.

Parsed files are cached as JSON, keyed by a digest of the file's bytes (see `cache` for why
the entries can be trusted), so the commands people run all day do not import PyYAML at all
once the desk's files have been read once.

Every document is bounded before it is parsed or walked: at most `MAX_BYTES` of text, and at
most `MAX_NODES` nodes once aliases are expanded, so an alias bomb ("billion laughs") is one
`file:line` message instead of a hang in every command that reads the file.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from deskctl.errors import BadInput
from deskctl.util import cache

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any


MAX_BYTES = 4 * 1024 * 1024  # far above any desk file (the shipped ones are a few KiB)
MAX_NODES = 1_000_000  # nodes counted with every alias expanded


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


def _too_large(label: str, size: int) -> BadInput:
    return BadInput(f"{label}:1: file too large ({size:,} bytes; the limit is {MAX_BYTES:,})",
                    "split it or remove what does not belong in it")


def _read_bytes(path: str, label: str) -> bytes:
    """The file's bytes, refused before reading past `MAX_BYTES`."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise BadInput(f"{label}: file not found") from None
    except IsADirectoryError:
        raise BadInput(f"{label}: is a folder, not a file") from None
    except OSError as exc:
        raise BadInput(f"{label}: cannot read: {exc.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise _too_large(label, os.path.getsize(path))
    return raw


def _read_text(path: str | os.PathLike) -> str:
    """Text for the line finders (which never fail): over the limit, nothing."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read(MAX_BYTES + 1)
    return "" if len(text) > MAX_BYTES else text


def _children(node: Any) -> list:
    if node.id == "mapping":
        return [n for pair in node.value for n in pair]
    return node.value if node.id == "sequence" else []


def check_expansion(root: Any, label: str) -> None:
    """Refuse a node graph that is too big once aliases are expanded, or that contains itself.

    Aliases are the same node object in the graph, so the expanded size is computed once per
    distinct node (memoised, iterative: deep nesting cannot exhaust the stack). The first node
    found over the limit is the smallest such one: its line is where the bomb is."""
    sizes: dict[int, int] = {}
    open_ids: set[int] = set()  # nodes whose children are being counted: their ancestors
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        nid = id(node)
        if done:
            total = 1 + sum(sizes[id(c)] for c in _children(node))
            open_ids.discard(nid)
            if total > MAX_NODES:
                raise BadInput(f"{label}:{node.start_mark.line + 1}: too many nodes once aliases are expanded "
                               f"(over {MAX_NODES:,}): an alias bomb?", "remove the aliases that repeat each other")
            sizes[nid] = total
            continue
        if nid in sizes:
            continue
        open_ids.add(nid)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in open_ids:
                raise BadInput(f"{label}:{child.start_mark.line + 1}: this anchor is used inside itself (an alias to a node that contains it)",
                               "a desk file cannot contain itself: replace the alias by a copy")
            if id(child) not in sizes:
                stack.append((child, False))


def parse_text(text: str, label: str) -> Any:
    """Parse YAML text; a syntax error becomes `label:line: problem`. Too much text, or too
    many nodes once aliases are expanded, is refused the same way before anything is built."""
    import yaml

    if len(text) > MAX_BYTES:
        raise _too_large(label, len(text.encode("utf-8")))
    loader = _loader()(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_expansion(node, label)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise BadInput(
            f"{label}:{line}: invalid YAML: {problem}", "fix the syntax at that line"
        ) from None
    except yaml.YAMLError as exc:
        raise BadInput(f"{label}: invalid YAML: {exc}") from None
    finally:
        loader.dispose()


def load(path: str | os.PathLike, label: str | None = None, *, use_cache: bool = True) -> Any:
    """Load one YAML file (cached); errors name `label` (default: the path)."""
    path = os.fspath(path)
    label = label or path
    raw = _read_bytes(path, label)
    # keyed by the content itself: an entry stands for these exact bytes, whatever the mtime
    key = [path, cache.content_hash(raw)] if use_cache else None
    name = f"yaml-{cache.short_hash(path)}"
    if use_cache:
        hit = cache.read(name, key)
        if isinstance(hit, dict) and "data" in hit:
            return _decode(hit["data"]) if hit.get("tagged") else hit["data"]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{label}: not UTF-8 text ({exc.reason})") from None
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
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
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
        if root is not None:
            check_expansion(root, os.fspath(path))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, BadInput):
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
