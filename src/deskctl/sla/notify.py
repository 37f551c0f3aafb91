"""Built-in delivery of operational notifications (SLA at risk or breached, reminders).

Uses the announcement channels' settings when the desk has them: `channels.webhook.url` gets a
JSON POST (chat tools), `channels.smtp` sends a plain-text mail to the recipients that are
e-mail addresses. Every notification is also appended to `<data>/notifications.log` (one JSON
object a line), so nothing is lost on a desk with no channel configured.
"""

from __future__ import annotations

import json
import os
from urllib.parse import urlsplit

from deskctl.util import clock

TIMEOUT = 10  # seconds: a cron sweep must not hang on a dead chat server


def _post_webhook(settings: dict, payload: dict) -> dict:
    import urllib.error
    import urllib.request

    url = str(settings["url"])
    shown = urlsplit(url)._replace(query="", fragment="").geturl()  # tokens stay out of logs
    request = urllib.request.Request(url, data=json.dumps(payload).encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json",
                                              **{str(k): str(v) for k, v in (settings.get("headers") or {}).items()}})
    try:
        with urllib.request.urlopen(request, timeout=float(settings.get("timeout", TIMEOUT))) as response:  # noqa: S310 - URL from the desk config
            return {"channel": "webhook", "to": shown, "ok": 200 <= response.status < 300, "status": response.status}
    except urllib.error.HTTPError as exc:
        return {"channel": "webhook", "to": shown, "ok": False, "error": f"HTTP {exc.code}"}
    except (OSError, ValueError) as exc:
        return {"channel": "webhook", "to": shown, "ok": False, "error": str(getattr(exc, "reason", exc))}


def _send_mail(settings: dict, addresses: list[str], message: dict, desk) -> dict:
    import smtplib

    from deskctl.util.mail_headers import automatic_message

    host, port = str(settings.get("host")), int(settings.get("port") or 25)
    sender = str(settings.get("from") or desk.setting("desk", "email", default="servicedesk@example.com"))
    mail = automatic_message()
    mail["From"], mail["To"] = sender, ", ".join(addresses)
    mail["Subject"] = message.get("subject") or "deskctl notification"
    mail.set_content(message.get("text") or "")
    try:
        with smtplib.SMTP(host, port, timeout=float(settings.get("timeout", TIMEOUT))) as smtp:
            if settings.get("starttls"):
                smtp.starttls()
            if settings.get("username"):
                password = settings.get("password") or os.environ.get(str(settings.get("password_env") or ""), "")
                smtp.login(str(settings["username"]), str(password or ""))
            smtp.send_message(mail)
        return {"channel": "smtp", "to": ", ".join(addresses), "ok": True}
    except (OSError, smtplib.SMTPException) as exc:
        return {"channel": "smtp", "to": ", ".join(addresses), "ok": False, "error": str(exc) or type(exc).__name__}


def deliver(desk, topic: str, message: dict, recipients: list[str]) -> list[dict]:
    """Send one notification through every configured channel and log it; one result each."""
    channels = desk.setting("channels", default={}) or {}
    results: list[dict] = []
    webhook = channels.get("webhook") if isinstance(channels, dict) else None
    if isinstance(webhook, dict) and webhook.get("url"):
        results.append(_post_webhook(webhook, {"topic": topic, "recipients": recipients,
                                               "desk": desk.setting("desk", "name", default=""), **message}))
    smtp = channels.get("smtp") if isinstance(channels, dict) else None
    addresses = [r for r in recipients if "@" in r]
    if isinstance(smtp, dict) and smtp.get("host") and addresses:
        results.append(_send_mail(smtp, addresses, message, desk))
    from deskctl.store import open_backend

    entry = {"at": clock.now_iso(), "topic": topic, "recipients": recipients, **message, "deliveries": results}
    where = open_backend(desk).notifications.append(entry)
    if not results:
        results.append({"channel": "log", "to": desk.rel(where), "ok": True})
    return results


def staff_recipients(desk, name: str | None) -> list[str]:
    """Where a group or a person is told: their addresses in `sweep.recipients` (the one
    group -> addresses mapping, which may name people too), else the name itself (an e-mail
    address is mailed; any other name reaches only the webhook and the log)."""
    if not name:
        return []
    configured = (desk.setting("sweep", "recipients", default={}) or {}).get(name)
    if configured:
        return [str(configured)] if isinstance(configured, str) else [str(a) for a in configured]
    return [str(name)]
