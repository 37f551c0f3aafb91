"""Mail no one should answer: auto-replies, bulk and list mail, bounces, the desk's own mail
coming back (RFC 3834, and the headers mailers use in practice: Znuny's list)."""

from __future__ import annotations

from dataclasses import dataclass

from deskctl.mail.message import Incoming

DAEMONS = ("mailer-daemon", "postmaster", "noreply", "no-reply", "do-not-reply", "donotreply")


@dataclass(frozen=True)
class Automatic:
    kind: str  # "bounce", "auto-reply", "bulk", "loop"
    reason: str


def automatic(mail: Incoming, *, desk_addresses: set[str], loop_tag: str) -> Automatic | None:
    """Why `mail` must not be answered (None: a person wrote it)."""
    local = mail.from_email.split("@", 1)[0]
    h = mail.headers
    if mail.from_email in desk_addresses:
        return Automatic("loop", f"from the desk's own address {mail.from_email}")
    if loop_tag and loop_tag.lower() in h.get("x-loop", "").lower():
        return Automatic("loop", f"X-Loop names this desk ({h['x-loop']})")
    if mail.is_report or local in ("mailer-daemon", "postmaster") or h.get("return-path", "").strip() == "<>":
        return Automatic("bounce", "a delivery status notification")
    auto = h.get("auto-submitted", "").split(";")[0].strip().lower()
    if auto and auto != "no":
        return Automatic("auto-reply", f"Auto-Submitted: {auto}")
    precedence = h.get("precedence", "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return Automatic("bulk", f"Precedence: {precedence}")
    if "x-autoreply" in h or "x-autorespond" in h:
        return Automatic("auto-reply", "X-Autoreply")
    if h.get("x-auto-response-suppress", "").strip().lower() in ("all", "oof", "autoreply"):
        return Automatic("auto-reply", f"X-Auto-Response-Suppress: {h['x-auto-response-suppress']}")
    if "list-id" in h or "list-unsubscribe" in h:
        return Automatic("bulk", "mailing-list mail")
    if any(local == d or local.startswith(d + "+") for d in DAEMONS):
        return Automatic("auto-reply", f"from {mail.from_email}")
    return None
