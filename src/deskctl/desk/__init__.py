"""A desk: the folder holding a service desk's configuration, runbooks, templates, KB and data."""

from __future__ import annotations

import os
from functools import cached_property
from typing import TYPE_CHECKING

from deskctl.desk import yamlio
from deskctl.desk.defaults import DEFAULTS
from deskctl.desk.finder import CONFIG_FILE, find_desk_dir
from deskctl.errors import BadInput

if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

NO_DESK_HINT = (
    "create one with `deskctl init DIR`, then run deskctl inside it, "
    "or pass --desk DIR, or set DESKCTL_DESK"
)


def plain_copy(value: Any) -> Any:
    """A deep copy of configuration data (mappings, lists, immutable scalars and dates).
    Not `copy.deepcopy`: its import costs more than copying a whole desk config."""
    if isinstance(value, dict):
        return {k: plain_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_copy(v) for v in value]
    return value


def deep_merge(base: dict, override: dict) -> dict:
    """`override` on top of `base`: mappings merge key by key, anything else replaces."""
    merged = plain_copy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = plain_copy(value)
    return merged


class Desk:
    """One desk folder. Configuration is read lazily and only once per process."""

    def __init__(self, path: str | os.PathLike):
        self._folder = os.fspath(path)

    def __repr__(self) -> str:
        return f"Desk({self._folder!r})"

    @cached_property
    def path(self) -> Path:
        # built on first use: `deskctl --help` imports this module (through `finder`) but
        # needs no Desk, and pathlib would be a third of its imports
        from pathlib import Path

        return Path(self._folder)

    @cached_property
    def config_file(self) -> Path:
        return self.path / CONFIG_FILE

    def rel(self, path: str | os.PathLike) -> str:
        """A path as shown to users: relative to the desk when inside it."""
        return yamlio.display_path(path, self.path)

    @cached_property
    def file_config(self) -> dict:
        """The desk's `config/deskctl.yaml` exactly as written (no defaults)."""
        data = yamlio.load(self.config_file, self.rel(self.config_file))
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise BadInput(
                f"{self.rel(self.config_file)}:1: expected a mapping of settings, "
                f"got {type(data).__name__}"
            )
        return data

    # `deskctl config check` sets this: wrong values are then left out (their defaults apply)
    # and reported all at once, instead of stopping at the first
    lenient = False
    schema = None  # the schema with the plugins' sections, when they are loaded (config check)

    @cached_property
    def config(self) -> dict:
        """The effective configuration: defaults with the desk's file on top, after the file
        passed the schema (`config_schema`): a wrong value stops here with `file:line`."""
        if self.schema is None:  # deskctl's own sections: the answer is remembered per file content
            from deskctl.desk.config_cache import validated

            clean, issues = validated(self.file_config, str(self.config_file))
        else:  # with the plugins' sections (config check): checked afresh
            from deskctl.desk import config_schema

            clean, issues = config_schema.validate(self.file_config, self.schema)
        self.config_issues = issues
        self.checked_file_config = clean  # the file without its wrong values
        if not self.lenient:
            errors = [i for i in issues if i[2]]
            if errors:
                raise BadInput(self.issue_text(errors[0]), "fix it; `deskctl config check` lists every problem")
            # unknown keys below the top level (there, plugins may own them; config check knows)
            for issue in issues:
                if len(issue[0]) > 1:
                    from deskctl import output

                    output.warn(self.issue_text(issue))
        return deep_merge(DEFAULTS, clean)

    def issue_text(self, issue: tuple) -> str:
        """`config/deskctl.yaml:LINE: message` for a schema issue (the nearest key that exists)."""
        lines = self.__dict__.get("_line_index")
        if lines is None:
            lines = self.__dict__["_line_index"] = yamlio.line_index(self.config_file)
        keypath = tuple(issue[0])
        line = next((lines[keypath[:n]] for n in range(len(keypath), 0, -1) if keypath[:n] in lines), 1)
        return f"{self.rel(self.config_file)}:{line}: {issue[1]}"

    def setting(self, *keys: str, default: Any = None) -> Any:
        node: Any = self.config
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                return default
            node = node[key]
        return node

    def source_of(self, keypath: list[str]) -> str:
        """Where a configuration value comes from: `default` or `config/deskctl.yaml:LINE`."""
        node: Any = self.file_config
        for key in keypath:
            if not isinstance(node, dict) or key not in node:
                return "default"
            node = node[key]
        return f"{self.rel(self.config_file)}:{yamlio.line_of(self.config_file, keypath)}"

    @property
    def data_dir(self) -> Path:
        configured = os.path.expanduser(str(self.setting("data_dir", default="data")))
        from pathlib import Path

        return Path(os.path.realpath(self.path / configured))

    def folder(self, name: str) -> Path:
        return self.path / name


def is_shared(data_dir: str) -> bool:
    """A desk made with `init --shared`: its data folder is group-writable with the setgid bit."""
    try:
        mode = os.stat(data_dir).st_mode
    except OSError:
        return False
    return bool(mode & 0o2000) and bool(mode & 0o020)


def open_desk(explicit: str | None = None) -> Desk:
    """The desk to work on, or a clear error saying how to get one."""
    path = find_desk_dir(explicit)
    if path is None:
        raise BadInput("no desk found in this directory or any parent", NO_DESK_HINT)
    if not os.path.isfile(os.path.join(path, CONFIG_FILE)):
        raise BadInput(f"{path} is not a desk: {CONFIG_FILE} is missing", NO_DESK_HINT)
    # `init --shared` (its data/ folder; the config is not read yet: `config check` reads it leniently)
    if is_shared(os.path.join(path, "data")):
        os.umask(0o007)  # what this process writes stays the group's
    return Desk(path)
