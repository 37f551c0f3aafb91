"""The life of an announcement: draft -> submitted -> approved -> published -> (updated ...)
-> resolved -> archived, with rejection sending it back for changes; `cancel` ends one that
will not happen (a published one through an approved, published cancellation notice).

Each step is one locked read-modify-write of the record (see `store`), records who did what
and when in the timeline, and refuses a step that does not fit the current status with a
message saying what to do instead. Delivery is `publish`'s job.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from deskctl import access
from deskctl.announcements import roles
from deskctl.announcements.fields import FieldChecker, Where, desk_zone, to_instant
from deskctl.announcements.kinds import (
    CANCEL_CARRIED,
    CANCEL_KIND,
    CLOSING_KIND,
    get_kind,
    load_kinds,
)
from deskctl.announcements.records import public_version, version_of
from deskctl.announcements.store import Announcements
from deskctl.errors import BadInput, NotPermitted, ValidationFailed
from deskctl.util import clock

STATUSES = ("draft", "submitted", "rejected", "approved", "published", "resolved", "cancelled", "archived")
EDITABLE = ("draft", "rejected", "submitted", "approved", "published")
CLOSING_FACTS = {"resolution", "end"}  # what `resolve` may set without a new approval
CANCEL_FACTS = {"cancellation"}  # what `cancel` may set (the notice needs approval anyway)


def event(record: dict, actor: str, action: str, note: str = "", **data: Any) -> dict:
    entry = {"at": clock.now_iso(), "actor": actor, "action": action, "version": record.get("version")}
    if note:
        entry["note"] = note
    entry.update({k: v for k, v in data.items() if v is not None})
    record.setdefault("timeline", []).append(entry)
    record["updated_at"] = entry["at"]
    return entry


def current_fields(record: dict) -> dict:
    return dict(record["versions"][-1]["fields"])


def severity_of(record: dict) -> str:
    """The severity approvals are counted for. For a change to a published announcement
    the stricter of the published and the changed version: lowering the severity in the
    same change must not lower the approvals it needs."""
    severity = str(current_fields(record).get("severity") or "minor")
    if record.get("pending") and record.get("public_version") is not None:
        published = public_version(record)["fields"].get("severity") or "minor"
        if "major" in (severity, published):
            return "major"
    return severity


def updates_preapproved(config: dict, kind: str) -> bool:
    """Whether the desk lets this kind's updates and closing notices go out without a new
    approval (`announcements.preapproved_updates: [KIND, ...]`)."""
    listed = (config.get("announcements") or {}).get("preapproved_updates") or []
    return kind in listed


def awaiting_approval(record: dict) -> bool:
    """Submitted for approval: a draft sent in, or a change to a published announcement."""
    if record["status"] == "submitted":
        return True
    pending = record.get("pending") or {}
    return record["status"] == "published" and pending.get("status") == "submitted"


def _checked(kind_name: str, config: dict, raw: dict, where: Where) -> dict:
    kind = get_kind(config, kind_name)
    checker = FieldChecker(kind, config)
    fields, problems = checker.check(raw, where)
    if problems:
        raise ValidationFailed(problems, f"{len(problems)} problem(s) in the {kind_name} announcement",
                               "fix each field above and run the command again")
    return checker.with_defaults(fields)


def create(desk, kind_name: str, raw: dict, *, actor: str, where: Where, ticket: str | None = None) -> dict:
    """A new draft (version 1); every problem in `raw` is reported at once."""
    access.require(desk, actor, "announce")
    fields = _checked(kind_name, desk.config, raw, where)
    now = clock.now_iso()

    def build(ann_id: str) -> dict:
        record = {
            "id": ann_id,
            "kind": kind_name,
            "status": "draft",
            "version": 1,
            "ticket": ticket,
            "created_at": now,
            "created_by": actor,
            "updated_at": now,
            "round": 0,
            "versions": [{"version": 1, "notice": "announcement", "fields": fields, "created_at": now, "created_by": actor}],
            "approvals": [],
            "deliveries": [],
            "timeline": [],
        }
        event(record, actor, "created", f"{kind_name} draft", ticket=ticket)
        return record

    return Announcements.for_desk(desk, actor).create(build)


def _change(desk, ann_id: str, actor: str, change: Callable[[dict], Any], permission: str = "announce") -> dict:
    if permission:  # approvals check theirs inside, once the severity is known
        access.require(desk, actor, permission)
    return Announcements.for_desk(desk, actor).update(ann_id, change)


def _require(record: dict, allowed: tuple[str, ...], doing: str, hint: str) -> None:
    if record["status"] not in allowed:
        raise BadInput(f"{record['id']} is {record['status']}: cannot {doing}", hint)


def submit(desk, ann_id: str, *, actor: str, note: str = "", short_notice: str | None = None) -> dict:
    """Send a draft (or a rejected change) for approval. One that starts sooner than its
    kind's minimum notice needs `short_notice` (the reason, shown to the approvers)."""
    from deskctl.announcements import notice

    def change(record: dict) -> None:
        pending = record.get("pending") or {}
        if record["status"] == "published" and pending.get("status") == "rejected":
            pending["status"] = "submitted"  # the rejected change sent in again as it is
        else:
            _require(record, ("draft", "rejected"), "submit it", "only a draft or rejected announcement is submitted for approval")
            record["status"] = "submitted"
        found = notice.short_notice(desk.config, record, version_of(record))
        notice.require(record, found, short_notice, actor, "submit")
        record["round"] = int(record.get("round", 0)) + 1
        rules = roles.rules_for(desk.config, severity_of(record))
        event(record, actor, "submitted", note or f"needs {roles.describe(rules)}")

    return _change(desk, ann_id, actor, change)


def valid_approvals(record: dict) -> list[dict]:
    """Approvals of the current approval round (a change or rejection starts a new one)."""
    return [a for a in record.get("approvals", []) if a.get("decision") == "approved" and a.get("round") == record.get("round")]


def approve(desk, ann_id: str, *, actor: str, comment: str = "") -> dict:
    config = desk.config

    def change(record: dict) -> None:
        if not awaiting_approval(record):
            _require(record, ("submitted",), "approve it", f"run `deskctl announce submit {record['id']}` first"
                     if record["status"] in ("draft", "rejected") or record.get("pending") else "it needs no approval now")
        severity = severity_of(record)
        access.require(desk, actor, f"approve-announcement:{severity}")
        held = roles.roles_of(config, actor)
        needed = roles.approving_roles(config, severity)
        if not set(held) & needed:
            raise NotPermitted(
                f"{actor} may not approve {record['id']} ({severity}): approving needs the role "
                f"{' or '.join(sorted(needed))}",
                "add the name under `roles:` in config/deskctl.yaml, or ask someone who holds the role",
            )
        allow_self = bool((config.get("announcements") or {}).get("self_approval", False))
        if not allow_self and actor.lower() == str(record.get("created_by", "")).lower():
            raise NotPermitted(
                f"{actor} created {record['id']} and may not approve it too",
                "ask another approver (or set announcements.self_approval: true)",
            )
        changed_by = str((record.get("pending") or {}).get("by", ""))
        if not allow_self and actor.lower() == changed_by.lower():
            raise NotPermitted(
                f"{actor} wrote version {record['version']} of {record['id']} and may not approve it too",
                "ask another approver (or set announcements.self_approval: true)",
            )
        if any(a["actor"].lower() == actor.lower() for a in valid_approvals(record)):
            raise BadInput(f"{actor} has already approved version {record['version']} of {record['id']}")
        record.setdefault("approvals", []).append({
            "actor": actor, "roles": held, "decision": "approved", "version": record["version"],
            "round": record.get("round"), "at": clock.now_iso(), "comment": comment,
        })
        rules = roles.rules_for(config, severity)
        done = roles.satisfied(rules, valid_approvals(record))
        if done and record.get("pending"):
            # a change to a published announcement: `publish` now sends it to the public
            del record["pending"]
            record["approved_version"] = record["version"]
        elif done:
            record["status"] = "approved"
            record["approved_version"] = record["version"]
        note = comment or ("approval complete" if done else f"still needs {roles.describe(rules)} in all")
        event(record, actor, "approved", note, roles=held)

    return _change(desk, ann_id, actor, change, permission="")


def reject(desk, ann_id: str, *, actor: str, reason: str) -> dict:
    config = desk.config
    if not reason.strip():
        raise BadInput("a rejection needs a reason", "pass --reason TEXT")

    def change(record: dict) -> None:
        if not awaiting_approval(record):
            _require(record, ("submitted", "approved"), "reject it",
                     "only a submitted or approved announcement, or a change awaiting approval, can be rejected")
        access.require(desk, actor, f"approve-announcement:{severity_of(record)}")
        held = roles.roles_of(config, actor)
        if not set(held) & roles.approving_roles(config, severity_of(record)):
            raise NotPermitted(f"{actor} may not reject {record['id']}: that needs an approver role",
                               "add the name under `roles:` in config/deskctl.yaml")
        record.setdefault("approvals", []).append({
            "actor": actor, "roles": held, "decision": "rejected", "version": record["version"],
            "round": record.get("round"), "at": clock.now_iso(), "comment": reason,
        })
        if record.get("pending"):
            record["pending"]["status"] = "rejected"  # the public keeps the published version
        else:
            record["status"] = "rejected"
        record["round"] = int(record.get("round", 0)) + 1  # earlier approvals no longer count
        event(record, actor, "rejected", reason)

    return _change(desk, ann_id, actor, change, permission="")


def _new_version(record: dict, fields: dict, actor: str, note: str, *, notice: str = "announcement",
                 template_kind: str | None = None) -> dict:
    number = record["versions"][-1]["version"] + 1
    version = {"version": number, "notice": notice, "fields": fields, "created_at": clock.now_iso(), "created_by": actor}
    if template_kind:
        version["template_kind"] = template_kind
    if note:
        version["note"] = note
    record["versions"].append(version)
    record["version"] = number
    return version


def _merge_texts(before: dict, raw: dict, config: dict) -> dict:
    """`raw` on top of `before`; a text given per language (`--set impact.ru=...`) adds or
    replaces that language and keeps the others."""
    default = str(config.get("default_language") or "en")
    merged = {**before, **raw}
    for name, value in raw.items():
        old = before.get(name)
        if isinstance(value, dict) and old is not None and not isinstance(old, list):
            base = dict(old) if isinstance(old, dict) else {default: old}
            merged[name] = {**base, **{(lang or default): text for lang, text in value.items()}}
    return merged


def update(desk, ann_id: str, raw: dict, *, actor: str, where: Where, note: str = "") -> dict:
    """A new version with `raw` applied on top of the current fields.

    Changing a draft or one awaiting approval sends it back to draft (approvals so far were
    for other words). A change to a published announcement needs approval too: it is
    recorded as a change awaiting approval (`pending`), the public keeps the published
    version (`public_version`) until it is approved and published.
    """
    config = desk.config

    def change(record: dict) -> None:
        _require(record, EDITABLE, "update it", "a resolved announcement is closed; create a post-incident or a new announcement")
        before = current_fields(record)
        notice = record["versions"][-1].get("notice")
        if notice in ("cancellation", "closing"):
            doing = "cancelled" if notice == "cancellation" else "resolved"
            if (record.get("pending") or {}).get("status") != "rejected":
                raise BadInput(f"{record['id']} is being {doing} (version {record['version']}): it cannot be changed",
                               f"publish the {notice} notice, or have it rejected (`deskctl announce reject {record['id']}`)")
            before = dict(public_version(record)["fields"])  # the rejected notice is dropped
            record.pop("cancel_reason", None)
        fields = _checked(record["kind"], config, _merge_texts(before, raw, config), where)
        changed = sorted(k for k in set(fields) | set(before) if fields.get(k) != before.get(k))
        if not changed:
            raise BadInput(f"nothing changes in {record['id']}", "pass --set field=value with a new value")
        if record["status"] == "published":
            record.setdefault("public_version", public_version(record)["version"])
        _new_version(record, fields, actor, note)
        summary = f"changed {', '.join(changed)}"
        if record["status"] == "published" and updates_preapproved(config, record["kind"]):
            record.pop("pending", None)
            record["approved_version"] = record["version"]
            summary += f"; pre-approved ({record['kind']} updates): `publish` sends it"
        elif record["status"] == "published":
            record["pending"] = {"version": record["version"], "status": "submitted", "by": actor}
            record["round"] = int(record.get("round", 0)) + 1
            summary += f"; awaits approval, the public keeps version {record['public_version']}"
        elif record["status"] in ("submitted", "approved"):
            # approvals were given for other words: they must be given again
            record["status"] = "draft"
            record["round"] = int(record.get("round", 0)) + 1
            summary += "; approvals reset: submit it again"
        event(record, actor, "updated", note or summary, changed=changed)

    return _change(desk, ann_id, actor, change)


def resolve(desk, ann_id: str, raw: dict, *, actor: str, where: Where, at: str | None = None,
            refuse_fallbacks: bool = False) -> dict:
    """Close a published announcement: a new version rendered with the closing-notice
    templates, `end` set to when it was resolved (now unless `at`). Only the closing facts
    (`resolution`, `end`) are set here: changing what was published (a title, the impact)
    is an update, which needs approval. Like an update, the closing notice awaits approval
    under the same rules (then `publish` sends it and the announcement is resolved), unless
    the kind's updates are pre-approved: then it is resolved at once."""
    config = desk.config
    zone_now: datetime = clock.now().astimezone(desk_zone(config))
    others = sorted(set(raw) - CLOSING_FACTS)
    if others:
        raise NotPermitted(
            f"{ann_id}: resolve sets only {', '.join(sorted(CLOSING_FACTS))}, not {', '.join(others)}",
            "change the published text with `deskctl announce update` (it needs approval), then resolve",
        )
    try:
        resolved_at = to_instant(at, zone_now.tzinfo).isoformat() if at else zone_now.isoformat(timespec="seconds")
    except (ValueError, TypeError) as exc:
        raise BadInput(f"--at {at!r} is not a date and time ({exc})", "write it like 2026-12-05T22:00:00+01:00") from None

    def change(record: dict) -> None:
        _require(record, ("published",), "resolve it",
                 "only a published announcement is resolved; a draft that is not needed can be archived")
        # (resolving again replaces a closing notice not yet published: it needs approval anew)
        # the closing notice follows what the public saw, not a change still awaiting approval
        shown = public_version(record)
        base = dict(shown["fields"])
        unpublished = record["version"] if shown["version"] != record["version"] else None
        at_once = updates_preapproved(config, record["kind"])
        record.pop("pending", None)
        if at_once:
            record.pop("public_version", None)  # from now on the closing notice is what is shown
        else:
            record["public_version"] = shown["version"]
        kinds = load_kinds(config)
        closing = kinds[CLOSING_KIND]
        start = base.get("start")
        if start and "end" not in raw and datetime.fromisoformat(resolved_at) <= datetime.fromisoformat(start):
            raise BadInput(f"{record['id']} has not started yet (start {start}): a closing notice needs an end after it",
                           "pass --at TIME after the start, or update the announcement instead")
        # what users could do meanwhile is over (and closing notices never show it)
        carried = {k: v for k, v in base.items() if k in closing.fields and k != "workaround"}
        merged = {**carried, "end": resolved_at, **raw}
        fields = _checked(CLOSING_KIND, config, merged, where)
        version = _new_version(record, fields, actor, "closing notice", notice="closing", template_kind=CLOSING_KIND)
        if not at_once:  # like an update: approved under the same rules, then `publish` resolves it
            record["pending"] = {"version": record["version"], "status": "submitted", "by": actor, "notice": "closing"}
            record["round"] = int(record.get("round", 0)) + 1
            rules = roles.rules_for(config, severity_of(record))
            note = (f"closing notice (end {fields['end']}) awaits approval (needs {roles.describe(rules)}); "
                    f"the public keeps version {record['public_version']}")
            if unpublished:
                note += f"; version {unpublished} was never published and is dropped"
            event(record, actor, "resolve-requested", note)
            return
        if refuse_fallbacks:  # it is published at once, and a resolved announcement can no longer be changed
            from deskctl.announcements.publish import fallback_problems

            problems = fallback_problems(desk, record, version)
            if problems:
                raise ValidationFailed(problems, f"{record['id']}: the closing notice is missing {len(problems)} translation(s)",
                                       "give resolution a text per language (--set resolution.it=...); another field "
                                       "is changed with `deskctl announce update` first; or pass --allow-fallback")
        record["status"] = "resolved"
        record["resolved_at"] = fields["end"]
        note = f"resolved at {fields['end']}"
        if unpublished:
            note += f"; version {unpublished} was never published and is not"
        event(record, actor, "resolved", note)

    return _change(desk, ann_id, actor, change)


def archive(desk, ann_id: str, *, actor: str) -> dict:
    def change(record: dict) -> None:
        _require(record, ("resolved", "cancelled", "draft", "rejected"), "archive it",
                 "resolve a published announcement first (`deskctl announce resolve ID`)")
        record["status"] = "archived"
        record["archived_at"] = clock.now_iso()
        event(record, actor, "archived")

    return _change(desk, ann_id, actor, change)


def cancel(desk, ann_id: str, raw: dict, *, actor: str, where: Where, reason: str) -> dict:
    """An announcement that will not happen. One never published is simply cancelled
    (nothing was sent, nothing is). A published one gets a cancellation notice as a new
    version rendered with the cancellation templates; like an update it awaits approval,
    then `publish` sends it where the announcement went and the status turns `cancelled`."""
    config = desk.config
    if not reason.strip():
        raise BadInput("a cancellation needs a reason", "pass --reason TEXT")
    others = sorted(set(raw) - CANCEL_FACTS)
    if others:
        raise NotPermitted(
            f"{ann_id}: cancel sets only {', '.join(sorted(CANCEL_FACTS))}, not {', '.join(others)}",
            "the cancellation notice says which event will not happen; --set cancellation.LANG=... adds a text",
        )

    def change(record: dict) -> None:
        status = record["status"]
        if status in ("draft", "submitted", "rejected", "approved") and not record.get("published_at"):
            record["status"] = "cancelled"
            record["cancelled_at"] = clock.now_iso()
            record["cancel_reason"] = reason.strip()
            event(record, actor, "cancelled", f"{reason.strip()}; it was never published: nothing is sent")
            return
        _require(record, ("published",), "cancel it",
                 "only an announcement that was not published yet, or a published one that will not happen, is cancelled")
        pending = record.get("pending") or {}
        if record["versions"][-1].get("notice") == "cancellation" and pending.get("status") != "rejected":
            raise BadInput(f"{record['id']}: its cancellation (version {record['version']}) is already recorded",
                           f"have it approved, then `deskctl announce publish {record['id']}`")
        shown = public_version(record)
        unpublished = record["version"] if shown["version"] != record["version"] else None
        carried = {k: v for k, v in shown["fields"].items() if k in CANCEL_CARRIED}
        fields = _checked(CANCEL_KIND, config, _merge_texts(carried, raw, config), where)
        record.setdefault("public_version", shown["version"])
        _new_version(record, fields, actor, "cancellation notice", notice="cancellation", template_kind=CANCEL_KIND)
        record["pending"] = {"version": record["version"], "status": "submitted", "by": actor, "notice": "cancellation"}
        record["round"] = int(record.get("round", 0)) + 1
        record["cancel_reason"] = reason.strip()
        note = f"{reason.strip()}; the cancellation notice awaits approval, the public keeps version {record['public_version']}"
        if unpublished:
            note += f"; version {unpublished} was never published and is dropped"
        rules = roles.rules_for(config, severity_of(record))
        event(record, actor, "cancel-requested", note + f" (needs {roles.describe(rules)})")

    return _change(desk, ann_id, actor, change)
