"""Helpers for the CMDB tests: a change ticket, accounts set as an admin would."""

from __future__ import annotations

import json
import os
import pwd

import pytest

LOGIN = pwd.getpwuid(os.geteuid()).pw_name


def set_accounts(desk, accounts: dict) -> None:
    config = desk / "config" / "deskctl.yaml"
    config.write_text(config.read_text() + "\naccounts: " + json.dumps(accounts) + "\n")


@pytest.fixture
def change_ticket(drun):
    """change_ticket(title) -> the id of a new change ticket."""

    def _make(title: str = "Upgrade web1") -> str:
        made = drun("ticket", "create", "--type", "change", "--title", title, "--channel", "api")
        assert made.code == 0, made
        return made.stdout.strip()

    return _make
