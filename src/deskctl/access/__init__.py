"""Who may do what: accounts, roles and their permissions, and who is acting.

A desk whose config lists no `accounts:` is *unmanaged*: whoever can run deskctl on it may do
everything, and `--actor` names who acts (a desk for one person, or a team that trusts
itself). Listing accounts makes the desk *managed*: the OS login of the process is the
identity, each operation needs a permission of one of the account's roles, and `--actor` is
honoured only for accounts holding `act-as`. The checks live here, in the domain: every
command, plugin and backend goes through `require`.
"""

from deskctl.access.permissions import (
    Decision,
    check,
    in_scope,
    is_managed,
    require,
    require_on,
    scope_of,
)

__all__ = ["Decision", "check", "in_scope", "is_managed", "require", "require_on", "scope_of"]
