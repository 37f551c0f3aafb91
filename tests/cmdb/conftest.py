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


def approved_change(run_as, title: str, approver: tuple[str, ...] = ("--actor", "alice")) -> str:
    """A change request submitted and approved (`run_as(*args)` runs deskctl; `approver`: the
    root options that make the approving manager act)."""
    made = run_as("change", "create", "--title", title, "--risk", "low")
    assert made.code == 0, made
    chg = made.stdout.strip()
    assert run_as("change", "submit", chg).code == 0
    approved = run_as(*approver, "change", "approve", chg)
    assert approved.code == 0, approved
    return chg


@pytest.fixture
def change_ticket(drun):
    """change_ticket(title) -> the id of an approved change request (alice, a manager of the
    default desk's roles, approves it)."""

    def _make(title: str = "Upgrade web1") -> str:
        return approved_change(drun, title)

    return _make
