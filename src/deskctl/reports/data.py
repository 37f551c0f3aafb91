"""What the reports read: every summary row (hot, closed and archived) and the report period."""

from __future__ import annotations

import gc
from datetime import datetime
from zoneinfo import ZoneInfo

from deskctl.errors import BadInput
from deskctl.reports.kpi import Period
from deskctl.util import clock
from deskctl.util.progress import progress


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


def kpi_report(desk, *, since: str | None = None, until: str | None = None, group: str | None = None,
               by: str | None = None) -> dict:
    """The KPI report; `group`: over the tickets that group handled (held at some time), with
    what it did in the period (`group_work`); `by`: the breakdown document instead (one row per
    group, person, channel, category or type)."""
    from deskctl.reports import handled
    from deskctl.tickets.model import check_choice

    if group:
        check_choice(desk, "group", group)
    if by is not None and by not in handled.DIMENSIONS:
        raise BadInput(f"--by {by!r} is not valid", f"use one of: {', '.join(handled.DIMENSIONS)}")
    period = period_from(desk, since, until)
    timezone = str(desk.setting("timezone", default="UTC"))
    # 100k rows are millions of small objects that never form cycles: the cyclic GC would
    # spend a third of the run re-scanning them
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        with progress("reading tickets") as bar:  # a spinner: a large store takes seconds
            return _kpi_report(desk, bar, period=period, timezone=timezone, group=group, by=by)
    finally:
        if gc_was_on:
            gc.enable()


def _kpi_report(desk, bar, *, period: Period, timezone: str, group: str | None, by: str | None) -> dict:
    from deskctl.reports import handled, satisfaction
    from deskctl.reports.fcr import load_rules
    from deskctl.reports.kpi import compute
    from deskctl.reports.surveys import load_settings
    from deskctl.sla.policy import load_policy

    policy, surveys = load_policy(desk), load_settings(desk)
    fcr_rules = load_rules(desk, policy)
    from deskctl.store import open_backend

    backend = open_backend(desk)
    add_up = getattr(backend, "kpi_report", None)  # a backend that adds the report up itself
    if add_up is not None and (by is None or by in getattr(backend, "kpi_breakdowns", ())):
        return add_up(period=period, timezone=timezone, policy=policy, surveys=surveys, fcr_rules=fcr_rules,
                      language=_language(desk), now=clock.now(), bar=bar, group=group, by=by)
    rows = load_rows(desk)
    bar.update(label=f"computing KPIs over {len(rows)} tickets")
    surveys.prepare(rows)
    if group or by in ("group", "assignee"):
        from deskctl.store import open_store

        rows = handled.with_handling(rows, open_store(desk).load)
    if group:
        rows = handled.rows_handled_by_group(rows, group)
    if by:
        result = handled.breakdown(rows, by, policy=policy, surveys=surveys, timezone=timezone, period=period,
                                   fcr_rules=fcr_rules)
        result["group"] = group
        return result
    # the group filter is applied above (every group that held a ticket), not by compute's
    # own current-group filter
    result = compute(rows, policy=policy, surveys=surveys, timezone=timezone, period=period,
                     fcr_rules=fcr_rules)
    result["group"] = group
    if group:
        result["group_work"] = handled.group_work(rows, group, period)
    # rows from before `handling` existed are left out here (completing them means reading
    # every ticket on each report): `store check --repair` brings them in
    result["work_by_group"] = handled.work_by_group(rows, period)
    result["handling_missing"] = sum(1 for r in rows if "handling" not in r)
    result["time_per_type"] = handled.time_per_type(rows, policy=policy, period=period)
    result["satisfaction"] = satisfaction.compute(rows, surveys, period, language=_language(desk))
    return result


def _language(desk) -> str:
    return str(desk.setting("default_language", default="en"))
