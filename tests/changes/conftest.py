"""Change-request tests: a desk with managers alice and bob and head carol (the packaged
`roles:`), deskctl as a subprocess, and no CI variables of the machine running the tests."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from deskctl.changes.ci import PROVIDERS
from tests.conftest import deskctl_executable

CI_MARKERS = ("GITHUB_ACTIONS", "GITLAB_CI", "JENKINS_URL", "CI")
GITLAB = {"GITLAB_CI": "true", "CI_PROJECT_PATH": "shop/web", "CI_COMMIT_SHA": "0123456789abcdef0123",
          "CI_COMMIT_REF_NAME": "main", "CI_PIPELINE_ID": "4242",
          "CI_PIPELINE_URL": "https://gitlab.example.com/shop/web/-/pipelines/4242", "GITLAB_USER_LOGIN": "dana"}


@pytest.fixture(autouse=True)
def no_ci(base_env):
    """The tests say which pipeline they run in; the machine's own CI must not leak in."""
    for name in {*CI_MARKERS, *(v for names in PROVIDERS.values() for v in names.values())}:
        base_env.pop(name, None)


class Waiter:
    """`deskctl ...` started in the background (a pipeline step waiting), stopped at the end."""

    def __init__(self, desk, env: dict, *args: str):
        self.proc = subprocess.Popen([deskctl_executable(), *args], cwd=desk, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def finish(self, timeout: float = 60) -> tuple[int, str, str]:
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=10)


@pytest.fixture
def waiter(desk, base_env):
    started: list[Waiter] = []

    def start(*args: str, env: dict | None = None) -> Waiter:
        w = Waiter(desk, {**base_env, **(env or {})}, *args)
        started.append(w)
        return w

    yield start
    for w in started:
        w.stop()


def wait_for_status(drun, status: str, tries: int = 300) -> str:
    """The id of the first change in `status`, once there is one (bounded)."""
    for _ in range(tries):
        result = drun("change", "list", "--status", status, "--json")
        rows = json.loads(result.stdout or "[]") if result.code == 0 else []
        if rows:
            return rows[0]["id"]
        time.sleep(0.1)
    raise AssertionError(f"no change became {status}")
