"""Built-in `notify`: operational notifications to the desk's webhook and SMTP channels, and
always to `<data>/notifications.log` (see `deskctl.sla.notify`). Registered last, so a
third-party plugin implementing `notify` adds its own deliveries beside these."""

from __future__ import annotations

from deskctl.hookspecs import hookimpl


@hookimpl(trylast=True)
def notify(desk, topic, message, recipients):
    from deskctl.sla.notify import deliver

    return deliver(desk, topic, message, list(recipients or []))
