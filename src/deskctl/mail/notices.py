"""Mail to the requester: the desk tells them what happens to their ticket.

A notice is queued in the ticket's own `outbox` in the same transaction as the change it
tells about (so a change is never recorded without its notice, nor the reverse), rendered
then from `templates/mail/KIND.LANG.txt` in the requester's language, and sent by
`send_pending` right after the command, or later by `deskctl mail flush` when the mail server
was away. Each notice has a stable Message-ID, is sent at most once per flush and is marked
sent at once; nothing internal (internal comments, priority, group) is ever in one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from deskctl.errors import BadInput

KINDS = ("created", "comment", "pending", "escalated", "resolved", "closed", "survey")
TEMPLATE_DIR = ("templates", "mail")
MAX_ATTEMPTS = 20  # then it stays failed, shown by `mail outbox`, until someone looks

_queued: list[str] = []  # tickets that got a notice in this command: sent when it ends


def begin() -> None:
    _queued.clear()


def queued() -> list[str]:
    return list(dict.fromkeys(_queued))


def settings(desk) -> dict:
    found = desk.setting("mail", default={}) or {}
    return dict(found) if isinstance(found, dict) else {}


def enabled_kinds(desk) -> set[str]:
    """What the requester is told about: `mail.notify` (default: everything in KINDS), only
    on a desk with a mail address to send from."""
    conf = settings(desk)
    if not conf.get("address"):
        return set()
    wanted = conf.get("notify")
    return set(KINDS) if wanted is None else {str(k) for k in wanted} & set(KINDS)


def kind_of(event: dict, ticket: dict) -> str | None:
    """Which notice an event is: None for what the requester is not told about."""
    action = event.get("action")
    if (event.get("data") or {}).get("notify") is False:
        return None
    if action == "created":
        return "created"
    if action == "comment" and not event.get("internal") and (event.get("data") or {}).get("via") != "email":
        return "comment"  # a public comment by staff (never their own mail echoed back)
    if action == "pend" and ticket.get("pending_on") == "requester":
        return "pending"
    return {"escalate": "escalated", "resolve": "resolved", "close": "closed"}.get(str(action))


def _domain(desk) -> str:
    address = str(settings(desk).get("address") or "deskctl@localhost")
    return address.rsplit("@", 1)[-1]


def message_id(desk, ticket_id: str, n: int) -> str:
    # mail.intake.OUR_ID reads the ticket back out of a reply's In-Reply-To
    return f"<deskctl.{ticket_id}.{n}.{secrets.token_hex(4)}@{_domain(desk)}>"


def _tag(desk, ticket_id: str) -> str:
    return str(settings(desk).get("subject_tag") or "[{id}]").replace("{id}", ticket_id)


def _requester_zone(desk, ticket: dict) -> str:
    """The requester's time zone: their account's `timezone`, else the desk's."""
    from deskctl.access.permissions import accounts

    email = str((ticket.get("requester") or {}).get("email") or "").lower()
    for entry in accounts(desk).values():
        if isinstance(entry, dict) and email and str(entry.get("email") or "").lower() == email and entry.get("timezone"):
            return str(entry["timezone"])
    return str(desk.setting("timezone", default="UTC"))


def _public_view(desk, ticket: dict, event: dict, language: str) -> dict[str, Any]:
    """What a template may show: public facts only."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from babel.dates import format_datetime

    zone = ZoneInfo(_requester_zone(desk, ticket))

    def when(iso: str | None) -> str:  # "3 dicembre 2026, 10:00:00 CET": the zone is always named
        if not iso:
            return ""
        return format_datetime(datetime.fromisoformat(iso).astimezone(zone), "long", tzinfo=zone, locale=language)

    sla: dict[str, Any] = {name: {"target": "", "due": ""} for name in ("response", "resolution")}
    try:
        from deskctl.sla.display import ticket_with_sla

        computed = ticket_with_sla(desk, ticket).get("sla") or {}
        for name in ("response", "resolution"):
            clock = computed.get(name) or {}
            sla[name] = {"target": clock.get("target") or "", "due": when(clock.get("due_at"))}
    except BadInput:
        pass  # a desk without SLA targets: the notice says nothing about them
    requester = ticket.get("requester") or {}
    return {
        "id": ticket["id"], "title": ticket.get("title") or "", "status": ticket.get("status"),
        "resolution": ticket.get("resolution") or "", "requester": requester.get("name") or requester.get("email") or "",
        "text": event.get("note") or "", "at": when(event.get("at")), "sla": sla,
        "desk": str(desk.setting("desk", "name", default="Service desk")),
        "reply_hint": _tag(desk, ticket["id"]),
    }


def render(desk, kind: str, language: str, context: dict) -> tuple[str, str]:
    """(subject, text) of a notice from templates/mail/KIND.LANG.txt (the first line is
    `Subject: ...`), in the sandbox with StrictUndefined; the desk's default language when
    the requester's has no template."""
    from jinja2 import FileSystemLoader, StrictUndefined, TemplateNotFound
    from jinja2.sandbox import SandboxedEnvironment

    from deskctl.desk.packaged import default_desk_dir

    # the desk's own templates first; a desk made before they shipped uses the packaged ones
    folders = [str(desk.path.joinpath(*TEMPLATE_DIR)), str(default_desk_dir().joinpath(*TEMPLATE_DIR))]
    env = SandboxedEnvironment(loader=FileSystemLoader(folders), undefined=StrictUndefined, autoescape=False,
                               keep_trailing_newline=True)
    default = str(desk.setting("default_language", default="en"))
    for lang in dict.fromkeys((language, default, "en")):
        try:
            template = env.get_template(f"{kind}.{lang}.txt")
        except TemplateNotFound:
            continue
        try:
            text = template.render(**context)
        except Exception as exc:  # an undefined name, a sandbox refusal: the template's fault
            raise BadInput(f"templates/mail/{kind}.{lang}.txt: {exc}", "fix the template") from None
        first, _, body = text.partition("\n")
        if not first.lower().startswith("subject:"):
            raise BadInput(f"templates/mail/{kind}.{lang}.txt:1: the first line must be `Subject: ...`")
        return " ".join(first[len("subject:"):].split()), body.strip() + "\n"
    raise BadInput(f"no template for the {kind} notice in templates/mail ({kind}.{language}.txt or {kind}.{default}.txt)",
                   "add it (deskctl init writes the defaults)")


def queue(desk, ticket: dict, event: dict | None) -> dict | None:
    """Add the notice `event` calls for to `ticket["outbox"]` (inside the change's
    transaction); None when the requester is not told (no address, not enabled, ...)."""
    if event is None:
        return None
    kind = kind_of(event, ticket)
    to = str((ticket.get("requester") or {}).get("email") or "")
    if kind is None or kind not in enabled_kinds(desk) or not _plain_address(to):
        return None
    entries = [_entry(desk, ticket, event, kind, to)]
    if kind == "closed" and "survey" in enabled_kinds(desk) and _survey_wanted(desk, ticket):
        entries.append(_entry(desk, ticket, event, "survey", to))
    ticket["outbox"] = [*(ticket.get("outbox") or []), *entries]
    _queued.append(ticket["id"])
    return entries[0]


def _plain_address(address: str) -> bool:
    """One bare address (`ana@example.com`): nothing a mail header could be split on."""
    return address.count("@") == 1 and not any(ch.isspace() or ord(ch) < 32 or ch in ",;<>\"" for ch in address)


def _survey_wanted(desk, ticket: dict) -> bool:
    from deskctl.reports.surveys import load_settings
    from deskctl.tickets.model import summary_row

    return ticket.get("survey") is None and load_settings(desk).sampled(summary_row(ticket))


def _entry(desk, ticket: dict, event: dict, kind: str, to: str) -> dict:
    language = str((ticket.get("requester") or {}).get("language") or desk.setting("default_language", default="en"))
    subject, text = render(desk, kind, language, _public_view(desk, ticket, event, language))
    return {"key": f"{kind}-{event.get('n')}", "kind": kind, "event": event.get("n"), "to": to, "language": language,
            "subject": f"{_tag(desk, ticket['id'])} {subject}", "text": text,
            "message_id": message_id(desk, ticket["id"], int(event.get("n") or 0)),
            "status": "pending", "attempts": 0, "queued_at": event.get("at")}


@dataclass
class FlushReport:
    sent: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"sent": self.sent, "failed": self.failed}


def _mime(desk, ticket: dict, entry: dict):
    from email.message import EmailMessage
    from email.utils import formataddr, formatdate

    conf = settings(desk)
    address = str(conf["address"])
    mail = EmailMessage()
    mail["From"] = formataddr((str(desk.setting("desk", "name", default="Service desk")), address))
    mail["To"] = entry["to"]
    mail["Subject"] = entry["subject"]
    mail["Message-ID"] = entry["message_id"]
    mail["Date"] = formatdate(localtime=False)
    # the thread the requester's mail program shows: the mail that opened it, else our first notice
    opened = str(ticket.get("dedup_key") or "")
    first = opened[len("mail:"):] if opened.startswith("mail:<") else next(
        (e["message_id"] for e in ticket.get("outbox") or [] if e["message_id"] != entry["message_id"]), None)
    if first:
        mail["In-Reply-To"] = first
        mail["References"] = first
    mail["Reply-To"] = address
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-reply to us
    mail["X-Loop"] = str(conf.get("loop_tag") or address)
    mail["X-Deskctl-Ticket"] = ticket["id"]
    mail.set_content(entry["text"])
    mail["Content-Language"] = entry["language"]  # after set_content, which drops Content-* headers
    return mail


def pending_tickets(desk) -> list[str]:
    from deskctl.store import open_store
    from deskctl.store.interface import RowQuery

    rows = open_store(desk).select(RowQuery(statuses=None, equals={"outbox": frozenset({"pending"})}))
    return [r["id"] for r in rows]


def send_pending(desk, ticket_ids: list[str] | None = None, *, actor: str) -> FlushReport:
    """Send every pending notice of `ticket_ids` (default: of every ticket that has one), one
    sender at a time (a lock), each marked sent or failed on its ticket at once."""
    import smtplib

    from deskctl.store import open_backend
    from deskctl.tickets import lifecycle, operations

    report = FlushReport()
    ids = pending_tickets(desk) if ticket_ids is None else list(ticket_ids)
    if not ids:
        return report
    smtp_settings = (desk.setting("channels", default={}) or {}).get("smtp") or {}
    locks = open_backend(desk, actor).locks
    with locks.host("mail-outbox", timeout=float(desk.setting("lock_timeout", default=10)), what="the mail outbox",
                    actor=actor, details={"command": "mail flush"}):
        server, problem = None, None
        try:
            for tid in ids:
                ticket = operations.get_ticket(desk, tid)
                todo = [e for e in ticket.get("outbox") or [] if e.get("status") == "pending"]
                results: dict[str, tuple[str, str]] = {}
                for entry in todo:
                    if server is None and problem is None:
                        server, problem = _connect(smtp_settings)
                    if problem is not None:
                        results[entry["key"]] = ("failed", problem)
                        continue
                    try:
                        refused = server.send_message(_mime(desk, ticket, entry))
                        results[entry["key"]] = ("failed", f"refused: {', '.join(refused)}") if refused else ("sent", "")
                    except (OSError, smtplib.SMTPException) as exc:
                        results[entry["key"]] = ("failed", f"SMTP: {exc}")
                    except ValueError as exc:  # an address or subject no mail header may hold (a line break)
                        results[entry["key"]] = ("failed", f"not a valid message: {exc}")
                if results:
                    _mark(desk, tid, results, actor=actor, report=report, lifecycle=lifecycle, operations=operations)
        finally:
            if server is not None:
                try:
                    server.quit()
                except (OSError, smtplib.SMTPException):
                    server.close()
    return report


def _connect(conf: dict):
    """(an SMTP connection, None) or (None, why not)."""
    import os
    import smtplib
    import ssl

    if not conf.get("host"):
        return None, "no SMTP server: set channels.smtp.host in config/deskctl.yaml"
    host, port = str(conf["host"]), int(conf.get("port") or (465 if conf.get("ssl") else 25))
    timeout = float(conf.get("timeout") or 30)
    try:
        if conf.get("ssl"):
            server = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(host, port, timeout=timeout)
            if conf.get("starttls"):
                server.starttls(context=ssl.create_default_context())
        if conf.get("username"):
            password = os.environ.get(str(conf.get("password_env") or ""), "")
            server.login(str(conf["username"]), password)
    except (OSError, smtplib.SMTPException) as exc:
        return None, f"cannot reach the SMTP server {host}:{port}: {exc}"
    return server, None


def _mark(desk, tid: str, results: dict, *, actor: str, report: FlushReport, lifecycle, operations) -> None:
    def change(ticket, now):
        notes = []
        for entry in ticket.get("outbox") or []:
            outcome = results.get(entry["key"])
            if outcome is None or entry.get("status") != "pending":
                continue  # another flush got there first
            status, error = outcome
            entry["attempts"] = int(entry.get("attempts") or 0) + 1
            if status == "sent":
                entry.update(status="sent", sent_at=now, error=None)
                report.sent.append({"ticket": tid, "kind": entry["kind"], "to": entry["to"]})
                notes.append(f"{entry['kind']} notice sent to {entry['to']}")
            else:
                entry["error"] = error
                if entry["attempts"] >= MAX_ATTEMPTS:
                    entry["status"] = "failed"
                report.failed.append({"ticket": tid, "kind": entry["kind"], "to": entry["to"], "error": error,
                                      "attempts": entry["attempts"]})
                notes.append(f"{entry['kind']} notice to {entry['to']} not sent: {error}")
        return lifecycle.record(ticket, at=now, actor=actor, action="mail.out", note="; ".join(notes)[:1000],
                                data={"results": {k: v[0] for k, v in results.items()}}, internal=True)

    operations.change_ticket(desk, tid, actor, "event", change)
