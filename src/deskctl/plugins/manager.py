"""Build deskctl's plugin manager: built-in plugins, entry-point plugins (group ``deskctl``)
and the desk's ``plugins/*.py`` files, each loaded in isolation.

A plugin that fails to import, or implements a hook that does not exist or with the wrong
arguments, is left out with a one-line warning naming it; everything else keeps working.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy

from deskctl import __version__, hookspecs

# deskctl's own features, registered exactly like third-party plugins (as simonw/llm does).
from deskctl.util import cache

DEFAULT_PLUGINS: tuple[str, ...] = (
    "deskctl.plugins.builtin.builtin_commands",
    "deskctl.plugins.builtin.desk_checks",
    "deskctl.plugins.builtin.kb_checks",
    "deskctl.plugins.builtin.step_types",
    "deskctl.plugins.builtin.runbook_checks",
    "deskctl.plugins.builtin.ticket_checks",
    "deskctl.plugins.builtin.channels",
    "deskctl.plugins.builtin.announcement_checks",
    "deskctl.plugins.builtin.sla_checks",
    "deskctl.plugins.builtin.notify",
    "deskctl.plugins.builtin.file_store",
)

ENTRY_POINT_GROUP = "deskctl"


@dataclass
class PluginInfo:
    name: str
    source: str  # builtin | entry point | desk
    version: str
    origin: str  # module path, distribution or file
    hooks: list[str] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "version": self.version,
            "origin": self.origin,
            "hooks": self.hooks,
            "status": "error" if self.error else "loaded",
            "error": self.error,
        }


@dataclass
class Plugins:
    pm: pluggy.PluginManager
    infos: list[PluginInfo]

    @property
    def warnings(self) -> list[str]:
        return [
            f"deskctl: warning: plugin {i.name!r} ({i.source}, {i.origin}) not loaded: {i.error}"
            for i in self.infos
            if i.error
        ]

    @property
    def hook(self):
        return self.pm.hook


def _entry_points() -> list[dict[str, str]]:
    """Installed entry points of group ``deskctl``, from a cache kept fresh by the
    fingerprint of the import directories (a scan costs more than importing click)."""
    key = cache.installed_fingerprint()
    # one entry per import path (a venv, a PYTHONPATH): environments never evict each other
    name = "entry-points-" + cache.short_hash(repr([k[0] for k in key]))
    hit = cache.read(name, key)
    if isinstance(hit, list):
        return hit
    from importlib.metadata import entry_points

    found = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep, "dist", None)
        found.append(
            {
                "name": ep.name,
                "value": ep.value,
                "dist": dist.name if dist else "",
                "version": dist.version if dist else "",
            }
        )
    cache.write(name, key, found)
    return found


def _load_entry_point(value: str) -> Any:
    module_name, _, attr = value.partition(":")
    obj = importlib.import_module(module_name.strip())
    for part in filter(None, attr.strip().split(".")):
        obj = getattr(obj, part)
    return obj


def _load_desk_file(path: Path) -> Any:
    module_name = f"deskctl_desk_plugins.{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def _hooks_of(pm: pluggy.PluginManager, plugin: Any) -> list[str]:
    return sorted(hc.name for hc in pm.get_hookcallers(plugin) or [])


def _register(pm: pluggy.PluginManager, plugin: Any, info: PluginInfo) -> None:
    """Register one plugin; a hook that has no spec or wrong arguments rejects the plugin."""
    try:
        pm.register(plugin, name=info.name)
    except pluggy.PluginValidationError as exc:
        info.error = f"bad hook implementation: {_first_line(str(exc))}"
        return
    except ValueError as exc:  # duplicate name
        info.error = str(exc)
        return
    unknown = [hc.name for hc in pm.get_hookcallers(plugin) or [] if not hc.has_spec()]
    if unknown:
        pm.unregister(plugin)
        info.error = f"implements unknown hook(s): {', '.join(sorted(unknown))}"
        return
    info.hooks = _hooks_of(pm, plugin)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {_first_line(str(exc))}"


def load_plugins(desk_path: Path | None = None, *, blocked: set[str] | None = None) -> Plugins:
    """The plugin manager with every plugin that could be loaded, and a record of each."""
    pm = pluggy.PluginManager("deskctl")
    pm.add_hookspecs(hookspecs)
    infos: list[PluginInfo] = []
    blocked = blocked or set()

    for module_name in DEFAULT_PLUGINS:
        info = PluginInfo(module_name.rsplit(".", 1)[-1], "builtin", __version__, module_name)
        infos.append(info)
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:  # a broken install must not take the CLI down
            info.error = _describe(exc)
            continue
        _register(pm, module, info)

    for ep in _entry_points():
        if ep["name"] in blocked:
            continue
        info = PluginInfo(ep["name"], "entry point", ep["version"] or "-", ep["dist"] or ep["value"])
        infos.append(info)
        try:
            plugin = _load_entry_point(ep["value"])
        except Exception as exc:
            hint = f"; remove it with `pip uninstall {ep['dist']}`" if ep["dist"] else ""
            info.error = _describe(exc) + hint
            continue
        _register(pm, plugin, info)

    if desk_path is not None:
        folder = Path(desk_path) / "plugins"
        for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
            if path.stem.startswith("_") or path.stem in blocked:
                continue
            info = PluginInfo(path.stem, "desk", "-", str(path))
            infos.append(info)
            try:
                module = _load_desk_file(path)
            except Exception as exc:
                info.error = _describe(exc)
                continue
            info.version = str(getattr(module, "__version__", "-"))
            _register(pm, module, info)
    return Plugins(pm, infos)


class Registry:
    """A name -> object table filled through a ``register`` callback, refusing duplicates.

    Built-in plugins register first; a third-party plugin that wants to replace a built-in
    uses ``replace=True``, so a name collision is never silent.
    """

    def __init__(self, kind: str):
        self.kind = kind
        self.items: dict[str, Any] = {}
        self.owners: dict[str, str] = {}
        self.errors: list[str] = []
        self._current = "?"

    def register(self, name: str, obj: Any, *, replace: bool = False) -> None:
        if name in self.items and not replace:
            self.errors.append(
                f"{self.kind} {name!r} is registered by both {self.owners[name]!r} and "
                f"{self._current!r}; rename one, or pass replace=True to override"
            )
            return
        self.items[name] = obj
        self.owners[name] = self._current

    def collect(self, plugins: Plugins, hook_name: str) -> Registry:
        """Call ``hook_name(register=...)`` on every plugin, remembering who registered what."""
        pm = plugins.pm
        caller = getattr(pm.hook, hook_name)
        # Built-ins first (pluggy calls last-registered first, so walk the impls ourselves).
        for impl in caller.get_hookimpls():
            self._current = impl.plugin_name
            try:
                impl.function(register=self.register)
            except Exception as exc:
                self.errors.append(f"plugin {impl.plugin_name!r} failed in {hook_name}: {_describe(exc)}")
        return self
