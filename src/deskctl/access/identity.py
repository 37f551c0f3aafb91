"""Who is acting: on a managed desk, the account of the process's OS login; `--actor` (or
`DESKCTL_ACTOR`) then names on whose behalf, and needs the `act-as` permission.

The login comes from the process's user id (`pwd`), not from `$USER` or `$LOGNAME`, which the
caller sets at will. An account matches a login by its `login:` field, else by its name.
"""

from __future__ import annotations

import os
from contextvars import ContextVar

from deskctl.access.permissions import accounts, check, roles_of
from deskctl.errors import NotPermitted

# on whose behalf the current command acts (recorded beside the actor in every history event)
ON_BEHALF: ContextVar[str | None] = ContextVar("deskctl_on_behalf", default=None)


class Identity:
    """Who acts, and how that was found (a plain class: see `permissions.Decision`)."""

    __slots__ = ("account", "on_behalf_of", "how", "login", "managed")

    def __init__(self, account: str, on_behalf_of: str | None, how: str, login: str | None = None,
                 managed: bool = True):
        self.account = account  # who acts (recorded as `actor`)
        self.on_behalf_of = on_behalf_of  # for whom, when an account with act-as names someone else
        self.how = how  # how the identity was found
        self.login = login
        self.managed = managed

    def __repr__(self) -> str:
        return f"Identity({self.account!r}, {self.on_behalf_of!r}, {self.how!r})"


def os_login() -> str:
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name


def account_for_login(desk, login: str) -> str | None:
    found = accounts(desk)
    for name, entry in found.items():
        if isinstance(entry, dict) and str(entry.get("login", "")).lower() == login.lower():
            return str(name)
    for name in found:
        if str(name).lower() == login.lower():
            return str(name)
    return None


def account_for_db_role(desk, login: str) -> str | None:
    """The account whose `db_role` (default: its name) is the database login."""
    from deskctl.store.postgres.grants import db_role

    for name, entry in accounts(desk).items():
        if db_role(str(name), entry if isinstance(entry, dict) else {}) == login.lower():
            return str(name)
    return None


def resolve(desk, requested: str | None, unmanaged_default) -> Identity:
    """The identity of this process on `desk`; `requested`: `--actor`/`DESKCTL_ACTOR`;
    `unmanaged_default()`: who acts on an unmanaged desk when nobody is named."""
    if not accounts(desk):
        return Identity(requested or unmanaged_default(), None, "unmanaged desk: --actor or the login name",
                        managed=False)
    from deskctl.audit import trail
    from deskctl.store import POSTGRESQL, backend_name

    if backend_name(desk) == POSTGRESQL:  # a team desk: the database login is who acts
        from deskctl.store import open_backend

        login, kind = open_backend(desk).database_login(), "database login"
        account = account_for_db_role(desk, login)
    else:
        login, kind = os_login(), "login"
        account = account_for_login(desk, login)
    if account is None:
        trail.identified(f"{kind} {login} (no account)", requested)
        raise NotPermitted(f"the {kind} {login!r} has no account on this desk",
                           "ask an admin to add it under accounts: in config/deskctl.yaml"
                           + (" (db_role: the login)" if kind == "database login" else ""))
    how = f"{'OS login' if kind == 'login' else kind} {login}"
    if requested and requested.strip().lower() != account.lower():
        trail.identified(account, requested.strip())
        trail.attempted("act-as")
        decision = check(desk, account, "act-as")
        if not decision.allowed:
            holders = ", ".join(decision.holders) or "no role"
            raise NotPermitted(f"--actor {requested}: {account} ({', '.join(roles_of(desk, account)) or 'no roles'}) "
                               f"lacks the permission act-as; roles that hold it: {holders}",
                               "act as yourself (drop --actor and DESKCTL_ACTOR), or ask an admin")
        return Identity(account, requested.strip(), f"{how}, acting for {requested.strip()} (act-as)", login)
    trail.identified(account, None)
    return Identity(account, None, how, login)
