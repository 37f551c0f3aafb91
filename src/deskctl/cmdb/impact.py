"""What a failure or change of an item affects: the items that depend on it, run on it or
connect to it, transitively (relations walked in reverse)."""

from __future__ import annotations

from typing import Any

from deskctl.errors import NotFound

MAX_DEPTH = 10  # relation levels walked from the named items


def walk(desk, names: list[str], backend=None) -> dict[str, dict[str, Any]]:
    """Name -> {item, level, via} for the named items (level 0) and every item reached from
    them; `via` is the item (and relation) through which it was first reached. Breadth-first,
    so each item's level is its shortest distance; a cycle ends where it meets a visited item.
    Retired items are not affected by anything, so the walk does not pass through them."""
    from deskctl.cmdb import catalogue
    from deskctl.store import open_backend

    backend = backend or open_backend(desk)
    known = catalogue.everything(desk, backend)
    missing = [n for n in names if n not in known]
    if missing:
        raise NotFound(f"no configuration item {', '.join(missing)}", "see `deskctl cmdb list`")
    dependents: dict[str, list[tuple[str, str]]] = {}
    for item in known.values():
        if item.get("status") == "retired":
            continue
        for relation in item.get("relations") or []:
            dependents.setdefault(relation["to"], []).append((item["name"], relation["kind"]))
    reached = {n: {"item": known[n], "level": 0, "via": None} for n in dict.fromkeys(names)}
    frontier = list(reached)
    for level in range(1, MAX_DEPTH + 1):
        following = []
        for name in frontier:
            for dependent, kind in sorted(dependents.get(name, [])):
                if dependent not in reached:
                    reached[dependent] = {"item": known[dependent], "level": level, "via": {"kind": kind, "to": name}}
                    following.append(dependent)
        if not following:
            break
        frontier = following
    return reached


def _groups(item: dict[str, Any]) -> list[str]:
    value = (item.get("attributes") or {}).get("groups")
    if isinstance(value, str):
        return [g.strip() for g in value.split(",") if g.strip()]
    return [str(g) for g in value] if isinstance(value, list) else []


def impact_of(desk, names: list[str]) -> dict[str, list[str]]:
    """What a failure or change of the items `names` affects.

    Walks relations in reverse (an item that runs on, depends on or connects to an affected
    item is affected), transitively, at most 10 levels deep, cycles safe; retired items are
    left out. Returns a dict of sorted lists of names:

      items         every item reached, the named ones included
      services      those of type `service`
      applications  those of type `application`
      groups        the user groups of the affected services: each service item's
                    `groups` attribute (a list, or text separated by commas)

    Raises NotFound (exit 2) naming any of `names` that is no item (stored in the CMDB, an
    inventory host or a catalogue service)."""
    reached = walk(desk, names)
    items = [entry["item"] for entry in reached.values()]
    services = [i for i in items if i.get("type") == "service"]
    return {
        "items": sorted(reached),
        "services": sorted(i["name"] for i in services),
        "applications": sorted(i["name"] for i in items if i.get("type") == "application"),
        "groups": sorted({g for i in services for g in _groups(i)}),
    }
