"""What the reports read: every summary row (hot, closed and archived) and the report period."""

from __future__ import annotations

import gc
from datetime import datetime
from zoneinfo import ZoneInfo

from deskctl.errors import BadInput
from deskctl.reports.kpi import Period
from deskctl.util import clock


def load_rows(desk) -> list[dict]:
    """Summary rows of every ticket. Rows written before the SLA fields existed (no
    `pending_periods`, `first_contact_facts`) are rebuilt from their tickets, so old stores
    report correctly (`deskctl store check --repair` refreshes them for good)."""
    from deskctl.store import open_store
    from deskctl.tickets.model import summary_row
    from deskctl.util import jsoncodec

    jsoncodec.use_orjson()  # every index of the desk is parsed: worth orjson's import
    store = open_store(desk)
    rows = store.rows(active=True, closed=True, archived=True)
    # rows from before the first-contact facts and priority changes were kept: rebuilt too
    stale = [r["id"] for r in rows if "pending_periods" not in r or "first_contact_facts" not in r]
    if stale:
        fresh = {t["id"]: summary_row(t) for t in store.load(stale)}
        rows = [fresh.get(r["id"], r) for r in rows]
    return rows


def parse_when(text: str | None, what: str, tz: str, *, end_of_day: bool = False) -> datetime | None:
    """`--since`/`--until`: see `deskctl.util.moments` (`30d`, `now`, a day, an ISO time)."""
    if not text:
        return None
    from deskctl.util.moments import parse_moment

    return parse_moment(text, what, ZoneInfo(tz), end_of_day=end_of_day)


def period_from(desk, since: str | None, until: str | None) -> Period:
    tz = str(desk.setting("timezone", default="UTC"))
    start = parse_when(since, "--since", tz)
    end = parse_when(until, "--until", tz, end_of_day=True) or clock.now()
    if start and start >= end:
        raise BadInput(f"--since {since} is not before --until {until or 'now'}", "swap or widen the dates")
    return Period(start, end)


def kpi_report(desk, *, since: str | None = None, until: str | None = None, group: str | None = None) -> dict:
    from deskctl.reports.fcr import load_rules
    from deskctl.reports.kpi import compute
    from deskctl.reports.surveys import load_settings
    from deskctl.sla.policy import load_policy
    from deskctl.tickets.model import check_choice

    if group:
        check_choice(desk, "group", group)
    period = period_from(desk, since, until)
    # 100k rows are millions of small objects that never form cycles: the cyclic GC would
    # spend a third of the run re-scanning them
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        rows = load_rows(desk)
        policy = load_policy(desk)
        return compute(rows, policy=policy, surveys=load_settings(desk),
                       timezone=str(desk.setting("timezone", default="UTC")), period=period, group=group,
                       fcr_rules=load_rules(desk, policy))
    finally:
        if gc_was_on:
            gc.enable()
