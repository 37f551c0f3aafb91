"""YAML as Ansible loads it for inventories (`!unsafe` is plain text; `!vault` is refused with
its line), the line of each key for messages, and the group_vars/ and host_vars/ files."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from deskctl.errors import BadInput

VARS_EXTS = (".yml", ".yaml", ".json")
MAX_DEPTH = 20  # folders within folders (a folder linked into itself stops here)


class _Located(Exception):
    """A problem at a line of a YAML file, raised from inside the YAML loader."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


@functools.cache
def _yaml_loader():
    import yaml

    class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when there is one
        pass

    def vault(loader, node):
        raise _Located(node.start_mark.line + 1, "encrypted !vault values are not supported (deskctl does not decrypt them)")

    def unsafe(loader, node):
        # `!unsafe` only tells Ansible not to template the value: the value itself
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True)
        return loader.construct_mapping(node, deep=True)

    Loader.add_constructor("!vault", vault)
    Loader.add_constructor("!unsafe", unsafe)
    return Loader


def load_yaml(text: str, label: str) -> Any:
    """YAML text as Ansible loads it (`!unsafe` is plain text); errors name `label:line`."""
    import yaml

    from deskctl.desk import yamlio

    if len(text) > yamlio.MAX_BYTES:
        raise BadInput(f"{label}:1: file too large ({len(text):,} characters; the limit for a YAML file is "
                       f"{yamlio.MAX_BYTES:,})", "split it into several files of an inventory folder")
    loader = _yaml_loader()(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        yamlio.check_expansion(node, label)  # an alias bomb is refused before it is built
        return loader.construct_document(node)
    except _Located as exc:
        raise BadInput(f"{label}:{exc.line}: {exc.message}",
                       "keep the value out of the inventory, or decrypt it (ansible-vault decrypt)") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise BadInput(f"{label}:{mark.line + 1 if mark else 1}: invalid YAML: {exc.problem or exc.context}",
                       "fix the syntax at that line") from None
    except yaml.YAMLError as exc:
        raise BadInput(f"{label}: invalid YAML: {exc}") from None
    finally:
        loader.dispose()


def yaml_lines(text: str) -> dict[tuple, int]:
    """Every mapping key path of YAML text -> its 1-based line (keys as text)."""
    import yaml

    from deskctl.desk import yamlio

    try:
        root = yaml.compose(text, Loader=_yaml_loader())
    except (yaml.YAMLError, _Located):
        return {}
    index: dict[tuple, int] = {(): root.start_mark.line + 1} if root is not None else {}
    stack = [((), root)] if root is not None else []
    for _ in range(2 * yamlio.MAX_NODES):  # the document passed check_expansion: fewer nodes
        if not stack:
            break
        prefix, node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                path = prefix + (str(key_node.value),)
                index.setdefault(path, key_node.start_mark.line + 1)
                stack.append((path, value_node))
    return index


def line_of(lines: dict[tuple, int], keypath: tuple) -> int:
    """The line of `keypath`, else of its nearest parent that has one, else 1."""
    path = tuple(str(part) for part in keypath)
    for n in range(len(path), -1, -1):
        if path[:n] in lines:
            return lines[path[:n]]
    return 1


def _vars_files(folder: Path, name: str, listings: dict) -> list[Path]:
    """group_vars/NAME or host_vars/NAME: the first of NAME, NAME.yml, NAME.yaml, NAME.json
    that exists; a folder gives its files (name order, recursively)."""
    # the folder is listed once for all the hosts and groups that look there
    if folder not in listings:
        try:
            listings[folder] = frozenset(os.listdir(folder))
        except OSError:  # no group_vars/ (or host_vars/) here
            listings[folder] = frozenset()
    present = listings[folder]
    for ext in ("", *VARS_EXTS):
        if name + ext not in present:
            continue
        candidate = folder / (name + ext)
        if candidate.is_dir():
            return _folder_vars_files(candidate)
        if candidate.is_file():
            return [candidate]
    return []


def _folder_vars_files(folder: Path, depth: int = 0) -> list[Path]:
    if depth > MAX_DEPTH:  # a folder linked into itself
        raise BadInput(f"{folder}: vars folders nested more than {MAX_DEPTH} deep")
    found: list[Path] = []
    for name in sorted(os.listdir(folder)):
        if name.startswith(".") or name.endswith("~"):
            continue
        path, ext = folder / name, os.path.splitext(name)[1]
        if path.is_dir() and not ext:
            found.extend(_folder_vars_files(path, depth + 1))
        elif path.is_file() and (not ext or ext in VARS_EXTS):
            found.append(path)
    return found


def load_vars(folder: Path, name: str, show, cache: dict) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path in _vars_files(folder, name, cache.setdefault("listings", {})):
        if path not in cache:
            label = show(path)
            text = path.read_text(encoding="utf-8", errors="surrogateescape")
            if text.lstrip().startswith("$ANSIBLE_VAULT"):
                raise BadInput(f"{label}:1: vault-encrypted vars files are not supported (deskctl does not decrypt them)",
                               "decrypt it (ansible-vault decrypt) or keep secrets out of the inventory")
            data = load_yaml(text, label)
            if data is not None and not isinstance(data, dict):
                raise BadInput(f"{label}:1: a vars file must be a mapping of NAME: VALUE")
            cache[path] = data or {}
        merged.update(cache[path])
    return merged
