"""Fixtures for the announcement tests: a desk set up for announcements, a real SMTP server
(aiosmtpd) and a real HTTP server on 127.0.0.1, each stopped when its test ends."""

from __future__ import annotations

import email
import json
import socket
import threading
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

# Before the maintenance window of the example below, so nothing has started yet.
NOW = "2026-12-01T10:00:00+01:00"

MAINTENANCE_YAML = """\
services: [mail, calendar]
start: 2026-12-05T22:00:00+01:00
end: 2026-12-06T02:00:00+01:00
severity: minor
impact:
  en: E-mail cannot be sent or received.
  it: Non sarà possibile inviare o ricevere e-mail.
workaround:
  en: Use the phone for urgent matters.
contact: servicedesk@example.com, +39 02 1234 5678
languages: [en, it, ru, ro]
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def add_config(desk: Path, text: str) -> None:
    """Append settings to the desk's config (top-level keys must not exist there yet)."""
    path = desk / "config" / "deskctl.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")


def replace_config(desk: Path, old: str, new: str) -> None:
    path = desk / "config" / "deskctl.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def arun(drun):
    """deskctl in the test desk at a fixed "now", acting as the author `tester`."""

    def _run(*args: str, env: dict | None = None, **kwargs):
        merged = {"DESKCTL_NOW": NOW, **(env or {})}
        return drun(*args, env=merged, **kwargs)

    return _run


@pytest.fixture
def maintenance(desk) -> Path:
    path = desk / "maintenance.yaml"
    path.write_text(MAINTENANCE_YAML, encoding="utf-8")
    return path


def create_approved(arun, kind: str = "planned-maintenance", *args: str, approver: str = "alice") -> str:
    """Create (from maintenance.yaml unless args are given), submit and approve; the id."""
    if not args:
        args = ("--from", "maintenance.yaml")
    created = arun("announce", "create", kind, *args)
    assert created.code == 0, created
    ann_id = created.stdout.strip()
    assert arun("announce", "submit", ann_id).code == 0
    approved = arun("--actor", approver, "announce", "approve", ann_id)
    assert approved.code == 0, approved
    return ann_id


def resolve_and_publish(arun, ann_id: str, *args: str, env: dict | None = None, approver: str = "bob"):
    """`announce resolve` records the closing notice awaiting approval, `approver` approves
    it, `announce publish` sends it (with `--allow-fallback` / `--json` if given): publish's result."""
    publish_flags = [a for a in args if a in ("--allow-fallback", "--json")]
    recorded = arun("announce", "resolve", ann_id, *[a for a in args if a not in publish_flags], env=env)
    assert recorded.code == 0 and "awaits approval" in recorded.stderr, recorded
    approved = arun("--actor", approver, "announce", "approve", ann_id, env=env)
    assert approved.code == 0, approved
    assert "pending" not in arun("announce", "show", ann_id, "--json", env=env).json(), "approval not complete"
    return arun("announce", "publish", *publish_flags, ann_id, env=env)


class SmtpSink:
    def __init__(self, port: int):
        self.port = port
        self.messages: list[dict] = []
        self.controller = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "message": message,
                              "raw": envelope.content})
        return "250 OK"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_sink():
    """A real SMTP server (aiosmtpd) on 127.0.0.1 keeping every message it receives."""
    sink = SmtpSink(free_port())
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp_desk(desk, smtp_sink):
    replace_config(desk, "\nchannels:\n", (
        f"\nchannels:\n  smtp: {{host: 127.0.0.1, port: {smtp_sink.port}, from: servicedesk@example.com, starttls: false}}\n"
    ))
    replace_config(desk, "publish_channels: [file, statuspage]", "publish_channels: [smtp, statuspage]\n"
                   "  recipients: {en: [staff@example.com], it: [staff-it@example.com, it-managers@example.com]}")
    return desk


class HookServer:
    """A real HTTP server recording JSON POSTs; `status` is what it answers."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                sink.requests.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(body)})
                self.send_response(sink.status)
                self.end_headers()
                self.wfile.write(b"ok" if sink.status < 400 else b"boom")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


@pytest.fixture
def hook_server():
    server = HookServer()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()
    server.thread.join(timeout=10)


# Fully translated: publishing it needs no --allow-fallback.
TRANSLATED_YAML = """\
services: [mail, calendar]
start: 2026-12-05T22:00:00+01:00
end: 2026-12-06T02:00:00+01:00
impact:
  en: E-mail cannot be sent or received.
  it: Non sarà possibile inviare o ricevere e-mail.
  ru: Почту нельзя будет отправлять и получать.
  ro: Nu se vor putea trimite sau primi e-mailuri.
workaround:
  en: Use the phone for urgent matters.
  it: Per le urgenze usate il telefono.
  ru: По срочным вопросам звоните по телефону.
  ro: Pentru urgențe folosiți telefonul.
languages: [en, it, ru, ro]
"""


class SmsGateway:
    """A real HTTP server standing in for an SMS gateway: it keeps every request; `fail`
    maps a recipient to the HTTP status it gets, `slow` recipients get no answer in time."""

    def __init__(self):
        self.requests: list[dict] = []
        self.fail: dict[str, int] = {}
        self.slow: set[str] = set()
        self.release = threading.Event()  # set at shutdown: a slow answer stops waiting
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode("utf-8")
                entry = {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
                try:
                    entry["json"] = json.loads(body)
                except ValueError:
                    entry["json"] = None
                sink.requests.append(entry)
                to = (entry["json"] or {}).get("to") if isinstance(entry["json"], dict) else None
                if to in sink.slow:
                    sink.release.wait(5)
                status = sink.fail.get(to, 202)
                self.send_response(status)
                self.end_headers()
                # a careless gateway echoes the credential in its error answer
                answer = "queued" if status < 400 else f"rejected, auth was {self.headers.get('Authorization')}"
                self.wfile.write(answer.encode())

            do_POST = do_PUT = do_GET = _handle  # noqa: N815 - http.server's naming

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/send"


@pytest.fixture
def sms_gateway():
    gateway = SmsGateway()
    gateway.thread.start()
    yield gateway
    gateway.release.set()
    gateway.server.shutdown()
    gateway.server.server_close()
    gateway.thread.join(timeout=10)


SMS_TOKEN = "Bearer sk-live-Q8z7XwT2pL9v"


@pytest.fixture
def sms_desk(desk, sms_gateway):
    """The desk publishing through the `sms` channel (and the files) to the gateway above."""
    replace_config(desk, "\nchannels:\n", (
        "\nchannels:\n"
        f"  sms: {{url: \"{sms_gateway.url}\", auth_header_env: SMS_GATEWAY_AUTH, timeout: 2,\n"
        "        headers: {X-Client: deskctl-tests},\n"
        "        recipients: {en: [\"+44 7700 900001\", \"+44 7700 900002\"], it: [\"+39 333 0000001\"],\n"
        "                     ru: [\"+7 900 000 0001\"], ro: [\"+40 700 000 001\"]}}\n"
    ))
    replace_config(desk, "publish_channels: [file, statuspage]", "publish_channels: [sms, file]")
    return desk
