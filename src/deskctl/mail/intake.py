"""One incoming mail into the desk: a new ticket, or a reply threaded into its ticket (a
public comment from the requester; a confirmation, a "not fixed", a survey score), or, for
automatic mail, a note that is never answered. Idempotent by Message-ID; what cannot be read
goes to quarantine with its reason, never lost.

Who acts is the account running the intake (cron's, the MTA pipe's); each change is recorded
on behalf of the sender's address. Nothing in the mail chooses an account, a path or a
permission: the sender is only ever the requester.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deskctl.errors import DeskError
from deskctl.mail import loops, text
from deskctl.mail.message import Incoming, Unreadable, parse

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_PER_HOUR = 30  # messages one sender may send in an hour before the rest wait in quarantine
OUR_ID = re.compile(r"^<deskctl\.([A-Z]+-\d+)\.")  # the Message-IDs of the notices the desk sends
REPLY_PREFIX = re.compile(r"^\s*((re|r|fw|fwd|i|rif|aw|sv|ответ|отв|rv|tr)\s*(\[\d+\])?\s*:\s*)+", re.I)


@dataclass
class Outcome:
    outcome: str  # created, threaded, confirmed, reopened, survey, duplicate, automatic, quarantined
    ticket: str | None = None
    reason: str = ""
    message_id: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "ticket": self.ticket, "reason": self.reason,
                "message_id": self.message_id, **self.details}


def settings(desk) -> dict:
    found = desk.setting("mail", default={}) or {}
    return dict(found) if isinstance(found, dict) else {}


def desk_addresses(desk) -> set[str]:
    conf = settings(desk)
    found = {str(a).lower() for a in [conf.get("address"), *(conf.get("addresses") or [])] if a}
    smtp = (desk.setting("channels", default={}) or {}).get("smtp") or {}
    if isinstance(smtp, dict) and smtp.get("from"):
        found.add(str(smtp["from"]).lower())
    return found


def tag_pattern(desk) -> re.Pattern:
    """`[INC-42]` by default; `mail.subject_tag` may say e.g. `[Desk #{id}]`."""
    template = str(settings(desk).get("subject_tag") or "[{id}]")
    prefixes = sorted({str(p) for p in (desk.setting("tickets", "types", default={}) or {}).values()}, key=len,
                      reverse=True)
    ids = "(?P<id>(?:" + "|".join(map(re.escape, prefixes or ["INC"])) + r")-\d+)"
    before, _, after = template.partition("{id}")
    return re.compile(re.escape(before) + ids + re.escape(after), re.I)


def quarantine(desk, raw: bytes, reason: str) -> Path:
    """Keep `raw` with its reason in data/mail/quarantine (file names are ours, never the mail's)."""
    from deskctl.util import clock
    from deskctl.util.fileio import atomic_write

    folder = desk.data_dir / "mail" / "quarantine"
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    name = f"{stamp}-{hashlib.sha256(raw).hexdigest()[:12]}"
    atomic_write(folder / f"{name}.eml", raw)
    atomic_write(folder / f"{name}.json", json.dumps({"reason": reason, "at": clock.now_iso(), "size": len(raw)}) + "\n")
    return folder / f"{name}.eml"


def _over_rate(desk, sender: str) -> str | None:
    """Why `sender` has sent too much this hour (a mail loop, a script gone wild), else None;
    counts this message. The counts live in data/mail/senders.json, under a lock."""
    from deskctl.util import clock
    from deskctl.util.fileio import atomic_write
    from deskctl.util.locking import FileLock

    limit = int(settings(desk).get("per_sender_per_hour") or DEFAULT_PER_HOUR)
    path = desk.data_dir / "mail" / "senders.json"
    now = clock.now().timestamp()
    with FileLock(desk.data_dir / "locks" / "mail-senders.lock", timeout=10, what="the mail rate counts"):
        try:
            counts = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            counts = {}
        counts = {who: [t for t in times if now - t < 3600] for who, times in counts.items() if isinstance(times, list)}
        counts = {who: times for who, times in counts.items() if times}
        seen = counts.setdefault(sender, [])
        if len(seen) >= limit:
            return f"rate limit: {len(seen)} messages from {sender} in the last hour (mail.per_sender_per_hour: {limit})"
        seen.append(now)
        atomic_write(path, json.dumps(counts) + "\n")
    return None


def _safe_name(name: str) -> str:
    base = Path(str(name).replace("\\", "/")).name
    cleaned = re.sub(r"[^\w.\- ]", "_", base).strip(" .")[:100]
    return cleaned or "attachment.bin"


def _find_ticket(desk, mail: Incoming) -> str | None:
    """The ticket a reply belongs to: the subject tag, else a Message-ID it answers (one the
    desk sent, or the mail that opened the ticket)."""
    from deskctl.store import open_store
    from deskctl.tickets.operations import get_ticket

    found = tag_pattern(desk).search(mail.subject)
    if found:
        try:
            return str(get_ticket(desk, found.group("id").upper())["id"])
        except DeskError:
            pass  # a tag naming no ticket of ours: the references may still tell
    store = open_store(desk)
    for ref in mail.references:
        ours = OUR_ID.match(ref)
        if ours:
            return ours.group(1)
        with store.transaction() as tx:
            row = tx.find_by_dedup_key(f"mail:{ref}", any_status=True)
        if row is not None:
            return str(row["id"])
    return None


def _already(desk, ticket_id: str, message_id: str) -> bool:
    from deskctl.tickets.operations import get_ticket

    ticket = get_ticket(desk, ticket_id)
    return ticket.get("dedup_key") == f"mail:{message_id}" or any(
        (e.get("data") or {}).get("message_id") == message_id for e in ticket.get("history") or [])


def _language(desk, mail: Incoming, body: str) -> str:
    from deskctl.access.permissions import accounts

    languages = [str(x) for x in desk.setting("languages", default=["en"]) or ["en"]]
    default = str(desk.setting("default_language", default=languages[0]))
    for entry in accounts(desk).values():
        if isinstance(entry, dict) and str(entry.get("email") or "").lower() == mail.from_email and entry.get("language"):
            return str(entry["language"])
    declared = (mail.content_language or "").split(",")[0].strip().lower()[:2]
    if declared in languages:
        return declared
    return text.guess_language(f"{mail.subject}\n{body}", languages, default)


def ingest(desk, raw: bytes, *, actor: str) -> Outcome:
    """Take one message (bytes as received) into the desk."""
    limit = int(settings(desk).get("max_bytes") or DEFAULT_MAX_BYTES)
    if len(raw) > limit:
        where = quarantine(desk, raw, f"larger than mail.max_bytes ({len(raw)} > {limit} bytes)")
        return Outcome("quarantined", reason=f"too large ({len(raw)} bytes); kept in {desk.rel(where)}")
    try:
        mail = parse(raw)
    except Unreadable as exc:
        where = quarantine(desk, raw, str(exc))
        return Outcome("quarantined", reason=f"{exc}; kept in {desk.rel(where)}")
    over = _over_rate(desk, mail.from_email)
    if over:
        where = quarantine(desk, raw, over)
        return Outcome("quarantined", reason=f"{over}; kept in {desk.rel(where)}", message_id=mail.message_id)
    from deskctl.access.identity import ON_BEHALF

    token = ON_BEHALF.set(mail.from_email)  # every change below is the sender's, relayed by `actor`
    try:
        return _take(desk, mail, actor=actor)
    finally:
        ON_BEHALF.reset(token)


def _take(desk, mail: Incoming, *, actor: str) -> Outcome:
    from deskctl.store import open_store
    from deskctl.tickets import operations

    conf = settings(desk)
    with open_store(desk).transaction() as tx:  # the mail that opened a ticket, fetched again
        opened = tx.find_by_dedup_key(f"mail:{mail.message_id}", any_status=True)
    if opened is not None:
        return Outcome("duplicate", str(opened["id"]), "imported before", mail.message_id)
    ticket_id = _find_ticket(desk, mail)
    if ticket_id and _already(desk, ticket_id, mail.message_id):
        return Outcome("duplicate", ticket_id, "imported before", mail.message_id)
    auto = loops.automatic(mail, desk_addresses=desk_addresses(desk), loop_tag=str(conf.get("loop_tag") or
                                                                                     conf.get("address") or "deskctl"))
    body = text.trimmed(mail.text)
    if auto is not None:
        if ticket_id:  # recorded where it belongs, never answered
            operations.add_event(desk, ticket_id, actor=actor, action="mail.automatic",
                                 note=f"{auto.kind} from {mail.from_email} ({auto.reason}): {mail.subject}"[:500],
                                 data={"message_id": mail.message_id, "kind": auto.kind})
        return Outcome("automatic", ticket_id, f"{auto.kind}: {auto.reason}; not answered", mail.message_id)
    if ticket_id is None:
        return _new_ticket(desk, mail, body, actor=actor)
    return _reply(desk, ticket_id, mail, body, actor=actor)


def _new_ticket(desk, mail: Incoming, body: str, *, actor: str) -> Outcome:
    from deskctl.tickets import operations

    title = REPLY_PREFIX.sub("", mail.subject).strip() or body.split("\n", 1)[0][:80] or "(no subject)"
    requester = {"email": mail.from_email, "name": mail.from_name or None, "language": _language(desk, mail, body)}
    ticket, created = operations.create_or_touch(
        desk, actor=actor, title=title[:200], description=body, channel="email", requester=requester,
        dedup_key=f"mail:{mail.message_id}", dedup_scope="any")
    if not created:
        return Outcome("duplicate", ticket["id"], "imported before", mail.message_id)
    _attach(desk, ticket["id"], mail, actor=actor)
    return Outcome("created", ticket["id"], f"from {mail.from_email} ({requester['language']})", mail.message_id,
                   {"language": requester["language"]})


def _reply(desk, ticket_id: str, mail: Incoming, body: str, *, actor: str) -> Outcome:
    from deskctl.tickets import lifecycle, operations

    ticket = operations.get_ticket(desk, ticket_id)
    data = {"message_id": mail.message_id, "from": mail.from_email}
    said = body or "(empty reply)"
    status = ticket["status"]
    if status == "resolved":
        verdict = text.verdict(body)
        if verdict == "confirmed":
            operations.close(desk, ticket_id, actor=actor, confirmed=True,
                             note=f"the requester confirmed by mail: {said}"[:1000])
            _mark(desk, ticket_id, data, actor=actor)
            return Outcome("confirmed", ticket_id, "closed as confirmed by the requester", mail.message_id)
        if verdict == "not-fixed":
            operations.reopen(desk, ticket_id, actor=actor, reason=f"the requester replied: {said}"[:1000])
            _mark(desk, ticket_id, data, actor=actor)
            return Outcome("reopened", ticket_id, "the requester says it is not fixed", mail.message_id)
    if status in ("resolved", "closed") and ticket.get("survey") is None and text.score(body) is not None:
        from deskctl.reports import surveys

        surveys.record(desk, ticket_id, actor=actor, score=text.score(body), comment=said[:500], method="email")
        _mark(desk, ticket_id, data, actor=actor)
        return Outcome("survey", ticket_id, f"satisfaction {text.score(body)}/5", mail.message_id)

    def change(ticket, now):
        updates: dict[str, Any] = {}
        if ticket["status"] == "pending" and ticket.get("pending_on") == "requester":
            updates = {"status": "in_progress" if ticket.get("assignee") else "assigned" if ticket.get("group")
                       else "new", "pending_reason": None, "pending_on": None}
        changes = lifecycle.apply_changes(ticket, updates) if updates else {}
        return lifecycle.record(ticket, at=now, actor=actor, action="comment", changes=changes,
                                note=said, data={**data, "via": "email"})

    operations.change_ticket(desk, ticket_id, actor, "comment", change)
    _attach(desk, ticket_id, mail, actor=actor)
    return Outcome("threaded", ticket_id, f"a reply from {mail.from_email}", mail.message_id)


def _mark(desk, ticket_id: str, data: dict, *, actor: str) -> None:
    """The Message-ID of a reply acted on, so fetching it again changes nothing."""
    from deskctl.tickets import operations

    operations.add_event(desk, ticket_id, actor=actor, action="mail.in", note=f"by mail from {data['from']}",
                         data=data)


def _attach(desk, ticket_id: str, mail: Incoming, *, actor: str) -> None:
    from deskctl.store import open_backend
    from deskctl.tickets import lifecycle, operations

    if not mail.attachments:
        return
    stored = [open_backend(desk, actor).attachments.put_bytes(ticket_id, _safe_name(name), data)
              for name, data in mail.attachments]

    def change(ticket, now):
        ticket["attachments"] = [*(ticket.get("attachments") or []), *({**i, "at": now, "actor": actor} for i in stored)]
        names = ", ".join(f"{i['name']} (sha256 {i['sha256'][:12]}…)" for i in stored)
        return lifecycle.record(ticket, at=now, actor=actor, action="attach", note=f"from the mail: {names}",
                                data={"files": stored})

    operations.change_ticket(desk, ticket_id, actor, "attach", change)
