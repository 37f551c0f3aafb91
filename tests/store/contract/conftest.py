"""The storage seam's contract: one set of tests written against `deskctl.store.interface`
and the domain functions over it, run for every backend named in BACKENDS.

A new backend is proven by adding its name here (and, if it needs a server, a fixture that
starts one and writes its settings into the desk's `store:` mapping in `backend_settings`)."""

from __future__ import annotations

from pathlib import Path

import pytest

BACKENDS = ["files"]


def backend_settings(name: str, tmp_path: Path) -> dict:
    return {"backend": name}


@pytest.fixture(params=BACKENDS)
def backend_name(request) -> str:
    return request.param


@pytest.fixture
def make_desk(tmp_path, backend_name, monkeypatch):
    """make_desk(name) -> a fresh desk (the packaged defaults) on the backend under test."""
    import json

    from deskctl.desk import Desk
    from deskctl.desk.create import create_desk

    monkeypatch.setenv("DESKCTL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("DESKCTL_NOW", raising=False)

    def _make(name: str = "desk") -> Desk:
        path = tmp_path / name
        create_desk(path)
        config = path / "config" / "deskctl.yaml"
        # JSON is YAML: the backend's settings as one flow mapping
        config.write_text(config.read_text() + f"\nstore: {json.dumps(backend_settings(backend_name, tmp_path))}\n")
        return Desk(str(path))

    return _make


@pytest.fixture
def desk(make_desk):
    return make_desk()


@pytest.fixture
def backend(desk):
    from deskctl.store import open_backend

    return open_backend(desk, actor="tester")
