"""Deliver an announcement version through the desk's channels, exactly once per target.

Each delivery is keyed by (announcement, version, channel, language, recipient list). A key
already delivered is skipped, so publishing again sends nothing twice; a failed delivery is
recorded with its error and tried again by the next `announce publish`. Every result is
written to the record (and its timeline) as soon as its channel returns.

Channel plugins (hook `register_channels`) provide an object with:

- ``template``: the template channel they send (``email``, ``sms``, ``chat``, ``web``,
  ``bulletin``), or ``None`` for all of them;
- ``check(settings) -> list[str]`` (optional): problems with the channel's settings; any
  problem stops the publish before anything is sent;
- ``targets(announcement, language, settings) -> list[list[str]]`` (optional): the recipient
  lists for a language, ``[[]]`` for one delivery without recipients, ``[]`` for none;
- ``deliver(announcement, rendered, settings) -> list[dict]``: send each ``Outgoing`` in
  ``rendered``; return one ``{"key", "status": "sent"|"failed", "detail"|"error"}`` each.

``settings`` is the channel's ``channels.<name>`` section with ``_desk`` (the Desk) added.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from deskctl.announcements.records import languages_of, release_version
from deskctl.announcements.render import TEMPLATE_CHANNELS, Rendered, Renderer
from deskctl.announcements.store import Announcements
from deskctl.announcements.workflow import event
from deskctl.errors import BadInput, NotPermitted, ValidationFailed
from deskctl.util import clock, redact


@dataclass
class Outgoing:
    key: str
    channel: str
    language: str
    recipients: list[str]
    content: dict[str, Rendered]  # template channel -> rendered parts

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "channel": self.channel, "language": self.language, "recipients": self.recipients}


@dataclass
class PublishReport:
    id: str
    version: int
    sent: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # already delivered earlier
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "version": self.version, "sent": self.sent, "failed": self.failed,
            "already_sent": self.skipped, "notes": self.notes, "warnings": self.warnings,
        }


def delivery_key(ann_id: str, version: int, channel: str, language: str, recipients: list[str]) -> str:
    raw = json.dumps([ann_id, version, channel, language, sorted(r.lower() for r in recipients)])
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


def channel_settings(desk, name: str) -> dict[str, Any]:
    section = (desk.config.get("channels") or {}).get(name) or {}
    settings = dict(section) if isinstance(section, dict) else {}
    for secret_key in ("password", "token", "secret"):
        redact.add_secret(settings.get(secret_key))
    settings["_desk"] = desk
    return settings


def publish_channels(desk, chosen: list[str] | None) -> list[str]:
    if chosen:
        return list(dict.fromkeys(chosen))
    names = (desk.config.get("announcements") or {}).get("publish_channels") or ["file", "statuspage"]
    return [str(n) for n in names]


def _check_publishable(record: dict) -> None:
    status = record["status"]
    if status in ("draft", "submitted", "rejected"):
        hint = {
            "draft": f"submit it (`deskctl announce submit {record['id']}`) and have it approved first",
            "submitted": f"it awaits approval: `deskctl announce approve {record['id']}` by an approver",
            "rejected": "it was rejected: update it, submit it again and have it approved",
        }[status]
        raise NotPermitted(f"{record['id']} is {status}, not approved: it cannot be published", hint)
    if status == "archived":
        raise BadInput(f"{record['id']} is archived: nothing to publish")
    if status == "cancelled" and (record["versions"][-1].get("notice") != "cancellation"):
        raise BadInput(f"{record['id']} was cancelled before it was published: nothing to publish")


def went_to(record: dict, before: int) -> list[str]:
    """The channels earlier versions were delivered through, in the order first used."""
    names = [d["channel"] for d in record.get("deliveries", [])
             if d.get("status") == "sent" and int(d.get("version", 0)) < before]
    return list(dict.fromkeys(names))


def fallback_problems(desk, record: dict, version: dict) -> list[str]:
    """One line per free-text field without its own text in a language `version` goes to."""
    from deskctl.announcements.fields import missing_translations
    from deskctl.announcements.kinds import load_kinds

    kind = load_kinds(desk.config).get(version.get("template_kind") or record["kind"])
    if kind is None:
        return []
    default = str(desk.config.get("default_language") or "en")
    languages = languages_of(record, version, desk.config)
    return [f"{record['id']} v{version['version']}: {name} has no {lang} text (the {lang} notices would show "
            f"the {default} text; add it with --set {name}.{lang}=...)"
            for name, lang in missing_translations(kind, version.get("fields") or {}, languages, default)]


def plan(desk, record: dict, channels: dict[str, Any], names: list[str], renderer: Renderer) -> tuple[list[Outgoing], PublishReport]:
    """Everything this publish would deliver, rendered up front: a template error stops the
    publish before anything is sent."""
    version = release_version(record)
    report = PublishReport(record["id"], version["version"])
    unknown = [n for n in names if n not in channels]
    if unknown:
        raise BadInput(f"unknown channel(s) {', '.join(unknown)}", f"installed channels: {', '.join(sorted(channels))}")
    problems = []
    for name in names:
        check = getattr(channels[name], "check", None)
        problems += [f"{desk.rel(desk.config_file)}: {p}" for p in (check(channel_settings(desk, name)) if check else [])]
    if problems:
        raise ValidationFailed(problems, f"cannot publish {record['id']}: channel settings are incomplete",
                               "fix config/deskctl.yaml, or choose other channels with --channel")
    languages = languages_of(record, version, desk.config)
    done = {d["key"] for d in record.get("deliveries", []) if d.get("status") == "sent"}
    cache: dict[tuple[str, str], Rendered] = {}
    outgoing: list[Outgoing] = []
    for name in names:
        channel = channels[name]
        settings = channel_settings(desk, name)
        template = getattr(channel, "template", None)
        wanted = [template] if template else list(TEMPLATE_CHANNELS)
        for lang in languages:
            targets_of = getattr(channel, "targets", None)
            targets = targets_of(record, lang, settings) if targets_of else [[]]
            if not targets:
                report.notes.append(f"{name}: no recipients for {lang}; not sent by {name}")
                continue
            for recipients in targets:
                key = delivery_key(record["id"], version["version"], name, lang, list(recipients))
                entry = {"channel": name, "language": lang, "recipients": list(recipients), "key": key}
                if key in done:
                    report.skipped.append(entry)
                    continue
                content = {}
                for tch in wanted:
                    if (lang, tch) not in cache:
                        cache[(lang, tch)] = renderer.render(record, version, lang, tch)
                        report.warnings += cache[(lang, tch)].warnings
                    content[tch] = cache[(lang, tch)]
                outgoing.append(Outgoing(key, name, lang, list(recipients), content))
    report.warnings = list(dict.fromkeys(report.warnings))
    return outgoing, report


def _record_results(store: Announcements, ann_id: str, actor: str, version: int,
                    batch: list[Outgoing], results: list[dict]) -> None:
    by_key = {r.get("key"): r for r in results}

    def change(record: dict) -> None:
        deliveries = record.setdefault("deliveries", [])
        for item in batch:
            result = by_key.get(item.key) or {"status": "failed", "error": "the channel returned no result"}
            status = "sent" if result.get("status") == "sent" else "failed"
            previous = next((d for d in deliveries if d["key"] == item.key), None)
            entry = previous or {"key": item.key, "version": version, "channel": item.channel,
                                 "language": item.language, "recipients": item.recipients, "attempts": 0}
            entry["attempts"] = int(entry.get("attempts", 0)) + 1
            entry.update(status=status, at=clock.now_iso())
            entry.pop("error", None)
            if status == "sent":
                entry["detail"] = redact.redact(str(result.get("detail", "")))
            else:
                entry["error"] = redact.redact(str(result.get("error") or "delivery failed"))
            if previous is None:
                deliveries.append(entry)
            where = f"{item.channel} {item.language}" + (f" to {', '.join(item.recipients)}" if item.recipients else "")
            if status == "sent":
                event(record, actor, "delivered", where, channel=item.channel, language=item.language, key=item.key)
            else:
                event(record, actor, "delivery-failed", f"{where}: {entry['error']}", channel=item.channel,
                      language=item.language, key=item.key)

    store.update(ann_id, change)


def _as_released(record: dict, number: int) -> dict:
    """The record as channels see it: `version` and the last of `versions` are the version
    being delivered, never a later change still awaiting approval."""
    return {**record, "version": number, "versions": [v for v in record["versions"] if v["version"] <= number]}


def publish(desk, ann_id: str, *, actor: str, channels: dict[str, Any], only: list[str] | None = None,
            allow_fallback: bool = False, short_notice: str | None = None) -> PublishReport:
    """Publish the current version of an approved (or already published) announcement.

    Refused (before anything is sent) when it would go out sooner than its kind's minimum
    notice without a `short_notice` reason, or with a free-text field missing in one of its
    languages unless `allow_fallback`. A cancellation goes wherever the announcement went,
    and leaves it `cancelled`."""
    from deskctl import access

    access.require(desk, actor, "announce")
    from deskctl.announcements import notice
    store = Announcements.for_desk(desk, actor)
    record = store.get(ann_id)
    _check_publishable(record)
    ann_id = record["id"]
    # one publisher per announcement at a time, or two could both send the same delivery
    with store.lock(f"{ann_id}.publish.lock", what=f"publishing {ann_id}"):
        record = store.get(ann_id)
        _check_publishable(record)
        renderer = Renderer(desk)
        version = release_version(record)
        cancelling = version.get("notice") == "cancellation"
        closing = version.get("notice") == "closing"
        names = publish_channels(desk, only)
        if cancelling and not only:
            names = went_to(record, version["version"]) or names
        outgoing, report = plan(desk, record, channels, names, renderer)
        found = notice.short_notice(desk.config, record, version) if not record.get("pending") else None
        if found and not (short_notice or "").strip() and not notice.covered(record, found):
            notice.require(record, found, None, actor, "publish")  # raises: no reason given
        allowed = version["version"] in (record.get("fallback_allowed") or [])
        fallbacks = fallback_problems(desk, record, version) if outgoing and not allowed else []
        if fallbacks and not allow_fallback:
            raise ValidationFailed(fallbacks, f"{ann_id} v{version['version']} is missing {len(fallbacks)} translation(s)",
                                   "add them (`deskctl announce update`), or pass --allow-fallback to send the "
                                   "default language's text in their place")
        if found or fallbacks:
            def accept(rec: dict) -> None:
                if found:
                    notice.require(rec, found, short_notice, actor, "publish")
                if fallbacks:
                    rec.setdefault("fallback_allowed", []).append(version["version"])
                    event(rec, actor, "fallback-allowed", "; ".join(fallbacks))
            record = store.update(ann_id, accept)
        if record.get("pending"):
            pending = record["pending"]
            report.notes.append(f"{ann_id} v{pending['version']} is a change awaiting approval "
                                f"({pending['status']}): version {report.version} stays what the public sees")
        if record["status"] == "approved":
            def mark(rec: dict) -> None:
                _check_publishable(rec)
                rec["status"] = "published"
                rec["published_at"] = rec.get("published_at") or clock.now_iso()
                rec["public_version"] = report.version
                event(rec, actor, "published", f"version {rec['version']} to {', '.join(names)}")
            record = store.update(ann_id, mark)
        elif cancelling and record["status"] != "cancelled":
            def cancel(rec: dict) -> None:
                # before delivering: the status page the statuspage channel rebuilds shows it cancelled
                rec["status"] = "cancelled"
                rec["cancelled_at"] = clock.now_iso()
                rec["public_version"] = report.version
                event(rec, actor, "cancelled", f"{rec.get('cancel_reason') or 'cancelled'}; the cancellation "
                      f"notice (version {report.version}) goes to {', '.join(names)}")
            record = store.update(ann_id, cancel)
        elif closing and record["status"] == "published":  # an approved closing notice
            def close(rec: dict) -> None:
                end = version["fields"].get("end")
                rec["status"] = "resolved"
                rec["resolved_at"] = end
                rec["public_version"] = report.version
                event(rec, actor, "resolved", f"resolved at {end}; the closing notice (version {report.version}) "
                      f"goes to {', '.join(names)}")
            record = store.update(ann_id, close)
        elif outgoing or record.get("public_version", report.version) != report.version:
            def release(rec: dict) -> None:
                if rec.get("public_version") is not None:
                    rec["public_version"] = report.version  # an approved change: now the public one
                if outgoing:
                    event(rec, actor, "publishing", f"version {report.version} to "
                          f"{', '.join(sorted({o.channel for o in outgoing}))}")
            record = store.update(ann_id, release)
        for name in names:
            batch = [o for o in outgoing if o.channel == name]
            if not batch:
                continue
            settings = channel_settings(desk, name)
            try:
                results = list(channels[name].deliver(_as_released(record, report.version), batch, settings) or [])
            except Exception as exc:  # a channel's failure is recorded, not a crash
                results = [{"key": o.key, "status": "failed", "error": f"{type(exc).__name__}: {exc}"} for o in batch]
            _record_results(store, ann_id, actor, report.version, batch, results)
            by_key = {r.get("key"): r for r in results}
            for item in batch:
                result = by_key.get(item.key, {})
                entry = {**item.to_dict(), "status": result.get("status", "failed")}
                if entry["status"] == "sent":
                    entry["detail"] = redact.redact(str(result.get("detail", "")))
                    report.sent.append(entry)
                else:
                    entry["error"] = redact.redact(str(result.get("error") or "the channel returned no result"))
                    report.failed.append(entry)
    return report
