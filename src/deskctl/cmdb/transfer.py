"""Items in and out as YAML, JSON or CSV, and item-by-item differences.

YAML and JSON hold a list of items (or `{items: [...]}`), each as `cmdb show --json` prints
it. CSV has one row per item: name, type, status, owner, relations (`depends-on:db1;runs-on:h1`)
and one `attributes.KEY` column per attribute (empty: not set)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from deskctl.cmdb import catalogue, items, model
from deskctl.cmdb.authority import Who
from deskctl.errors import BadInput

FORMATS = ("yaml", "json", "csv")


def format_of(path: str | Path, given: str | None) -> str:
    if given:
        return given
    suffix = Path(path).suffix.lower().lstrip(".")
    fmt = {"yml": "yaml"}.get(suffix, suffix)
    if fmt not in FORMATS:
        raise BadInput(f"{path}: cannot tell the format from the file name", "pass --format yaml, json or csv")
    return fmt


def _csv_record(row: dict[str, str], where: str) -> dict[str, Any]:
    record: dict[str, Any] = {"attributes": {}, "relations": []}
    for column, value in row.items():
        if column is None:
            raise BadInput(f"{where}: more cells than columns", "quote cells that hold commas")
        value = (value or "").strip()
        if not value:
            continue
        if column.startswith("attributes."):
            record["attributes"][column.partition(".")[2]] = value
        elif column == "relations":
            for part in filter(None, (p.strip() for p in value.split(";"))):
                kind, sep, to = part.partition(":")
                if not sep:
                    raise BadInput(f"{where}: relation {part!r} is not KIND:NAME", "e.g. depends-on:db1")
                record["relations"].append({"kind": kind.strip(), "to": to.strip()})
        elif column in ("name", "type", "status", "owner"):
            record[column] = value
        else:
            raise BadInput(f"{where}: unknown column {column!r}",
                           "columns: name, type, status, owner, relations, attributes.KEY")
    return record


def read_records(path: str | Path, fmt: str | None = None) -> list[dict[str, Any]]:
    """The records of a file, each with `_where` (file and record, for messages)."""
    from deskctl.desk import yamlio

    fmt = format_of(path, fmt)
    label = str(path)
    if fmt == "csv":
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(f"{label}: cannot read it ({exc})") from None
        return [{**_csv_record(row, f"{label}:{n + 2}"), "_where": f"{label}:{n + 2}"}
                for n, row in enumerate(csv.DictReader(io.StringIO(text)))]
    data = yamlio.load(path, label, use_cache=False)
    if isinstance(data, dict) and "items" in data:
        data = data["items"]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise BadInput(f"{label}: expected a list of items (or items: [...])", "see `deskctl cmdb export`")
    return [{**r, "_where": f"{label}: item {n + 1}" + (f" ({r['name']})" if r.get("name") else "")}
            for n, r in enumerate(data)]


def to_item(desk, record: dict[str, Any]) -> dict[str, Any]:
    where = record.get("_where", "record")
    if not record.get("name"):
        raise BadInput(f"{where}: the item has no name", "give every item a name")
    if not record.get("type"):
        raise BadInput(f"{where}: the item has no type", f"use one of {', '.join(model.types(desk))}")
    attributes = record.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise BadInput(f"{where}: attributes must be a mapping", "e.g. attributes: {memory: 4G}")
    relations = record.get("relations") or []
    if not isinstance(relations, list):
        raise BadInput(f"{where}: relations must be a list", "e.g. relations: [{kind: depends-on, to: db1}]")
    return model.new_item(desk, str(record["name"]), type_=str(record["type"]), owner=record.get("owner"),
                          status=str(record.get("status") or "live"), attributes=attributes,
                          relations=relations, where=where)


def import_items(desk, backend, path: str | Path, who: Who, fmt: str | None = None) -> dict[str, list[str]]:
    """Add new items and update stored ones from a file; every record is checked before any
    is written. Each item is one atomic update (an interrupted import keeps those done)."""
    records = read_records(path, fmt)
    wanted = [to_item(desk, r) for r in records]
    seen: set[str] = set()
    for item, record in zip(wanted, records, strict=True):
        if item["name"] in seen:
            raise BadInput(f"{record['_where']}: {item['name']} appears twice in the file", "keep one of them")
        seen.add(item["name"])
    known = catalogue.everything(desk, backend)
    why = who.why or f"imported from {Path(path).name}"
    who = Who(who.actor, who.on_behalf_of, who.change, why)
    names = frozenset(seen)
    result: dict[str, list[str]] = {"added": [], "updated": [], "unchanged": []}
    for item in wanted:
        current = known.get(item["name"])
        if current is None:
            items.add(desk, backend, item, who, action="import", also_known=names)
            result["added"].append(item["name"])
        elif items.change(desk, backend, item["name"], lambda old, new=item: {**old, **new}, who,
                          action="import", also_known=names) is None:
            result["unchanged"].append(item["name"])
        else:
            result["updated"].append(item["name"])
    return result


def exported(desk, backend, *, include_mirrors: bool = False) -> list[dict[str, Any]]:
    found = catalogue.everything(desk, backend) if include_mirrors else catalogue.stored(backend)
    return [{k: item.get(k) for k in ("name", "type", "status", "owner", "attributes", "relations")}
            for item in found.values()]


def render(records: list[dict[str, Any]], fmt: str) -> str:
    if fmt == "json":
        import json

        return json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    if fmt == "yaml":
        import yaml

        return yaml.safe_dump(records, allow_unicode=True, sort_keys=False, default_flow_style=False)
    keys = sorted({k for r in records for k in r.get("attributes") or {}})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "type", "status", "owner", "relations", *(f"attributes.{k}" for k in keys)])
    for r in records:
        relations = ";".join(f"{x['kind']}:{x['to']}" for x in r.get("relations") or [])
        attributes = r.get("attributes") or {}
        writer.writerow([r["name"], r["type"], r["status"], r.get("owner") or "", relations,
                         *(_cell(attributes.get(k)) for k in keys)])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def diff(left: dict[str, Any], right: dict[str, Any]) -> list[dict[str, Any]]:
    """[{field, left, right}] for every field that differs (the name aside)."""
    return [{"field": f, "left": a, "right": b} for f, (a, b) in model.differences(left, right).items()]


def record_for(desk, path: str | Path, name: str, fmt: str | None = None) -> dict[str, Any]:
    """The record named `name` in a file, or its only record."""
    records = read_records(path, fmt)
    named = [r for r in records if str(r.get("name")) == name]
    if not named and len(records) == 1:
        named = records
    if not named:
        raise BadInput(f"{path}: no record named {name}", "name the item the file describes")
    return to_item(desk, {**named[0], "name": named[0].get("name") or name})
