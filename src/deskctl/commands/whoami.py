"""`deskctl whoami`: the account this process acts as, its roles and permissions."""

from __future__ import annotations

import click

from deskctl import output
from deskctl.commands._common import json_option, pass_app


@click.command()
@json_option
@pass_app
def whoami(app, as_json: bool) -> None:
    """The account you act as, how it was found, its roles and permissions."""
    from deskctl.access import permissions

    identity = app.identity
    desk = app.desk
    roles = permissions.roles_of(desk, identity.account) if identity.managed else []
    table = permissions.permissions_of_roles(desk)
    granted = sorted({p for role in roles for p in table.get(role, [])})
    entry = permissions.accounts(desk).get(identity.account) or {}
    data = {"account": identity.account, "on_behalf_of": identity.on_behalf_of, "how": identity.how,
            "managed": identity.managed, "name": entry.get("name"), "email": entry.get("email"),
            "groups": list(entry.get("groups") or []), "roles": roles,
            "permissions": granted if identity.managed else ["*"]}
    if as_json:
        output.print_json(data)
        return
    output.print_keyvalues([
        ("Account", identity.account + (f" (for {identity.on_behalf_of})" if identity.on_behalf_of else "")),
        ("Identified by", identity.how), ("Name", data["name"] or "-"), ("Groups", ", ".join(data["groups"]) or "-"),
        ("Roles", ", ".join(roles) or "-"), ("Permissions", ", ".join(data["permissions"]) or "-"),
    ])
