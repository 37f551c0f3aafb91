"""A ticket and its timeline as a person reads it in a terminal.

The title and every field are one line each, control characters shown (`visible_cell`): a
newline in a requester's name must not print a line that looks like another field. The
description keeps its lines; `output.echo` shows any control character in it."""

from __future__ import annotations

from deskctl.output import format_table, visible_cell
from deskctl.util.moments import format_local


def render_ticket(t: dict, zone: str = "UTC", form: dict | None = None) -> list[str]:
    """Lines for `ticket show`; times in the desk's time zone `zone`, labelled. `form` holds the
    desk's field definitions (`tickets.forms.definitions`): the ticket's form values follow the
    built-in fields, in the form's order, date-times in `zone`."""
    def _when(iso: str | None) -> str:
        return format_local(iso, zone)

    requester = t.get("requester") or {}
    who = " ".join(x for x in (requester.get("name"), f"<{requester['email']}>" if requester.get("email") else None,
                               requester.get("phone")) if x)
    pairs = [
        ("Status", t["status"] + (f" (waiting: {t['pending_reason']})" if t.get("pending_reason") else "")),
        ("Type", t["type"]), ("Priority", t.get("priority")),
        ("Impact/urgency", f"{t.get('impact') or '-'}/{t.get('urgency') or '-'}"),
        ("Category", t.get("category")), ("Service", t.get("service")), ("Channel", t.get("channel")),
        ("Group", t.get("group")), ("Assignee", t.get("assignee")), ("Requester", who),
        ("System", ", ".join(f"{k}={v}" for k, v in (t.get("system") or {}).items())),
        ("Tags", ", ".join(t.get("tags") or [])),
        ("Links", ", ".join(f"{x['kind']} {x['id']}" for x in t.get("links") or [])),
        ("Created", _when(t.get("created_at"))), ("Updated", _when(t.get("updated_at"))),
        ("Resolved", _when(t.get("resolved_at"))), ("Closed", _when(t.get("closed_at"))),
        ("Resolution", t.get("resolution")), ("Seen again", t.get("seen_count") or None),
        ("Attachments", ", ".join(f"{a['name']} ({a['sha256'][:12]})" for a in t.get("attachments") or [])),
    ]
    pairs += _form_pairs(t.get("fields") or {}, form or {}, zone)
    if t.get("sla"):
        pairs.append(("SLA", t["sla"].get("summary", "")))
    shown = [(k, v) for k, v in pairs if v not in (None, "", "-/-")]
    width = max(len(k) for k, _ in shown)
    lines = [f"{t['id']}  {visible_cell(str(t['title']))}", ""]
    lines += [f"{k.ljust(width)}  {visible_cell(str(v))}" for k, v in shown]
    if len((t.get("sla") or {}).get("periods") or []) > 1:
        lines += ["", "SLA periods"] + ["  " + line for line in sla_periods(t["sla"]["periods"], zone)]
    if t.get("description"):
        lines += ["", *t["description"].splitlines()]
    lines += ["", "Timeline"]
    rows = []
    for e in t.get("history") or []:
        changes = ", ".join(f"{k}: {_short(v[0])} -> {_short(v[1])}" for k, v in (e.get("changes") or {}).items())
        what = " | ".join(x for x in (e.get("note"), changes) if x)
        who = e["actor"] + (f" for {e['on_behalf_of']}" if e.get("on_behalf_of") else "")
        rows.append({"at": _when(e["at"]), "actor": who,
                     "action": e["action"] + (" (internal)" if e.get("internal") else ""), "what": what})
    lines += ["  " + line for line in format_table(rows, [("at", "WHEN"), ("actor", "WHO"), ("action", "ACTION"), ("what", "WHAT")], indent=2)]
    return lines


def sla_periods(periods: list[dict], zone: str) -> list[str]:
    """Each period of the SLA clocks: the priority, the target in force, business time, why."""
    def local(iso: str | None) -> str:  # the zone is named once, in the header
        return format_local(iso, zone).rsplit(" ", 1)[0] if iso else "now"

    label = format_local(periods[0]["from"], zone).rsplit(" ", 1)[-1]
    rows = [{"from": local(p["from"]), "to": local(p["to"]),
             "priority": p["priority"] or "-",
             "target": f"{p['target']} " + "/".join(v or "-" for v in p["targets"].values()) if p["target"] else "none",
             "elapsed": "paused" if p["pending"] else p["elapsed"], "why": p["why"]} for p in periods]
    return format_table(rows, [("from", f"FROM ({label})"), ("to", "TO"), ("priority", "PRIORITY"), ("target", "TARGET"),
                               ("elapsed", "USED"), ("why", "WHY")], indent=2)


def _form_pairs(values: dict, form: dict, zone: str) -> list[tuple[str, str]]:
    from deskctl.tickets.forms import display_value

    ordered = [name for name in form if name in values] + [name for name in values if name not in form]
    # `started_at` reads "Started at", like the built-in labels
    return [(name.replace("_", " ").capitalize(), display_value(form.get(name) or {}, values[name], zone))
            for name in ordered]


def _short(value) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, list):
        return ",".join(str(v) if not isinstance(v, dict) else v.get("id", "…") for v in value) or "-"
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items() if v) or "-"
    return str(value)
