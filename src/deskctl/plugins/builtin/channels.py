"""Built-in announcement channels: `file`, `smtp`, `webhook` and `statuspage`, registered
through `register_channels` exactly as a third-party channel would be (see
`deskctl.announcements.publish` for the channel interface)."""

from __future__ import annotations

import os
from typing import Any

from deskctl.hookspecs import hookimpl
from deskctl.util import clock, redact


def _failed(batch, error: str) -> list[dict]:
    return [{"key": o.key, "status": "failed", "error": error} for o in batch]


class FileChannel:
    """Writes every rendered part to `channels.file.out` (default `public/announcements`):
    `<out>/<ID>/v<version>/<lang>/email.txt`, `sms.txt`, `web.html`, ..."""

    template = None  # all template channels

    def check(self, settings: dict) -> list[str]:
        return []

    def deliver(self, announcement: dict, rendered: list, settings: dict) -> list[dict]:
        from deskctl.announcements.files import write_rendered

        desk = settings["_desk"]
        base = desk.path / os.path.expanduser(str(settings.get("out") or "public/announcements"))
        folder = base / announcement["id"] / f"v{announcement['version']}"
        results = []
        for item in rendered:
            try:
                for content in item.content.values():
                    write_rendered(folder / item.language, content)
                results.append({"key": item.key, "status": "sent", "detail": desk.rel(folder / item.language)})
            except OSError as exc:
                results.append({"key": item.key, "status": "failed", "error": f"cannot write {exc.filename}: {exc.strerror}"})
        return results


def recipient_lists(config: dict, language: str) -> list[list[str]]:
    """`announcements.recipients.<lang>`: a list of addresses (one list), or a mapping
    name -> addresses (one list each). A language without any is not sent by mail."""
    value = ((config.get("announcements") or {}).get("recipients") or {}).get(language)
    if isinstance(value, list):
        lists = [value]
    elif isinstance(value, dict):
        lists = [v for v in value.values() if isinstance(v, list)]
    else:
        lists = []
    return [[str(a) for a in lst] for lst in lists if lst]


class SmtpChannel:
    """One multipart (plain text + HTML) message per language and recipient list."""

    template = "email"

    def check(self, settings: dict) -> list[str]:
        problems = []
        if not settings.get("host"):
            problems.append("channels.smtp.host is not set (the SMTP server to send through)")
        port = settings.get("port", 25)
        if not isinstance(port, int) or not 0 < port < 65536:
            problems.append(f"channels.smtp.port {port!r} is not a port number")
        if settings.get("password_env") and not os.environ.get(str(settings["password_env"])):
            problems.append(f"channels.smtp.password_env: ${settings['password_env']} is not set")
        return problems

    def targets(self, announcement: dict, language: str, settings: dict) -> list[list[str]]:
        return recipient_lists(settings["_desk"].config, language)

    def _message(self, announcement: dict, item, sender: str):
        from email.utils import format_datetime

        from deskctl.util.mail_headers import automatic_message

        parts = item.content["email"].parts
        msg = automatic_message()
        msg["Subject"] = parts["subject"]
        msg["From"] = sender
        msg["To"] = ", ".join(item.recipients)
        msg["Date"] = format_datetime(clock.now())
        domain = sender.rpartition("@")[2].strip(">") or "deskctl.invalid"
        # the same delivery always carries the same Message-ID: a retry is recognisable
        msg["Message-ID"] = f"<{announcement['id']}.v{announcement['version']}.{item.key}@{domain}>"
        msg["X-Deskctl-Announcement"] = f"{announcement['id']} v{announcement['version']}"
        msg.set_content(parts["text"] + "\n")
        msg.add_alternative(parts["html"] + "\n", subtype="html")
        msg["Content-Language"] = item.language  # after set_content, which drops Content-* headers
        return msg

    def deliver(self, announcement: dict, rendered: list, settings: dict) -> list[dict]:
        import smtplib
        import ssl

        desk = settings["_desk"]
        host = str(settings.get("host"))
        port = int(settings.get("port", 465 if settings.get("ssl") else 25))
        timeout = float(settings.get("timeout", 30))
        sender = str(settings.get("from") or (desk.config.get("desk") or {}).get("email") or "deskctl@localhost")
        password = settings.get("password") or (os.environ.get(str(settings["password_env"])) if settings.get("password_env") else None)
        redact.add_secret(password)
        try:
            if settings.get("ssl"):
                server = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
            else:
                server = smtplib.SMTP(host, port, timeout=timeout)
        except (OSError, smtplib.SMTPException) as exc:
            return _failed(rendered, f"cannot connect to SMTP server {host}:{port}: {exc}")
        results = []
        try:
            server.ehlo()
            if settings.get("starttls") and not settings.get("ssl"):
                server.starttls(context=ssl.create_default_context())
                server.ehlo()
            if settings.get("username"):
                server.login(str(settings["username"]), str(password or ""))
            for item in rendered:
                try:
                    refused = server.send_message(self._message(announcement, item, sender), sender, item.recipients)
                except (OSError, smtplib.SMTPException) as exc:
                    results.append({"key": item.key, "status": "failed", "error": redact.redact(f"SMTP: {exc}")})
                    continue
                if refused:
                    results.append({"key": item.key, "status": "failed", "error": f"refused: {', '.join(refused)}"})
                else:
                    results.append({"key": item.key, "status": "sent", "detail": f"{host}:{port} to {', '.join(item.recipients)}"})
        except (OSError, smtplib.SMTPException) as exc:
            done = {r["key"] for r in results}
            results += _failed([o for o in rendered if o.key not in done], redact.redact(f"SMTP {host}:{port}: {exc}"))
        finally:
            try:
                server.quit()
            except (OSError, smtplib.SMTPException):
                server.close()
        return results


class WebhookChannel:
    """A JSON POST per language to `channels.webhook.url` (chat tools, SMS gateways...)."""

    template = "chat"

    def check(self, settings: dict) -> list[str]:
        url = str(settings.get("url") or "")
        if not url:
            return ["channels.webhook.url is not set (where to POST the announcement)"]
        if not url.startswith(("http://", "https://")):
            return [f"channels.webhook.url {url!r} must start with http:// or https://"]
        return []

    def payload(self, announcement: dict, item) -> dict[str, Any]:
        version = announcement["versions"][-1]
        fields = version["fields"]
        chat = item.content["chat"].parts
        return {
            "announcement": announcement["id"],
            "version": announcement["version"],
            "kind": announcement["kind"],
            "notice": version.get("notice", "announcement"),
            "status": announcement["status"],
            "severity": fields.get("severity", "minor"),
            "language": item.language,
            "services": fields.get("services", []),
            "start": fields.get("start"),
            "end": fields.get("end"),
            "ticket": announcement.get("ticket"),
            "text": chat["text"],
        }

    def deliver(self, announcement: dict, rendered: list, settings: dict) -> list[dict]:
        import json
        import urllib.error
        import urllib.request

        url = str(settings["url"])
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "deskctl"}
        for name, value in (settings.get("headers") or {}).items():
            redact.add_secret(value)  # an Authorization header must never reach a record
            headers[str(name)] = str(value)
        timeout = float(settings.get("timeout", 10))
        results = []
        for item in rendered:
            body = json.dumps(self.payload(announcement, item), ensure_ascii=False).encode("utf-8")
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured URL
                    results.append({"key": item.key, "status": "sent", "detail": f"HTTP {response.status}"})
            except urllib.error.HTTPError as exc:
                text = exc.read(200).decode("utf-8", "replace")
                results.append({"key": item.key, "status": "failed", "error": f"HTTP {exc.code}: {text}".strip()})
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                results.append({"key": item.key, "status": "failed", "error": redact.redact(f"cannot reach the webhook: {reason}")})
        return results


class StatuspageChannel:
    """Rebuilds the static status page and Atom feed of every language."""

    template = "web"

    def check(self, settings: dict) -> list[str]:
        return []

    def deliver(self, announcement: dict, rendered: list, settings: dict) -> list[dict]:
        from deskctl.announcements.statuspage import build, output_dir

        desk = settings["_desk"]
        try:
            build(desk, settings)
        except OSError as exc:
            return _failed(rendered, f"cannot write the status page: {exc.strerror} ({exc.filename})")
        out = output_dir(desk, settings)
        return [{"key": o.key, "status": "sent", "detail": desk.rel(out / o.language / "index.html")} for o in rendered]


@hookimpl(trylast=True)
def register_channels(register):
    register("file", FileChannel())
    register("smtp", SmtpChannel())
    register("webhook", WebhookChannel())
    register("statuspage", StatuspageChannel())
