"""`deskctl cmdb`: configuration items, their relations, history and impact."""

from __future__ import annotations

import click

from deskctl import output
from deskctl.commands._common import examples, json_option, parse_assignments, pass_app


def _backend(app):
    from deskctl.store import open_backend

    return open_backend(app.desk, actor=app.actor)


def _who(app, change: str | None, why: str | None):
    from deskctl.cmdb.authority import Who

    identity = app.identity
    return Who(identity.account, identity.on_behalf_of, change, why)


change_option = click.option("--change", metavar="CHG-N", help="The approved change this update belongs to "
                             "(without one it needs cmdb-admin and is flagged outside_change).")
why_option = click.option("--why", metavar="TEXT", help="Why (kept in the item's history).")


def _done(entry, name: str, as_json: bool, verb: str) -> None:
    if as_json:
        output.print_json({"name": name, "entry": entry})
    elif entry is None:
        output.info(f"{name}: nothing changed")
    else:
        flag = " (outside an approved change)" if entry.get("outside_change") else ""
        output.info(f"{name}: {verb}, history #{entry['seq']}{flag}")


@click.group()
def cmdb() -> None:
    """Configuration items: hosts, services, applications, databases; relations, history, impact."""


@cmdb.command(epilog=examples(
    "deskctl cmdb add db1 --type database --owner dba --set memory=16G --change CHG-12",
    "deskctl cmdb add shop --type application --relation depends-on:db1 --why 'new shop'"))
@click.argument("name")
@click.option("--type", "type_", required=True, metavar="TYPE", help="host, service, application, ... (cmdb.types).")
@click.option("--owner", metavar="NAME", help="Who is responsible for it.")
@click.option("--status", default="live", show_default=True, metavar="STATUS", help="planned, live or retired.")
@click.option("--set", "set_", multiple=True, metavar="KEY=VALUE", help="An attribute (repeatable).")
@click.option("--relation", multiple=True, metavar="KIND:NAME", help="runs-on|depends-on|connects-to:ITEM (repeatable).")
@change_option
@why_option
@json_option
@pass_app
def add(app, name, type_, owner, status, set_, relation, change, why, as_json: bool) -> None:
    """Add a configuration item."""
    from deskctl.cmdb import items, model

    relations = [_relation(r) for r in relation]
    item = model.new_item(app.desk, name, type_=type_, owner=owner, status=status,
                          attributes=parse_assignments(set_, "--set"), relations=relations)
    entry = items.add(app.desk, _backend(app), item, _who(app, change, why))
    _done(entry, item["name"], as_json, "added")


def _relation(text: str) -> dict[str, str]:
    from deskctl.errors import BadInput

    kind, sep, to = text.partition(":")
    if not sep:
        raise BadInput(f"--relation {text!r}: write KIND:NAME", "e.g. --relation depends-on:db1")
    return {"kind": kind.strip(), "to": to.strip()}


@cmdb.command(epilog=examples("deskctl cmdb show web1", "deskctl cmdb show db1 --json"))
@click.argument("name")
@json_option
@pass_app
def show(app, name, as_json: bool) -> None:
    """One item: its fields, attributes, relations both ways."""
    from deskctl.cmdb import catalogue, model
    from deskctl.util.moments import desk_local

    backend = _backend(app)
    item = catalogue.find(app.desk, backend, name)
    dependents = [{"kind": r["kind"], "from": other["name"]}
                  for other in catalogue.everything(app.desk, backend).values()
                  for r in other.get("relations") or [] if r["to"] == name]
    if as_json:
        output.print_json({**model.public(item), "dependents": dependents})
        return
    pairs = [("Name", item["name"]), ("Type", item["type"]), ("Status", item["status"]),
             ("Owner", item.get("owner") or "-"), ("Source", item["source"])]
    if item.get("updated_at"):
        pairs.append(("Updated", desk_local(app.desk, item["updated_at"])))
    pairs += [(f"  {k}", _text(v)) for k, v in sorted((item.get("attributes") or {}).items())]
    pairs += [("Relation", f"{r['kind']} {r['to']}") for r in item.get("relations") or []]
    pairs += [("Needed by", f"{d['from']} ({d['kind']})") for d in dependents]
    output.print_keyvalues(pairs)


def _text(value) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return "-" if value is None else str(value)


@cmdb.command("list", epilog=examples("deskctl cmdb list --type host", "deskctl cmdb list --source cmdb --json"))
@click.option("--type", "type_", metavar="TYPE", help="Only items of this type.")
@click.option("--status", metavar="STATUS", help="Only items with this status.")
@click.option("--source", type=click.Choice(["cmdb", "inventory", "catalogue"]),
              help="Only stored items, or the inventory's hosts, or the catalogue's services.")
@json_option
@pass_app
def list_(app, type_, status, source, as_json: bool) -> None:
    """Every item: stored ones, inventory hosts and catalogue services (read-only mirrors)."""
    from deskctl.cmdb import catalogue, model

    found = [i for i in catalogue.everything(app.desk, _backend(app)).values()
             if (not type_ or i["type"] == type_) and (not status or i["status"] == status)
             and (not source or i["source"] == source)]
    if as_json:
        output.print_json([model.public(i) for i in found])
        return
    if not found:
        output.info("no configuration items match")
        return
    rows = [{"name": i["name"], "type": i["type"], "status": i["status"], "owner": i.get("owner") or "",
             "source": i["source"], "relations": ", ".join(f"{r['kind']} {r['to']}" for r in i.get("relations") or [])}
            for i in found]
    output.print_table(rows, [("name", "NAME"), ("type", "TYPE"), ("status", "STATUS"), ("owner", "OWNER"),
                              ("source", "SOURCE"), ("relations", "RELATIONS")])


@cmdb.command(epilog=examples(
    "deskctl cmdb update web1 --set memory=8G --change CHG-12 --why 'memory upgrade'",
    "deskctl cmdb update web1 --owner web-team --unset rack --why handover"))
@click.argument("name")
@click.option("--type", "type_", metavar="TYPE", help="A new type.")
@click.option("--owner", metavar="NAME", help="A new owner ('' for none).")
@click.option("--status", metavar="STATUS", help="planned, live or retired.")
@click.option("--set", "set_", multiple=True, metavar="KEY=VALUE", help="Set an attribute (repeatable).")
@click.option("--unset", multiple=True, metavar="KEY", help="Remove an attribute (repeatable).")
@change_option
@why_option
@json_option
@pass_app
def update(app, name, type_, owner, status, set_, unset, change, why, as_json: bool) -> None:
    """Change an item's fields or attributes (an inventory host or catalogue service is
    adopted into the CMDB on its first update)."""
    from deskctl.cmdb import items

    entry = items.update(app.desk, _backend(app), name, _who(app, change, why), type_=type_, owner=owner,
                         status=status, set_attributes=parse_assignments(set_, "--set"), unset=list(unset))
    _done(entry, name, as_json, "updated")


@cmdb.command(epilog=examples("deskctl cmdb retire old-db --change CHG-14 --why 'migrated to db2'"))
@click.argument("name")
@change_option
@why_option
@json_option
@pass_app
def retire(app, name, change, why, as_json: bool) -> None:
    """Mark an item retired (kept, with its history; impact walks no longer pass through it)."""
    from deskctl.cmdb import items

    _done(items.retire(app.desk, _backend(app), name, _who(app, change, why)), name, as_json, "retired")


@cmdb.command(epilog=examples("deskctl cmdb relate shop depends-on db1 --change CHG-12 --why 'new shop'",
                              "deskctl cmdb relate shop depends-on db1 --remove --why 'moved to db2'"))
@click.argument("name")
@click.argument("kind", metavar="KIND")
@click.argument("target", metavar="TARGET")
@click.option("--remove", is_flag=True, help="Remove the relation instead.")
@change_option
@why_option
@json_option
@pass_app
def relate(app, name, kind, target, remove, change, why, as_json: bool) -> None:
    """Relate NAME to TARGET: KIND is runs-on, depends-on or connects-to."""
    from deskctl.cmdb import items

    entry = items.relate(app.desk, _backend(app), name, kind, target, _who(app, change, why), remove=remove)
    _done(entry, name, as_json, "relation removed" if remove else "related")


def _changes_text(changes: dict) -> str:
    def short(value) -> str:
        if isinstance(value, list) and (not value or isinstance(value[0], dict)):
            return "[" + ", ".join(f"{r['kind']} {r['to']}" for r in value) + "]"
        return _text(value)

    return "; ".join(f"{field}: {short(old)} -> {short(new)}" for field, (old, new) in changes.items())


@cmdb.command(epilog=examples("deskctl cmdb history web1", "deskctl cmdb history web1 --json"))
@click.argument("name")
@json_option
@pass_app
def history(app, name, as_json: bool) -> None:
    """Every update of an item: when, who, which change, what changed and why."""
    from deskctl.cmdb import items
    from deskctl.util.moments import desk_local

    entries = items.history(app.desk, _backend(app), name)
    if as_json:
        output.print_json(entries)
        return
    if not entries:
        output.info(f"{name} has no history yet (it is only mirrored from the desk's configuration)")
        return
    rows = [{"seq": e["seq"], "at": desk_local(app.desk, e["at"]),
             "who": e["actor"] + (f" for {e['on_behalf_of']}" if e.get("on_behalf_of") else ""),
             "change": (e.get("change") or "-") + (" (outside)" if e.get("outside_change") else ""),
             "action": e.get("action"), "what": _changes_text(e.get("changes") or {}), "why": e.get("why") or ""}
            for e in entries]
    output.print_table(rows, [("seq", "#"), ("at", "WHEN"), ("who", "WHO"), ("change", "CHANGE"),
                              ("action", "ACTION"), ("what", "WHAT"), ("why", "WHY")])


@cmdb.command(epilog=examples("deskctl cmdb impact db1", "deskctl cmdb impact db1 web1 --json"))
@click.argument("names", nargs=-1, required=True)
@json_option
@pass_app
def impact(app, names, as_json: bool) -> None:
    """What a failure or change of the items affects: items that depend on, run on or connect
    to them, transitively (10 levels at most), with the services, applications and user groups."""
    from deskctl.cmdb.impact import impact_of, walk

    result = impact_of(app.desk, list(names))
    if as_json:
        output.print_json(result)
        return
    reached = walk(app.desk, list(names))
    rows = [{"level": e["level"], "name": n, "type": e["item"]["type"],
             "via": f"{e['via']['kind']} {e['via']['to']}" if e["via"] else "(named)"}
            for n, e in sorted(reached.items(), key=lambda kv: (kv[1]["level"], kv[0]))]
    output.print_table(rows, [("level", "LEVEL"), ("name", "ITEM"), ("type", "TYPE"), ("via", "VIA")])
    for key in ("services", "applications", "groups"):
        output.echo(f"{key}: {', '.join(result[key]) or '-'}")


@cmdb.command(epilog=examples("deskctl cmdb diff web1 web2", "deskctl cmdb diff web1 --file web1.yaml --json"))
@click.argument("name")
@click.argument("other", required=False)
@click.option("--file", "file_", type=click.Path(dir_okay=False), help="Compare with the record in this file.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json", "csv"]), help="The file's format (else its suffix).")
@json_option
@pass_app
def diff(app, name, other, file_, fmt, as_json: bool) -> None:
    """Differences between two items, or between an item and a record in a file."""
    from deskctl.cmdb import catalogue, transfer
    from deskctl.errors import BadInput

    if bool(other) == bool(file_):
        raise BadInput("name a second item or --file, not both or neither", "e.g. deskctl cmdb diff web1 web2")
    backend = _backend(app)
    left = catalogue.find(app.desk, backend, name)
    right = catalogue.find(app.desk, backend, other) if other else transfer.record_for(app.desk, file_, name, fmt)
    found = transfer.diff(left, right)
    if as_json:
        output.print_json(found)
        return
    if not found:
        output.echo("no differences")
        return
    output.print_table([{"field": d["field"], "left": _cell(d["left"]), "right": _cell(d["right"])} for d in found],
                       [("field", "FIELD"), ("left", name), ("right", other or str(file_))])


def _cell(value) -> str:
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return ", ".join(f"{r['kind']} {r['to']}" for r in value)
    return _text(value)


@cmdb.command("import", epilog=examples("deskctl cmdb import items.yaml --change CHG-12",
                                        "deskctl cmdb import hosts.csv --why 'first load from the old sheet'"))
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["yaml", "json", "csv"]), help="The file's format (else its suffix).")
@change_option
@why_option
@json_option
@pass_app
def import_(app, path, fmt, change, why, as_json: bool) -> None:
    """Add and update items from a YAML, JSON or CSV file (every record is checked first)."""
    from deskctl.cmdb import transfer

    result = transfer.import_items(app.desk, _backend(app), path, _who(app, change, why), fmt)
    if as_json:
        output.print_json(result)
        return
    output.echo(f"{len(result['added'])} added, {len(result['updated'])} updated, {len(result['unchanged'])} unchanged")


@cmdb.command(epilog=examples("deskctl cmdb export --format csv --out items.csv", "deskctl cmdb export --all"))
@click.option("--format", "fmt", type=click.Choice(["yaml", "json", "csv"]), help="yaml (default), json or csv; "
              "else --out's suffix.")
@click.option("--out", type=click.Path(dir_okay=False), help="Write this file instead of stdout.")
@click.option("--all", "include_mirrors", is_flag=True, help="Inventory hosts and catalogue services too.")
@json_option
@pass_app
def export(app, fmt, out, include_mirrors, as_json: bool) -> None:
    """Items as YAML, JSON or CSV (the format `cmdb import` reads)."""
    from deskctl.cmdb import transfer

    records = transfer.exported(app.desk, _backend(app), include_mirrors=include_mirrors)
    if as_json:
        fmt = "json"
    fmt = fmt or (transfer.format_of(out, None) if out else "yaml")
    text = transfer.render(records, fmt)
    if out:
        from deskctl.util.fileio import atomic_write

        atomic_write(out, text.encode("utf-8"))
        output.info(f"{len(records)} item(s) written to {out}")
    else:
        click.echo(text, nl=False)


@cmdb.command(epilog=examples("deskctl cmdb verify --hosts web1,web2",
                              "deskctl cmdb verify --hosts web --apply --change CHG-12 --json"))
@click.option("--hosts", metavar="PATTERN", help="Inventory hosts or groups (default: every host).")
@click.option("--apply", "apply_", is_flag=True, help="Record what differs as an update of each host's item.")
@change_option
@why_option
@json_option
@pass_app
def verify(app, hosts, apply_, change, why, as_json: bool) -> None:
    """Collect facts from hosts over SSH (the cmdb-facts SOP: OS, kernel, CPUs, memory, disks,
    listening ports) and report where they differ from the record: exit 0 none (or all
    applied), 1 differences or a host not reached."""
    from deskctl.cmdb.verify import verify as run_verify
    from deskctl.errors import OperationFailed

    result = run_verify(app.desk, app.plugins, _backend(app), _who(app, change, why), hosts=hosts, apply=apply_)
    if as_json:
        output.print_json(result)
    else:
        rows = [{"host": h["host"], "field": d["field"].partition(".")[2], "recorded": _text(d["recorded"]),
                 "found": d["found"], "applied": f"#{h['applied']['seq']}" if h["applied"] else "-"}
                for h in result["hosts"] for d in h["differences"]]
        if rows:
            output.print_table(rows, [("host", "HOST"), ("field", "FACT"), ("recorded", "RECORDED"),
                                      ("found", "FOUND"), ("applied", "RECORDED AS")])
        for h in result["hosts"]:
            if h["status"] != "ok":
                output.warn(f"{h['host']}: {h['status']}: {h.get('reason') or 'no facts'}")
    failed = [h["host"] for h in result["hosts"] if h["status"] != "ok"]
    differing = [h["host"] for h in result["hosts"] if h["differences"] and not h["applied"]]
    if failed or differing:
        what = ([f"not reached: {', '.join(failed)}"] if failed else []) + (
            [f"differ from the record: {', '.join(differing)}"] if differing else [])
        raise OperationFailed(f"cmdb verify (run {result['run']}): {'; '.join(what)}",
                              "--apply records the facts found" if differing else "see `deskctl sop show-run`")
    applied = sum(1 for h in result["hosts"] if h["applied"])
    output.info(f"cmdb verify (run {result['run']}): {len(result['hosts'])} host(s) checked"
                + (f", the facts of {applied} recorded" if applied else ", all match their record"))
