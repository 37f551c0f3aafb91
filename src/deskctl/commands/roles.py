"""`deskctl roles`: the desk's roles with their permissions and members; why an account may
or may not do an operation."""

from __future__ import annotations

import click

from deskctl import output
from deskctl.commands._common import json_option, pass_app


@click.group()
def roles() -> None:
    """Roles and their permissions; check what an account may do."""


@roles.command("list")
@json_option
@pass_app
def list_(app, as_json: bool) -> None:
    """Every role, its permissions and the accounts holding it."""
    from deskctl.access import permissions

    desk = app.desk
    table = permissions.permissions_of_roles(desk)
    names = list(permissions.accounts(desk))
    rows = [{"role": role, "permissions": perms,
             "accounts": [n for n in names if role in permissions.roles_of(desk, str(n))]}
            for role, perms in sorted(table.items())]
    if as_json:
        output.print_json(rows)
        return
    output.print_table(rows, [("role", "ROLE"), ("accounts", "ACCOUNTS"), ("permissions", "PERMISSIONS")])
    if not names:
        output.info("this desk lists no accounts: everyone may do everything (docs/access.md)")


@roles.command()
@click.argument("account")
@click.argument("operation")
@json_option
@pass_app
def check(app, account: str, operation: str, as_json: bool) -> None:
    """Whether ACCOUNT may do OPERATION (e.g. resolve, update:priority,
    approve-announcement:major, run-sop:restart-service), and why. Exit 3 when not."""
    from deskctl.access import permissions
    from deskctl.errors import NotPermitted

    decision = permissions.check(app.desk, account, operation)
    data = {"account": account, "operation": operation, "allowed": decision.allowed, "why": decision.why,
            "roles": decision.roles, "granted_by": decision.granted_by, "roles_holding_it": decision.holders}
    if as_json:
        output.print_json(data)
    elif decision.allowed:
        output.echo(f"yes: {decision.why}")
    if not decision.allowed:
        raise NotPermitted(f"no: {decision.why}; roles that hold {operation}: {', '.join(decision.holders) or 'none'}")
