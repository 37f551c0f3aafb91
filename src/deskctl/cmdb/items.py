"""Changing items: each change is one atomic store update with its history entry."""

from __future__ import annotations

from typing import Any

from deskctl.cmdb import catalogue, model
from deskctl.cmdb.authority import Authority, Who, authorise
from deskctl.errors import BadInput, NotFound


def _entry(who: Who, authority: Authority, action: str, changes: dict[str, list], why: str | None) -> dict[str, Any]:
    from deskctl.util.clock import now_iso

    return {"at": now_iso(), "actor": who.actor, "on_behalf_of": who.on_behalf_of, "change": authority.change,
            "action": action, "changes": changes, "why": why, "outside_change": authority.outside_change}


def _why(who: Who, default: str | None = None) -> str:
    why = (who.why or default or "").strip()
    if not why:
        raise BadInput("--why is required: every CMDB update says why", 'e.g. --why "memory upgrade"')
    return why


def _touched(name: str) -> None:
    from deskctl.audit import trail

    trail.touched("cmdb", name)


def add(desk, backend, item: dict[str, Any], who: Who, *, action: str = "add",
        also_known: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Store a new item (already valid: `model.new_item`); its relations must name known
    items (or `also_known` ones: the other items of an import)."""
    authority = authorise(desk, backend, who)
    known = catalogue.everything(desk, backend)
    if item["name"] in known and known[item["name"]]["source"] == "cmdb":
        raise BadInput(f"configuration item {item['name']} exists already", "change it with `deskctl cmdb update`")
    _check_targets(item, known, also_known)
    from deskctl.util.clock import now_iso

    stored = {**{k: v for k, v in item.items() if k != "source"}, "created_at": now_iso(), "updated_at": now_iso()}
    base = known.get(item["name"], {"attributes": {}, "relations": []})
    changes = model.differences({k: base.get(k) for k in model.FIELDS} if item["name"] in known else {}, stored)
    entry = backend.cmdb.add(stored, _entry(who, authority, action, changes, _why(who, "new item")))
    _touched(item["name"])
    return entry


def _check_targets(item: dict[str, Any], known: dict[str, dict], also_known: frozenset[str] = frozenset()) -> None:
    for relation in item.get("relations") or []:
        if relation["to"] == item["name"]:
            raise BadInput(f"{item['name']} cannot relate to itself", "name another item")
        if relation["to"] not in known and relation["to"] not in also_known:
            raise NotFound(f"relation target {relation['to']} is no configuration item",
                           "add it first (`deskctl cmdb add`), or see `deskctl cmdb list`")


def change(desk, backend, name: str, edit, who: Who, *, action: str = "update",
           also_known: frozenset[str] = frozenset()) -> dict[str, Any] | None:
    """Apply `edit(item) -> new item` to a fresh copy; None when nothing changed. A mirrored
    item (an inventory host, a catalogue service) is first adopted into the CMDB."""
    authority = authorise(desk, backend, who)
    why = _why(who)
    known = catalogue.everything(desk, backend)
    current = known.get(name)
    if current is None:
        raise NotFound(f"no configuration item {name}", "see `deskctl cmdb list`")
    if current["source"] != "cmdb":
        wanted = edit({k: current.get(k) for k in model.FIELDS} | {"name": name})
        if not model.differences(current, wanted):
            return None
        return add(desk, backend, {**wanted, "name": name}, Who(who.actor, who.on_behalf_of, who.change,
                                                                  f"{why} (adopted from the {current['source']})"),
                   action=action, also_known=also_known)

    def apply(item: dict[str, Any]) -> dict[str, Any] | None:
        wanted = edit({k: item.get(k) for k in model.FIELDS} | {"name": name})
        _check_targets({**wanted, "name": name}, known, also_known)
        changes = model.differences(item, wanted)
        if not changes:
            return None
        from deskctl.util.clock import now_iso

        item.update({k: wanted[k] for k in model.FIELDS}, updated_at=now_iso())
        return _entry(who, authority, action, changes, why)

    entry = backend.cmdb.update(name, apply)
    if entry is not None:
        _touched(name)
    return entry


def update(desk, backend, name: str, who: Who, *, type_: str | None = None, owner: str | None = None,
           status: str | None = None, set_attributes: dict[str, Any] | None = None,
           unset: list[str] | None = None) -> dict[str, Any] | None:
    for key in set_attributes or {}:
        model.check_name(key, "--set: attribute")
    if type_ is not None:
        model.check_type(desk, type_)
    if status is not None:
        model.check_status(status)

    def edit(item: dict[str, Any]) -> dict[str, Any]:
        attributes = {**(item.get("attributes") or {}), **(set_attributes or {})}
        for key in unset or []:
            attributes.pop(key, None)
        return {**item, "type": type_ or item["type"], "status": status or item["status"],
                "owner": (owner or None) if owner is not None else item.get("owner"), "attributes": attributes}

    return change(desk, backend, name, edit, who)


def retire(desk, backend, name: str, who: Who) -> dict[str, Any] | None:
    return change(desk, backend, name, lambda item: {**item, "status": "retired"}, who, action="retire")


def relate(desk, backend, name: str, kind: str, target: str, who: Who, *, remove: bool = False) -> dict[str, Any] | None:
    relation = model.check_relation({"kind": kind, "to": target}, "relation")

    def edit(item: dict[str, Any]) -> dict[str, Any]:
        relations = [r for r in item.get("relations") or [] if r != relation]
        if not remove:
            relations.append(relation)
        return {**item, "relations": model.sorted_relations(relations)}

    return change(desk, backend, name, edit, who, action="unrelate" if remove else "relate")


def history(desk, backend, name: str) -> list[dict[str, Any]]:
    """Every entry, oldest first; an item only mirrored has none yet."""
    catalogue.find(desk, backend, name)
    return backend.cmdb.history(name)
