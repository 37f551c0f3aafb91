"""Accounts for the access tests: which account this OS login maps to is set in the config,
as an admin would."""

from __future__ import annotations

import json
import os
import pwd

import pytest

LOGIN = pwd.getpwuid(os.geteuid()).pw_name


def set_accounts(desk, accounts: dict, *, extra: str = "") -> None:
    config = desk / "config" / "deskctl.yaml"
    text = config.read_text().split("\n# -- accounts (test) --\n")[0]
    config.write_text(text + "\n# -- accounts (test) --\naccounts: " + json.dumps(accounts) + "\n" + extra)


@pytest.fixture
def me(run, desk):
    """run deskctl in the desk as this OS login, with no DESKCTL_ACTOR."""

    def _run(*args, **kwargs):
        env = {"DESKCTL_ACTOR": ""}
        env.update(kwargs.pop("env", {}))
        return run(*args, cwd=desk, env=env, **kwargs)

    return _run


def team(login_account: str) -> dict:
    accounts = {"lena": {"roles": ["l1"]}, "alice": {"roles": ["manager"]}, "bob": {"roles": ["manager"]},
                "ci": {"roles": ["automation"]}}
    accounts[login_account] = {**accounts[login_account], "login": LOGIN}
    return accounts
