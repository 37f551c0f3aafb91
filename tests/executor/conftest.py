"""The SSH fixtures of the runbook tests (an isolated environment, deskctl in a desk)."""

from tests.runbooks.conftest import isolated_env, sshrun  # noqa: F401 - fixtures
