"""An incoming RFC 5322 message as the desk needs it: who, what, which thread, and the
headers that tell an automatic message from a person's."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

MESSAGE_ID = re.compile(r"<[^<>\s]+>")
MAX_ATTACHMENTS = 20


@dataclass
class Incoming:
    message_id: str
    from_email: str
    from_name: str
    subject: str
    text: str  # the body as text, untrimmed
    references: list[str] = field(default_factory=list)  # In-Reply-To first, then References (newest first)
    content_language: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names of those that matter
    attachments: list[tuple[str, bytes]] = field(default_factory=list)
    is_report: bool = False  # a delivery status notification (multipart/report)


class Unreadable(ValueError):
    """The message cannot be understood: it goes to quarantine with this reason."""


_HEADERS = ("auto-submitted", "precedence", "x-loop", "list-id", "list-unsubscribe", "x-autoreply",
            "x-autorespond", "x-auto-response-suppress", "return-path", "content-language")


def _ids(value: str | None) -> list[str]:
    return MESSAGE_ID.findall(str(value or ""))


def _text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, UnicodeError) as exc:  # an unknown charset
        raise Unreadable(f"the body cannot be decoded ({exc})") from None
    if body.get_content_subtype() == "html":
        from html.parser import HTMLParser

        parts: list[str] = []

        class _Text(HTMLParser):
            def handle_data(self, data: str) -> None:
                parts.append(data)

            def handle_starttag(self, tag: str, attrs) -> None:
                if tag in ("br", "p", "div", "li", "tr"):
                    parts.append("\n")

        _Text().feed(content)
        content = "".join(parts)
    return str(content)


def _returned_ids(report: EmailMessage) -> list[str]:
    """The Message-ID (and deskctl's ticket header) of the mail a delivery report returns,
    from its message/rfc822 or text/rfc822-headers part."""
    from email.parser import HeaderParser

    found: list[str] = []
    for part in report.walk():
        kind = part.get_content_type()
        headers = None
        if kind == "message/rfc822":
            payload = part.get_payload()
            headers = payload[0] if isinstance(payload, list) and payload else None
        elif kind == "text/rfc822-headers":
            raw = part.get_payload(decode=True)
            headers = HeaderParser().parsestr(raw.decode("utf-8", "replace")) if isinstance(raw, bytes) else None
        if headers is not None:
            found += _ids(headers.get("Message-ID"))
    return found


def parse(raw: bytes) -> Incoming:
    """The message in `raw`; raises Unreadable for what cannot be read as mail."""
    from email import policy
    from email.parser import BytesParser

    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; what still fails is not mail
        raise Unreadable(f"not an RFC 5322 message ({type(exc).__name__})") from None
    if not message.keys():
        raise Unreadable("no headers: not an RFC 5322 message")
    try:
        from_name, from_email = parseaddr(str(message.get("From", "")))
        subject = str(message.get("Subject", "") or "")
        ids = _ids(message.get("Message-ID"))
        references = _ids(message.get("In-Reply-To")) + list(reversed(_ids(message.get("References"))))
        headers = {name: str(message.get(name)) for name in _HEADERS if message.get(name) is not None}
    except (ValueError, IndexError, TypeError) as exc:  # a header the policy cannot parse
        raise Unreadable(f"a header cannot be read ({exc})") from None
    if "@" not in from_email:
        raise Unreadable(f"no sender address (From: {message.get('From', '')!r})")
    text = _text_of(message)
    if message.get_content_type() == "multipart/report":
        references = _returned_ids(message) + references  # a bounce names the mail it returns
    attachments = []
    for part in message.iter_attachments():
        if len(attachments) >= MAX_ATTACHMENTS:
            break
        data = part.get_payload(decode=True)
        if isinstance(data, bytes | bytearray):
            attachments.append((part.get_filename() or "attachment.bin", bytes(data)))
    # NUL never belongs in text (and PostgreSQL's jsonb refuses it): dropped, not the mail
    subject, text, from_name = (v.replace("\x00", "") for v in (subject, text, from_name))
    return Incoming(
        # a message without an id still gets a stable one: fetching it twice imports it once
        message_id=ids[0] if ids else f"<sha256-{hashlib.sha256(raw).hexdigest()[:32]}@deskctl.invalid>",
        from_email=from_email.strip().lower(), from_name=from_name.strip(), subject=" ".join(subject.split()),
        text=text, references=list(dict.fromkeys(references)),
        content_language=headers.get("content-language"), headers=headers, attachments=attachments,
        is_report=message.get_content_type() == "multipart/report",
    )


def recipients(raw_header: str) -> list[str]:
    return [addr.lower() for _, addr in getaddresses([raw_header]) if "@" in addr]
