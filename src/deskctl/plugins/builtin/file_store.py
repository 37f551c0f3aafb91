"""The built-in store backends, `files` (the embedded store in the desk's data folder) and
`postgresql` (a team's desk in one database), registered
through `register_store_backends` like a third-party backend (docs/plugins.md)."""

from __future__ import annotations

from deskctl.hookspecs import hookimpl
from deskctl.store.files import open_files_backend


@hookimpl(trylast=True)
def register_store_backends(register):
    register("files", open_files_backend)
    register("postgresql", open_postgres_backend)


def open_postgres_backend(desk, settings, actor):
    from deskctl.store.postgres import PostgresBackend  # its driver only when the store is opened

    return PostgresBackend(desk, settings, actor)


@hookimpl
def check_desk(desk):
    """`deskctl config check` names a `store.backend` no installed plugin provides."""
    from deskctl import store

    name = store.backend_name(desk)
    if name == store.POSTGRESQL:  # its settings, without connecting (config check works offline)
        from deskctl.errors import BadInput
        from deskctl.store.postgres.connection import resolve_dsn

        try:
            resolve_dsn(desk, store.store_settings(desk))
        except BadInput as exc:
            return [f"{exc.message} ({exc.hint})" if exc.hint else exc.message]
        return None
    if name == store.DEFAULT_BACKEND:
        return None
    backends = store.installed_backends(store._loaded_plugins(desk))
    if name in backends:
        return None
    return [store.unknown_backend_message(desk, name, list(backends))]
