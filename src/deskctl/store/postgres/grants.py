"""`deskctl store grant`: the desk's accounts and role permissions copied into the database,
and the grants that let each account's database login work through deskctl and nothing more
(see `access_sql`). Run by the database's owner (it needs CREATEROLE for the member role
the first time); deskctl itself never holds a superuser password."""

from __future__ import annotations

from deskctl.errors import BadInput

MEMBER = "deskctl_member"  # the group role every account's login is granted
READ_WRITE = ("tickets", "ticket_facts", "announcements", "runs", "attachments", "attachment_blobs", "host_locks", "cmdb_items")
APPEND_ONLY = ("notifications", "audit_log", "ticket_internal", "cmdb_history")  # members insert and read; never update or delete
JUDGED = ("ticket_facts_judged",)  # `report kpi`'s own rows, deleted before it commits


def db_role(name: str, entry: dict) -> str:
    return str(entry.get("db_role") or name).lower()


def grant(backend) -> dict:
    """Sync accounts and permissions, create the member role if need be, grant it the tables
    and every account's login membership. Returns what was done; a login that does not exist
    in the server is listed, not created (the DBA creates logins, with their passwords)."""
    from deskctl.access.permissions import accounts, permissions_of_roles, roles_of
    from deskctl.store.postgres.connection import query_all

    desk = backend.desk
    found = accounts(backend.desk)
    if not found:
        raise BadInput("this desk lists no accounts: nothing to grant",
                       "add accounts: (with db_role: their database login) to config/deskctl.yaml")
    backend.ready(writing=True)
    logins = {r[0] for r in query_all(backend.db, "SELECT rolname FROM pg_roles")}
    missing, granted = [], []
    with backend.write_transaction("the access tables") as cur:
        if MEMBER not in logins:
            cur.execute(f"CREATE ROLE {MEMBER} NOLOGIN")
        cur.execute("DELETE FROM deskctl_accounts")
        cur.execute("DELETE FROM deskctl_role_permissions")
        for name, entry in found.items():
            entry = entry if isinstance(entry, dict) else {}
            role = db_role(str(name), entry)
            cur.execute("INSERT INTO deskctl_accounts (db_role, account, roles, groups, email) VALUES (%s, %s, %s, %s, %s)",
                        (role, str(name), roles_of(desk, str(name)), [str(g) for g in entry.get("groups") or []],
                         str(entry.get("email") or "")))
            if role in logins:
                cur.execute(f'GRANT {MEMBER} TO "{role}"')
                granted.append(role)
            else:
                missing.append(role)
        for role, perms in permissions_of_roles(desk).items():
            for permission in dict.fromkeys(perms):
                cur.execute("INSERT INTO deskctl_role_permissions (role, permission) VALUES (%s, %s)", (role, permission))
        cur.execute(f"GRANT USAGE ON SCHEMA public TO {MEMBER}")
        cur.execute(f"GRANT SELECT ON deskctl_schema, deskctl_accounts, deskctl_role_permissions TO {MEMBER}")
        cur.execute(f"GRANT SELECT, INSERT, UPDATE ON {', '.join(READ_WRITE)} TO {MEMBER}")
        cur.execute(f"GRANT DELETE ON host_locks TO {MEMBER}")
        cur.execute(f"GRANT SELECT, INSERT ON {', '.join(APPEND_ONLY)} TO {MEMBER}")
        cur.execute(f"GRANT SELECT, INSERT, DELETE ON {', '.join(JUDGED)} TO {MEMBER}")
        cur.execute(f"GRANT SELECT, INSERT, UPDATE ON audit_head TO {MEMBER}")
        # ticket numbers: one sequence per prefix, made now (members may not create them)
        for prefix in dict.fromkeys(backend.tickets.prefixes.values()):
            backend.tickets.create_sequence(cur, prefix)
        cur.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {MEMBER}")
    return {"member_role": MEMBER, "granted": sorted(granted), "missing_logins": sorted(missing)}
