"""Fixtures for the inventory tests: the real ansible-inventory (skips locally, fails in CI),
and deskctl run with an isolated known_hosts (from the runbook tests)."""

from tests.runbooks.conftest import isolated_env, sshrun  # noqa: F401 - fixtures
from tests.support.ansible import ansible_inventory  # noqa: F401 - fixture
