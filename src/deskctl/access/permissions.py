"""Roles, their permissions, and the check every operation makes (`require`).

A permission names an operation, optionally narrowed after a colon: `resolve`,
`update:priority` (one field), `update:*` (any field), `approve-announcement:major`,
`run-sop:restart-service`, `run-sop:tag:network`, `store:backup`, or `*` (everything).
A ticket permission may end in a data scope: `read@group` (tickets of the account's groups,
and its own), `comment@own` (tickets it requested or is assigned); without one, all tickets.
`read` is seeing a ticket at all (list, show); `read-internal` its internal comments.
The roles of an account are those its `accounts:` entry lists plus those whose `roles:`
member list names it (the list announcement approvals always used).
"""

from __future__ import annotations

import fnmatch
from typing import Any

from deskctl.errors import NotPermitted

# The defaults follow the sources' roles (docs/service-desk.md): the requester opens and
# follows their tickets; the dispatcher registers and routes; L1 solves what it can; L2/L3
# and specialists take escalations and run SOPs; managers approve; the head of the desk and
# admins may do everything; automation is what cron and CI run as.
TICKET_WORK = ["read", "create", "assign", "start", "pend", "escalate", "comment", "resolve", "close", "reopen",
               "link", "attach", "update:*", "read-internal", "announce", "sweep"]
DEFAULT_PERMISSIONS: dict[str, list[str]] = {
    "requester": ["read@own", "create", "comment@own", "close-confirmed@own", "reopen@own", "survey@own"],
    "dispatcher": ["read", "create", "assign", "comment", "link", "attach", "update:*", "read-internal", "act-as"],
    "l1": [*TICKET_WORK, "run-sop:tag:l1"],
    "l2": [*TICKET_WORK, "run-sop:*", "cmdb-update"],  # cmdb-update: inside an approved change
    "l3": [*TICKET_WORK, "run-sop:*", "cmdb-update"],
    "specialist": [*TICKET_WORK, "run-sop:*", "cmdb-update"],
    "manager": [*TICKET_WORK, "close-confirmed", "run-sop:*", "approve-announcement:*", "approve-change",
                "read-audit", "store:backup", "store:archive", "store:repair", "cmdb-update", "cmdb-admin"],
    "head": ["*"],
    "admin": ["*"],
    # cron and CI; also the mail intake, which relays what requesters write (a reply confirming
    # a resolution, saying it is not fixed, a survey score, files)
    "automation": ["read", "create", "comment", "resolve", "close", "update:*", "sweep", "announce", "run-sop:*",
                   "act-as", "close-confirmed", "reopen", "survey", "attach", "store:backup", "store:archive", "store:repair",
                   "cmdb-update"],
}
# the actors deskctl itself records for work an account started (`ticket sweep` records
# "sweep"): the command that started it was checked; they are no accounts
SYSTEM_ACTORS = frozenset({"sweep", "demo", "deskctl"})


class Decision:
    """A permission check's answer. (A plain class, not a dataclass: every command makes its
    module's classes, and generating a dataclass costs half a millisecond at start-up.)"""

    __slots__ = ("allowed", "account", "operation", "roles", "granted_by", "holders", "why")

    def __init__(self, allowed: bool, account: str, operation: str, roles: list[str] | None = None,
                 granted_by: str | None = None, holders: list[str] | None = None, why: str = ""):
        self.allowed, self.account, self.operation = allowed, account, operation
        self.roles = roles if roles is not None else []  # the account's roles
        self.granted_by = granted_by  # the role (and permission) that allows it
        self.holders = holders if holders is not None else []  # roles that hold the permission
        self.why = why

    def __repr__(self) -> str:
        return f"Decision({self.allowed}, {self.account!r}, {self.operation!r}, granted_by={self.granted_by!r})"


def accounts(desk) -> dict[str, dict[str, Any]]:
    found = desk.setting("accounts", default={}) or {}
    return dict(found) if isinstance(found, dict) else {}


def is_managed(desk) -> bool:
    """Whether the desk lists accounts (and so checks permissions)."""
    return bool(accounts(desk))


def permissions_of_roles(desk) -> dict[str, list[str]]:
    configured = desk.setting("permissions", default={}) or {}
    merged = {role: list(perms) for role, perms in DEFAULT_PERMISSIONS.items()}
    for role, perms in (configured.items() if isinstance(configured, dict) else ()):
        merged[str(role).lower()] = [str(p) for p in perms or []]
    return merged


def roles_of(desk, account: str) -> list[str]:
    entry = _entry(desk, account) or {}
    held = {str(r).lower() for r in entry.get("roles") or []}
    members = desk.setting("roles", default={}) or {}
    for role, names in (members.items() if isinstance(members, dict) else ()):
        if isinstance(names, list) and account.lower() in {str(n).lower() for n in names}:
            held.add(str(role).lower())
    return sorted(held)


def _entry(desk, account: str) -> dict | None:
    for name, entry in accounts(desk).items():
        if str(name).lower() == account.lower():
            return entry if isinstance(entry, dict) else {}
    return None


SCOPES = ("own", "group", "all")  # narrowest first
SCOPE_WORDS = {"own": "the tickets it requested or is assigned", "group": "the tickets of its groups and its own"}


def _parts(permission: str) -> tuple[str, str]:
    pattern, _, scope = permission.partition("@")
    return pattern, scope or "all"


def _grants(permission: str, operation: str) -> bool:
    pattern, _ = _parts(permission)
    return pattern == "*" or fnmatch.fnmatchcase(operation, pattern)


def scope_of(desk, account: str, operation: str) -> str | None:
    """The widest data scope in which `account` may do `operation` (`all`, `group`, `own`),
    or None when no role grants it at all."""
    if account in SYSTEM_ACTORS or not is_managed(desk):
        return "all"
    table = permissions_of_roles(desk)
    best: str | None = None
    for role in roles_of(desk, account):
        for permission in table.get(role, []):
            if _grants(permission, operation):
                scope = _parts(permission)[1]
                if scope in SCOPES and (best is None or SCOPES.index(scope) > SCOPES.index(best)):
                    best = scope
    return best


def in_scope(desk, account: str, scope: str | None, ticket: dict) -> bool:
    """Whether `ticket` (a ticket or its summary row) lies in `account`'s `scope`."""
    if scope == "all":
        return True
    if scope is None:
        return False
    entry = _entry(desk, account) or {}
    me = {account.lower(), str(entry.get("email") or "").lower()} - {""}
    requester = ticket.get("requester")
    if isinstance(requester, dict):
        theirs = {str(requester.get("email") or "").lower(), str(requester.get("name") or "").lower()}
    else:
        theirs = {str(requester or "").lower(), str(ticket.get("requester_name") or "").lower()}
    if me & theirs or str(ticket.get("assignee") or "").lower() in me:
        return True
    return scope == "group" and str(ticket.get("group") or "") in {str(g) for g in entry.get("groups") or []}


def require_on(desk, account: str, operation: str, ticket: dict) -> None:
    """`require`, and the ticket within the permission's data scope (exit 3 otherwise)."""
    require(desk, account, operation)
    scope = scope_of(desk, account, operation)
    if not in_scope(desk, account, scope, ticket):
        raise NotPermitted(f"{account} may {operation} only {SCOPE_WORDS.get(str(scope), 'no tickets')}; "
                           f"{ticket.get('id')} is not one of them",
                           "ask someone whose role covers it, or an admin to widen the role's scope")


def check(desk, account: str, operation: str) -> Decision:
    """May `account` do `operation`? (always yes on an unmanaged desk)"""
    if not is_managed(desk):
        return Decision(True, account, operation, why="the desk lists no accounts: everyone may do everything")
    table = permissions_of_roles(desk)
    holders = sorted(role for role, perms in table.items() if any(_grants(p, operation) for p in perms))
    if _entry(desk, account) is None:
        return Decision(False, account, operation, holders=holders,
                        why=f"{account} has no account on this desk")
    held = roles_of(desk, account)
    for role in held:
        for permission in table.get(role, []):
            if _grants(permission, operation):
                return Decision(True, account, operation, held, f"{role} ({permission})", holders,
                                f"{account} holds the role {role}, which grants {permission}")
    return Decision(False, account, operation, held, None, holders,
                    f"{account} ({', '.join(held) or 'no roles'}) lacks the permission {operation}")


def require(desk, account: str, operation: str) -> None:
    """Raise NotPermitted (exit 3) naming the permission and the roles that hold it."""
    from deskctl.audit import trail

    trail.attempted(operation)
    if account in SYSTEM_ACTORS or not is_managed(desk):
        return
    decision = check(desk, account, operation)
    if not decision.allowed:
        holders = ", ".join(decision.holders) or "no role"
        raise NotPermitted(f"{decision.why}; roles that hold it: {holders}",
                           "ask an admin to grant the role (accounts: in config/deskctl.yaml)")
