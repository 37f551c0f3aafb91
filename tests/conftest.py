"""Shared fixtures: a temporary desk, and `deskctl` run as a real subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.dovecot import (  # noqa: F401 - a private IMAP server
    dovecot,
    dovecot_server,
    dovecot_tls_server,
)
from tests.support.fixtures import sshd, sshd_factory  # noqa: F401 - fixtures for other modules
from tests.support.postgres import pg_cluster  # noqa: F401 - a private PostgreSQL cluster
from tests.support.smalldisk import small_disk  # noqa: F401 - a real small file system
from tests.support.smtp import smtp_server  # noqa: F401 - a real SMTP server on loopback

REPO = Path(__file__).resolve().parents[1]


def deskctl_executable() -> str:
    """The installed console script beside this interpreter (the real entry point)."""
    candidate = Path(sys.executable).with_name("deskctl")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("deskctl")
    if not found:
        raise RuntimeError("deskctl is not installed in this environment: pip install -e .")
    return found


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self):
        import json

        return json.loads(self.stdout)

    def __repr__(self) -> str:  # shown by pytest when an assertion fails
        return f"Result(code={self.code}, stdout={self.stdout[-2000:]!r}, stderr={self.stderr[-2000:]!r})"


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("deskctl-cache")


@pytest.fixture
def base_env(cache_dir, tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESKCTL_")}
    env["DESKCTL_CACHE_DIR"] = str(cache_dir)
    env["DESKCTL_ACTOR"] = "tester"
    env["DESKCTL_SSH_CONFIG"] = str(tmp_path / "no-user-ssh-config")  # never the real ~/.ssh/config
    env["COLUMNS"] = "100"
    env.pop("PYTHONPATH", None)
    return env


@pytest.fixture
def run(base_env, tmp_path):
    """run(*args, cwd=..., env=..., input=...) -> Result, running the installed `deskctl`."""
    exe = deskctl_executable()

    def _run(*args: str, cwd: Path | None = None, env: dict | None = None, input: str | None = None, timeout: float = 120) -> Result:
        merged = dict(base_env)
        if env:
            merged.update(env)
        proc = subprocess.run(
            [exe, *args],
            cwd=cwd or tmp_path,
            env=merged,
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return _run


@pytest.fixture
def desk(tmp_path, run) -> Path:
    """A fresh desk made by `deskctl init` (the packaged defaults)."""
    path = tmp_path / "desk"
    result = run("init", str(path))
    assert result.code == 0, result
    return path


@pytest.fixture
def drun(run, desk):
    """Run deskctl inside the temporary desk."""

    def _run(*args: str, **kwargs) -> Result:
        kwargs.setdefault("cwd", desk)
        return run(*args, **kwargs)

    return _run


@pytest.fixture
def invoke(base_env, monkeypatch, capsys):
    """invoke(*args, cwd=..., env=...) -> Result: `deskctl.cli.root.run` in this process.

    For parsing and isolation tests only; contract tests (exit codes, streams of the real
    program) keep using the subprocess fixtures. Every call builds a fresh root group."""
    from deskctl.cli.root import run as run_cli

    def _invoke(*args: str, cwd: Path | None = None, env: dict | None = None) -> Result:
        with monkeypatch.context() as patch:
            for key in [k for k in os.environ if k.startswith("DESKCTL_")]:
                patch.delenv(key)
            for key, value in {**base_env, **(env or {})}.items():
                if key.startswith("DESKCTL_") or key == "COLUMNS":
                    patch.setenv(key, value)
            if cwd is not None:
                patch.chdir(cwd)
            capsys.readouterr()
            code = run_cli(list(args))
            captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return _invoke
