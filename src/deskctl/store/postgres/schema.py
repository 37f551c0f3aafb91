"""Whether a database holds the schema this deskctl works with: checked on every command (with
a change's BEGIN, one round trip), so apart from the migrations' SQL (`migrations`)."""

from __future__ import annotations

from deskctl.errors import BadInput

SCHEMA_VERSION = 10  # the last of migrations.MIGRATIONS (a test checks)


def too_new(db, version: int, applied_by: str | None) -> BadInput:
    return BadInput(
        f"the database at {db.where} has schema version {version} (applied by deskctl "
        f"{applied_by or '?'}); this deskctl knows up to version {SCHEMA_VERSION} and does not write to it",
        f"upgrade deskctl to {applied_by or 'the newer version'} or later")


SCHEMA_QUERY = "SELECT version, deskctl FROM deskctl_schema ORDER BY version DESC LIMIT 1"


def require_current(db, *, writing: bool) -> None:
    """Refuse to work on a database without the schema, and to write to a newer one (one
    query: it runs on every command)."""
    from deskctl.store.postgres.connection import query_one

    # no table: "holds no deskctl schema", run migrate
    check_schema(db, query_one(db, SCHEMA_QUERY, waiting_for="the schema"), writing=writing)


def check_schema(db, row: tuple | None, *, writing: bool) -> None:
    """`require_current` on the row of SCHEMA_QUERY (sent with a change's BEGIN: one round trip)."""
    version, applied_by = row if row else (0, None)
    if writing and version > SCHEMA_VERSION:
        raise too_new(db, version, applied_by)
    if version < SCHEMA_VERSION:
        raise BadInput(f"the database at {db.where} has schema version {version}; this deskctl needs "
                       f"version {SCHEMA_VERSION}", "run `deskctl store migrate`")
