"""Mail that deskctl writes by itself (announcements, SLA notices): the message object every
sender starts from, with the headers an automatic message owes its readers."""

from __future__ import annotations


def automatic_message():
    """An `EmailMessage` marked `Auto-Submitted: auto-generated` (RFC 3834: auto-responders
    and out-of-office replies must not answer it, so two desks cannot loop), folded so that no
    encoded word exceeds RFC 2047's 75 characters. (CPython's default policy folds at 78 and
    can then write a 76-character encoded word, which strict readers reject; at 76 it stays
    within the limit.)"""
    from email import policy
    from email.message import EmailMessage

    message = EmailMessage(policy=policy.default.clone(max_line_length=76))
    message["Auto-Submitted"] = "auto-generated"
    return message
