"""Every item the desk knows: stored ones, and read-only mirrors of the inventory's hosts and
the ticket catalogue's services (a stored item of the same name hides its mirror)."""

from __future__ import annotations

from typing import Any

from deskctl.errors import NotFound


def _mirror(name: str, type_: str, source: str, attributes: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "type": type_, "status": "live", "owner": None, "attributes": attributes,
            "relations": [], "source": source}


def mirrored(desk) -> dict[str, dict[str, Any]]:
    """Items that exist because the desk lists them: catalogue services, inventory hosts."""
    from deskctl.executor.inventory import load_inventory

    found: dict[str, dict[str, Any]] = {}
    for name in desk.setting("tickets", "services", default=[]) or []:
        found[str(name)] = _mirror(str(name), "service", "catalogue", {})
    for host in load_inventory(desk).hosts.values():
        attributes = {"address": host.address, "groups": list(host.groups)}
        if host.description:
            attributes["description"] = host.description
        found[host.name] = _mirror(host.name, "host", "inventory", attributes)
    return found


def stored(backend) -> dict[str, dict[str, Any]]:
    return {item["name"]: {**item, "source": "cmdb"} for item in backend.cmdb.all()}


def everything(desk, backend) -> dict[str, dict[str, Any]]:
    """Name -> item, stored items over mirrors, by name."""
    merged = {**mirrored(desk), **stored(backend)}
    return dict(sorted(merged.items()))


def find(desk, backend, name: str) -> dict[str, Any]:
    item = backend.cmdb.get(name)
    if item is not None:
        return {**item, "source": "cmdb"}
    mirror = mirrored(desk).get(name)
    if mirror is None:
        raise NotFound(f"no configuration item {name}", "see `deskctl cmdb list`, or add it with `deskctl cmdb add`")
    return mirror
