"""Tell plugins what happened, after it is safely stored.

The CLI hands the loaded plugins over once (`use_plugins`); library callers that never do
simply emit nothing. A plugin that fails in an observer is reported, never allowed to undo
or block the change that already happened.
"""

from __future__ import annotations

from typing import Any

_PLUGINS: Any = None
_LOADER: Any = None
_HOOKS: set[str] | None = None
_THIRD_PARTY_HOOKS: set[str] | None = None
BUILTIN_PREFIX = "deskctl.plugins.builtin."


def use_plugins(plugins: Any = None, *, loader: Any = None, hooks: set[str] | None = None,
                third_party_hooks: set[str] | None = None) -> None:
    """Hand over the loaded plugins, or a `loader` to call on the first event of one of
    `hooks` (the hooks some plugin implements; `third_party_hooks`: some plugin other than
    the built-in ones)."""
    global _PLUGINS, _LOADER, _HOOKS, _THIRD_PARTY_HOOKS
    _PLUGINS, _LOADER, _HOOKS, _THIRD_PARTY_HOOKS = plugins, loader, hooks, third_party_hooks


def is_builtin(impl: Any) -> bool:
    return getattr(impl.plugin, "__name__", "").startswith(BUILTIN_PREFIX)


def third_party_implements(hook_name: str) -> bool | None:
    """Whether a plugin other than the built-in ones implements `hook_name`, as far as the
    CLI knows without loading plugins; None when it handed nothing over (library callers)."""
    if _PLUGINS is not None:
        return any(not is_builtin(impl) for impl in getattr(_PLUGINS.pm.hook, hook_name).get_hookimpls())
    if _THIRD_PARTY_HOOKS is not None:
        return hook_name in _THIRD_PARTY_HOOKS
    return None


def current_plugins(load: bool = False) -> Any:
    """The plugins the CLI handed over (None if it handed none); with `load`, plugins it
    deferred are loaded now."""
    global _PLUGINS
    if _PLUGINS is None and load and _LOADER is not None:
        _PLUGINS = _LOADER()
    return _PLUGINS


def emit(hook_name: str, **kwargs: Any) -> None:
    global _PLUGINS
    if _PLUGINS is None:
        if _LOADER is None or (_HOOKS is not None and hook_name not in _HOOKS):
            return
        _PLUGINS = _LOADER()
    caller = getattr(_PLUGINS.pm.hook, hook_name)
    for impl in caller.get_hookimpls():
        try:
            impl.function(**{k: kwargs[k] for k in impl.argnames})
        except Exception as exc:  # an observer's bug must not turn a stored change into an error
            from deskctl import output

            output.warn(f"plugin {impl.plugin_name!r} failed in {hook_name}: {type(exc).__name__}: {exc}")
