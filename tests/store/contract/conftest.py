"""The storage seam's contract: one set of tests written against `deskctl.store.interface`
and the domain functions over it, run for every backend named in BACKENDS.

A new backend is proven by adding its name here (and, if it needs a server, a fixture that
starts one and writes its settings into the desk's `store:` mapping in `backend_settings`)."""

from __future__ import annotations

import pytest

BACKENDS = ["files", "postgresql"]


@pytest.fixture
def backend_settings(backend_name, request):
    """backend_settings() -> the `store:` mapping of a new desk: for PostgreSQL a new empty
    database in the session's private cluster, so every desk starts empty."""

    def _settings() -> dict:
        if backend_name == "postgresql":
            from tests.support.postgres import new_database

            return {"backend": "postgresql", "dsn": new_database(request.getfixturevalue("pg_cluster"))}
        return {"backend": backend_name}

    return _settings


@pytest.fixture(params=BACKENDS)
def backend_name(request) -> str:
    return request.param


@pytest.fixture
def make_desk(tmp_path, backend_name, backend_settings, monkeypatch):
    """make_desk(name) -> a fresh desk (the packaged defaults) on the backend under test."""
    import json

    from deskctl.desk import Desk
    from deskctl.desk.create import create_desk

    monkeypatch.setenv("DESKCTL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("DESKCTL_NOW", raising=False)
    monkeypatch.delenv("DESKCTL_STORE_DSN", raising=False)

    def _make(name: str = "desk") -> Desk:
        path = tmp_path / name
        create_desk(path)
        config = path / "config" / "deskctl.yaml"
        # JSON is YAML: the backend's settings as one flow mapping
        config.write_text(config.read_text() + f"\nstore: {json.dumps(backend_settings())}\n")
        desk = Desk(str(path))
        if backend_name == "postgresql":
            from deskctl import __version__
            from deskctl.store import open_backend

            open_backend(desk).migrate(__version__)
        return desk

    yield _make
    if backend_name == "postgresql":
        from deskctl.store.postgres.connection import close_all

        close_all()


@pytest.fixture
def desk(make_desk):
    return make_desk()


@pytest.fixture
def backend(desk):
    from deskctl.store import open_backend

    return open_backend(desk, actor="tester")
