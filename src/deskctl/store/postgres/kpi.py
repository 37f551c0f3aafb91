"""`report kpi` in SQL: the report of `deskctl.reports.kpi.compute` (with the work per group,
time per type and satisfaction sections) added up by PostgreSQL, not by loading a million
summary rows into Python.

A finished ticket's facts were judged when it was written (`deskctl.reports.facts.kept`, under
the policy `key`); the open tickets, and any judged under another policy, are judged here by the
same Python code and copied into `ticket_facts_judged` for this transaction only. The figures are
added up in a few passes over both (each pass over a million facts is most of a second, so the
figures share them). Definitions: docs/kpis.md; the file store computes the same document in
Python.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

from deskctl.reports.facts import DONE, ESCALATED, REASSIGNED, RESOLVED, of_row, policy_key
from deskctl.reports.kpi import AGE_BUCKETS, WEEKDAYS, Period, _count, _rate
from deskctl.store.postgres.bulk import _field
from deskctl.store.postgres.tickets import FACT_COLUMNS, fact_values
from deskctl.util import jsoncodec

# every ticket's facts: those kept under this policy, and those this report's transaction just
# judged (under it too: the rows of ticket_facts_judged it wrote, deleted before it ends). The key
# filtered outside the union lets PostgreSQL scan ticket_facts directly (a third faster a pass than
# a filter inside, which keeps the union's leaf as a subquery projecting every column: measured)
ALL_FACTS = ("CREATE OR REPLACE TEMPORARY VIEW kpi_all AS SELECT * FROM (SELECT * FROM ticket_facts "
             "UNION ALL SELECT * FROM ticket_facts_judged WHERE xmin = %(xid)s::xid) AS f WHERE key = %(key)s")
# --group: the tickets the group held at some time (`reports.handled.rows_handled_by_group`);
# a row from before `handling` was kept counts for its current group (`handling_missing` says so)
HELD_BY_GROUP = "CASE WHEN has_handling THEN %(group)s = ANY(held_by) ELSE grp = %(group)s END"
# the tickets reported on: every one, or the group's
REPORTED = "CREATE OR REPLACE TEMPORARY VIEW kpi_rows AS SELECT * FROM kpi_all"
TO_JUDGE = ("SELECT t.summary::text FROM ticket_facts f JOIN tickets t ON t.id = f.id "
            "WHERE f.key IS DISTINCT FROM %s")

COHORT = "(%(since)s::float8 IS NULL OR created >= %(since)s) AND created < %(until)s"
AGE = "greatest(0, {0} - created)"


def kpi_report(backend, *, period: Period, timezone: str, policy, surveys, fcr_rules, language: str,
               now: datetime, bar=None, group: str | None = None, by: str | None = None) -> dict:
    """The document `reports.data.kpi_report` returns (`group`: --group; `by`: --by, one of the
    backend's `kpi_breakdowns`)."""
    db = backend.db
    backend.ready()
    key = policy_key(backend.desk)
    now_ts = now.timestamp()
    until_ts = period.until.timestamp()
    params = {"since": period.since.timestamp() if period.since else None, "until": until_ts,
              "as_of": min(until_ts, now_ts), "tz": timezone, "key": key, "group": group}
    with db.transaction("the ticket store") as cur:
        # compiling these queries (JIT, on by default since PostgreSQL 12) took longer than running
        # them: about a second each at 1M tickets, measured with EXPLAIN ANALYZE
        cur.execute("SET LOCAL jit = off")
        # the medians sort a million values: in memory, not in temporary files (this transaction only)
        cur.execute("SET LOCAL work_mem = '128MB'")
        # the passes whose aggregate cannot be split among workers (grouping sets, medians) still
        # gain from workers scanning and filtering for them; at the default cost per row handed
        # over the planner seldom chose that (the report a tenth faster at 1M with it, measured)
        cur.execute("SET LOCAL parallel_tuple_cost = 0.01")
        _judge_the_rest(backend, cur, key, policy, fcr_rules, now_ts)
        cur.execute("SELECT pg_current_xact_id()::xid::text")
        params["xid"] = cur.fetchone()[0]
        cur.execute(ALL_FACTS, params)
        cur.execute(REPORTED if group is None else f"{REPORTED} WHERE {HELD_BY_GROUP}", params)
        if bar is not None:
            bar.update(label="adding up the KPIs in PostgreSQL")
        if by is not None:
            result = {"period": period.to_dict(), "timezone": timezone, "by": by,
                      "rows": _breakdown(cur, params, by, fcr_rules), "group": group}
        else:
            result, handling_missing = _main(cur, params, period, timezone, surveys, fcr_rules)
            result["group"] = group
            if group is not None:
                result["group_work"] = _group_work(cur, params, group)
            result["work_by_group"] = _work_by_group(cur, params)
            result["handling_missing"] = handling_missing
            result["time_per_type"] = _time_per_type(cur, params)
            result["satisfaction"] = _satisfaction(cur, params, surveys, language)
        cur.execute("DELETE FROM ticket_facts_judged WHERE xmin = %(xid)s::xid", params)
    return result


def _judge_the_rest(backend, cur, key: str, policy, fcr_rules, now_ts: float) -> int:
    """Open tickets and rows without facts under this policy: judged in Python, copied in."""
    from deskctl.tickets.model import summary_row

    jsoncodec.use_orjson()
    cur.execute(TO_JUDGE, (key,))
    rows = [jsoncodec.loads(text) for (text,) in cur.fetchall()]
    # rows from before the SLA fields were kept: rebuilt from their tickets (as reports.data does)
    stale = [r["id"] for r in rows if "pending_periods" not in r or "first_contact_facts" not in r]
    if stale:
        fresh = {t["id"]: summary_row(t) for t in backend.tickets.load(stale)}
        rows = [fresh.get(r["id"], r) for r in rows]
    buffer = io.StringIO()
    for row in rows:
        facts = of_row(row, policy, fcr_rules, now_ts)
        if facts is None:
            continue
        values = fact_values(row["id"], {"key": key, **facts})
        buffer.write("\t".join(_field(values[c]) for c in FACT_COLUMNS) + "\n")
    buffer.seek(0)
    cur.copy_expert(f"COPY ticket_facts_judged ({', '.join(FACT_COLUMNS)}) FROM STDIN", buffer)
    return len(rows)


def _all(cur, sql: str, params: dict) -> list:
    cur.execute(sql, params)
    return cur.fetchall()


def _stats(count: int, mean, median) -> dict:
    if not count:
        return {"count": 0, "mean_seconds": None, "median_seconds": None}
    return {"count": count, "mean_seconds": round(mean, 1), "median_seconds": round(median, 1)}


WAS_RESOLVED = "done AND resolved IS NOT NULL"
RESOLVED_IN_PERIOD = f"{WAS_RESOLVED} AND (%(since)s::float8 IS NULL OR resolved >= %(since)s) AND resolved < %(until)s"
BREACHED = "(response = 'breached' OR resolution = 'breached')"
OPEN_AT_END = ("created <= %(as_of)s AND NOT (done AND resolved IS NULL AND closed IS NULL) "
               "AND NOT COALESCE(least(resolved, closed) <= %(as_of)s, false)")


def _cohort(condition: str = "true") -> str:
    """An aggregate's filter: the tickets created in the period that match `condition`."""
    return f"FILTER (WHERE {COHORT} AND {condition})"


def _age_buckets() -> list[str]:
    """One condition per `AGE_BUCKETS` entry: open at the period's end, and that old."""
    found, lower = [], None
    for _, limit in AGE_BUCKETS:
        age = "%(as_of)s - created"
        parts = [OPEN_AT_END] + ([f"{age} >= {lower}"] if lower is not None else []) + (
            [f"{age} < {limit}"] if limit is not None else [])
        found.append(" AND ".join(parts))
        lower = limit
    return found


def _one_pass(cur, source: str, figures: dict[str, str], params: dict) -> dict:
    """Every aggregate of `figures` (name -> SQL) over `source`, in one query: name -> value."""
    row = _all(cur, f"SELECT {', '.join(figures.values())} FROM {source}", params)[0]
    return dict(zip(figures, row, strict=True))


def _stats_sql(figures: dict, name: str, value: str, condition: str) -> None:
    """Adds `name`.count, .mean and .median of `value` over the cohort's `condition` rows."""
    where = _cohort(condition)
    figures.update({f"{name}.count": f"count(*) {where}", f"{name}.mean": f"avg({value}) {where}",
                    f"{name}.median": f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {value}) {where}"})


def _main(cur, params: dict, period: Period, timezone: str, surveys, fcr_rules) -> tuple[dict, int]:
    """The report's main figures, and how many rows lack the handling facts."""
    params = {**params, **_sampling(cur, params, surveys)}
    volume, fcr_by, heat, weeks = _by_value(cur, params, timezone)
    # every other figure over the facts in one pass: the cohort's, the backlog's, the surveys'
    # (medians per type or category are not among them: one filtered median per value took longer
    # than sorting the rows by value, measured)
    figures = {name: f"count(*) {_cohort(condition)}" for name, condition in (
        ("total", "true"), ("fcr", "fcr"), ("escalated", "escalated"), ("ever_resolved", "(done OR reopens > 0)"),
        ("reopened", "reopens > 0"), ("kb_resolved", f"{WAS_RESOLVED} AND kb"), ("breaches", BREACHED),
        *((f"{clock}.{state}", f"{clock} = '{state}'") for clock in ("response", "resolution")
          for state in ("met", "breached", "running")),
        *((f"score.{s}", f"score = {s}") for s in range(1, 6)))}
    _stats_sql(figures, "first_response", AGE.format("first_response"), "first_response IS NOT NULL")
    _stats_sql(figures, "resolve", AGE.format("resolved"), WAS_RESOLVED)
    _stats_sql(figures, "handling", "handling", f"{WAS_RESOLVED} AND handling IS NOT NULL")
    figures |= {"score.mean": f"avg(score) {_cohort()}", "score.count": f"count(score) {_cohort()}",
                "handling_missing": "count(*) FILTER (WHERE NOT has_handling)",
                **{f"backlog.{name}": f"count(*) FILTER (WHERE {bucket})"
                   for (name, _), bucket in zip(AGE_BUCKETS, _age_buckets(), strict=True)},
                **{f"oldest.{column}": f'(array_agg({column} ORDER BY created, id COLLATE "C") '
                                       f"FILTER (WHERE {OPEN_AT_END}))[1:20]" for column in ("id", "created")}}
    if surveys.every <= 1:
        chosen = ELIGIBLE if surveys.sample >= 1 else f"{ELIGIBLE} AND {IN_SHARE}"
        figures |= {"asked": f"count(*) {_cohort(chosen)}", "answered": f"count(*) {_cohort(chosen + ' AND surveyed')}"}
    found = _one_pass(cur, "kpi_rows", figures, params)
    if surveys.every > 1:
        found["asked"], found["answered"] = _asked_every_nth(cur, params, surveys)

    oldest = list(zip(found["oldest.id"] or [], found["oldest.created"] or [], strict=True))
    breaches = _all(cur, f"""SELECT id, response, resolution FROM kpi_rows WHERE {COHORT} AND {BREACHED}
                            ORDER BY done, created, id COLLATE "C" LIMIT 50""", params)
    shown = _summaries(cur, [i for i, _ in oldest] + [i for i, *_ in breaches])

    def stats(name: str) -> dict:
        return _stats(found[f"{name}.count"], found[f"{name}.mean"], found[f"{name}.median"])

    def sla_rate(clock: str) -> dict:
        met, breached, running = (found[f"{clock}.{state}"] for state in ("met", "breached", "running"))
        return {**_rate(met, met + breached), "met": met, "breached": breached, "running": running}

    total, as_of = found["total"], params["as_of"]
    backlog = {name: found[f"backlog.{name}"] for name, _ in AGE_BUCKETS}
    return {
        "period": period.to_dict(), "group": None, "timezone": timezone,
        "volume": {"total": total, **{f"by_{key}": _count(Counter(counts)) for key, counts in volume.items()}},
        "first_contact_resolution": _first_contact(found["fcr"], total, fcr_rules, fcr_by),
        "response_sla": sla_rate("response"),
        "resolution_sla": sla_rate("resolution"),
        "time_to_first_response": stats("first_response"),
        "time_to_resolve": stats("resolve"),
        "handling_time": stats("handling"),
        "reopen_rate": _rate(found["reopened"], found["ever_resolved"]),
        "escalation_rate": _rate(found["escalated"], total),
        "kb_resolution_rate": _rate(found["kb_resolved"], found["resolve.count"]),
        "csat": {"average": round(float(found["score.mean"]), 2) if found["score.count"] else None,
                 "responses": found["score.count"],
                 "scores": {str(s): found[f"score.{s}"] for s in range(1, 6)},
                 "response_rate": _rate(found["answered"], found["asked"])},
        "backlog": {"as_of": datetime.fromtimestamp(as_of, UTC).isoformat(timespec="seconds"),
                    "total": sum(backlog.values()), "by_age": backlog},
        "arrivals": {"weekdays": list(WEEKDAYS), "by_weekday_hour": heat,
                     "by_weekday": {WEEKDAYS[i]: sum(heat[i]) for i in range(7)},
                     "by_hour": [sum(heat[d][h] for d in range(7)) for h in range(24)]},
        "weekly": [{"week": w, **c} for w, c in sorted(weeks.items())],
        "oldest_open": [{"id": tid, **_brief(shown.get(tid, {})), "age_seconds": int(as_of - created)}
                        for tid, created in oldest],
        "sla_breaches": [{"id": tid, **_brief(shown.get(tid, {}), with_status=False),
                          "status": shown.get(tid, {}).get("status"),
                          "clocks": [name for name, v in (("response", response), ("resolution", resolution))
                                     if v == "breached"],
                          "created_at": shown.get(tid, {}).get("created_at"),
                          "open": shown.get(tid, {}).get("status") not in DONE}
                         for tid, response, resolution in breaches],
        "sla_breaches_total": found["breaches"],
    }, found["handling_missing"]


# what `_by_value` counts per value: every combination of these seen (a thousand or so, added up
# per column here: a fifth faster than one grouping set per column, measured)
VALUE_COLUMNS_SEEN = ("type", "category", "priority", "channel", "grp")


def _by_value(cur, params: dict, timezone: str):
    """Volume and first-contact hits per value, and arrivals and resolutions per 15-minute slot
    (every zone offset is a multiple of 15 minutes; each slot is placed in the desk's zone here),
    in one pass."""
    volume: dict[str, Counter] = {key: Counter() for key in ("type", "category", "priority", "channel")}
    fcr_by: dict[str, dict] = {"channel": {}, "group": {}}
    local = _LocalSlots(timezone)
    heat = [[0] * 24 for _ in range(7)]
    weeks: dict[str, dict[str, int]] = defaultdict(lambda: {"created": 0, "resolved": 0, "sla_breached": 0})
    values = ", ".join(VALUE_COLUMNS_SEEN)
    for by_values, by_arrival, created_slot, resolved_slot, *seen, created, hits, breached, resolved in _all(cur, f"""
        SELECT GROUPING({values}) = 0, GROUPING(created_slot) = 0, created_slot, resolved_slot, {values},
               count(*) {_cohort()},
               count(*) {_cohort('fcr')}, count(*) {_cohort(BREACHED)}, count(*) FILTER (WHERE {RESOLVED_IN_PERIOD})
        FROM (SELECT *, floor(created / 900)::bigint AS created_slot, floor(resolved / 900)::bigint AS resolved_slot
              FROM kpi_rows) AS f
        WHERE {COHORT} OR {RESOLVED_IN_PERIOD}
        GROUP BY GROUPING SETS (({values}), (created_slot), (resolved_slot))""", params):
        if by_values:
            by_column = dict(zip(VALUE_COLUMNS_SEEN, seen, strict=True))
            for column in volume:
                volume[column][by_column[column]] += created
            for column, key in (("channel", "channel"), ("group", "grp")):
                found = fcr_by[column].setdefault(by_column[key], [0, 0])
                found[0] += hits
                found[1] += created
        elif by_arrival:
            if created:
                week, weekday, hour = local(created_slot)
                heat[weekday][hour] += created
                weeks[week]["created"] += created
                weeks[week]["sla_breached"] += breached
        elif resolved:  # a resolution slot
            weeks[local(resolved_slot)[0]]["resolved"] += resolved
    # a value seen only among the period's resolutions is not one of the cohort's
    return ({column: {value: n for value, n in counts.items() if n} for column, counts in volume.items()},
            {column: [(value, hits, n) for value, (hits, n) in found.items() if n] for column, found in fcr_by.items()},
            heat, weeks)


def _time_per_type(cur, params: dict) -> dict:
    """`reports.handled.time_per_type`: median resolution and handling per type and category."""
    found: dict[str, list] = {"by_type": [], "by_category": []}
    for part, key, resolved, median_resolution, handled, median_handling in _all(cur, f"""
        SELECT CASE GROUPING(type, category) WHEN 1 THEN 'by_type' ELSE 'by_category' END,
               COALESCE(type, category), count(*),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY {AGE.format('resolved')}),
               count(handling), percentile_cont(0.5) WITHIN GROUP (ORDER BY handling)
        FROM kpi_rows WHERE {COHORT} AND {WAS_RESOLVED}
        GROUP BY GROUPING SETS ((type), (category))""", params):
        found[part].append(("(none)" if key is None else str(key), {
            "resolved": resolved, "median_resolution_seconds": _round(median_resolution),
            "handled": handled, "median_handling_seconds": _round(median_handling) if handled else None}))
    return {part: dict(sorted(items, key=lambda kv: (-kv[1]["resolved"], kv[0]))) for part, items in found.items()}


def _first_contact(fcr: int, total: int, fcr_rules, by: dict[str, list]) -> dict:
    """The first-contact resolution figure, with its rate per channel and group: `by` maps
    "channel"/"group" to (value, first-contact hits, tickets), largest first."""
    return {**_rate(fcr, total), "definition": fcr_rules.to_dict(),
            **{f"by_{key}": {("(none)" if value is None else str(value)): _rate(hits, n)
                             for value, hits, n in sorted(found, key=lambda v: (-v[2], str(v[0])))}
               for key, found in by.items()}}


class _LocalSlots:
    """A 15-minute slot (epoch seconds // 900) -> (its local week's Monday, weekday, hour)."""

    def __init__(self, timezone: str):
        from zoneinfo import ZoneInfo

        self.tz = ZoneInfo(timezone)
        self.seen: dict[int, tuple[str, int, int]] = {}

    def __call__(self, slot: int) -> tuple[str, int, int]:
        found = self.seen.get(slot)
        if found is None:
            moment = datetime.fromtimestamp(slot * 900, self.tz)
            monday = (moment - timedelta(days=moment.weekday())).date().isoformat()
            found = self.seen[slot] = (monday, moment.weekday(), moment.hour)
        return found


def _brief(row: dict, with_status: bool = True) -> dict:
    found = {"title": row.get("title"), "priority": row.get("priority")}
    if with_status:
        return {**found, "status": row.get("status"), "group": row.get("group"), "created_at": row.get("created_at")}
    return {**found, "group": row.get("group")}


def _summaries(cur, ids: list[str]) -> dict[str, dict]:
    if not ids:
        return {}
    cur.execute("SELECT id, summary->>'title', priority, status, grp, summary->>'created_at' FROM tickets "
                "WHERE id = ANY(%s)", (ids,))
    return {tid: {"title": title, "priority": priority, "status": status, "group": grp, "created_at": created}
            for tid, title, priority, status, grp, created in cur.fetchall()}


# chosen for a survey before the every-Nth rule (`SurveySettings.sampled`): a closed ticket of a
# type asked about, from a requester who has not declined
ELIGIBLE = ("status = 'closed' AND (cardinality(%(types)s::text[]) = 0 OR type = ANY(%(types)s)) "
            "AND requester <> ALL(%(declined)s::text[])")
IN_SHARE = "bucket < %(share)s"  # the sampling share


def _sampling(cur, params: dict, surveys) -> dict:
    """The parameters of ELIGIBLE and IN_SHARE; who declined is learnt from the whole store
    (as `SurveySettings.prepare` does)."""
    from deskctl.reports.surveys import declined_requesters

    consents = [{"id": tid, "requester": requester, "survey_consent": consent}
                for tid, requester, consent in _all(cur, "SELECT id, requester, consent FROM kpi_all "
                                                    "WHERE consent IS NOT NULL", params)]
    return {"declined": sorted(declined_requesters(consents)), "types": list(surveys.types),
            "every": max(1, int(surveys.every)), "share": round(surveys.sample * 10000)}


def _asked_every_nth(cur, params: dict, surveys) -> tuple[int, int]:
    """The cohort's tickets asked and answered when every Nth closed ticket, in closing order
    over the whole store, is chosen."""
    reported = f" AND {HELD_BY_GROUP}" if params.get("group") is not None else ""
    share = "true" if surveys.sample >= 1 else IN_SHARE
    return _all(cur, f"""
        SELECT count(*), count(*) FILTER (WHERE surveyed) FROM (
            SELECT *, row_number() OVER (ORDER BY closed, id COLLATE "C") AS place FROM kpi_all
            WHERE {ELIGIBLE} AND closed IS NOT NULL) AS c
        WHERE place %% %(every)s = 0{reported} AND {share} AND {COHORT}""", params)[0]


# one row per (ticket, group that held it): the arrays unnested side by side in the select list, in
# one pass (faster than a lateral join, or than a union of one-holder and many-holder rows: measured)
HELD = """
    SELECT id, unnest(held_by) AS name, unnest(held_from) AS held_from, unnest(held_to) AS held_to,
           unnest(held_flags) AS flags, grp, resolved
    FROM kpi_rows
"""
# what a group did with a ticket it held (`reports.handled._Window.outcomes`), over HELD as h
_IN_PERIOD = "({0} IS NOT NULL AND (%(since)s::float8 IS NULL OR {0} >= %(since)s) AND {0} < %(until)s)"
_AWAY = f"(h.held_to IS NULL OR {_IN_PERIOD.format('h.held_to')})"
TOUCHED = "(h.held_from IS NOT NULL AND h.held_from < %(until)s AND NOT COALESCE(h.held_to < %(since)s, false))"
OUTCOMES = {
    "escalated_onward": f"(h.flags & {ESCALATED} <> 0 AND {_AWAY})",
    "reassigned_onward": f"(NOT (h.flags & {ESCALATED} <> 0 AND {_AWAY}) AND h.flags & {REASSIGNED} <> 0 AND {_AWAY})",
    "resolved": f"(h.flags & {RESOLVED} <> 0 AND grp = h.name AND {_IN_PERIOD.format('resolved')})",
}
LISTED = 200  # ticket ids per outcome in `group_work`, as reports.handled.group_work lists


def _work_by_group(cur, params: dict) -> list[dict]:
    """`reports.handled.work_by_group`: what each group did in the period."""
    counts = ", ".join(f"count(*) FILTER (WHERE {condition})" for condition in OUTCOMES.values())
    rows = _all(cur, f"SELECT h.name, count(*), {counts} FROM ({HELD}) AS h WHERE {TOUCHED} GROUP BY h.name", params)
    work = [{"group": g, "touched": t, "escalated_onward": e, "reassigned_onward": r, "resolved": s}
            for g, t, e, r, s in rows]
    return sorted(work, key=lambda w: (-w["touched"], w["group"]))


def _group_work(cur, params: dict, group: str) -> dict:
    """`reports.handled.group_work`: what `group` did in the period, counted, with the first
    ticket ids of each outcome."""
    flags = ", ".join(f"{condition} AS {name}" for name, condition in OUTCOMES.items())
    cur.execute(f"""CREATE TEMPORARY TABLE kpi_work ON COMMIT DROP AS
                    SELECT h.id, {flags} FROM ({HELD}) AS h WHERE h.name = %(group)s AND {TOUCHED}""", params)
    work: dict = {"group": group}
    tickets = {}
    for name in ("touched", *OUTCOMES):
        where = "true" if name == "touched" else name
        work[name] = _all(cur, f"SELECT count(*) FROM kpi_work WHERE {where}", params)[0][0]
        tickets[name] = [tid for (tid,) in _all(cur, f'SELECT id FROM kpi_work WHERE {where} '
                                                     f'ORDER BY id COLLATE "C" LIMIT {LISTED}', params)]
    return {**work, "tickets": tickets}


# --by group: one row per (ticket, group that held it), with what that group was credited with;
# a row from before `handling` was kept, once for its current group
PARTS_BY_GROUP = f"""
    SELECT h.name AS part, h.flags & {RESOLVED} <> 0 AS credited_resolved, h.flags & {ESCALATED} <> 0 AS credited_escalated,
           r.* FROM kpi_rows AS r, unnest(r.held_by, r.held_flags) AS h(name, flags) WHERE r.has_handling
    UNION ALL
    SELECT COALESCE(r.grp, '(none)'), false, false, r.* FROM kpi_rows AS r WHERE NOT r.has_handling
"""
VALUE_COLUMNS = {"channel": "channel", "category": "category", "type": "type"}  # --by -> column of ticket_facts
PARTS_BY_VALUE = "SELECT COALESCE({0}::text, '(none)') AS part, false AS credited_resolved, false AS credited_escalated, r.* FROM kpi_rows AS r"


def _breakdown(cur, params: dict, by: str, fcr_rules) -> list[dict]:
    """`reports.handled.breakdown`: the main figures per group, channel, category or type."""
    held = by == "group"
    parts = PARTS_BY_GROUP if held else PARTS_BY_VALUE.format(VALUE_COLUMNS[by])
    cur.execute(f"CREATE TEMPORARY TABLE kpi_parts ON COMMIT DROP AS SELECT * FROM ({parts}) AS p WHERE {COHORT}",
                params)
    resolved, escalated = ("credited_resolved AND done", "credited_escalated") if held else (WAS_RESOLVED, "escalated")
    fcr_by: dict[str, dict[str, list]] = {}
    for part, kind, value, n, hits in _all(cur, """
        SELECT part, CASE GROUPING(channel, grp) WHEN 1 THEN 'channel' ELSE 'group' END, COALESCE(channel, grp),
               count(*), count(*) FILTER (WHERE fcr)
        FROM kpi_parts GROUP BY GROUPING SETS ((part, channel), (part, grp))""", params):
        fcr_by.setdefault(part, {"channel": [], "group": []})[kind].append((value, hits, n))
    rows = []
    for (part, total, fcr, credited_resolved, credited_escalated, resolved_n, median_resolution,
         handled_n, median_handling, response_met, response_breached, resolution_met, resolution_breached,
         score_mean, score_count) in _all(cur, f"""
        SELECT part, count(*), count(*) FILTER (WHERE fcr), count(*) FILTER (WHERE {resolved}),
               count(*) FILTER (WHERE {escalated}),
               count(*) FILTER (WHERE {WAS_RESOLVED}),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY {AGE.format('resolved')}) FILTER (WHERE {WAS_RESOLVED}),
               count(*) FILTER (WHERE {WAS_RESOLVED} AND handling IS NOT NULL),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY handling) FILTER (WHERE {WAS_RESOLVED} AND handling IS NOT NULL),
               count(*) FILTER (WHERE response = 'met'), count(*) FILTER (WHERE response = 'breached'),
               count(*) FILTER (WHERE resolution = 'met'), count(*) FILTER (WHERE resolution = 'breached'),
               avg(score)::float8, count(score)
        FROM kpi_parts GROUP BY part""", params):
        found = fcr_by.get(part, {"channel": [], "group": []})
        rows.append({
            by: part, "volume": total, "resolved": credited_resolved, "escalated": credited_escalated,
            "first_contact_resolution": _first_contact(fcr, total, fcr_rules, found),
            "median_handling_seconds": _round(median_handling) if handled_n else None,
            "median_resolution_seconds": _round(median_resolution) if resolved_n else None,
            "response_sla": _rate(response_met, response_met + response_breached),
            "resolution_sla": _rate(resolution_met, resolution_met + resolution_breached),
            "csat": {"average": round(score_mean, 2) if score_count else None, "responses": score_count},
        })
    return sorted(rows, key=lambda r: (-r["volume"], str(r[by])))


def _round(value, digits: int = 1):
    return round(value, digits) if value is not None else None


def _satisfaction(cur, params: dict, settings, language: str) -> dict:
    """`reports.satisfaction.compute` over the cohort's survey answers."""
    from deskctl.reports.satisfaction import DIMENSIONS, LOWEST, OVERALL, question_figures

    questions = {q.id: q for q in settings.questions}
    scales = {qid: q.scale for qid, q in questions.items() if q.kind == "scale"}
    # the cohort's surveys once, their answers once, then every rating once: the figures below
    # read only these
    cur.execute(f"""CREATE TEMPORARY TABLE kpi_surveys ON COMMIT DROP AS
                    SELECT id, grp, category, channel, score, survey FROM kpi_rows
                    WHERE {COHORT} AND jsonb_typeof(survey) = 'object'""", params)
    cur.execute("""CREATE TEMPORARY TABLE kpi_answers ON COMMIT DROP AS
                   SELECT id, grp, category, channel, a.key AS qid, a.value,
                          jsonb_typeof(a.value) = 'number' AND a.value::text ~ '^-?[0-9]+$' AS rating
                   FROM kpi_surveys, jsonb_each(CASE jsonb_typeof(survey->'answers') WHEN 'object'
                                                THEN survey->'answers' ELSE '{}' END) AS a""")
    cur.execute(f"""CREATE TEMPORARY TABLE kpi_given ON COMMIT DROP AS
                    SELECT id, grp, category, channel, '{OVERALL}' AS qid, score AS value FROM kpi_surveys
                    WHERE score IS NOT NULL
                    UNION ALL
                    SELECT id, grp, category, channel, qid, value::text::int FROM kpi_answers WHERE rating""")
    counted: dict[str, dict] = {"": {}, "method": {}, **{dim: {} for dim in DIMENSIONS}}
    for part, value, n in _all(cur, """
        SELECT CASE GROUPING(method, grp, category, channel) WHEN 15 THEN '' WHEN 7 THEN 'method'
                    WHEN 11 THEN 'group' WHEN 13 THEN 'category' ELSE 'channel' END,
               COALESCE(method, grp, category, channel), count(*)
        FROM (SELECT COALESCE(NULLIF(survey->>'method', ''), '(not recorded)') AS method, grp, category, channel
              FROM kpi_surveys) AS s
        GROUP BY GROUPING SETS ((), (method), (grp), (category), (channel))""", params):
        counted[part][value] = n
    responses = counted[""].get(None, 0)
    methods = counted["method"]
    # each rating counted per value, and summed per group, category and channel: one pass
    ratings: dict[str, dict[int, int]] = {}
    sums: dict[str, list] = {dim: [] for dim in DIMENSIONS}
    for grouping, qid, value, grp, category, channel, total, n in _all(cur, """
        SELECT GROUPING(value, grp, category, channel), qid, value, grp, category, channel, sum(value), count(*)
        FROM kpi_given GROUP BY GROUPING SETS ((qid, value), (qid, grp), (qid, category), (qid, channel))""",
                                                                       params):
        if grouping == 7:
            ratings.setdefault(qid, {})[value] = n
        else:
            dim = {11: "group", 13: "category", 14: "channel"}[grouping]
            sums[dim].append(({"group": grp, "category": category, "channel": channel}[dim], qid, total, n))
    picked: dict[str, dict[str, int]] = {}
    for qid, value, n in _all(cur, """
        SELECT qid, CASE jsonb_typeof(value) WHEN 'string' THEN value #>> '{}' WHEN 'null' THEN 'None'
                    WHEN 'boolean' THEN initcap(value::text) ELSE value::text END, count(*)
        FROM kpi_answers WHERE NOT rating GROUP BY 1, 2""", params):
        picked.setdefault(qid, {})[value] = n
    for qid in ratings:
        scales.setdefault(qid, 5)
    scales[OVERALL] = 5

    listed = question_figures(questions, scales, ratings, picked, language)
    rated = [e["id"] for e in listed if e["kind"] == "scale"]

    breakdowns = {}
    for dim in DIMENSIONS:
        table: dict[str, dict] = {}
        for value, n in counted[dim].items():
            table["(none)" if value is None else str(value)] = {"responses": n, "means": dict.fromkeys(rated)}
        for value, qid, total, n in sums[dim]:
            slot = table["(none)" if value is None else str(value)]["means"]
            if qid in slot:
                slot[qid] = round(total / n, 2)
        breakdowns[f"by_{dim}"] = dict(sorted(table.items(), key=lambda kv: (-kv[1]["responses"], kv[0])))

    qids, qscales = list(scales), [scales[q] for q in scales]
    lowest = []
    for tid, rank, survey, grp, category, channel in _all(cur, f"""
        SELECT k.id, r.rank, k.survey, k.grp, k.category, k.channel FROM (
            SELECT g.id, CASE WHEN bool_or(g.qid = '{OVERALL}') THEN max(g.value) FILTER (WHERE g.qid = '{OVERALL}')
                              ELSE avg(1 + 4.0 * (g.value - 1) / (s.scale - 1)) END::numeric AS rank
            FROM kpi_given AS g JOIN unnest(%(qids)s::text[], %(scales)s::int[]) AS s(qid, scale) USING (qid)
            GROUP BY g.id) AS r
        RIGHT JOIN (SELECT * FROM kpi_surveys WHERE COALESCE(survey->>'comment', '') ~ '[^[:space:]]') AS k USING (id)
        ORDER BY COALESCE(round(r.rank, 2), 6), COALESCE(k.survey->>'at', '') COLLATE "C", k.id COLLATE "C"
        LIMIT {LOWEST}
        """, {**params, "qids": qids, "scales": qscales}):
        lowest.append({"id": tid, "score": round(float(rank), 2) if rank is not None else None,
                       "comment": str(survey["comment"]), "method": survey.get("method"), "group": grp,
                       "category": category, "channel": channel, "at": survey.get("at")})
    return {"responses": responses, "questions": listed, **breakdowns,
            "by_method": dict(sorted(methods.items(), key=lambda kv: (-kv[1], kv[0]))),
            "lowest_comments": lowest}
