"""Roles and permissions, in-process: what each default role may do, and why not."""

from __future__ import annotations

import pytest

from deskctl.access import permissions
from deskctl.errors import NotPermitted


class FakeDesk:
    def __init__(self, config: dict):
        self.config = config

    def setting(self, *keys, default=None):
        value = self.config
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                return default
            value = value[key]
        return value


TEAM = {"accounts": {"lena": {"roles": ["l1"]}, "marco": {"roles": ["l2"]}, "alice": {}, "ci": {"roles": ["automation"]},
                     "ana": {"roles": ["requester"]}},
        "roles": {"manager": ["alice"]}}


def test_an_unmanaged_desk_lets_everyone_do_everything():
    desk = FakeDesk({})
    assert not permissions.is_managed(desk)
    assert permissions.check(desk, "mallory", "approve-announcement:major").allowed
    permissions.require(desk, "mallory", "store:restore")  # no exception


@pytest.mark.parametrize(("account", "operation", "allowed"), [
    ("lena", "resolve", True), ("lena", "update:priority", True), ("lena", "approve-announcement:minor", False),
    ("lena", "run-sop:tag:l1", True), ("lena", "run-sop:restart-service", False), ("lena", "act-as", False),
    ("marco", "run-sop:restart-service", True), ("alice", "approve-announcement:major", True),
    ("ci", "act-as", True), ("ci", "store:restore", False), ("ana", "close-confirmed", True), ("ana", "assign", False),
    ("nobody", "create", False),
])
def test_default_roles_follow_the_sources(account, operation, allowed):
    assert permissions.check(FakeDesk(TEAM), account, operation).allowed is allowed


def test_a_refusal_names_the_permission_and_the_roles_that_hold_it():
    with pytest.raises(NotPermitted) as refused:
        permissions.require(FakeDesk(TEAM), "lena", "approve-announcement:major")
    assert "lena (l1) lacks the permission approve-announcement:major" in refused.value.message
    assert "head, manager" in refused.value.message
    assert refused.value.exit_code == 3


def test_the_config_narrows_a_role_and_roles_members_count():
    desk = FakeDesk({**TEAM, "permissions": {"l1": ["comment", "update:priority"]}})
    assert permissions.check(desk, "lena", "update:priority").allowed
    assert not permissions.check(desk, "lena", "update:group").allowed
    assert not permissions.check(desk, "lena", "resolve").allowed
    assert permissions.roles_of(desk, "ALICE") == ["manager"]  # from `roles:` members, any case
