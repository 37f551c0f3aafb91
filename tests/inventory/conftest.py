"""Fixtures for the inventory tests: the real ansible-inventory (skips locally, fails in CI)."""

from tests.support.ansible import ansible_inventory  # noqa: F401 - fixture
