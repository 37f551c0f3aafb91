"""The built-in `files` store backend (the embedded store in the desk's data folder), registered
through `register_store_backends` like a third-party backend (docs/plugins.md)."""

from __future__ import annotations

from deskctl.hookspecs import hookimpl
from deskctl.store.files import open_files_backend


@hookimpl(trylast=True)
def register_store_backends(register):
    register("files", open_files_backend)


@hookimpl
def check_desk(desk):
    """`deskctl config check` names a `store.backend` no installed plugin provides."""
    from deskctl import store

    name = store.backend_name(desk)
    if name == store.DEFAULT_BACKEND:
        return None
    backends = store.installed_backends(store._loaded_plugins(desk))
    if name in backends:
        return None
    return [store.unknown_backend_message(desk, name, list(backends))]
