"""Storage: the seam every record goes through (`interface.StoreBackend`) and its backends.

The desk's `store: {backend: NAME}` picks the backend (default `files`, the embedded store in
the desk's data folder); plugins add backends through the `register_store_backends` hook.
`open_backend(desk)` gives every store of the desk; `open_store(desk)` its ticket store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deskctl.desk import Desk
    from deskctl.store.interface import StoreBackend, TicketStore

DEFAULT_BACKEND = "files"
POSTGRESQL = "postgresql"


def _builtin_backend(name: str) -> Any:
    """The built-in backend classes by name, imported without loading plugins (pluggy):
    opening the desk's store is on every ticket command's path."""
    if name == DEFAULT_BACKEND:
        from deskctl.store.files import FilesBackend

        return FilesBackend
    if name == POSTGRESQL:
        from deskctl.store.postgres import PostgresBackend

        return PostgresBackend
    return None


def store_settings(desk: Desk) -> dict:
    settings = desk.setting("store")
    return dict(settings) if isinstance(settings, dict) else {}


def backend_name(desk: Desk) -> str:
    name = store_settings(desk).get("backend")
    return name if isinstance(name, str) and name else DEFAULT_BACKEND


def _loaded_plugins(desk: Desk) -> Any:
    """The CLI's plugins (loaded now if the CLI deferred them), or a fresh load for library callers."""
    from deskctl.plugins import events

    plugins = events.current_plugins(load=True)
    if plugins is not None:
        return plugins
    from deskctl.plugins.manager import load_plugins

    return load_plugins(desk.path)


def _third_party_store_hook() -> bool:
    """Whether some plugin besides the built-in one registers (or replaces) backends, as the
    CLI knows it from its plugin index. Library callers that handed no plugins over get the
    built-in `files` backend unless the desk names another one."""
    from deskctl.plugins import events

    return bool(events.third_party_implements("register_store_backends"))


def installed_backends(plugins: Any) -> dict[str, Any]:
    from deskctl.errors import ValidationFailed
    from deskctl.plugins.manager import Registry

    registry = Registry("store backend").collect(plugins, "register_store_backends")
    if registry.errors:
        raise ValidationFailed(registry.errors, "store backends could not be loaded")
    return registry.items


def unknown_backend_message(desk: Desk, name: str, installed: list[str]) -> str:
    return (f"{desk.rel(desk.config_file)}: store.backend {name!r} is not installed; "
            f"installed backends: {', '.join(sorted(installed)) or 'none'}")


def open_backend(desk: Desk, actor: str | None = None) -> StoreBackend:
    """The desk's stores, from the backend its `store:` setting names."""
    settings = store_settings(desk)
    name = backend_name(desk)
    builtin = _builtin_backend(name)
    if builtin is not None and not _third_party_store_hook():
        # the hot path: no plugin load just to open a built-in store
        return builtin(desk, settings, actor)
    backends = installed_backends(_loaded_plugins(desk))
    if name not in backends:
        from deskctl.errors import BadInput

        raise BadInput(unknown_backend_message(desk, name, list(backends)))
    return backends[name](desk, settings, actor)


def open_store(desk: Desk, actor: str | None = None) -> TicketStore:
    """The desk's ticket store."""
    return open_backend(desk, actor).tickets
