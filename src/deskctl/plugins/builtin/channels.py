"""Built-in announcement channels: `file`, `smtp`, `webhook`, `sms` and `statuspage`, registered
through `register_channels` exactly as a third-party channel would be (see
`deskctl.announcements.publish` for the channel interface)."""

from __future__ import annotations

import os
import re
from typing import Any, NamedTuple

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


class Problem(NamedTuple):
    key: str  # the setting under channels.sms it is about
    message: str


SMS_METHODS = ("POST", "PUT", "PATCH", "GET")
# What the gateway receives unless `body` says otherwise: JSON (tojson quotes and escapes).
SMS_DEFAULT_BODY = '{"to": {{ to|tojson }}, "text": {{ text|tojson }}, "language": {{ language|tojson }}}'
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PHONE = re.compile(r"\+?[0-9][0-9 ().-]{2,30}")


def _sms_environment():
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


class SmsChannel:
    """One HTTP request to an SMS gateway per recipient (`channels.sms.recipients.<lang>`):
    `url`, `method` (POST), `body` (a sandboxed Jinja template of `to`, `text`, `language`),
    `headers`, and the credential from the environment (`auth_header_env`, sent as the
    `auth_header` header, default Authorization). A non-2xx answer or a timeout fails it."""

    template = "sms"

    def config_problems(self, settings: dict, languages: list[str] | None = None) -> list[Problem]:
        problems = []
        url = str(settings.get("url") or "")
        if not url:
            problems.append(Problem("url", "channels.sms.url is not set (the SMS gateway's address)"))
        elif not re.fullmatch(r"https?://\S+", url):
            problems.append(Problem("url", f"channels.sms.url {url!r} must start with http:// or https://"))
        method = str(settings.get("method") or "POST").upper()
        if method not in SMS_METHODS:
            problems.append(Problem("method", f"channels.sms.method {settings.get('method')!r} is not one of {', '.join(SMS_METHODS)}"))
        body = settings.get("body", SMS_DEFAULT_BODY)
        if not isinstance(body, str):
            problems.append(Problem("body", "channels.sms.body must be a template (text) using to, text and language"))
        else:
            try:
                _sms_environment().from_string(body).render(to="+390200000000", text="sample", language="en")
            except Exception as exc:  # a syntax error or an unknown name: say which
                problems.append(Problem("body", f"channels.sms.body: {getattr(exc, 'message', None) or exc} "
                                                "(the body may use: to, text, language)"))
        headers = settings.get("headers") or {}
        if not isinstance(headers, dict):
            problems.append(Problem("headers", "channels.sms.headers must map a header name to its value"))
        else:
            for name, value in headers.items():
                if str(name).lower() in ("authorization", "proxy-authorization", "x-api-key") or \
                        str(value).lower().startswith(("bearer ", "basic ")):
                    problems.append(Problem("headers", f"channels.sms.headers.{name} keeps a secret in the config file; "
                                                       "put it in an environment variable named by auth_header_env"))
        env_name = settings.get("auth_header_env")
        if env_name is not None and not (isinstance(env_name, str) and _ENV_NAME.fullmatch(env_name)):
            problems.append(Problem("auth_header_env", f"channels.sms.auth_header_env {env_name!r} is not an environment variable name"))
        recipients = settings.get("recipients")
        if recipients is not None and not isinstance(recipients, dict):
            problems.append(Problem("recipients", "channels.sms.recipients must map a language to a list of phone numbers"))
        for lang, numbers in (recipients or {}).items() if isinstance(recipients, dict) else ():
            if languages and lang not in languages:
                problems.append(Problem("recipients", f"channels.sms.recipients: {lang!r} is not one of the desk's languages ({', '.join(languages)})"))
            if not isinstance(numbers, list) or not numbers:
                problems.append(Problem("recipients", f"channels.sms.recipients.{lang} must be a list of phone numbers"))
                continue
            bad = [str(n) for n in numbers if not isinstance(n, str) or not _PHONE.fullmatch(n.strip())]
            if bad:
                problems.append(Problem("recipients", f"channels.sms.recipients.{lang}: not a phone number: {', '.join(bad)} "
                                                      "(write it like \"+39 333 1234567\", quoted)"))
        timeout = settings.get("timeout", 10)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            problems.append(Problem("timeout", f"channels.sms.timeout {timeout!r} must be a number of seconds above 0"))
        return problems

    def check(self, settings: dict) -> list[str]:
        desk = settings.get("_desk")
        languages = [str(x) for x in (desk.config.get("languages") or [])] if desk is not None else None
        problems = [p.message for p in self.config_problems(settings, languages)]
        env_name = settings.get("auth_header_env")
        if isinstance(env_name, str) and _ENV_NAME.fullmatch(env_name) and not os.environ.get(env_name):
            problems.append(f"channels.sms.auth_header_env: ${env_name} is not set")
        return problems

    def targets(self, announcement: dict, language: str, settings: dict) -> list[list[str]]:
        numbers = (settings.get("recipients") or {}).get(language) or []
        return [[str(n).strip()] for n in numbers]  # one delivery (and ledger entry) per recipient

    def _headers(self, settings: dict) -> dict[str, str]:
        headers = {"User-Agent": "deskctl"}
        body = settings.get("body", SMS_DEFAULT_BODY)
        if body == SMS_DEFAULT_BODY:
            headers["Content-Type"] = "application/json; charset=utf-8"
        for name, value in (settings.get("headers") or {}).items():
            headers[str(name)] = str(value)
        env_name = settings.get("auth_header_env")
        if env_name:
            credential = os.environ.get(str(env_name), "")
            redact.add_secret(credential)
            scheme, _, token = credential.partition(" ")
            if token and len(token) >= redact.MIN_SECRET_LENGTH:
                redact.add_secret(token)  # a gateway may echo the token alone
            headers[str(settings.get("auth_header") or "Authorization")] = credential
        return headers

    def deliver(self, announcement: dict, rendered: list, settings: dict) -> list[dict]:
        import http.client
        import urllib.error
        import urllib.request

        url = str(settings["url"])
        method = str(settings.get("method") or "POST").upper()
        template = _sms_environment().from_string(settings.get("body", SMS_DEFAULT_BODY))
        headers = self._headers(settings)
        timeout = float(settings.get("timeout", 10))
        results = []
        for item in rendered:
            sms = item.content["sms"]
            to = item.recipients[0] if item.recipients else ""
            text = template.render(to=to, text=sms.parts["text"], language=item.language)
            segments = (sms.sms or {}).get("segments", 0)
            encoding = (sms.sms or {}).get("encoding", "")
            if method == "GET":
                target = url + ("&" if "?" in url else "?") + text
                request = urllib.request.Request(target, headers=headers, method="GET")
            else:
                request = urllib.request.Request(url, data=text.encode("utf-8"), headers=headers, method=method)
            try:
                with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured URL
                    results.append({"key": item.key, "status": "sent",
                                    "detail": f"HTTP {response.status} to {to}, {segments} {encoding} segment{'s' if segments != 1 else ''}"})
            except urllib.error.HTTPError as exc:
                answer = exc.read(200).decode("utf-8", "replace")
                results.append({"key": item.key, "status": "failed",
                                "error": redact.redact(f"SMS gateway: HTTP {exc.code}: {answer}".strip())})
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                reason = getattr(exc, "reason", exc)
                if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                    reason = f"no answer within {timeout:g} s"
                results.append({"key": item.key, "status": "failed",
                                "error": redact.redact(f"cannot reach the SMS gateway: {reason}")})
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
    register("sms", SmsChannel())
    register("statuspage", StatuspageChannel())
