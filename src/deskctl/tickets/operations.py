"""The ticket operations every command, runbook, flow and plugin uses.

Each operation validates its input before touching the store, then runs as one transaction
(lock, fresh read, journal commit) and tells plugins after the change is stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from deskctl import access
from deskctl.errors import BadInput, NotFound
from deskctl.plugins import events
from deskctl.store import open_store
from deskctl.tickets import forms, lifecycle, model, rules
from deskctl.tickets.ids import normalise_id
from deskctl.util import clock

if TYPE_CHECKING:
    from typing import Any


def _prefixes(desk) -> dict[str, str]:
    return dict(desk.setting("tickets", "types", default={}))


def get_ticket(desk, ticket_id: str, *, reader: str | None = None) -> dict:
    """The ticket; with `reader`, as that account may see it: within its `read` scope (exit 3
    otherwise), internal comments only where its `read-internal` scope reaches."""
    ticket = open_store(desk).get(normalise_id(ticket_id, _prefixes(desk)))
    if ticket is None:
        raise NotFound(f"no ticket {ticket_id.upper()}", "list tickets with `deskctl ticket list --all`")
    if reader is not None and access.is_managed(desk):
        access.require_on(desk, reader, "read", ticket)
        if not access.in_scope(desk, reader, access.scope_of(desk, reader, "read-internal"), ticket):
            ticket["history"] = [e for e in ticket.get("history") or [] if not e.get("internal")]
    return ticket


# the permission an action needs when it is not the action's own name (`deskctl.access`)
PERMISSION_OF = {"event": "comment"}


def change_ticket(desk, ticket_id: str, actor: str, action: str, change, *, permission: str | None = None,
                  scoped: tuple[str, ...] = ()) -> dict:
    """Run `change(ticket, now) -> event` on a fresh copy under the store's lock, after the
    actor's roles grant `permission` (default: the action's own) and the lifecycle allows
    `action` in the ticket's status; tell plugins once it is stored.

    Every operation below is built on it; other features (surveys, ...) use it for changes
    of their own, so they get the same locking, journal and history guarantees.
    """
    needed = [permission or PERMISSION_OF.get(action, action)] if permission != "" else list(scoped)
    if permission != "":  # "": the caller checked finer permissions itself (update: per field)
        access.require(desk, actor, needed[0])
    tid = normalise_id(ticket_id, _prefixes(desk))
    store = open_store(desk, actor)
    with store.transaction() as tx:
        ticket = tx.get(tid)
        if ticket is None:
            raise NotFound(f"no ticket {tid}", "list tickets with `deskctl ticket list --all`")
        for operation in needed:  # the data scope: which tickets the permission covers
            access.require_on(desk, actor, operation, ticket)
        if action in ("resolve", "close", "reopen") and isinstance(ticket.get("change"), dict):
            # a change request's life is its workflow (approvals, window, implement, verify)
            raise BadInput(f"{tid} is a change request ({ticket['change'].get('status')}): "
                           f"it is not {'closed' if action == 'close' else action + 'd'} with `ticket {action}`",
                           f"use `deskctl change implement|verify|close {tid}`")
        lifecycle.check_transition(ticket, action)
        now = clock.now_iso()
        lifecycle.check_now(ticket, now)
        event = change(ticket, now)
        _notify_requester(desk, ticket, event)
        tx.put(ticket, model.summary_row(ticket))
    events.emit("ticket_updated", ticket=ticket, changes=event["changes"], event=event, desk=desk)
    return ticket


def _notify_requester(desk, ticket: dict, event: dict | None) -> None:
    """Queue the mail telling the requester about `event`, in the same transaction (only a
    desk with `mail.address` does: the import is not paid otherwise)."""
    if event is not None and desk.setting("mail", "address"):
        from deskctl.mail import notices

        notices.queue(desk, ticket, event)


# -- creation ---------------------------------------------------------------------------------

def _validate_choices(desk, fields: dict) -> None:
    problems = []
    checks = (("type", "types"), ("category", "categories"), ("priority", "priorities"),
              ("channel", "channels"), ("service", "services"), ("group", "groups"))
    for field, key in checks:
        value = fields.get(field)
        if value is not None and value not in model.choices(desk, key):
            problems.append(f"{field} {value!r} is not valid (use one of: {', '.join(model.choices(desk, key))})")
    levels = model.impact_levels(desk)
    for field in ("impact", "urgency"):
        value = fields.get(field)
        if value is not None and value not in levels:
            problems.append(f"{field} {value!r} is not valid (use one of: {', '.join(levels)})")
    if problems:
        if len(problems) == 1:
            raise BadInput(problems[0])
        raise BadInput("; ".join(problems))


def classify(desk, fields: dict) -> tuple[dict, list[str]]:
    """What the desk's rules would set for these fields, and which rules fired."""
    return rules.classify(desk.setting("rules", default=[]) or [], fields)


def _decide(desk, explicit: dict, ruled: dict) -> dict:
    """Explicit values win over rules; priority from the impact x urgency matrix if needed."""
    decided = {k: v for k, v in ruled.items() if k != "tags"}
    decided.update({k: v for k, v in explicit.items() if v is not None and k != "tags"})
    impact, urgency = decided.get("impact"), decided.get("urgency")
    if explicit.get("priority"):
        decided["priority"] = explicit["priority"]
    elif impact or urgency:
        levels = model.impact_levels(desk)
        middle = levels[len(levels) // 2]
        derived = model.derive_priority(desk, impact or middle, urgency or middle)
        # a rule's explicit priority beats one derived only from defaults
        if not (ruled.get("priority") and not (explicit.get("impact") or explicit.get("urgency"))):
            decided["priority"] = derived
    decided.setdefault("priority", desk.setting("tickets", "default_priority", default="medium"))
    decided.setdefault("type", desk.setting("tickets", "default_type", default="incident"))
    decided.setdefault("group", desk.setting("tickets", "default_group", default="L1"))
    decided["tags"] = list(dict.fromkeys([*(explicit.get("tags") or []), *(ruled.get("tags") or [])]))
    return decided


def create_or_touch(desk, *, actor: str, title: str, type: str | None = None, description: str = "",
                    category: str | None = None, priority: str | None = None, impact: str | None = None,
                    urgency: str | None = None, channel: str | None = None, service: str | None = None,
                    requester: dict | None = None, system: dict | None = None, group: str | None = None,
                    assignee: str | None = None, tags: list[str] | None = None,
                    dedup_key: str | None = None, dedup_scope: str = "open", resolved: str | None = None,
                    links: list[dict] | None = None, fields: dict | None = None,
                    check_form: bool = False, kb: str | None = None,
                    sop_run: str | None = None) -> tuple[dict, bool]:
    """Create a ticket, or, when an open ticket has the same `dedup_key`, record that it was
    seen again. With `dedup_scope="any"` a resolved, closed or archived ticket with the key is
    returned as it is (a retried CI job that already resolved its change opens none).

    `fields` are the form's facts (name -> value as written, see `tickets.forms`); those the
    form requires at create must be there. With `resolved` and `check_form` (a person resolving
    at first contact) the category and the fields required at resolve must be there too.
    With `resolved`, `kb` names the article (or `flow:ID`) that solved it, as `resolve --kb`
    records it, and `sop_run` the id of a successful SOP run, linked as `sop run --ticket`
    links one (a `sop.run` event; the run record names the ticket). Returns (ticket, created)."""
    if dedup_scope not in DEDUP_SCOPES:
        raise BadInput(f"dedup scope {dedup_scope!r} is not valid", f"use one of: {', '.join(DEDUP_SCOPES)}")
    if not title or not title.strip():
        raise BadInput("title is empty", "give --title with a short summary")
    access.require(desk, actor, "create")
    if resolved:  # opened already solved (first contact): resolving is asked too
        access.require(desk, actor, "resolve")
    explicit = {"type": type, "category": category, "priority": priority, "impact": impact,
                "urgency": urgency, "channel": channel, "service": service, "group": group,
                "assignee": assignee, "tags": tags or []}
    _validate_choices(desk, explicit)
    run = _credits(desk, resolved, kb, sop_run)
    contact = {"title": title, "description": description, "requester": requester or {},
               "system": system or {}, "channel": channel, "service": service, "type": type}
    ruled, fired = classify(desk, contact)
    decided = _decide(desk, explicit, ruled)
    _validate_choices(desk, {k: decided.get(k) for k in ("type", "category", "priority", "group", "service")})
    prefix = _prefixes(desk)[decided["type"]]
    values = forms.parse_values(desk, fields or {}, ticket_type=decided["type"], category=decided.get("category"))
    facts = {"type": decided["type"], "category": decided.get("category"), "channel": channel}
    if resolved and check_form:
        forms.check_category(desk, decided.get("category"), "the new ticket")
        forms.check_required(desk, "resolve", facts, values)

    store = open_store(desk, actor)
    with store.transaction() as tx:
        now = clock.now_iso()
        if dedup_key:
            existing = tx.find_by_dedup_key(dedup_key, any_status=dedup_scope == "any")
            if existing is not None and existing["status"] not in model.OPEN:
                ticket, created, event = tx.get(existing["id"]), False, None
            elif existing is not None:
                ticket = tx.get(existing["id"])
                lifecycle.check_now(ticket, now)
                count = int(ticket.get("seen_count") or 0) + 1
                changes = lifecycle.apply_changes(ticket, {"seen_count": count})
                event = lifecycle.record(ticket, at=now, actor=actor, action="seen-again", changes=changes,
                                         note=f"seen again ({count}x): {title}", data={"dedup_key": dedup_key})
                tx.put(ticket, model.summary_row(ticket))
                created = False
        if not dedup_key or existing is None:
            forms.check_required(desk, "create", facts, values)  # not for a ticket seen again
            ticket = model.new_ticket(f"{prefix}-{tx.next_number(prefix)}", decided["type"], now)
            ticket.update({
                "title": title.strip(), "description": description or "",
                "category": decided.get("category"), "priority": decided["priority"],
                "impact": decided.get("impact"), "urgency": decided.get("urgency"),
                "channel": channel, "service": decided.get("service"),
                "requester": {"name": None, "email": None, "phone": None, **(requester or {})},
                "system": dict(system or {}), "group": decided["group"],
                "assignee": decided.get("assignee"), "tags": decided["tags"], "dedup_key": dedup_key,
                "links": list(links or []), "fields": values,
            })
            if ticket["assignee"]:
                ticket["status"] = "assigned"
            event = lifecycle.record(ticket, at=now, actor=actor, action="created",
                                     note=f"registered via {channel or 'unknown channel'}")
            if fired:
                lifecycle.record(ticket, at=now, actor=f"rule:{','.join(fired)}", action="classified",
                                 changes={k: [None, v] for k, v in ruled.items()},
                                 note=f"rules fired: {', '.join(fired)}", data={"rules": fired})
            if run is not None:
                lifecycle.record(ticket, at=now, actor=actor, action="sop.run", note=run["note"], data=run["data"])
            _notify_requester(desk, ticket, event)
            if resolved:
                updates: dict[str, Any] = {"status": "resolved", "resolution": resolved, "resolved_at": now,
                                           "first_response_at": now, "first_contact": True}
                if kb:
                    updates["kb_articles"] = [kb]
                changes = lifecycle.apply_changes(ticket, updates)
                lifecycle.record(ticket, at=now, actor=actor, action="resolve", changes=changes,
                                 note="resolved at first contact", data={"kb": kb} if kb else None)
            tx.put(ticket, model.summary_row(ticket))
            created = True
    if created and run is not None:
        _link_run(desk, run["record"], ticket["id"])
    if created:
        events.emit("ticket_created", ticket=ticket, desk=desk)
    elif event is not None:
        events.emit("ticket_updated", ticket=ticket, changes=event["changes"], event=event, desk=desk)
    return ticket, created


DEDUP_SCOPES = ("open", "any")


def _credits(desk, resolved: str | None, kb: str | None, sop_run: str | None) -> dict | None:
    """Check `--kb` and `--sop-run` of a create before anything is written; the run's event
    (note, data as `sop run --ticket` records it, and its record), or None."""
    if (kb or sop_run) and not resolved:
        given, later = (("--kb", "`deskctl ticket resolve ID --kb ...`") if kb
                        else ("--sop-run", "`deskctl sop run NAME --ticket ID`"))
        raise BadInput(f"{given} credits what solved the ticket: it needs --resolved ANSWER",
                       f"add --resolved ANSWER, or credit it when it is solved: {later}")
    if kb and not kb.startswith("flow:"):
        from deskctl.kb.articles import article_exists

        if not article_exists(desk, kb):
            raise NotFound(f"no knowledge-base article {kb!r}", "find one with `deskctl kb search WORDS`")
    if not sop_run:
        return None
    from deskctl.runbooks import records
    from deskctl.util import redact

    record = records.load(desk, sop_run)
    if record.get("status") != "ok":
        raise BadInput(f"--sop-run {sop_run}: the run ended {record.get('status')}, it solved nothing",
                       "give a run that succeeded (`deskctl sop history`)")
    if record.get("ticket"):
        raise BadInput(f"--sop-run {sop_run}: the run is already linked to {record['ticket']}",
                       f"resolve {record['ticket']} instead, or give another run")
    hosts = record.get("hosts", [])
    ok = [h.get("host") for h in hosts if h.get("status") == "ok"]
    data = {"run_id": record["id"], "sop": record.get("sop"), "sop_hash": record.get("sop_hash"),
            "status": record["status"], "params": record.get("params"), "hosts": len(hosts)}
    note = f"SOP {record.get('sop')} run {record['id']}: {record['status']}; ok: {', '.join(map(str, ok)) or 'none'}"
    return {"note": redact.redact(note), "data": redact.redact_data(data), "record": record}


def _link_run(desk, record: dict, ticket_id: str) -> None:
    """The run record names the ticket it solved, as a run made with `--ticket` does."""
    from deskctl.runbooks import records

    records.save(desk, {**record, "ticket": ticket_id})


def create_ticket(desk, *, actor: str, title: str, type: str = "incident", **fields: Any) -> dict:
    ticket, _ = create_or_touch(desk, actor=actor, title=title, type=type, **fields)
    return ticket


# -- lifecycle ----------------------------------------------------------------------------------

def add_event(desk, ticket_id: str, *, actor: str, action: str, note: str = "", data: dict | None = None,
              kb: str | None = None) -> dict:
    """Record something that happened to the ticket (a runbook run, a guided flow...);
    `kb` adds the article or `flow:ID` used to the ticket's `kb_articles` (what `kb stats`
    credits once the ticket is resolved)."""
    def change(ticket, now):
        changes = None
        if kb and kb not in (ticket.get("kb_articles") or []):
            changes = lifecycle.apply_changes(ticket, {"kb_articles": [*(ticket.get("kb_articles") or []), kb]})
        return lifecycle.record(ticket, at=now, actor=actor, action=action, note=note, data=data, changes=changes)

    return change_ticket(desk, ticket_id, actor, "event", change)


def update(desk, ticket_id: str, *, actor: str, fields: dict, note: str = "", data: dict | None = None) -> dict:
    """Change the ticket's attributes in `fields`; its key `fields` holds form values (name ->
    value as written; empty removes one), each change recorded as `fields.NAME` [old, new].
    `data` goes into the history event (the sweep marks its raise `automatic`)."""
    wanted = [f"update:fields.{form_field}" for form_field in fields.get("fields") or {}]
    wanted += [f"update:{name}" for name in fields if name != "fields"]
    for operation in wanted:  # a permission per field: `update:priority`, or `update:*`
        access.require(desk, actor, operation)
    _validate_choices(desk, fields)
    given = fields.get("fields") or {}
    if given:  # checked against the ticket as it will be (type, category) before the lock
        current = get_ticket(desk, ticket_id)
        forms.parse_values(desk, given, ticket_type=current.get("type"),
                           category=fields.get("category", current.get("category")), clearing=True)

    def change(ticket, now):
        updates = {k: v for k, v in fields.items() if k != "fields"}
        if ("impact" in fields or "urgency" in fields) and "priority" not in fields:
            derived = model.derive_priority(desk, fields.get("impact", ticket.get("impact")),
                                            fields.get("urgency", ticket.get("urgency")))
            if derived:
                updates["priority"] = derived
        for key in ("system", "requester"):
            if key in updates:
                updates[key] = {**(ticket.get(key) or {}), **updates[key]}
        changes = lifecycle.apply_changes(ticket, updates)
        if given:
            values = forms.parse_values(desk, given, ticket_type=ticket.get("type"),
                                        category=ticket.get("category"), clearing=True)
            changes.update(_set_fields(ticket, values))
        return lifecycle.record(ticket, at=now, actor=actor, action="update", changes=changes, note=note,
                                data=data)

    return change_ticket(desk, ticket_id, actor, "update", change, permission="", scoped=tuple(wanted))


def _set_fields(ticket: dict, values: dict) -> dict[str, list]:
    """Form values set on the ticket (None removes one); the changes as `fields.NAME` [old, new]."""
    stored = dict(ticket.get("fields") or {})
    changes = {}
    for name, value in values.items():
        old = stored.get(name)
        if old == value:
            continue
        changes[f"fields.{name}"] = [old, value]
        if value is None:
            stored.pop(name, None)
        else:
            stored[name] = value
    if changes:
        ticket["fields"] = stored
    return changes


def _tell_receivers(desk, ticket: dict, *, actor: str, what: str, receivers: list[str], reason: str,
                    notifications: list | None) -> None:
    """Notify the group or person a ticket was handed to, through the desk's channels
    (`sla.notify.deliver`: webhook, mail, and always the notification log). Nobody is told
    about a ticket they gave themselves. The change is stored already: a failed delivery is
    reported in `notifications`, never raised."""
    from deskctl.sla.notify import deliver, staff_recipients

    for receiver in dict.fromkeys(r for r in receivers if r and r != actor):
        tid = ticket["id"]
        subject = f"[{tid}] {what} to {receiver} by {actor}: {ticket.get('title') or ''}"
        text = (f"{tid}: {ticket.get('title') or ''}\n{what} to {receiver} by {actor}"
                + (f": {reason}" if reason else "")
                + f"\npriority {ticket.get('priority')}, group {ticket.get('group')}, "
                  f"assignee {ticket.get('assignee') or '-'}, status {ticket.get('status')}")
        topic = "ticket.escalated" if what == "escalated" else "ticket.assigned"
        results = deliver(desk, topic, {"subject": subject, "text": text, "ticket": tid, "to": receiver},
                          staff_recipients(desk, receiver))
        if notifications is not None:
            notifications.extend({**r, "receiver": receiver} for r in results)


def assign(desk, ticket_id: str, *, actor: str, to: str | None = None, group: str | None = None, note: str = "",
           notify: bool = True, notifications: list | None = None) -> dict:
    """Assign to a person and/or a group; the new holder is notified (`notifications`
    receives one delivery result each)."""
    if not to and not group:
        raise BadInput("assign needs --to USER and/or --group GROUP")
    if group:
        model.check_choice(desk, "group", group)

    def change(ticket, now):
        updates: dict[str, Any] = {"status": "assigned"}
        if group:
            updates["group"] = group
            if not to and group != ticket.get("group"):
                updates["assignee"] = None  # a new group picks its own engineer
        if to:
            updates["assignee"] = to
        changes = lifecycle.apply_changes(ticket, updates)
        return lifecycle.record(ticket, at=now, actor=actor, action="assign", changes=changes, note=note)

    ticket = change_ticket(desk, ticket_id, actor, "assign", change)
    event = ticket["history"][-1]
    receivers = []
    if "assignee" in event["changes"] and ticket.get("assignee"):
        receivers.append(ticket["assignee"])  # a person: the group needs no separate word
    elif "group" in event["changes"]:
        receivers.append(ticket["group"])
    if notify:
        _tell_receivers(desk, ticket, actor=actor, what="assigned", receivers=receivers, reason=note,
                        notifications=notifications)
    return ticket


def start(desk, ticket_id: str, *, actor: str, note: str = "") -> dict:
    def change(ticket, now):
        updates: dict[str, Any] = {"status": "in_progress", "pending_reason": None}
        if not ticket.get("assignee"):
            updates["assignee"] = actor
        action = "resume" if ticket["status"] == "pending" else "start"
        changes = lifecycle.apply_changes(ticket, updates)
        return lifecycle.record(ticket, at=now, actor=actor, action=action, changes=changes, note=note)

    return change_ticket(desk, ticket_id, actor, "start", change)


def pend(desk, ticket_id: str, *, actor: str, reason: str, on: str = "requester") -> dict:
    if not reason.strip():
        raise BadInput("pend needs --reason (what the ticket waits for)")
    if on not in ("requester", "third-party"):
        raise BadInput(f"--on {on!r} is not valid", "use requester or third-party")

    def change(ticket, now):
        changes = lifecycle.apply_changes(ticket, {"status": "pending", "pending_reason": reason, "pending_on": on})
        return lifecycle.record(ticket, at=now, actor=actor, action="pend", changes=changes, note=reason)

    return change_ticket(desk, ticket_id, actor, "pend", change)


def escalate(desk, ticket_id: str, *, actor: str, group: str, reason: str, notify: bool = True,
             notifications: list | None = None) -> dict:
    """Hand the ticket to `group`, which is notified (`notifications` receives one delivery
    result each)."""
    model.check_choice(desk, "group", group)
    if not reason.strip():
        raise BadInput("escalate needs --reason (why first line cannot solve it)")

    def change(ticket, now):
        changes = lifecycle.apply_changes(ticket, {
            "status": "escalated", "group": group, "assignee": None,
            "escalation_level": int(ticket.get("escalation_level") or 0) + 1})
        return lifecycle.record(ticket, at=now, actor=actor, action="escalate", changes=changes, note=reason)

    ticket = change_ticket(desk, ticket_id, actor, "escalate", change)
    if notify:
        _tell_receivers(desk, ticket, actor=actor, what="escalated", receivers=[group], reason=reason,
                        notifications=notifications)
    return ticket


def comment(desk, ticket_id: str, *, actor: str, text: str, internal: bool = False) -> dict:
    if not text.strip():
        raise BadInput("comment text is empty")

    def change(ticket, now):
        changes = {}
        if not internal and not ticket.get("first_response_at"):
            changes = lifecycle.apply_changes(ticket, {"first_response_at": now})
        return lifecycle.record(ticket, at=now, actor=actor, action="comment", changes=changes, note=text,
                                internal=internal)

    return change_ticket(desk, ticket_id, actor, "comment", change)


def resolve(desk, ticket_id: str, *, actor: str, resolution: str, kb: str | None = None,
            category: str | None = None, fields: dict | None = None, check_form: bool = False,
            note: str | None = None, notify: bool = True) -> dict:
    """Record the solution; `category` and `fields` (form values) are set with it.

    With `check_form` (a person resolving by hand: `ticket resolve`) the ticket must then have a
    category (unless `tickets.require_category_at_resolve` is false) and every field the form
    requires at resolve. Automatic resolutions (the sweep closing an abandoned ticket, a SOP
    run, a KB flow) leave it False: they have nobody to ask."""
    if not resolution.strip():
        raise BadInput("resolve needs --resolution (what fixed it, in words the requester understands)")
    if category is not None:
        model.check_choice(desk, "category", category, "categories")
    if kb and not kb.startswith("flow:"):
        from deskctl.kb.articles import article_exists

        if not article_exists(desk, kb):
            raise NotFound(f"no knowledge-base article {kb!r}", "find one with `deskctl kb search WORDS`")

    def form_values(ticket) -> dict:
        """The form values given, typed; with `check_form`, refused when the form is not complete."""
        category_then = category or ticket.get("category")
        values = forms.parse_values(desk, fields or {}, ticket_type=ticket.get("type"), category=category_then)
        if check_form:
            forms.check_category(desk, category_then, ticket.get("id"))
            forms.check_required(desk, "resolve", {**ticket, "category": category_then},
                                 {**(ticket.get("fields") or {}), **values})
        return values

    def change(ticket, now):
        values = form_values(ticket)
        updates: dict[str, Any] = {"status": "resolved", "resolution": resolution, "resolved_at": now,
                                   "pending_reason": None}
        if category is not None:
            updates["category"] = category
        if not ticket.get("first_response_at"):
            updates["first_response_at"] = now
        if kb:
            updates["kb_articles"] = list(dict.fromkeys([*(ticket.get("kb_articles") or []), kb]))
        changes = lifecycle.apply_changes(ticket, updates)
        changes.update(_set_fields(ticket, values))
        data: dict[str, Any] = {"kb": kb} if kb else {}
        if not notify:  # the requester is told about this once, by another ticket's notice
            data["notify"] = False
        return lifecycle.record(ticket, at=now, actor=actor, action="resolve", changes=changes,
                                note=f"{resolution} ({note})" if note else resolution, data=data or None)

    current = get_ticket(desk, ticket_id)
    if current["status"] in ("resolved", "closed") and current.get("resolution") == resolution:
        return current  # the same resolution again (a retried CI job): already done, not an error
    if current["status"] in lifecycle.ALLOWED["resolve"]:
        form_values(current)  # a missing category is refused before the lock, with nothing written
    return change_ticket(desk, ticket_id, actor, "resolve", change)


def close(desk, ticket_id: str, *, actor: str, confirmed: bool = False, note: str = "") -> dict:
    def change(ticket, now):
        changes = lifecycle.apply_changes(ticket, {"status": "closed", "closed_at": now, "confirmed": confirmed})
        text = note or ("requester confirmed the resolution" if confirmed else "closed without confirmation")
        return lifecycle.record(ticket, at=now, actor=actor, action="close", changes=changes, note=text)

    # closing as confirmed speaks for the requester: a permission of its own
    return change_ticket(desk, ticket_id, actor, "close", change,
                         permission="close-confirmed" if confirmed else "close")


def reopen(desk, ticket_id: str, *, actor: str, reason: str) -> dict:
    if not reason.strip():
        raise BadInput("reopen needs --reason")

    def change(ticket, now):
        changes = lifecycle.apply_changes(ticket, {
            "status": "in_progress" if ticket.get("assignee") else "new",
            "resolved_at": None, "closed_at": None, "confirmed": None, "archived": False,
            "resolution": None,  # the old one did not hold; the history keeps it
            "reopen_count": int(ticket.get("reopen_count") or 0) + 1})
        return lifecycle.record(ticket, at=now, actor=actor, action="reopen", changes=changes, note=reason)

    return change_ticket(desk, ticket_id, actor, "reopen", change)


def link(desk, ticket_id: str, other_id: str, *, actor: str, kind: str = "related") -> dict:
    if kind not in model.LINK_KINDS:
        raise BadInput(f"link kind {kind!r} is not valid", f"use one of: {', '.join(model.LINK_KINDS)}")
    prefixes = _prefixes(desk)
    a, b = normalise_id(ticket_id, prefixes), normalise_id(other_id, prefixes)
    if a == b:
        raise BadInput(f"cannot link {a} to itself")
    access.require(desk, actor, "link")
    store = open_store(desk, actor)
    with store.transaction() as tx:
        first, second = tx.get(a), tx.get(b)
        for tid, ticket in ((a, first), (b, second)):
            if ticket is None:
                raise NotFound(f"no ticket {tid}", "list tickets with `deskctl ticket list --all`")
        now = clock.now_iso()
        for ticket in (first, second):
            lifecycle.check_now(ticket, now)
        recorded = []
        for ticket, other, k in ((first, b, kind), (second, a, model.LINK_KINDS[kind])):
            links = [dict(x) for x in ticket.get("links") or [] if x.get("id") != other]
            links.append({"id": other, "kind": k})
            changes = lifecycle.apply_changes(ticket, {"links": links})
            recorded.append(lifecycle.record(ticket, at=now, actor=actor, action="link", changes=changes,
                                             note=f"{k} {other}"))
            tx.put(ticket, model.summary_row(ticket))
    for ticket, event in zip((first, second), recorded, strict=True):
        events.emit("ticket_updated", ticket=ticket, changes=event["changes"], event=event, desk=desk)
    return first


def attach(desk, ticket_id: str, path: str, *, actor: str) -> dict:
    from pathlib import Path

    source = Path(path)
    if not source.is_file():
        raise BadInput(f"{source}: no such file", "give the path of a file to attach")
    tid = normalise_id(ticket_id, _prefixes(desk))
    get_ticket(desk, tid)  # unknown id: fail before copying anything
    from deskctl.store import open_backend

    info = open_backend(desk, actor).attachments.put(tid, source.name, source)
    sha = info["sha256"]

    def change(ticket, now):
        attachments = [*(ticket.get("attachments") or []), {**info, "at": now, "actor": actor}]
        changes = lifecycle.apply_changes(ticket, {"attachments": attachments})
        return lifecycle.record(ticket, at=now, actor=actor, action="attach", changes={"attachments": [None, info["name"]]} if changes else {},
                                note=f"attached {source.name} (sha256 {sha[:12]}…)", data=info)

    return change_ticket(desk, tid, actor, "attach", change)
