"""What a configuration item is: its fields, their allowed values, and how two differ."""

from __future__ import annotations

import re
from typing import Any

from deskctl.errors import BadInput

STATUSES = ("planned", "live", "retired")
RELATION_KINDS = ("runs-on", "depends-on", "connects-to")
DEFAULT_TYPES = ("host", "service", "application", "database", "network-device", "other")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
FIELDS = ("type", "owner", "status", "attributes", "relations")


def types(desk) -> list[str]:
    """The item types this desk allows (`cmdb.types`)."""
    return [str(t) for t in desk.setting("cmdb", "types", default=list(DEFAULT_TYPES)) or DEFAULT_TYPES]


def check_name(name: str, what: str = "item name") -> str:
    name = str(name).strip()
    if not NAME_RE.match(name):
        raise BadInput(f"{what} {name!r} is not valid",
                       "use letters, digits, '.', '_' and '-' (up to 100), starting with a letter or digit")
    return name


def check_type(desk, value: str, where: str = "--type") -> str:
    allowed = types(desk)
    if value not in allowed:
        raise BadInput(f"{where}: unknown item type {value!r}",
                       f"use one of {', '.join(allowed)} (or add it to cmdb.types in config/deskctl.yaml)")
    return value


def check_status(value: str, where: str = "--status") -> str:
    if value not in STATUSES:
        raise BadInput(f"{where}: unknown status {value!r}", f"use one of {', '.join(STATUSES)}")
    return value


def check_relation(relation: Any, where: str) -> dict[str, str]:
    if not isinstance(relation, dict) or set(relation) != {"kind", "to"}:
        raise BadInput(f"{where}: a relation is {{kind: KIND, to: NAME}}", f"kinds: {', '.join(RELATION_KINDS)}")
    if relation["kind"] not in RELATION_KINDS:
        raise BadInput(f"{where}: unknown relation kind {relation['kind']!r}", f"use one of {', '.join(RELATION_KINDS)}")
    return {"kind": str(relation["kind"]), "to": check_name(relation["to"], f"{where}: relation target")}


def new_item(desk, name: str, *, type_: str, owner: str | None = None, status: str = "live",
             attributes: dict[str, Any] | None = None, relations: list | None = None, where: str = "") -> dict[str, Any]:
    """A valid item (not stored); `where` prefixes error messages (a file and record)."""
    prefix = f"{where}: " if where else ""
    attributes = dict(attributes or {})
    for key in attributes:
        check_name(key, f"{prefix}attribute")
    return {
        "name": check_name(name, f"{prefix}item name"),
        "type": check_type(desk, str(type_), f"{prefix}type"),
        "owner": str(owner) if owner not in (None, "") else None,
        "status": check_status(str(status), f"{prefix}status"),
        "attributes": attributes,
        "relations": sorted_relations(check_relation(r, f"{prefix}relations") for r in relations or []),
    }


def sorted_relations(relations) -> list[dict[str, str]]:
    unique = {(r["kind"], r["to"]) for r in relations}
    return [{"kind": k, "to": t} for k, t in sorted(unique)]


def differences(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list]:
    """{field: [old, new]} for every field that differs; attributes one by one
    (`attributes.memory`), relations as whole lists."""
    found: dict[str, list] = {}
    for field in ("type", "owner", "status"):
        if old.get(field) != new.get(field):
            found[field] = [old.get(field), new.get(field)]
    old_attrs, new_attrs = old.get("attributes") or {}, new.get("attributes") or {}
    for key in sorted(set(old_attrs) | set(new_attrs)):
        if old_attrs.get(key) != new_attrs.get(key):
            found[f"attributes.{key}"] = [old_attrs.get(key), new_attrs.get(key)]
    old_rel = sorted_relations(old.get("relations") or [])
    new_rel = sorted_relations(new.get("relations") or [])
    if old_rel != new_rel:
        found["relations"] = [old_rel, new_rel]
    return found


def public(item: dict[str, Any]) -> dict[str, Any]:
    """The item as shown (`--json`): every field, in a fixed order."""
    keys = ("name", "type", "status", "owner", "attributes", "relations", "source", "created_at", "updated_at")
    return {k: item.get(k) for k in keys if k in item or k in FIELDS}
