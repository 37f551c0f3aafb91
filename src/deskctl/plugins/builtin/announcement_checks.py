"""`deskctl config check` for announcements: the `roles`, `announcements` and `channels`
sections, and every template under templates/announcements/ (see
`deskctl.announcements.checks`)."""

from __future__ import annotations

from deskctl.hookspecs import hookimpl


@hookimpl
def check_desk(desk):
    from deskctl.announcements.checks import check_announcements

    return check_announcements(desk)
